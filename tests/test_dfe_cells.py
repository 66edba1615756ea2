"""Properties of the cell and year parsers behind read_dfe."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from demandmodel.data.dfe_lait import period_of
from demandmodel.data.measures import MISSING_CODES, SUPPRESSED_CODES, parse_cells

codes = st.sampled_from(sorted(SUPPRESSED_CODES | MISSING_CODES))
numbers = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@given(st.lists(st.one_of(numbers.map(repr), codes), min_size=1, max_size=30), st.data())
def test_codes_never_become_numbers(cells: list[str], data: st.DataObject) -> None:
    padded = [
        data.draw(st.sampled_from(["", " "])) + (c.upper() if data.draw(st.booleans()) else c)
        for c in cells
    ]
    value, status, bad = parse_cells(pd.Series(padded, dtype=object))
    assert not bad.any()
    for cell, v, s in zip(cells, value, status, strict=True):
        if cell in SUPPRESSED_CODES:
            assert math.isnan(v) and s == "suppressed"
        elif cell in MISSING_CODES:
            assert math.isnan(v) and s == "missing"
        else:
            assert s == "ok" and math.isclose(v, float(cell), rel_tol=1e-12, abs_tol=1e-300)


@given(st.integers(min_value=1, max_value=10**7))
def test_thousands_separators(n: int) -> None:
    value, status, _ = parse_cells(pd.Series([f"{n:,}"]))
    assert value[0] == n and status[0] == "ok"


@given(st.integers(min_value=1990, max_value=2098), st.sampled_from(["", " (OT)", " (Rev)"]))
def test_lait_years_end_on_the_right_year(year: int, suffix: str) -> None:
    nxt = f"{(year + 1) % 100:02d}"
    assert period_of(f"{year}{suffix}") == year
    assert period_of(f"{year}-{nxt}{suffix}") == year + 1
    assert period_of(f"{year}/{nxt}") == year + 1
    assert period_of(f"{year}/{nxt}-{(year + 3) % 100:02d}/{(year + 4) % 100:02d}") == year + 4
