"""Chat backend for any OpenAI-compatible ``/v1/chat/completions`` endpoint (vLLM, SGLang, OpenAI).

>>> b = OpenAIChatBackend("http://127.0.0.1:8000/v1/", "Qwen3-8B")
>>> b.url, b.name
('http://127.0.0.1:8000/v1/chat/completions', 'Qwen3-8B')

An unreachable endpoint raises :class:`JudgeUnavailable` with a one-line message naming the URL.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import requests

from sqa.llm.errors import JudgeUnavailable


@dataclass
class OpenAIChatBackend:
    """POSTs chat messages to ``{base_url}/chat/completions`` and returns the reply text.

    ``api_key`` defaults to ``$SQA_JUDGE_API_KEY`` or ``$OPENAI_API_KEY`` (vLLM needs none).
    ``extra_body`` is merged into the request, e.g. ``{"chat_template_kwargs": {"enable_thinking": False}}``
    for Qwen3 on vLLM. Connection errors and timeouts are retried ``retries`` times, then raise
    :class:`JudgeUnavailable`; HTTP errors and non-chat answers raise it at once.
    """

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    max_tokens: int = 256
    temperature: float = 0.0
    retries: int = 2
    extra_body: dict = field(default_factory=dict)
    max_workers: int = 8  # concurrent requests a judge may send (vLLM batches them)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if self.api_key is None:
            self.api_key = os.environ.get("SQA_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    @property
    def name(self) -> str:
        return self.model

    def chat(self, messages: list[dict], max_tokens: int | None = None) -> str:
        """The assistant's reply to ``messages`` (greedy unless ``temperature`` is set)."""
        payload = {"model": self.model, "messages": messages, "temperature": self.temperature,
                   "max_tokens": max_tokens or self.max_tokens, **self.extra_body}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        for attempt in range(self.retries + 1):
            try:
                resp = requests.post(self.url, json=payload, headers=headers, timeout=self.timeout)
                break
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == self.retries:
                    reason = type(exc).__name__
                    raise JudgeUnavailable(
                        f"LLM judge endpoint {self.url} is unreachable ({reason} after {self.retries + 1} tries); "
                        f"start the server (e.g. `vllm serve {self.model}`) or choose another judge"
                    ) from None
                time.sleep(0.5 * 2**attempt)
        if resp.status_code >= 400:
            raise JudgeUnavailable(
                f"LLM judge endpoint {self.url} answered HTTP {resp.status_code}: {resp.text[:200]!r}"
            )
        try:
            return resp.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise JudgeUnavailable(
                f"LLM judge endpoint {self.url} did not answer like an OpenAI chat endpoint: {resp.text[:200]!r}"
            ) from None
