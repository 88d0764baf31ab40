"""sqa: descriptive speech quality assessment with audio LLMs.

The package does the work, the notebooks tell the story. Entry points:
``sqa.schema`` (Assessment, render, parse_response), ``sqa.data`` (QualiSpeech loader,
synthetic corpus), ``sqa.model`` (AF3 loading, tiny AF3), ``sqa.train`` (calibrate,
sft_reasoning, grpo), ``sqa.rewards``, ``sqa.metrics``, and ``sqa.assess`` for your own audio.
"""

__version__ = "0.1.0"


def assess(*args, **kwargs):
    """Assess audio files with a trained model; see :func:`sqa.inference.assess.assess`."""
    from sqa.inference.assess import assess as _assess

    return _assess(*args, **kwargs)
