"""Malformed SSDA903 input: every case gives a DataValidationError with a useful message, or a
logged repair; fuzzed files raise nothing but DemandModelError; nothing is ever lost."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import demandmodel
from demandmodel import columns as C

EP_HEAD = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)
GOOD = [
    "1,01/05/2021,S,C2,N1,U4,PR1,01/09/2021,X1,CARPL,,,",
    "1,01/09/2021,P,C2,N1,K2,PR4,,,,,,",
    "2,15/06/2021,S,V2,N1,P1,PR0,20/12/2021,E4A,,,,",
]


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def failures_of(*paths: Path, **kw: object) -> pd.DataFrame:
    with pytest.raises(demandmodel.DataValidationError) as info:
        demandmodel.read_ssda903(list(paths), **kw)  # type: ignore[arg-type]
    return info.value.failures


def only(frame: pd.DataFrame) -> dict[str, object]:
    assert len(frame) == 1, frame.to_string()
    return dict(frame.iloc[0])


# --- structure -------------------------------------------------------------------------------


def test_truncated_csv_row(tmp_path: Path) -> None:
    f = tmp_path / "episodes.csv"
    f.write_text("\n".join([EP_HEAD, *GOOD]) + "\n3,01/07/2021,S,C")  # cut mid-row
    fail = only(failures_of(f))
    assert fail["rule"] == "row_shape" and fail["row"] == 4
    assert "row has 4 cells but the header has 13 (truncated file or stray comma)" in str(
        fail["message"]
    )
    data = demandmodel.read_ssda903(f, repair=True)
    assert data.log[["row", "rule", "action"]].values.tolist() == [[4, "row_shape", "dropped"]]
    assert len(data.episodes) == 3


def test_missing_column_cannot_be_repaired(tmp_path: Path) -> None:
    head = EP_HEAD.replace(",PLACE,", ",")
    f = write(tmp_path / "episodes.csv", [head, "1,01/05/2021,S,C2,N1,PR1,,,,,,"])
    for repair in (False, True):
        fail = only(failures_of(f, repair=repair))
        assert fail["rule"] == "missing_column" and fail["column"] == "PLACE"
        assert "looks like the SSDA903 episodes table but lacks column(s) PLACE" in str(
            fail["message"]
        )


def test_renamed_column_is_named_in_the_message(tmp_path: Path) -> None:
    head = EP_HEAD.replace(",DEC,", ",DATE_EPISODE_CEASED,")
    f = write(tmp_path / "episodes.csv", [head, GOOD[0]])
    fail = only(failures_of(f))
    assert "lacks column(s) DEC" in str(fail["message"])
    assert "unrecognised column(s) DATE_EPISODE_CEASED may be renamed copies" in str(
        fail["message"]
    )


def test_xml_names_and_lower_case_headers_are_accepted(tmp_path: Path) -> None:
    head = EP_HEAD.lower().replace(",place,", ",pl,").replace("child,", "CHILDID,", 1)
    f = write(tmp_path / "episodes.csv", [head, *GOOD])
    data = demandmodel.read_ssda903(f)
    assert data.episodes[C.PLACEMENT].tolist() == ["U4", "K2", "P1"]


def test_unknown_table(tmp_path: Path) -> None:
    f = write(tmp_path / "pets.csv", ["NAME,SPECIES,LEGS", "Rex,dog,4"])
    fail = only(failures_of(f))
    assert fail["rule"] == "unknown_table"
    assert "match no SSDA903 table" in str(fail["message"])


def test_empty_files(tmp_path: Path) -> None:
    empty = tmp_path / "episodes.csv"
    empty.write_bytes(b"")
    fail = only(failures_of(empty, repair=True))
    assert fail["rule"] == "file_empty" and "the file is empty" in str(fail["message"])
    blank = tmp_path / "blank.csv"
    blank.write_bytes(codecs.BOM_UTF8 + b"\r\n  \r\n")
    assert only(failures_of(blank))["rule"] == "file_empty"
    header_only = write(tmp_path / "episodes2.csv", [EP_HEAD])
    data = demandmodel.read_ssda903(header_only)
    assert data.episodes.empty and tuple(data.episodes.columns) == C.EPISODE_COLUMNS


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    fail = only(failures_of(tmp_path / "nope.csv"))
    assert fail["rule"] == "file_not_found"
    (tmp_path / "empty").mkdir()
    assert only(failures_of(tmp_path / "empty"))["rule"] == "no_files"


# --- values ----------------------------------------------------------------------------------


def test_bad_and_impossible_dates(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        [
            EP_HEAD,
            "1,31/02/2020,S,C2,N1,U4,PR1,,,,,,",
            "2,01/05/2021,S,C2,N1,U4,PR1,Notadate,X1,,,,",
            "3,,S,C2,N1,U4,PR1,,,,,,",
        ],
    )
    fails = failures_of(f).sort_values("row", kind="stable")
    assert fails[["row", "column", "value", "rule"]].values.tolist() == [
        [1, "DECOM", "31/02/2020", "date_invalid"],
        [2, "DEC", "Notadate", "date_invalid"],
        [3, "DECOM", "", "decom_missing"],
    ]
    assert "DECOM is not a real date (use DD/MM/YYYY or YYYY-MM-DD)" in fails["message"].iloc[0]
    data = demandmodel.read_ssda903(f, repair=True)
    assert data.episodes[C.CHILD].tolist() == ["2"] and pd.isna(data.episodes[C.END].iloc[0])
    assert sorted(data.log[["row", "action"]].values.tolist()) == [
        [1, "dropped"],
        [2, "changed"],
        [3, "dropped"],
    ]


def test_dec_before_decom(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        [
            EP_HEAD,
            "1,01/05/2021,S,C2,N1,U4,PR1,01/04/2021,X1,,,,",  # a later episode follows
            "1,01/08/2021,P,C2,N1,K2,PR4,01/07/2021,E4A,,,,",  # the last one
        ],
    )
    fails = failures_of(f)
    assert fails[["row", "column", "value", "rule"]].values.tolist() == [
        [1, "DEC", "01/04/2021", "dec_before_decom"],
        [2, "DEC", "01/07/2021", "dec_before_decom"],
    ]
    assert "DEC (episode end) is earlier than DECOM (episode start); correct DEC or DECOM" in str(
        fails["message"].iloc[0]
    )
    data = demandmodel.read_ssda903(f, repair=True)
    ep = data.episodes
    # kept, not dropped: ended at the next DECOM, or at 31 March of the return's year
    assert ep[C.END].tolist() == [pd.Timestamp("2021-08-01"), pd.Timestamp("2022-03-31")]
    assert ep[C.REASON_END].tolist() == ["X1", "E4A"]
    assert set(data.log["rule"]) == {"dec_before_decom"}
    assert set(data.log["action"]) == {"changed"}


def test_overlapping_episodes(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        [
            EP_HEAD,
            "1,01/05/2021,S,C2,N1,U4,PR1,01/10/2021,X1,,,,",
            "1,01/09/2021,P,C2,N1,K2,PR4,,,,,,",
        ],
    )
    fail = only(failures_of(f))
    assert (fail["rule"], fail["row"], fail["value"]) == ("overlap", 1, "2021-10-01")
    assert f"ends after the next episode ({f} row 2) starts on 2021-09-01" in str(fail["message"])
    data = demandmodel.read_ssda903(f, repair=True)
    assert data.episodes[C.END].iloc[0] == pd.Timestamp("2021-09-01")
    assert data.episodes[C.PERIOD_OF_CARE].tolist() == [1, 1]


def test_open_episode_followed_by_another(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        [EP_HEAD, "1,01/05/2021,S,C2,N1,U4,PR1,,,,,,", "1,01/09/2021,P,C2,N1,K2,PR4,,,,,,"],
    )
    assert "is still open when the next episode" in str(only(failures_of(f))["message"])
    ep = demandmodel.read_ssda903(f, repair=True).episodes
    assert ep[C.END].iloc[0] == pd.Timestamp("2021-09-01") and ep[C.REASON_END].iloc[0] == "X1"


def test_invalid_codes(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        [EP_HEAD, "1,01/05/2021,S,FISH,N1,U4,PR9,,,,,,", "2,01/05/2021,,C2,N1,U4,PR1,,,,,,"],
    )
    fails = failures_of(f)
    assert fails[["row", "column", "value", "rule"]].values.tolist() == [
        [2, "RNE", "", "code_missing"],
        [1, "LS", "FISH", "code_invalid"],
        [1, "PLACE_PROVIDER", "PR9", "code_invalid"],
    ]
    assert (
        "'FISH' is not a valid LS code in any collection year; use one of C1, C2"
        in fails["message"].iloc[1]
    )
    ep = demandmodel.read_ssda903(f, repair=True).episodes
    assert ep[C.LEGAL_STATUS].isna().tolist() == [True, False]


def test_invalid_header_values(tmp_path: Path) -> None:
    ep = write(tmp_path / "episodes.csv", [EP_HEAD, GOOD[0]])
    head = write(
        tmp_path / "header.csv", ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB", "1,X,Notadate,WBRI,,,"]
    )
    fails = failures_of(ep, head)
    assert fails[["column", "value", "rule"]].values.tolist() == [
        ["SEX", "X", "sex_invalid"],
        ["DOB", "Notadate", "date_invalid"],
    ]
    assert "SEX 'X' is not 1, 2 (to 2023/24) or M, F, U (from 2024/25)" in fails["message"].iloc[0]


def test_duplicate_rows(tmp_path: Path) -> None:
    f = write(tmp_path / "episodes.csv", [EP_HEAD, GOOD[0], GOOD[0], GOOD[0].replace("PR1", "PR4")])
    fails = failures_of(f).sort_values("row")
    assert fails[["row", "rule"]].values.tolist() == [
        [1, "duplicate_episode"],
        [2, "duplicate_row"],
    ]
    assert "a later row of this file has the same CHILD and DECOM" in fails["message"].iloc[0]
    assert "exact copy of row 1 of the same file" in fails["message"].iloc[1]
    data = demandmodel.read_ssda903(f, repair=True)
    assert data.episodes[C.PROVIDER].tolist() == ["PR4"]  # the last version is kept
    assert data.log["action"].tolist() == ["merged", "merged"]
    assert data.log["after"].tolist() == [f"kept {f} row 3"] * 2


def test_every_problem_is_collected_before_raising(tmp_path: Path) -> None:
    a = write(
        tmp_path / "episodes.csv",
        [
            EP_HEAD,
            "1,31/02/2020,S,C2,N1,U4,PR1,,,,,,",
            "2,01/05/2021,S,C2,N1,FISH,PR1,,,,,,",
            "3,01/05/2021,S,C2,N1,U4,PR1,01/01/2021,E4A,,,,",
        ],
    )
    b = tmp_path / "b.xml"
    b.write_text("<EXPSSDA903><CHILD>")
    with pytest.raises(demandmodel.DataValidationError) as info:
        demandmodel.read_ssda903([a, b])
    err = info.value
    assert len(err.failures) == 4 and err.failures["file"].nunique() == 2
    assert "SSDA903: 4 problem(s) in 2 file(s)" in str(err)
    text = str(err)
    assert f"{a}, row 2, column PLACE, value 'FISH'" in text and "[xml_malformed]" in text


# --- encodings -------------------------------------------------------------------------------


def test_utf8_bom_is_invisible(tmp_path: Path) -> None:
    f = tmp_path / "episodes.csv"
    f.write_bytes(codecs.BOM_UTF8 + ("\n".join([EP_HEAD, *GOOD]) + "\n").encode())
    data = demandmodel.read_ssda903(f)
    assert len(data.episodes) == 3 and data.log.empty


def test_cp1252_file_is_decoded_and_logged(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv", [EP_HEAD, GOOD[0].replace(",,,", ",Café Road,,", 1)], "cp1252"
    )
    data = demandmodel.read_ssda903(f)
    assert len(data.episodes) == 1
    assert data.log[["rule", "action", "after"]].values.tolist() == [
        ["encoding", "decoded", "cp1252 (Windows)"]
    ]


def test_utf16_file(tmp_path: Path) -> None:
    f = write(tmp_path / "episodes.csv", [EP_HEAD, *GOOD], "utf-16")
    assert len(demandmodel.read_ssda903(f).episodes) == 3


# --- XML -------------------------------------------------------------------------------------


def test_malformed_xml(tmp_path: Path) -> None:
    f = tmp_path / "return.xml"
    f.write_text(
        "<EXPSSDA903><CHILD><HEADER><CHILDID>1</CHILDID></HEADER>\n<EPISODE></CHILD></EXPSSDA903>"
    )
    fail = only(failures_of(f, repair=True))
    assert fail["rule"] == "xml_malformed"
    assert "not well-formed XML at line 2" in str(fail["message"])


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    lol = "".join(entities)
    f = tmp_path / "return.xml"
    f.write_text(
        f'<?xml version="1.0"?><!DOCTYPE EXPSSDA903 [{lol}]><EXPSSDA903>&lol9;</EXPSSDA903>'
    )
    fail = only(failures_of(f, repair=True))
    assert fail["rule"] == "xml_forbidden"
    assert "declares entities or external references" in str(fail["message"])


def test_external_entity_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "return.xml"
    f.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><EXPSSDA903>&x;</EXPSSDA903>'
    )
    assert only(failures_of(f))["rule"] == "xml_forbidden"


def test_xml_of_another_return(tmp_path: Path) -> None:
    f = tmp_path / "cin.xml"
    f.write_text("<Message><Header/><Children/></Message>")
    fail = only(failures_of(f))
    assert fail["rule"] == "unknown_table" and "not an SSDA903 XML return" in str(fail["message"])


# --- fuzz: mutations of a valid file raise only DemandModelError -----------------------------

VALID = (
    "\n".join(
        [
            EP_HEAD,
            *GOOD,
            "3,01/07/2021,S,C1,N2,T1,,05/07/2021,X1,,,,",
            "3,05/07/2021,T,C1,N2,U6,PR4,,,,,,",
        ]
    )
    + "\n"
).encode()

cell_values = st.one_of(
    st.sampled_from(
        [
            "",
            "31/02/2020",
            "Notadate",
            "FISH",
            "2021-13-45",
            "00/00/0000",
            "S",
            "V3",
            "T2",
            "99999999",
            ",",
            '"',
            "\n",
            "01/05/2021",
            "2021-05-01",
        ]
    ),
    st.text(max_size=12),
)


def _read_both(path: Path) -> None:
    for repair in (False, True):
        try:
            data = demandmodel.read_ssda903(path, repair=repair)
        except demandmodel.DemandModelError:
            continue
        assert tuple(data.episodes.columns) == C.EPISODE_COLUMNS


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(VALID) - 1),
            st.integers(0, 255),
            st.sampled_from(["set", "insert", "delete"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_fuzz_byte_mutations(tmp_path: Path, edits: list[tuple[int, int, str]]) -> None:
    data = bytearray(VALID)
    for pos, byte, op in edits:
        pos = min(pos, len(data) - 1) if data else 0
        if op == "set" and data:
            data[pos] = byte
        elif op == "insert":
            data.insert(pos, byte)
        elif data:
            del data[pos]
    f = tmp_path / "episodes.csv"
    f.write_bytes(bytes(data))
    _read_both(f)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 12), cell_values), min_size=1, max_size=6
    )
)
def test_fuzz_cell_mutations(tmp_path: Path, edits: list[tuple[int, int, str]]) -> None:
    rows = [r.split(",") for r in VALID.decode().splitlines()]
    for r, c, value in edits:
        rows[min(r, len(rows) - 1)][c] = value
    f = tmp_path / "episodes.csv"
    f.write_text("\n".join(",".join(r) for r in rows) + "\n")
    _read_both(f)


# --- nothing lost ----------------------------------------------------------------------------

PLACES = ["U4", "U1", "K2", "P1", "A3", "H5", "K3", "T1", "T4", "Z12", "R5", "FISH", "u6"]
STATUS = ["C2", "C1", "V2", "V3", "V4", "E1", "J2", "BAD"]
DATES = st.dates(
    min_value=pd.Timestamp("2016-04-01").date(), max_value=pd.Timestamp("2022-03-31").date()
)


@st.composite
def messy_returns(draw: st.DrawFn) -> dict[int, list[str]]:
    """1-3 annual returns re-stating random, partly inconsistent, partly broken episodes."""
    rows_by_year: dict[int, list[str]] = {}
    years = draw(
        st.lists(st.sampled_from([2019, 2020, 2021, 2022]), min_size=1, max_size=3, unique=True)
    )
    children = [str(i) for i in range(draw(st.integers(1, 5)))]
    for year in sorted(years):
        rows: list[str] = []
        for _ in range(draw(st.integers(0, 10))):
            child = draw(st.sampled_from([*children, ""]))
            start = draw(DATES)
            kind = draw(
                st.sampled_from(["closed", "open", "bad_start", "bad_end", "before", "short"])
            )
            length = draw(st.integers(0, 400))
            end = start + pd.Timedelta(days=length).to_pytimedelta()
            decom = start.strftime("%d/%m/%Y") if draw(st.booleans()) else start.isoformat()
            dec = end.strftime("%d/%m/%Y") if kind == "closed" else ""
            if kind == "bad_start":
                decom = draw(st.sampled_from(["31/02/2020", "Notadate", ""]))
            if kind == "bad_end":
                dec = "Notadate"
            if kind == "before":
                dec = (start - pd.Timedelta(days=3).to_pytimedelta()).strftime("%d/%m/%Y")
            rec = draw(st.sampled_from(["X1", "E4A", "E11", ""])) if dec else ""
            row = [
                child,
                decom,
                draw(st.sampled_from(["S", "P", "L", "T"])),
                draw(st.sampled_from(STATUS)),
                "N1",
                draw(st.sampled_from(PLACES)),
                draw(st.sampled_from(["PR1", "PR4", ""])),
                dec,
                rec,
                "",
                "",
                "",
                "",
            ]
            if kind == "short":
                row = row[: draw(st.integers(1, 12))]
            rows.append(",".join(row))
            if draw(st.integers(0, 5)) == 0:
                rows.append(rows[-1])  # exact duplicate
        rows_by_year[year] = rows
    return rows_by_year


HEADER_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["0", "1", "2", "3", ""]),
        st.sampled_from(["1", "2", "M", "F", "U", "X", ""]),
        st.sampled_from(["01/02/2010", "2011-03-04", "31/02/2020", "Notadate", ""]),
    ),
    max_size=6,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    returns=messy_returns(),
    headers=st.lists(HEADER_ROWS, min_size=4, max_size=4),
    include_respite=st.booleans(),
    absorb=st.booleans(),
)
def test_nothing_lost(
    tmp_path: Path,
    returns: dict[int, list[str]],
    headers: list[list[tuple[str, str, str]]],
    include_respite: bool,
    absorb: bool,
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    written = {"episodes": 0, "header": 0}
    for (year, rows), head in zip(returns.items(), headers, strict=False):
        (folder / str(year)).mkdir(parents=True)
        write(folder / str(year) / "episodes.csv", [EP_HEAD, *rows])
        written["episodes"] += sum(1 for r in rows if r.replace(",", "").strip())  # blank: no row
        lines = [f"{c},{sex},{dob},WBRI,,," for c, sex, dob in head]
        write(folder / str(year) / "header.csv", ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB", *lines])
        written["header"] += len(lines)
    data = demandmodel.read_ssda903(
        folder, repair=True, include_respite=include_respite, absorb_temporary=absorb
    )
    removed = data.log[data.log["action"].isin(["dropped", "merged"])]
    from_episodes = removed["file"].str.endswith("episodes.csv")
    assert written["episodes"] == len(data.episodes) + int(from_episodes.sum()), (
        returns,
        data.log.to_string(),
        data.episodes.to_string(),
    )
    assert written["header"] == len(data.header) + int((~from_episodes).sum())
    assert not removed.duplicated(["file", "row"]).any()  # each input row accounted for once
    assert not data.header.duplicated([C.LA_CODE, C.CHILD]).any()
    ep = data.episodes
    assert (ep[C.END].isna() | (ep[C.END] >= ep[C.START])).all()
    nxt = ep.groupby([C.LA_CODE, C.CHILD])[C.START].shift(-1)
    assert not (nxt.notna() & (ep[C.END].isna() | (ep[C.END] > nxt))).any()
    if not include_respite:
        assert not ep[C.LEGAL_STATUS].isin(["V3", "V4"]).any()


VALID_XML = (
    b"<?xml version='1.0' encoding='utf-8'?><EXPSSDA903><CHILD><HEADER><CHILDID>9</CHILDID><SEX>2</SEX>"
    b"<DOB>01/02/2007</DOB><UASC/></HEADER><EPISODE><DECOM>01/05/2021</DECOM><RNE>S</RNE><LS>C2</LS>"
    b"<PL>U1</PL><PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>01/06/2021</DEC><REC>X1</REC></EPISODE>"
    b"<EPISODE><DECOM>01/06/2021</DECOM><RNE>P</RNE><LS>C2</LS><PL>K2</PL><DEC/><REC/></EPISODE>"
    b"</CHILD></EXPSSDA903>"
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(VALID_XML) - 1), st.integers(0, 255)), min_size=1, max_size=6
    )
)
def test_fuzz_xml_byte_mutations(tmp_path: Path, edits: list[tuple[int, int]]) -> None:
    data = bytearray(VALID_XML)
    for pos, byte in edits:
        data[pos] = byte
    f = tmp_path / "return.xml"
    f.write_bytes(bytes(data))
    _read_both(f)


def test_semicolon_and_tab_separated_files(tmp_path: Path) -> None:
    for sep, name in ((";", "semi.csv"), ("\t", "tab.csv")):
        f = write(tmp_path / name, [line.replace(",", sep) for line in [EP_HEAD, *GOOD]])
        assert demandmodel.read_ssda903(f).episodes[C.PLACEMENT].tolist() == ["U4", "K2", "P1"]
