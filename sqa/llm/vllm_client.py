"""What sqa asks of a vLLM server beyond greedy answers: LoRA adapters loaded and unloaded at run time, and
G sampled completions per prompt with their token ids and log-probs (the GRPO rollouts).

Every call goes to the server's OpenAI-compatible API (``/v1/load_lora_adapter``, ``/v1/unload_lora_adapter``,
``/v1/chat/completions`` with ``n``, ``logprobs`` and ``return_token_ids``). A server that is gone, or that
refuses, is one line (:class:`EndpointUnavailable`) naming the URL and quoting the server's message.

>>> sampling_payload("af3@x", "Rate it.", None, n=4, temperature=1.0, max_tokens=8, stop_token_ids=[2])["top_k"]
0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import requests

from sqa.llm.audio_endpoint import EndpointUnavailable, audio_messages

TIMEOUT_S = 600.0


@dataclass
class Sampled:
    """One completion as vLLM sampled it: its token ids and vLLM's log-prob of each (after temperature)."""

    token_ids: list[int]
    logprobs: list[float]
    finish_reason: str | None


def _detail(resp: requests.Response) -> str:
    try:
        body = resp.json()
        msg = body.get("error", body) if isinstance(body, dict) else body
        msg = msg.get("message", msg) if isinstance(msg, dict) else msg
    except ValueError:
        msg = resp.text
    return " ".join(str(msg)[:300].split())


def post(base_url: str, path: str, payload: dict, what: str, timeout: float = TIMEOUT_S) -> requests.Response:
    """POST to ``<base_url><path>``; a one-line :class:`EndpointUnavailable` when unreachable or refused."""
    url = f"{base_url.rstrip('/')}{path}"
    try:
        resp = requests.post(url, json=payload, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise EndpointUnavailable(
            f"vLLM server {url} is unreachable ({type(exc).__name__}) while {what}; "
            "start it again (python -m sqa serve) and rerun: the run resumes"
        ) from None
    if resp.status_code >= 400:
        raise EndpointUnavailable(f"vLLM server {url} refused {what} (HTTP {resp.status_code}): {_detail(resp)}")
    return resp


def load_adapter(base_url: str, name: str, path: str) -> None:
    """Load the LoRA adapter at ``path`` under ``name`` (``base_url`` ends in ``/v1``)."""
    post(base_url, "/load_lora_adapter", {"lora_name": name, "lora_path": str(path)}, f"loading adapter {name!r}")


def unload_adapter(base_url: str, name: str) -> None:
    post(base_url, "/unload_lora_adapter", {"lora_name": name}, f"unloading adapter {name!r}")


def served_models(base_url: str) -> list[str]:
    """The names the server answers to (the base and every loaded adapter)."""
    url = f"{base_url.rstrip('/')}/models"
    try:
        resp = requests.get(url, timeout=30)
        resp.raise_for_status()
        return [m["id"] for m in resp.json()["data"]]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise EndpointUnavailable(f"vLLM server {url} did not list its models ({type(exc).__name__})") from None


def sampling_payload(
    model: str,
    prompt: str,
    audio: np.ndarray | None,
    n: int,
    temperature: float,
    max_tokens: int,
    stop_token_ids: list[int],
    seed: int | None = None,
) -> dict:
    """A chat request for ``n`` completions sampled from the plain temperature-scaled distribution (no top-k,
    top-p, min-p or penalties: what GRPO's log-prob passes assume), with token ids and their log-probs."""
    payload = {
        "model": model,
        "messages": audio_messages(prompt, audio),
        "n": int(n),
        "temperature": float(temperature),
        "top_p": 1.0,
        "top_k": 0,
        "min_p": 0.0,
        "repetition_penalty": 1.0,
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "max_tokens": int(max_tokens),
        "stop_token_ids": list(stop_token_ids),
        "logprobs": True,
        "top_logprobs": 0,
        "return_token_ids": True,
        "skip_special_tokens": False,
    }
    if seed is not None:
        payload["seed"] = int(seed)
    return payload


def sample(
    base_url: str,
    model: str,
    prompt: str,
    audio: np.ndarray | None,
    n: int,
    temperature: float,
    max_tokens: int,
    stop_token_ids: list[int],
    seed: int | None = None,
) -> list[Sampled]:
    """``n`` completions of one prompt (with its audio) from the served ``model`` (base name or adapter name)."""
    payload = sampling_payload(model, prompt, audio, n, temperature, max_tokens, stop_token_ids, seed)
    resp = post(base_url, "/chat/completions", payload, f"sampling {n} completions from {model!r}")
    try:
        out = []
        for choice in sorted(resp.json()["choices"], key=lambda c: c["index"]):
            ids = list(choice["token_ids"])
            lps = [float(t["logprob"]) for t in (choice.get("logprobs") or {}).get("content") or []]
            out.append(Sampled(ids, lps, choice.get("finish_reason")))
        return out
    except (ValueError, KeyError, TypeError):
        raise EndpointUnavailable(
            f"vLLM server {base_url}/chat/completions did not answer with token ids and log-probs: {resp.text[:200]!r}"
        ) from None
