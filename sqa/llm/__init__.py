"""``sqa.llm``: judge and extractor backends shared by rewards and metrics.

* :class:`OpenAIChatBackend` -- any OpenAI-compatible ``/v1/chat/completions`` endpoint (vLLM + Qwen3);
* :class:`TransformersChatBackend` -- a local causal LM via transformers;
* :class:`RuleJudge` -- deterministic stand-in judge, used only when named (``judge: rule`` in smoke/tiny);
* :class:`LLMJudge` -- turns a chat backend into a judge; :func:`get_backend` / :func:`get_judge`
  build them from spec strings (parsed once by :func:`parse_judge_spec` into a :class:`JudgeSpec`),
  :func:`lazy_judge` on first use; :class:`JudgeUnavailable` is raised for a dead endpoint,
  :class:`NoJudgeError` where a judge is needed and none was passed;
* :func:`register_judge_backend` -- a new backend: a module with a :class:`JudgeKind`, and this one call;
* :func:`get_extractor` -- ``parse_response`` (the named default) or LLM extraction (:func:`llm_extract`).
"""

from sqa.llm.errors import JudgeUnavailable, NoJudgeError
from sqa.llm.extract import get_extractor, llm_extract
from sqa.llm.factory import get_backend, get_judge, lazy_judge
from sqa.llm.hf_backend import TransformersChatBackend
from sqa.llm.judge import LLMJudge
from sqa.llm.openai_backend import OpenAIChatBackend
from sqa.llm.rule_judge import RuleJudge
from sqa.llm.spec import PARSE_RESPONSE, JudgeKind, JudgeSpec, Readiness, parse_judge_spec, register_judge_backend

__all__ = [
    "JudgeUnavailable",
    "NoJudgeError",
    "OpenAIChatBackend",
    "TransformersChatBackend",
    "RuleJudge",
    "LLMJudge",
    "get_backend",
    "get_judge",
    "lazy_judge",
    "get_extractor",
    "llm_extract",
    "PARSE_RESPONSE",
    "JudgeKind",
    "JudgeSpec",
    "Readiness",
    "parse_judge_spec",
    "register_judge_backend",
]
