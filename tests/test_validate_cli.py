"""``demandmodel validate``: kind detection, grouped failure report, exit codes, --repair preview."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import demandmodel
from demandmodel.cli import main
from demandmodel.cli.validate import detect_kind

EP_HEAD = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)


def write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_clean_return_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "episodes.csv", [EP_HEAD, "1,01/05/2021,S,C2,N1,U4,PR1,,,,,,"])
    write(
        tmp_path / "header.csv",
        ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB", "1,1,01/01/2010,WBRI,,,"],
    )
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "OK: 1 episodes of 1 children from 2 file(s)" in out
    assert out.strip().endswith("all inputs valid")


def test_every_failure_is_reported_grouped_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = write(
        tmp_path / "episodes.csv",
        [
            EP_HEAD,
            "1,01/05/2021,S,C2,N1,FISH,PR1,,,,,,",
            "2,31/02/2021,S,C2,N1,U4,PR1,,,,,,",
            "3,01/05/2021,S,C2,N1,CAT,PR1,,,,,,",
        ],
    )
    assert main(["validate", str(f)]) == 2
    out = capsys.readouterr().out
    assert "FAILED: SSDA903: 3 problem(s) in 1 file(s)" in out
    assert f"  {f}\n" in out
    assert "[code_invalid] 2 problem(s)" in out
    assert "- row 1, column PLACE, value 'FISH': 'FISH' is not a valid PLACE code" in out
    assert "- row 3, column PLACE, value 'CAT'" in out
    assert "[date_invalid] 1 problem(s)" in out and "value '31/02/2021'" in out
    assert "problems found (exit code 2)" in out


def test_repair_shows_what_would_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(
        tmp_path / "episodes.csv",
        [EP_HEAD, "1,01/05/2021,S,C2,N1,FISH,PR1,,,,,,", "2,01/05/2021,S,V3,N1,U4,PR1,,,,,,"],
    )
    assert main(["validate", "--repair", str(f)]) == 0
    out = capsys.readouterr().out
    assert "OK: 1 episodes of 1 children" in out
    assert "1 repair(s) would be made" in out
    assert "[code_invalid] changed: 1 row(s)" in out
    assert f"- {f}, row 1, child 1 (PLACE=FISH -> PLACE=)" in out
    assert "documented processing (see .log): respite dropped 1" in out


def test_unrepairable_problems_still_fail_with_repair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "return.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE EXPSSDA903 [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<EXPSSDA903>&b;</EXPSSDA903>"
    )
    assert main(["validate", "--repair", str(bomb)]) == 2
    out = capsys.readouterr().out
    assert "[xml_forbidden] 1 problem(s)" in out


def test_unknown_and_missing_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = write(tmp_path / "notes.txt", ["hello"])
    assert main(["validate", str(notes), str(tmp_path / "nope.csv")]) == 2
    out = capsys.readouterr().out
    assert "not recognised as SSDA903, CIN census, workforce census or DfE statistics" in out
    assert "no such file or folder" in out


def test_detect_kind(tmp_path: Path) -> None:
    assert detect_kind(write(tmp_path / "a.csv", [EP_HEAD])) == "ssda903"
    assert detect_kind(write(tmp_path / "b.csv", ["time_period,geographic_level,la_name"])) == "dfe"
    assert (
        detect_kind(write(tmp_path / "c.xml", ["<EXPSSDA903><CHILD/></EXPSSDA903>"])) == "ssda903"
    )
    cin = [
        "<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header></Message>"
    ]
    assert detect_kind(write(tmp_path / "d.xml", cin)) == "cin"
    assert (
        detect_kind(write(tmp_path / "e.xml", ["<Message><CSWWWorker/></Message>"])) == "workforce"
    )
    assert detect_kind(write(tmp_path / "f.csv", ["A,B", "1,2"])) is None


def test_dispatch_to_other_readers_when_present(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cin = write(
        tmp_path / "cin.xml", ["<Message><Collection>CIN</Collection><Children/></Message>"]
    )
    dfe = write(tmp_path / "dfe.csv", ["time_period,la_name,value", "2022,X,1"])
    seen: list[Path] = []

    def fake_cin(path: Path) -> pd.DataFrame:
        seen.append(path)
        failures = pd.DataFrame(
            [
                {
                    "file": str(path),
                    "row": 3,
                    "column": "PersonBirthDate",
                    "value": "Notadate",
                    "rule": "date",
                    "message": "not a date",
                }
            ]
        )
        raise demandmodel.DataValidationError("CIN census: 1 problem", failures)

    def fake_dfe(path: Path) -> pd.DataFrame:
        seen.append(path)
        warnings.warn(
            "2 suppressed cells read as missing", demandmodel.DataRepairWarning, stacklevel=2
        )
        return pd.DataFrame({"value": [1.0, 2.0]})

    monkeypatch.setattr(demandmodel, "read_cin_census", fake_cin, raising=False)
    monkeypatch.setattr(demandmodel, "read_dfe", fake_dfe, raising=False)
    assert main(["validate", str(cin), str(dfe)]) == 2
    out = capsys.readouterr().out
    assert seen == [cin, dfe]
    assert "- row 3, column PersonBirthDate, value 'Notadate': not a date" in out
    assert "dfe: " in out and "OK: 2 rows" in out
    assert "note: 2 suppressed cells read as missing" in out  # reader warnings shown, not raised


def test_missing_reader_is_reported_not_crashed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from demandmodel.cli import validate

    # Public names load lazily, so a missing reader is simulated by naming one that does not exist.
    monkeypatch.setitem(validate.READERS, "workforce", "read_no_such_reader")
    f = write(tmp_path / "w.xml", ["<Message><CSWWWorker/></Message>"])
    assert main(["validate", str(f)]) == 0
    assert "SKIPPED: no reader for workforce inputs" in capsys.readouterr().out


@pytest.mark.shared_data
def test_validate_fixture_with_deliberate_errors(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = (
        shared_data
        / "fixtures"
        / "SocialFinanceDigitalLabs__liia-tools-pipeline"
        / "pipeline_testing"
        / "la_input"
        / "TT1"
        / "ssda903"
    )
    assert main(["validate", str(folder)]) == 2
    out = capsys.readouterr().out
    assert "[child_missing] 1 problem(s)" in out
    assert "value 'notadate'" in out and "value 'A'" in out
    assert main(["validate", "--repair", str(folder)]) == 0
    assert "OK: 16 episodes of 10 children from 10 file(s)" in capsys.readouterr().out


def test_mixed_folder_is_split_by_kind(tmp_path: Path) -> None:
    from demandmodel.cli.validate import classify

    write(
        tmp_path / "returns" / "2022" / "episodes.csv",
        [EP_HEAD, "1,01/05/2021,S,C2,N1,U4,PR1,,,,,,"],
    )
    write(tmp_path / "returns" / "2022" / "header.csv", ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"])
    write(tmp_path / "cin" / "2022" / "CINdetails.csv", ["LAchildID,CINdetailsID,CINreferralDate"])
    write(tmp_path / "cin" / "2022" / "Header.csv", ["Collection,Year,ReferenceDate"])
    write(tmp_path / "published.csv", ["time_period,la_name,value"])
    write(
        tmp_path / "faults.csv", ["file,row,child,column,fault"]
    )  # has CHILD, but is no SSDA903 table
    groups, unknown = classify([tmp_path])
    assert groups == {
        "cin": [tmp_path / "cin"],
        "ssda903": [tmp_path / "returns"],
        "dfe": [tmp_path / "published.csv"],
    }
    assert unknown == [tmp_path / "faults.csv"]


def test_a_crashing_reader_is_reported_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path) -> pd.DataFrame:
        raise KeyError("oops")

    monkeypatch.setattr(demandmodel, "read_dfe", broken, raising=False)
    dfe = write(tmp_path / "dfe.csv", ["time_period,la_name,value", "2022,X,1"])
    good = write(tmp_path / "episodes.csv", [EP_HEAD, "1,01/05/2021,S,C2,N1,U4,PR1,,,,,,"])
    assert main(["validate", str(dfe), str(good)]) == 1
    out = capsys.readouterr().out
    assert "ERROR: read_dfe failed unexpectedly (KeyError: 'oops'); please report" in out
    assert "OK: 1 episodes" in out  # the other inputs are still reported
