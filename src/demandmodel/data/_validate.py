"""Collect-all validation: gather every problem, then raise one error with a failure table.

Examples
--------
>>> from demandmodel.data._validate import Failures
>>> f = Failures()
>>> f.add(file="episodes.csv", row=3, column="DECOM", value="31/02/2020", rule="date",
...       message="not a real date; use DD/MM/YYYY")
>>> len(f)
1
>>> try:
...     f.raise_if_any("episodes.csv has 1 problem")
... except Exception as err:
...     print(type(err).__name__)
DataValidationError
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.errors import FAILURE_COLUMNS, DataValidationError


@dataclass(slots=True)
class Failures:
    """An accumulator of validation failures (``file, row, column, value, rule, message``)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        *,
        file: str,
        row: int | str | None = None,
        column: str | None = None,
        value: Any = None,
        rule: str,
        message: str,
    ) -> None:
        """Record one failure. ``row`` is the 1-based data row in the file (header excluded)."""
        self.rows.append(
            {
                "file": str(file),
                "row": "" if row is None else row,
                "column": "" if column is None else column,
                "value": "" if value is None else value,
                "rule": rule,
                "message": message,
            }
        )

    def add_rows(
        self,
        *,
        file: str,
        positions: Iterable[Any],
        column: str,
        values: pd.Series | np.ndarray,
        rule: str,
        message: str,
    ) -> None:
        """Record one failure per 0-based row position: row ``position + 1``, value ``values[position]``.

        ``values`` is read by position (``.iloc`` for a Series).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> f = Failures()
        >>> years = pd.Series(["2021", "20x1", "2023"], index=[7, 8, 9])
        >>> f.add_rows(file="t.csv", positions=np.flatnonzero([False, True, False]),
        ...            column="year", values=years, rule="period", message="not a year")
        >>> f.frame()[["row", "value"]].values.tolist()
        [[2, '20x1']]
        """
        at = values.iloc if isinstance(values, pd.Series) else values
        for i in positions:
            self.add(
                file=file, row=int(i) + 1, column=column, value=at[i], rule=rule, message=message
            )

    def __len__(self) -> int:
        return len(self.rows)

    def frame(self) -> pd.DataFrame:
        """The failures as a DataFrame with the standard columns."""
        return pd.DataFrame(self.rows, columns=list(FAILURE_COLUMNS))

    def raise_if_any(self, summary: str) -> None:
        """Raise one :class:`DataValidationError` carrying every failure, if there are any."""
        if self.rows:
            raise DataValidationError(summary, self.frame())
