"""The exception and warning tree of demandmodel.

Every error a user can cause derives from :class:`DemandModelError`, so one ``except`` clause catches
them all, and each message says what was wrong, where, and what to do about it.

Examples
--------
>>> import demandmodel
>>> try:
...     raise demandmodel.InsufficientHistoryError(la_code="301", measure="cla_31mar", n=2, needed=4)
... except demandmodel.DemandModelError as err:
...     print(err)
LA 301, measure cla_31mar: 2 years of history, 4 needed. Use a model that needs less history (e.g. 'naive') or more data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FAILURE_COLUMNS: tuple[str, ...] = ("file", "row", "column", "value", "rule", "message")


class DemandModelError(Exception):
    """Base class of every error demandmodel raises on purpose."""


class DataValidationError(DemandModelError, ValueError):
    """Input data broke one or more rules.

    Readers collect *all* problems before raising, so a user fixes a file once, not once per row.

    Parameters
    ----------
    message
        A one-line summary.
    failures
        One row per problem with columns ``file, row, column, value, rule, message``.
    """

    def __init__(self, message: str, failures: pd.DataFrame | None = None) -> None:
        import pandas as pd

        if failures is None:
            failures = pd.DataFrame(columns=list(FAILURE_COLUMNS))
        self.failures: pd.DataFrame = failures
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if self.failures.empty:
            return head
        lines = [head]
        shown = self.failures.head(20)
        for rec in shown.to_dict("records"):
            row, column, value = rec.get("row", ""), rec.get("column", ""), rec.get("value", "")
            where = str(rec["file"]) + (", row " + str(row) if row not in ("", None) else "")
            col = ", column " + str(column) if column not in ("", None) else ""
            val = ", value " + repr(value) if value not in ("", None) else ""
            lines.append(f"  - {where}{col}{val}: {rec['message']!s} [{rec['rule']!s}]")
        if len(self.failures) > len(shown):
            lines.append(f"  ... and {len(self.failures) - len(shown)} more (see .failures)")
        return "\n".join(lines)


class InsufficientHistoryError(DemandModelError, ValueError):
    """A series is too short for the model asked for.

    Parameters
    ----------
    la_code, measure
        Which series.
    n, needed
        How many usable periods there are and how many the model needs.
    """

    def __init__(self, *, la_code: str, measure: str, n: int, needed: int) -> None:
        self.la_code = la_code
        self.measure = measure
        self.n = n
        self.needed = needed
        super().__init__(
            f"LA {la_code}, measure {measure}: {n} years of history, {needed} needed. "
            "Use a model that needs less history (e.g. 'naive') or more data."
        )


class ModelFitError(DemandModelError, RuntimeError):
    """A model could not be fitted, even after its fallback chain."""


class ScenarioError(DemandModelError, ValueError):
    """A scenario is impossible or inconsistent (names the key and the value)."""


class DemandModelWarning(UserWarning):
    """Base class of demandmodel's warnings."""


class DataRepairWarning(DemandModelWarning):
    """Input data was repaired; the repair is in the cleaning log."""


class FallbackWarning(DemandModelWarning):
    """A model failed and a simpler one was used instead (see the failure report)."""
