"""``sqa.llm``: judge and extractor backends shared by rewards and metrics.

* :class:`OpenAIChatBackend` -- any OpenAI-compatible ``/v1/chat/completions`` endpoint (vLLM + Qwen3);
* :class:`TransformersChatBackend` -- a local causal LM via transformers;
* :class:`RuleJudge` -- deterministic stand-in judge for the tiny profile and tests;
* :class:`LLMJudge` -- turns a chat backend into a judge; :func:`get_backend` / :func:`get_judge`
  build them from spec strings, :func:`lazy_judge` on first use; :class:`JudgeUnavailable` is raised
  for a dead endpoint;
* :func:`llm_extract` -- optional LLM extraction of free-form answers into an Assessment.
"""
from sqa.llm.errors import JudgeUnavailable
from sqa.llm.extract import llm_extract
from sqa.llm.factory import JUDGE_ENV, get_backend, get_judge, lazy_judge
from sqa.llm.hf_backend import TransformersChatBackend
from sqa.llm.judge import LLMJudge
from sqa.llm.openai_backend import OpenAIChatBackend
from sqa.llm.rule_judge import RuleJudge

__all__ = ["JudgeUnavailable", "OpenAIChatBackend", "TransformersChatBackend", "RuleJudge", "LLMJudge",
           "JUDGE_ENV", "get_backend", "get_judge", "lazy_judge", "llm_extract"]
