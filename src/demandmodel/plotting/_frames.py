"""Checks on the tidy frames the charts take, so bad input names the column and value.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.plotting._frames import require_frame
>>> try:
...     require_frame(pd.DataFrame({"period": [2024], "cost": ["lots"]}), "costs",
...                   required=("period", "placement", "cost"), numeric=("cost",))
... except Exception as err:
...     print(type(err).__name__, sorted(err.failures["column"]))
DataValidationError ['cost', 'placement']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from demandmodel.data._validate import Failures
from demandmodel.errors import DemandModelError


def require_frame(
    frame: object,
    name: str,
    *,
    required: Sequence[str],
    numeric: Sequence[str] = (),
) -> pd.DataFrame:
    """Return ``frame`` if it is a DataFrame with ``required`` columns and numeric ``numeric`` ones.

    Every problem is collected into one :class:`~demandmodel.DataValidationError` whose failures
    name the argument (``file``), the 1-based row, the column and the value.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DemandModelError(
            f"{name} must be a pandas DataFrame with columns {list(required)}; "
            f"got {type(frame).__name__}."
        )
    fails = Failures()
    for col in required:
        if col not in frame.columns:
            fails.add(
                file=name,
                column=col,
                rule="required column",
                message=f"add a column {col!r} (the frame has {list(map(str, frame.columns))})",
            )
    for col in numeric:
        if col not in frame.columns:
            continue
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy() & frame[col].notna().to_numpy())
        for i in bad[:20]:
            fails.add(
                file=name,
                row=int(i) + 1,
                column=col,
                value=frame[col].iloc[i],
                rule="numeric",
                message="must be a number (write 1234.5, not text)",
            )
    if len(frame) == 0:
        fails.add(file=name, rule="not empty", message="the frame has no rows; nothing to draw")
    fails.raise_if_any(f"{name} cannot be drawn: {len(fails)} problem(s).")
    out = frame.copy()
    for col in numeric:
        if col in out.columns:
            out[col] = pd.to_numeric(out[col]).astype(float)
    return out
