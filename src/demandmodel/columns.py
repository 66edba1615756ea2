"""Column names and small vocabularies shared by every module.

Readers rename at the edges to these names; models and outputs only ever see these.
"""

from __future__ import annotations

from typing import Final

# Panel (published series), DESIGN section 3.
LA_CODE: Final = "la_code"
NEW_LA_CODE: Final = "new_la_code"
LA_NAME: Final = "la_name"
PERIOD: Final = "period"
MEASURE: Final = "measure"
VALUE: Final = "value"
STATUS: Final = "status"
SOURCE: Final = "source"
VINTAGE: Final = "vintage"
PANEL_COLUMNS: Final = (
    LA_CODE,
    NEW_LA_CODE,
    LA_NAME,
    PERIOD,
    MEASURE,
    VALUE,
    STATUS,
    SOURCE,
    VINTAGE,
)

STATUS_OK: Final = "ok"
STATUS_SUPPRESSED: Final = "suppressed"
STATUS_MISSING: Final = "missing"

ENGLAND_CODE: Final = "970"
"""England's code in the Panel: the DfE LA Interactive Tool pseudo-code (regions are 980-990; see
:mod:`demandmodel.data.geography`). DfE's own 3-digit codes are LA-only."""

# Episodes (child level), DESIGN section 3.
CHILD: Final = "child"
START: Final = "start"
END: Final = "end"
LEGAL_STATUS: Final = "legal_status"
PLACEMENT: Final = "placement"
PROVIDER: Final = "provider"
REASON_NEW: Final = "reason_new"
REASON_END: Final = "reason_end"
DOB: Final = "dob"
SEX: Final = "sex"
UASC: Final = "uasc"
PLACEMENT_CATEGORY: Final = "placement_category"
PERIOD_OF_CARE: Final = "period_of_care"
EPISODE_COLUMNS: Final = (
    CHILD,
    LA_CODE,
    START,
    END,
    LEGAL_STATUS,
    PLACEMENT,
    PROVIDER,
    REASON_NEW,
    REASON_END,
    DOB,
    SEX,
    UASC,
    PLACEMENT_CATEGORY,
    PERIOD_OF_CARE,
)

# CleaningLog.
CLEANING_LOG_COLUMNS: Final = ("file", "row", CHILD, "rule", "action", "before", "after", "message")

# Forecast output (long rows).
MODEL: Final = "model"
MEAN: Final = "mean"
QUANTILES: Final[dict[str, float]] = {
    "q025": 0.025,
    "q10": 0.10,
    "q25": 0.25,
    "q50": 0.50,
    "q75": 0.75,
    "q90": 0.90,
    "q975": 0.975,
}
FORECAST_COLUMNS: Final = (LA_CODE, MEASURE, PERIOD, MODEL, MEAN, *QUANTILES)
