"""Simulated SSDA903-like episodes with known rates, shared by the Markov tests.

A plain module (not a test file): pytest puts ``tests/`` on ``sys.path``, so test files import it
as ``from markov_sim import simulate_episodes``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MOVE = {"fostering": 0.0008, "residential": 0.003}  # to the other category, per day
EXIT = {"fostering": 0.0015, "residential": 0.001}
CODE = {"fostering": "U4", "residential": "K2"}
EPOCH = pd.Timestamp("2015-01-01")


def simulate_episodes(n_children: int = 2500, horizon: int = 2200, seed: int = 1) -> pd.DataFrame:
    """Children aged 11 at entry, entering uniformly, moving and leaving at constant hazards."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_children):
        t = float(rng.uniform(0, horizon))
        dob = EPOCH + pd.Timedelta(days=int(t) - 11 * 365)
        cat = "fostering" if rng.random() < 0.8 else "residential"
        t0 = int(t)
        while True:
            total = MOVE[cat] + EXIT[cat]
            t1 = t0 + max(1, round(rng.exponential(1 / total)))
            if t1 >= horizon:
                rows.append((c, t0, None, cat, dob))
                break
            rows.append((c, t0, t1, cat, dob))
            if rng.random() < EXIT[cat] / total:
                break
            cat = "residential" if cat == "fostering" else "fostering"
            t0 = t1
    df = pd.DataFrame(rows, columns=["child", "s", "e", "placement_category", "dob"])
    return pd.DataFrame(
        {
            "child": df["child"].astype(str),
            "la_code": "999",
            "start": EPOCH + pd.to_timedelta(df["s"], unit="D"),
            "end": EPOCH + pd.to_timedelta(df["e"], unit="D"),
            "legal_status": "C2",
            "placement": df["placement_category"].map(CODE),
            "dob": df["dob"],
            "uasc": False,
            "placement_category": df["placement_category"],
        }
    )
