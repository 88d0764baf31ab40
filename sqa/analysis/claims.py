"""The paper's claims as paired contrasts between systems, and the rule that gives each a verdict.

Each :class:`Claim` is a difference ``metric(a) - metric(b)`` (or the relative one, ``(a - b) / b``) with
the direction the paper reports. Its interval is the paired percentile bootstrap over test clips of
:func:`sqa.metrics.bootstrap.paired_contrast` (seed-averaged when there are several seeds). The verdict
rule is fixed here, before any result is read, and is the same for every claim:

* ``greater`` (the paper says a > b): **reproduced** if the 95 % interval lies above 0 and every seed's
  difference is > 0; **not reproduced** if the interval lies below 0 (and every seed's difference < 0);
  otherwise **inconclusive**. ``less`` is the mirror image.
* ``not_worse`` (the paper says a keeps / matches b): the same with the threshold ``-MARGIN`` (0.05 PCC)
  in place of 0: reproduced if the interval lies above -0.05, not reproduced if it lies below -0.05.
* an undefined difference (a constant prediction makes PCC undefined) is **inconclusive**, and says so.

>>> verdict("greater", 0.10, 0.02, 0.18, [0.1, 0.08, 0.12])
'reproduced'
>>> verdict("greater", 0.10, 0.02, 0.18, [0.1, -0.01, 0.12])  # one seed disagrees
'inconclusive'
>>> (verdict("less", 0.1, 0.05, 0.2), verdict("not_worse", -0.02, -0.04, 0.01),
...  verdict("greater", float("nan"), float("nan"), float("nan")))
('not reproduced', 'reproduced', 'inconclusive')
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

MARGIN = 0.05
"""Non-inferiority margin of ``not_worse`` claims (PCC units), fixed before any result was read."""
VERDICTS = ("reproduced", "not reproduced", "inconclusive")
CLAIM_COLUMNS = ("claim", "paper", "ours", "ci_low", "ci_high", "verdict")


@dataclass(frozen=True)
class Claim:
    claim: str
    a: str  # system names (sqa.configs.systems.SYSTEMS)
    b: str
    metric: str  # a column of table1.csv / table3.csv, or mean_f1 / mean_iou
    direction: str  # "greater", "less", "not_worse"
    relative: bool = False
    paper_b: str | None = None  # the paper's row to compare with when it has no row for ``b``
    ours: bool = False  # our own comparison, not a claim of the paper (no paper value)

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.claim.lower()).strip("_")[:60]

    @property
    def contrast(self) -> str:
        return f"{self.a} - {self.b}" + (" (relative)" if self.relative else "")


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "Learned audio encoder > frozen encoder (avg PCC)",
        "QualiSpeech-FT (learned encoder)",
        "QualiSpeech-FT",
        "avg",
        "greater",
    ),
    Claim(
        "Calibration then reasoning > reasoning only (avg PCC)",
        "QualiSpeech-FT (learned encoder)",
        "QualiSpeech-FT (no calibration)",
        "avg",
        "greater",
    ),
    Claim(
        "Dimension-wise GRPO (Acc+Sem) > SQ-LLM unified reward (MOS PCC)",
        "Acc+Sem dim-wise GRPO",
        "SQ-LLM",
        "overall",
        "greater",
    ),
    Claim(
        "Dimension-wise GRPO (Acc+Sem) > SQ-LLM unified reward (avg PCC)",
        "Acc+Sem dim-wise GRPO",
        "SQ-LLM",
        "avg",
        "greater",
    ),
    Claim(
        "Dimension-wise GRPO (LLM judge) > SQ-LLM unified reward (MOS PCC)",
        "LLM-judge dim-wise GRPO",
        "SQ-LLM",
        "overall",
        "greater",
    ),
    Claim(
        "Dimension-wise GRPO (LLM judge) > SQ-LLM unified reward (avg PCC)",
        "LLM-judge dim-wise GRPO",
        "SQ-LLM",
        "avg",
        "greater",
    ),
    Claim(
        "LLM-judge reward >= Acc+Sem reward (avg PCC)",
        "LLM-judge dim-wise GRPO",
        "Acc+Sem dim-wise GRPO",
        "avg",
        "not_worse",
    ),
    Claim(
        "GRPO keeps the calibration PCC (avg PCC, LLM-judge GRPO vs Calibration-only)",
        "LLM-judge dim-wise GRPO",
        "Calibration-only",
        "avg",
        "not_worse",
    ),
    Claim(
        "Calibration-only collapses on long-form ROUGE-L",
        "Calibration-only",
        "LLM-judge dim-wise GRPO",
        "longform_rouge_l",
        "less",
    ),
    Claim(
        "Dimension-wise rewards improve artifact IoU over SFT (mean IoU)",
        "LLM-judge dim-wise GRPO",
        "QualiSpeech-FT (learned encoder)",
        "mean_iou",
        "greater",
        paper_b="QualiSpeech-FT",
    ),
    Claim(
        "The answers need the audio (mean artifact F1, audio withheld)",
        "LLM-judge dim-wise GRPO",
        "LLM-judge dim-wise GRPO, audio withheld",
        "mean_f1",
        "greater",
    ),
    Claim(
        "MOS PCC +13 % over the SFT baseline (relative)",
        "Acc+Sem dim-wise GRPO",
        "QualiSpeech-FT",
        "overall",
        "greater",
        relative=True,
    ),
    Claim(
        "Ours, not the paper's: Calibration-only > DNSMOS P.835 (MOS PCC)",
        "Calibration-only",
        "DNSMOS P.835",
        "overall",
        "greater",
        ours=True,
    ),
    Claim(
        "Ours, not the paper's: Calibration-only > DNSMOS BAK (noise PCC)",
        "Calibration-only",
        "DNSMOS P.835",
        "noise",
        "greater",
        ours=True,
    ),
)
"""One row per claim of the paper (Tables 1 and 3, and the text); systems as in ``sqa.configs.systems.SYSTEMS``.
The last rows (``ours=True``) are our own comparisons with the no-training DNSMOS system, not the paper's:
difference = ours minus DNSMOS, the same rule, no paper value."""


def metric_key(metric: str) -> str:
    """The :func:`sqa.metrics.evaluate` key of a table column (``avg`` -> ``avg_pcc``, ``noise`` -> ``noise_pcc``).

    >>> metric_key("avg"), metric_key("overall"), metric_key("noise_f1"), metric_key("mean_iou")
    ('avg_pcc', 'overall_pcc', 'noise_f1', 'mean_iou')
    """
    from sqa.metrics.evaluate import TABLE1_COLUMNS

    return TABLE1_COLUMNS.get(metric, metric)


def _finite(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def verdict(direction: str, diff: float, ci_low: float, ci_high: float, seed_diffs: Sequence[float] = ()) -> str:
    """The rule of the module docstring."""
    if direction not in ("greater", "less", "not_worse"):
        raise ValueError(f"sqa.analysis.claims.verdict: unknown direction {direction!r}")
    if not (_finite(diff) and _finite(ci_low) and _finite(ci_high)):
        return "inconclusive"
    sign = -1.0 if direction == "less" else 1.0
    threshold = -MARGIN if direction == "not_worse" else 0.0
    lo, hi = sorted((sign * ci_low, sign * ci_high))
    seeds = [sign * d for d in seed_diffs if _finite(d)]
    if lo > threshold and all(d > threshold for d in seeds):
        return "reproduced"
    if hi < threshold and all(d < threshold for d in seeds):
        return "not reproduced"
    return "inconclusive"


def paper_value(claim: Claim, table1: pd.DataFrame, table3: pd.DataFrame) -> float:
    """The claim's difference in the paper's own tables (``results/reference``), NaN when a row is missing."""

    def value(system: str) -> float:
        for t in (table1, table3):
            rows = t[t["system"] == system]
            if not len(rows):
                continue
            row = rows.iloc[0]
            if claim.metric in ("mean_iou", "mean_f1"):
                cols = [
                    c
                    for c in t.columns
                    if c.endswith(claim.metric.removeprefix("mean")) and not c.startswith("longform")
                ]
                if cols:
                    return float(pd.to_numeric(row[cols]).mean())
            elif claim.metric in row:
                return float(row[claim.metric])
        return float("nan")

    if claim.ours:
        return float("nan")
    a, b = value(claim.a), value(claim.paper_b or claim.b)
    return (a - b) / b if claim.relative else a - b
