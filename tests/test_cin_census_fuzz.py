"""Random byte mutations of valid returns never escape as anything but a DemandModelError."""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demandmodel import CINCensus, DemandModelError, Workforce, read_cin_census, read_workforce

VALID_CIN = b"""<?xml version="1.0" encoding="utf-8"?>
<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2022</Year>
<ReferenceDate>2022-03-31</ReferenceDate></CollectionDetails><Source><SourceLevel>L</SourceLevel>
<LEA>201</LEA></Source></Header><Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID>
<UPN>A123456789123</UPN><PersonBirthDate>2015-03-24</PersonBirthDate><GenderCurrent>1</GenderCurrent>
</ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity><Disabilities><Disability>HAND</Disability>
</Disabilities></ChildCharacteristics><CINdetails><CINreferralDate>2020-10-06</CINreferralDate>
<ReferralSource>1A</ReferralSource><PrimaryNeedCode>N4</PrimaryNeedCode><CINclosureDate>2021-02-27</CINclosureDate>
<ReasonForClosure>RC1</ReasonForClosure><Assessments><AssessmentActualStartDate>2020-10-08</AssessmentActualStartDate>
<AssessmentAuthorisationDate>2020-11-18</AssessmentAuthorisationDate><FactorsIdentifiedAtAssessment>
<AssessmentFactors>2A</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>
<CINPlanDates><CINPlanStartDate>2020-12-24</CINPlanStartDate><CINPlanEndDate>2021-01-26</CINPlanEndDate></CINPlanDates>
<Section47><S47ActualStartDate>2020-10-09</S47ActualStartDate><DateOfInitialCPC>2020-10-20</DateOfInitialCPC>
<ICPCnotRequired>false</ICPCnotRequired></Section47><ReferralNFA>false</ReferralNFA>
<ChildProtectionPlans><CPPstartDate>2020-10-20</CPPstartDate><CPPendDate>2021-02-14</CPPendDate>
<InitialCategoryOfAbuse>PHY</InitialCategoryOfAbuse><LatestCategoryOfAbuse>PHY</LatestCategoryOfAbuse>
<NumberOfPreviousCPP>1</NumberOfPreviousCPP><Reviews><CPPreviewDate>2021-01-15</CPPreviewDate></Reviews>
</ChildProtectionPlans></CINdetails></Child></Children></Message>
"""

VALID_CSWW = b"""<Message><Header><CollectionDetails><Collection>CSWW</Collection><Year>2022</Year>
<ReferenceDate>2022-09-30</ReferenceDate></CollectionDetails><Source><LEA>301</LEA></Source></Header>
<LALevelVacancies><NumberOfVacancies>7.50</NumberOfVacancies><NoAgencyFTE>3.20</NoAgencyFTE>
<NoAgencyHeadcount>4</NoAgencyHeadcount></LALevelVacancies>
<CSWWWorker><AgencyWorker>0</AgencyWorker><SWENo>SW12345</SWENo><FTE>1.000000</FTE><GenderCurrent>2</GenderCurrent>
<OrgRole>5</OrgRole><RoleStartDate>2019-04-01</RoleStartDate><FTE30>1.000000</FTE30><Cases30>17</Cases30></CSWWWorker>
<CSWWWorker><AgencyWorker>1</AgencyWorker><SWENo>SW99</SWENo><FTE>0.500000</FTE><OrgRole>5</OrgRole>
<RoleStartDate>2021-01-01</RoleStartDate><RoleEndDate>2022-06-30</RoleEndDate></CSWWWorker></Message>
"""


def test_unmutated_documents_are_valid() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cin = Path(tmp) / "cin.xml"
        cin.write_bytes(VALID_CIN)
        census = read_cin_census(cin)
        assert (len(census.cin_episodes), len(census.cp_plans), len(census.cp_reviews)) == (1, 1, 1)
        csww = Path(tmp) / "csww.xml"
        csww.write_bytes(VALID_CSWW)
        summary = read_workforce(csww).summary.iloc[0]
        assert float(summary["caseload"]) == 17.0 and float(summary["headcount"]) == 1.0


mutation = st.tuples(
    st.sampled_from(["replace", "insert", "delete"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.binary(min_size=1, max_size=3),
)


def mutate(data: bytes, edits: list[tuple[str, float, bytes]]) -> bytes:
    buf = bytearray(data)
    for kind, where, payload in edits:
        i = min(int(where * len(buf)), max(len(buf) - 1, 0))
        if kind == "replace":
            buf[i : i + len(payload)] = payload
        elif kind == "insert":
            buf[i:i] = payload
        else:
            del buf[i : i + len(payload)]
    return bytes(buf)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(mutation, min_size=1, max_size=4), repair=st.booleans())
def test_mutated_cin_xml_only_raises_demandmodel_errors(
    edits: list[tuple[str, float, bytes]], repair: bool
) -> None:
    data = mutate(VALID_CIN, edits)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cin.xml"
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # DataRepairWarning in repair mode
                assert isinstance(read_cin_census(path, repair=repair), CINCensus)
        except DemandModelError:
            pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_workforce_xml_only_raises_demandmodel_errors(
    edits: list[tuple[str, float, bytes]],
) -> None:
    data = mutate(VALID_CSWW, edits)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "csww.xml"
        path.write_bytes(data)
        with contextlib.suppress(DemandModelError):
            assert isinstance(read_workforce(path), Workforce)
