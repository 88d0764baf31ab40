"""Errors of the judge / extractor backends."""


class JudgeUnavailable(RuntimeError):
    """The configured LLM judge cannot be used (endpoint unreachable, HTTP error, model not loadable).

    Rewards raise it on first use instead of silently scoring every completion 0: a training run
    with a dead judge must stop. The message is one line and names the URL or path.
    """


class NoJudgeError(ValueError):
    """A step that needs a judge (or an extractor) was called without one; the message names what to pass.

    No stand-in is used unless named: the rule judge only as ``"rule"`` / ``"rule:rouge"``.
    """
