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
from .errors import JudgeUnavailable, NoJudgeError
from .extract import get_extractor, llm_extract
from .factory import get_backend, get_judge, lazy_judge
from .hf_backend import TransformersChatBackend
from .judge import LLMJudge
from .openai_backend import OpenAIChatBackend
from .rule_judge import RuleJudge
from .spec import PARSE_RESPONSE, JudgeKind, JudgeSpec, Readiness, parse_judge_spec, register_judge_backend

__all__ = ["JudgeUnavailable", "NoJudgeError", "OpenAIChatBackend", "TransformersChatBackend", "RuleJudge", "LLMJudge",
           "get_backend", "get_judge", "lazy_judge", "get_extractor", "llm_extract", "PARSE_RESPONSE", "JudgeKind",
           "JudgeSpec", "Readiness", "parse_judge_spec", "register_judge_backend"]
