"""Scenario values: TOML round trip, ramps, and bad files named key by key."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from demandmodel.errors import ScenarioError
from demandmodel.scenarios.effects import Effect
from demandmodel.scenarios.scenario import (
    DurationCap,
    EntryChange,
    PlacementMixShift,
    Scenario,
    Target,
)

GOOD = """
name = "combined"
description = "SIB plus in-house fostering growth"

[[interventions]]
type = "entry_change"
start = 2024-04-01
ramp_months = 12
level = "lac"
age_bands = ["10-15", "16+"]
relative = {mean = -0.1, sd = 0.05}

[[interventions]]
type = "placement_mix_shift"
start = 2024-04-01
ramp_months = 24
from_placement = "ifa_fostering"
to_placement = "in_house_fostering"
share = {low = 0.1, mode = 0.2, high = 0.3}

[[interventions]]
type = "population_variant"
start = 2023-04-01
variant = "high"

[[interventions]]
type = "workforce_change"
start = 2024-04-01
agency_share = 0.1
"""


def test_good_file_parses_with_every_field() -> None:
    sc = Scenario.from_toml(GOOD)
    entry, mix, pop, _work = sc.interventions
    assert isinstance(entry, EntryChange) and entry.relative is not None
    assert entry.target.age_bands == ((10, 15), (16, 17))
    assert entry.relative.kind == "normal" and entry.relative.mean == -0.1
    assert isinstance(mix, PlacementMixShift) and mix.share.kind == "triangular"
    assert pop.start == dt.date(2023, 4, 1)
    assert Scenario.from_toml(sc.to_toml()) == sc


def test_file_path_is_read(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "sc.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert Scenario.from_toml(path).name == "combined"


@given(
    rel=st.floats(-0.9, 0.9),
    sd=st.floats(0, 0.5),
    ramp=st.integers(0, 36),
    year=st.integers(2020, 2030),
    bands=st.lists(st.sampled_from(["under 1", "1-4", "5-9", "10-15", "16-17"]), unique=True),
)
def test_round_trip(rel: float, sd: float, ramp: int, year: int, bands: list[str]) -> None:
    sc = Scenario.from_dict(
        {
            "name": "x",
            "interventions": [
                {
                    "type": "entry_change",
                    "start": dt.date(year, 4, 1),
                    "ramp_months": ramp,
                    "age_bands": bands,
                    "relative": {"mean": rel, "sd": sd},
                },
                {
                    "type": "duration_cap",
                    "start": dt.date(year, 4, 1),
                    "placement": "residential",
                    "days": 180,
                    "probability": 0.5,
                },
            ],
        }
    )
    assert Scenario.from_toml(sc.to_toml()) == sc


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ('colour = "red"', r"unknown key\(s\) \['colour'\]"),
        (
            'type = "entry_change"\nstart = 2024-04-01\nrelative = -0.1\nwibble = 3',
            r"unknown key\(s\) \['wibble'\] \(value 3\)",
        ),
        ('type = "teleport"\nstart = 2024-04-01', "type = 'teleport' is unknown"),
        (
            'type = "entry_change"\nstart = 2024-04-01\nrelative = -0.1\nage_bands = ["10-19"]',
            "age_bands = '10-19': ages must lie within 0-17",
        ),
        (
            'type = "entry_change"\nstart = 2024-04-01\nrelative = -0.1\nage_bands = ["teen"]',
            "'teen' is not an age band",
        ),
        (
            'type = "entry_change"\nstart = 2024-04-01\nrelative = -0.1\nlevel = "adults"',
            "level = 'adults'",
        ),
        (
            'type = "entry_change"\nstart = "soon"\nrelative = -0.1',
            "start = 'soon'; write dates as YYYY-MM-DD",
        ),
        ('type = "entry_change"\nstart = 2024-04-01', "exactly one of relative or absolute"),
        (
            'type = "placement_mix_shift"\nstart = 2024-04-01\nfrom_placement = "a"\nto_placement = "b"\nshare = 1.5',
            r"share: effect value 1.5 is outside its possible range \[0, 1\]",
        ),
        (
            'type = "workforce_change"\nstart = 2024-04-01\nagency_share = 1.5',
            "agency_share = 1.5; it must be between 0.0 and 0.99",
        ),
        (
            'type = "entry_change"\nstart = 2024-04-01\nend = 2023-01-01\nrelative = -0.1',
            "is not after start",
        ),
        (
            'type = "entry_change"\nstart = 2024-04-01\nrelative = {mean = -0.1}',
            "a distribution needs one of these key sets",
        ),
        (
            'type = "entry_change"\nstart = 2024-04-01\nrelative = {mean = -0.1, sd = -1}',
            "standard deviation cannot be negative",
        ),
    ],
)
def test_bad_intervention_names_key_and_value(snippet: str, message: str) -> None:
    if snippet.startswith("colour"):
        text = f'name = "x"\n{snippet}\n'
    else:
        text = f'name = "x"\n[[interventions]]\n{snippet}\n'
    with pytest.raises(ScenarioError, match=message):
        Scenario.from_toml(text)


def test_invalid_toml_and_missing_file() -> None:
    with pytest.raises(ScenarioError, match="not valid TOML"):
        Scenario.from_toml("name = ")
    with pytest.raises(ScenarioError, match="cannot read scenario file"):
        Scenario.from_toml("/nonexistent/x.toml")


def test_contradicting_overlaps_rejected_but_sequential_allowed() -> None:
    a = DurationCap(start=dt.date(2024, 4, 1), placement="residential", days=180)
    b = DurationCap(start=dt.date(2025, 4, 1), placement="residential", days=365)
    with pytest.raises(
        ScenarioError, match="duration caps of 180 and 365 days on 'residential' overlap"
    ):
        Scenario(name="x", interventions=(a, b))
    a_ended = DurationCap(
        start=dt.date(2024, 4, 1), end=dt.date(2025, 4, 1), placement="residential", days=180
    )
    assert len(Scenario(name="x", interventions=(a_ended, b)).interventions) == 2
    text = (
        GOOD
        + '\n[[interventions]]\ntype = "population_variant"\nstart = 2025-04-01\nvariant = "low"\n'
    )
    with pytest.raises(ScenarioError, match="population variants 'high' and 'low'"):
        Scenario.from_toml(text)


def test_ramp_and_period_share() -> None:
    i = EntryChange(start=dt.date(2024, 4, 1), ramp_months=12, relative=Effect.point(-0.2))
    shares = i.share_in_force([dt.date(2024, 1, 1), dt.date(2024, 10, 1), dt.date(2025, 4, 1)])
    assert (
        shares[0] == 0.0 and 0.45 < shares[1] < 0.55 and shares[2] == pytest.approx(1.0, abs=0.01)
    )
    assert i.share_in_period(2024) == 0.0
    assert 0.4 < i.share_in_period(2025) < 0.6
    assert i.share_in_period(2026) == 1.0


def test_target_matching() -> None:
    t = Target(age_bands=((10, 15),), placements=("residential",))
    assert t.covers_age(10, 15) and t.covers_age(5, 10) and not t.covers_age(16, 17)
    assert t.covers_placement("residential") and not t.covers_placement("fostering")
    assert Target().covers_age(0, 0) and Target().covers_placement("anything")


def test_combine_and_baseline() -> None:
    sc = Scenario.from_toml(GOOD)
    base = Scenario(name="baseline")
    assert base.is_baseline and not sc.is_baseline
    both = base.combine(sc)
    assert both.interventions == sc.interventions and both.name == "baseline + combined"
