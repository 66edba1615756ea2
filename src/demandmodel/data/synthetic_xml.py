"""The synthetic CIN census as XML (``Message > Header, Children > Child*``), from the flat tables.

The XML is built from the same flattened tables that :mod:`synthetic_write` writes as CSV, so the
two forms carry the same facts; element order follows the DfE CIN census schema (2023). Empty
values are left out, as the schema's optional elements are.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.data.synthetic_xml import cin_census_xml
>>> tables = {
...     "Header": pd.DataFrame({"Collection": ["CIN"], "Year": ["2022"], "ReferenceDate": ["2022-03-31"],
...                             "SourceLevel": ["L"], "LEA": ["999"], "SoftwareCode": ["x"],
...                             "Release": ["1"], "SerialNo": ["1"], "DateTime": ["2022-05-01T09:00:00"]}),
...     "ChildIdentifiers": pd.DataFrame({"LAchildID": ["SB000001"], "PersonBirthDate": ["2015-03-27"],
...                                       "GenderCurrent": ["2"]}),
...     "ChildCharacteristics": pd.DataFrame({"LAchildID": ["SB000001"], "Ethnicity": ["WBRI"]}),
...     "CINdetails": pd.DataFrame({"LAchildID": ["SB000001"], "CINdetailsID": ["1"],
...                                 "CINreferralDate": ["2021-10-06"], "ReferralNFA": ["0"]}),
... }
>>> b"<LAchildID>SB000001</LAchildID>" in cin_census_xml(tables)
True
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

import pandas as pd

_IDENTIFIERS = ("LAchildID", "UPN", "FormerUPN", "UPNunknown", "PersonBirthDate",
                "ExpectedPersonBirthDate", "GenderCurrent", "PersonDeathDate")  # fmt: skip
_DETAILS_HEAD = ("CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate",
                 "ReasonForClosure", "DateOfInitialCPC")  # fmt: skip
_ASSESSMENT = (
    "AssessmentActualStartDate",
    "AssessmentInternalReviewDate",
    "AssessmentAuthorisationDate",
)
_S47 = ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired")
_CPP = ("CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP")  # fmt: skip


def _text(parent: ET.Element, tag: str, value: Any) -> None:
    if value is None or (isinstance(value, float) and value != value):
        return
    text = str(value)
    if text == "" or text == "<NA>":
        return
    ET.SubElement(parent, tag).text = text


def _rows(
    tables: dict[str, pd.DataFrame], name: str
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    frame = tables.get(name)
    if frame is None:
        return out
    for rec in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        row = {str(k): v for k, v in rec.items()}
        out[(str(row["LAchildID"]), str(row.get("CINdetailsID", "")))].append(row)
    return out


def cin_census_xml(tables: dict[str, pd.DataFrame]) -> bytes:
    """One CIN census XML document (UTF-8 bytes) from the flattened tables of one year."""
    msg = ET.Element("Message")
    header = ET.SubElement(msg, "Header")
    head = tables["Header"].iloc[0].to_dict()
    details = ET.SubElement(header, "CollectionDetails")
    for tag in ("Collection", "Year", "ReferenceDate"):
        _text(details, tag, head.get(tag))
    source = ET.SubElement(header, "Source")
    for tag in ("SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"):
        _text(source, tag, head.get(tag))
    children = ET.SubElement(msg, "Children")
    ethnicity = dict(zip(tables["ChildCharacteristics"]["LAchildID"],
                         tables["ChildCharacteristics"]["Ethnicity"], strict=True))  # fmt: skip
    assessments = _rows(tables, "Assessments")
    s47 = _rows(tables, "Section47")
    plans = _rows(tables, "ChildProtectionPlans")
    by_child: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (owner, _), recs in _rows(tables, "CINdetails").items():
        by_child[owner].extend(recs)
    ident = tables["ChildIdentifiers"]
    for rec in ident.astype(object).where(ident.notna(), None).to_dict("records"):
        child_id = str(rec["LAchildID"])
        child = ET.SubElement(children, "Child")
        ids = ET.SubElement(child, "ChildIdentifiers")
        for tag in _IDENTIFIERS:
            _text(ids, tag, rec.get(tag))
        chars = ET.SubElement(child, "ChildCharacteristics")
        _text(chars, "Ethnicity", ethnicity.get(child_id))
        for det in by_child.get(child_id, []):
            key = (child_id, str(det["CINdetailsID"]))
            node = ET.SubElement(child, "CINdetails")
            for tag in _DETAILS_HEAD:
                _text(node, tag, det.get(tag))
            for a in assessments.get(key, []):
                an = ET.SubElement(node, "Assessments")
                for tag in _ASSESSMENT:
                    _text(an, tag, a.get(tag))
                if a.get("AssessmentFactors"):
                    factors = ET.SubElement(an, "FactorsIdentifiedAtAssessment")
                    _text(factors, "AssessmentFactors", a["AssessmentFactors"])
            for x in s47.get(key, []):
                sn = ET.SubElement(node, "Section47")
                for tag in _S47:
                    _text(sn, tag, x.get(tag))
            _text(node, "ReferralNFA", det.get("ReferralNFA"))
            for p in plans.get(key, []):
                pn = ET.SubElement(node, "ChildProtectionPlans")
                for tag in _CPP:
                    _text(pn, tag, p.get(tag))
    ET.indent(msg, space=" ")
    return bytes(ET.tostring(msg, encoding="utf-8", xml_declaration=True)) + b"\n"
