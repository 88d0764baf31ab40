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
from sqa.llm.spec import JudgeKind, JudgeSpec, Readiness

CHECK_TIMEOUT_S = 5.0
"""How long the preflight waits for an endpoint's answer to a short chat request."""


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
        payload = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": max_tokens or self.max_tokens,
            **self.extra_body,
        }
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


def endpoint_problem(url: str, model: str, timeout: float = CHECK_TIMEOUT_S) -> str | None:
    """None when the endpoint at ``url`` answers a short chat request to ``model`` within ``timeout`` s, else why
    not (one line)."""
    backend = OpenAIChatBackend(url, model, timeout=timeout, retries=0)
    try:
        reply = backend.chat([{"role": "user", "content": "Reply with the word OK."}], max_tokens=8)
    except JudgeUnavailable as err:
        return str(err).split(";")[0]
    return None if reply.strip() else f"{backend.url} answered an empty message"


def serve_hint(url: str, model: str) -> str:
    """The ``vllm serve`` command that would answer at ``url``.

    >>> serve_hint("http://localhost:8123/v1", "Qwen3-8B")
    'vllm serve Qwen3-8B --port 8123'
    """
    port = url.rsplit(":", 1)[-1].split("/")[0] if url.count(":") > 1 else "8000"
    return f"vllm serve {model or '<model>'} --port {port}"


def _split(text: str) -> tuple[str, str]:
    url, _, model = text.partition("#")
    if not model:
        raise ValueError(f"sqa.llm: judge spec {text!r} names no model; write it as '{url}#<model name>'")
    return url, model


def _check(spec: JudgeSpec) -> Readiness:
    t0 = time.perf_counter()
    why = endpoint_problem(spec.target, spec.model)
    if why:
        return Readiness(
            False,
            f": {why}",
            f"start it (`{serve_hint(spec.target, spec.model)}`) or set {{env}} to an endpoint that answers",
        )
    return Readiness(True, f" answered a chat request in {time.perf_counter() - t0:.1f} s")


HTTP_BACKEND = JudgeKind(
    "http",
    ("http://", "https://"),
    build=lambda spec: OpenAIChatBackend(spec.target, spec.model),
    split=_split,
    label=lambda spec: f"llm:{spec.model}@{spec.target}",
    check=_check,
    example="http(s)://host:port/v1#<model>",
)
"""``http://host:8000/v1#Qwen3-8B``: an OpenAI-compatible chat endpoint (vLLM + Qwen3 in the paper)."""
