"""``sqa.metrics``: the evaluation protocol of the paper's Tables 1 and 3.

* :func:`pcc` -- Pearson r over known pairs (NaN if undefined);
* :func:`detection_f1` -- F1 of artifact presence;
* :func:`interval_iou` -- IoU of merged time intervals;
* :func:`rouge_l` -- ROUGE-L F of long-form descriptions;
* :func:`description_correlation` -- LLM-judge or MiniLM agreement of descriptions, with its label;
* :func:`evaluate` -- every Table 1 / Table 3 column in one dict.

Judges are passed in (built by :func:`sqa.llm.get_judge`): ``sqa.llm`` imports ``sqa.metrics``, never
the reverse.
"""

from sqa.metrics.correlation import Correlation, description_correlation
from sqa.metrics.detection import detection_f1
from sqa.metrics.evaluate import AVG_DIMENSIONS, TABLE1_COLUMNS, TABLE3_COLUMNS, evaluate
from sqa.metrics.iou import interval_iou, merge_intervals
from sqa.metrics.pcc import pcc
from sqa.metrics.rouge import rouge_l

__all__ = [
    "pcc",
    "detection_f1",
    "interval_iou",
    "merge_intervals",
    "rouge_l",
    "description_correlation",
    "Correlation",
    "evaluate",
    "AVG_DIMENSIONS",
    "TABLE1_COLUMNS",
    "TABLE3_COLUMNS",
]
