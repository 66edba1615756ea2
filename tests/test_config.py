"""Run files: every section parsed, defaults documented, bad keys and values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from demandmodel.config import RunConfig
from demandmodel.errors import ScenarioError

FULL = """
[run]
title = "Test run"
data = "dfe"
data_kind = "published"
la_code = "301"
model = "naive"
origin = 2019
horizon = 3
samples = 200
seed = 9

[costs]
placement_inflation = 0.05
discount_rate = 0.03
[costs.weekly]
ifa_fostering = [900, 2022]
[costs.provider_mix.fostering]
in_house_fostering = 0.6
ifa_fostering = 0.4

[capacity]
occupancy = 0.85
[capacity.places]
fostering = [300, 310, 320]

[workforce]
case_holding_fte = 120
threshold = 20
target = 15

[[scenarios]]
name = "baseline"

[[scenarios]]
name = "fewer entries"
[[scenarios.interventions]]
type = "entry_change"
start = 2020-04-01
relative = -0.1
"""


def test_full_file(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text(FULL, encoding="utf-8")
    cfg = RunConfig.from_toml(path)
    assert (cfg.la_code, cfg.origin, cfg.horizon, cfg.samples, cfg.seed) == ("301", 2019, 3, 200, 9)
    assert cfg.data_path() == tmp_path / "dfe"
    assert cfg.unit_costs.weekly("ifa_fostering", year=2022) == pytest.approx(900)
    assert cfg.unit_costs.placement_inflation == 0.05 and cfg.discount_rate == 0.03
    assert cfg.provider_mix["fostering"] == {"in_house_fostering": 0.6, "ifa_fostering": 0.4}
    assert cfg.provider_mix["residential"]  # defaults kept for categories not given
    assert cfg.capacity is not None and cfg.capacity.occupancy == 0.85
    plan = cfg.workforce_plan()
    assert plan is not None and plan.case_holding_fte == 120
    assert [s.name for s in cfg.scenarios] == ["baseline", "fewer entries"]
    assert not cfg.is_synthetic


def test_defaults() -> None:
    cfg = RunConfig.from_toml('[run]\ntitle = "x"\n')
    assert cfg.is_synthetic and cfg.data_kind == "episodes" and cfg.model == "auto"
    assert cfg.capacity is None and cfg.workforce_plan() is None
    assert cfg.workforce_plan(default_fte=50.0) is not None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[run]", "[runn]"), r"unknown key\(s\) \['runn'\]"),
        (("horizon = 3", "horizon = 40"), "horizon = 40; must be 1-10"),
        (("horizon = 3", 'horizon = "three"'), "horizon = 'three'; expected a whole number"),
        (("seed = 9", "seed = 9\ncolour = 1"), r"\[run\]: unknown key\(s\) \['colour'\]"),
        (('data_kind = "published"', 'data_kind = "spreadsheet"'), "data_kind = 'spreadsheet'"),
        (
            ("ifa_fostering = [900, 2022]", "ifa_fostering = 900"),
            "write \\[weekly cost, price year\\]",
        ),
        (("in_house_fostering = 0.6", "in_house_fostering = 0.7"), "shares sum to 1.1000"),
        (("fostering = [300, 310, 320]", "fostering = -5"), "capacity cannot be negative"),
        (
            ("case_holding_fte = 120", "case_holding_fte = 120\nagency_share = 2"),
            "agency_share = 2.0",
        ),
        (("target = 15", "target = 0"), "target = 0.0; must be positive"),
        (('name = "fewer entries"', 'name = "baseline"'), "scenario names must be unique"),
        (
            ("relative = -0.1", 'relative = -0.1\nage_bands = ["12-20"]'),
            "ages must lie within 0-17",
        ),
    ],
)
def test_bad_run_files_name_key_and_value(edit: tuple[str, str], message: str) -> None:
    old, new = edit
    assert old in FULL
    with pytest.raises(ScenarioError, match=message):
        RunConfig.from_toml(FULL.replace(old, new, 1))
