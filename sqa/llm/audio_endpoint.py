"""Generation through an OpenAI-compatible audio chat endpoint (vLLM serving AF3, a LoRA adapter, any audio LLM).

A generator spec is written like a judge spec: ``http://HOST:PORT/v1#SERVED_NAME``. Each (audio, prompt)
becomes one ``/chat/completions`` request whose user turn is the prompt text followed by the audio as
an ``input_audio`` content part (base64 WAV, 16 kHz mono, 16-bit PCM): the order of the local chat
template (:func:`sqa.model.chat.user_turn`). Answers are greedy (``temperature=0``), ``max_tokens`` is the
caller's (the profile's ``max_new_tokens``). Requests run ``max_workers`` at a time (the server batches
them); connection errors, timeouts and HTTP 429/502/503/504 are retried with exponential backoff. Any
other HTTP error (e.g. 400 from a text-only model given audio, 404 for an unknown served name) and an
endpoint still unreachable after the retries raise :class:`EndpointUnavailable`, one line naming the URL.

>>> e = AudioChatEndpoint.from_spec("http://127.0.0.1:8000/v1/#af3")
>>> e.url, e.model, e.label
('http://127.0.0.1:8000/v1/chat/completions', 'af3', 'http://127.0.0.1:8000/v1#af3')
>>> m = audio_messages("Rate it.", np.zeros(1600, dtype=np.float32))[0]["content"]
>>> [part["type"] for part in m], m[1]["input_audio"]["format"]
(['text', 'input_audio'], 'wav')
>>> audio_messages("Rate it.", None)[0]["content"]  # audio withheld: the prompt alone
[{'type': 'text', 'text': 'Rate it.'}]
"""

from __future__ import annotations

import base64
import io
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import requests

from sqa.llm.errors import JudgeUnavailable

ENDPOINT_SAMPLING_RATE = 16000
"""The audio sent to an endpoint: 16 kHz mono (what AF3's and Qwen2-Audio's processors expect)."""
RETRIES, BACKOFF_S = 5, 0.5
"""Default retries per request and the wait before the first one (doubled each time: 0.5 + 1 + ... + 8 s)."""
RETRY_STATUS = (429, 502, 503, 504)
"""HTTP statuses that mean "busy, try again" (rate limit, overloaded or restarting server)."""


class EndpointUnavailable(JudgeUnavailable):
    """A generator endpoint cannot be used (unreachable, not an audio chat endpoint, unknown model)."""


def is_endpoint_spec(spec) -> bool:
    """True for ``http(s)://...`` strings (a served model), False for a local model dir or hub id.

    >>> is_endpoint_spec("http://h:8000/v1#m"), is_endpoint_spec("runs/tiny/calibration/model")
    (True, False)
    """
    return isinstance(spec, str) and spec.strip().startswith(("http://", "https://"))


def split_spec(spec: str) -> tuple[str, str]:
    """``(base_url, served_name)`` of ``http://HOST:PORT/v1#NAME``; a one-line error without the name.

    >>> split_spec("http://h:8000/v1#nvidia/audio-flamingo-3-hf")
    ('http://h:8000/v1', 'nvidia/audio-flamingo-3-hf')
    """
    url, _, model = spec.strip().partition("#")
    if not model:
        raise ValueError(f"{spec!r} names no served model; write it as '{url}#<served model name>'")
    return url.rstrip("/"), model


def wav_base64(audio: np.ndarray, sampling_rate: int = ENDPOINT_SAMPLING_RATE) -> str:
    """Base64 of a 16-bit PCM mono WAV file holding ``audio`` (float in [-1, 1], clipped)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(
        buf, np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0), sampling_rate, format="WAV", subtype="PCM_16"
    )
    return base64.b64encode(buf.getvalue()).decode("ascii")


def audio_messages(prompt: str, audio: np.ndarray | None, sampling_rate: int = ENDPOINT_SAMPLING_RATE) -> list[dict]:
    """The one-turn chat of a request: the prompt text, then the audio (omitted when ``audio`` is None)."""
    content: list[dict] = [{"type": "text", "text": prompt}]
    if audio is not None:
        content.append(
            {"type": "input_audio", "input_audio": {"data": wav_base64(audio, sampling_rate), "format": "wav"}}
        )
    return [{"role": "user", "content": content}]


@dataclass
class AudioChatEndpoint:
    """Greedy answers of a served audio LLM; :meth:`generate` has the signature of the local generator.

    ``api_key`` defaults to ``$SQA_GENERATOR_API_KEY`` or ``$OPENAI_API_KEY`` (vLLM needs none).
    """

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 600.0
    retries: int | None = None  # default RETRIES
    backoff: float | None = None  # seconds before the first retry, doubled each time; default BACKOFF_S
    max_workers: int = 16
    extra_body: dict = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.retries = RETRIES if self.retries is None else int(self.retries)
        self.backoff = BACKOFF_S if self.backoff is None else float(self.backoff)
        if self.api_key is None:
            self.api_key = os.environ.get("SQA_GENERATOR_API_KEY") or os.environ.get("OPENAI_API_KEY")

    @classmethod
    def from_spec(cls, spec: str, **kwargs) -> AudioChatEndpoint:
        return cls(*split_spec(spec), **kwargs)

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    @property
    def label(self) -> str:
        """The spec this generator was built from (recorded with every evaluation row)."""
        return f"{self.base_url}#{self.model}"

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def _fail(self, why: str) -> EndpointUnavailable:
        return EndpointUnavailable(f"generator endpoint {self.url} (model {self.model!r}) {why}")

    def answer(self, prompt: str, audio: np.ndarray | None, max_tokens: int) -> str:
        """The greedy reply to one prompt with its audio (None: text only)."""
        payload = {
            "model": self.model,
            "messages": audio_messages(prompt, audio),
            "temperature": 0.0,
            "max_tokens": int(max_tokens),
            **self.extra_body,
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                resp = self._session().post(self.url, json=payload, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise self._fail(
                        f"is unreachable ({type(exc).__name__} after {attempt + 1} tries); "
                        "start the server (see README 'Scaling up')"
                    ) from None
            else:
                if resp.status_code not in RETRY_STATUS:
                    break
                if last:
                    raise self._fail(f"still answered HTTP {resp.status_code} after {attempt + 1} tries")
            time.sleep(self.backoff * 2**attempt)
        if resp.status_code >= 400:
            detail = " ".join(resp.text[:300].split())
            raise self._fail(f"answered HTTP {resp.status_code} (is it an audio chat model?): {detail}")
        try:
            return resp.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise self._fail(f"did not answer like an OpenAI chat endpoint: {resp.text[:200]!r}") from None

    def generate(
        self,
        audios: Sequence[np.ndarray | None],
        prompts: Sequence[str],
        max_new_tokens: int = 64,
        progress: bool = False,
        **_ignored,
    ) -> list[str]:
        """One greedy answer per (audio, prompt), in input order, ``max_workers`` requests in flight.

        ``audios`` are float32 mono at 16 kHz (None drops the audio from that request).
        """
        if len(audios) != len(prompts):
            raise ValueError(f"sqa.llm.AudioChatEndpoint.generate: {len(audios)} audios vs {len(prompts)} prompts")
        if not len(prompts):
            return []
        workers = max(1, min(self.max_workers, len(prompts)))
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            jobs = pool.map(lambda ap: self.answer(ap[1], ap[0], max_new_tokens), zip(audios, prompts))
            if progress:
                from tqdm.auto import tqdm

                jobs = tqdm(jobs, total=len(prompts), desc="generate", unit="answer")
            return list(jobs)
        finally:  # on the first error, requests not yet sent are dropped
            pool.shutdown(wait=True, cancel_futures=True)
