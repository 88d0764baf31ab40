"""Who writes the answers: a local model (transformers ``generate``) or a served one (an OpenAI-compatible
audio chat endpoint, e.g. vLLM). Evaluation and ``python -m sqa assess`` take either through
:func:`as_generator`; both have ``generate(audios, prompts, max_new_tokens, progress) -> list[str]`` (an
audio of ``None`` withholds the audio: a text-only prompt) and a ``label`` recorded with every result row.

=========================================  ==========================================================
``model`` given to evaluation / assess     generator
=========================================  ==========================================================
a loaded model (with its ``processor``)     :class:`LocalGenerator` (greedy HF ``generate``, batched)
``"http://HOST:PORT/v1#SERVED_NAME"``       :class:`sqa.llm.audio_endpoint.AudioChatEndpoint`
an object with ``generate`` and ``label``   itself
=========================================  ==========================================================

>>> as_generator("http://127.0.0.1:8000/v1#af3").label
'http://127.0.0.1:8000/v1#af3'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch


def model_label(model) -> str:
    """``local:<where the weights came from>`` (relative to the checkout when inside it)."""
    from sqa.configs.profiles import repo_root

    name = str(getattr(model, "name_or_path", "") or getattr(getattr(model, "config", None), "_name_or_path", ""))
    path = Path(name)
    if path.is_absolute() and path.is_relative_to(repo_root()):
        name = str(path.relative_to(repo_root()))
    return f"local:{name or type(model).__name__}"


@dataclass
class LocalGenerator:
    """Greedy answers of a loaded AF3-style model, ``batch_size`` rows per ``generate`` call."""

    model: Any
    processor: Any
    batch_size: int = 16
    decode_cache: str = "dynamic"  # or "static" (sqa.model.generation)

    @property
    def label(self) -> str:
        return model_label(self.model)

    @property
    def sampling_rate(self) -> int:
        return int(self.processor.feature_extractor.sampling_rate)

    def generate(
        self,
        audios: Sequence[np.ndarray | None],
        prompts: Sequence[str],
        max_new_tokens: int = 64,
        progress: bool = False,
    ) -> list[str]:
        """Greedy answers in input order. Under ``accelerate launch`` each process answers its contiguous
        share of the rows and every process gets all answers (:mod:`sqa.configs.distributed`)."""
        from sqa.configs import distributed

        if distributed.world_size() == 1:
            return self._generate(audios, prompts, max_new_tokens, progress)
        rows = distributed.shard(range(len(prompts)), even=False)
        mine = (
            self._generate([audios[i] for i in rows], [prompts[i] for i in rows], max_new_tokens, progress)
            if rows
            else []
        )
        return distributed.gather(mine)

    @torch.inference_mode()
    def _generate(
        self,
        audios: Sequence[np.ndarray | None],
        prompts: Sequence[str],
        max_new_tokens: int = 64,
        progress: bool = False,
    ) -> list[str]:
        from sqa.model.generation import decode, generate_ids, generate_texts

        withheld = [a is None for a in audios]
        if not any(withheld):
            return generate_texts(
                self.model,
                self.processor,
                list(audios),
                list(prompts),
                max_new_tokens=max_new_tokens,
                batch_size=self.batch_size,
                sampling_rate=self.sampling_rate,
                progress=progress,
                decode_cache=self.decode_cache,
            )
        if not all(withheld):
            raise ValueError("sqa.evaluation.LocalGenerator: withhold the audio of every row of a call or of none")
        if len(set(prompts)) > 1:
            raise ValueError("sqa.evaluation.LocalGenerator: text-only rows of one call share one prompt")
        from sqa.model.batching import prompt_inputs

        was_training = self.model.training
        self.model.eval()
        device = next(self.model.parameters()).device
        out: list[str] = []
        try:
            for s in range(0, len(prompts), self.batch_size):
                rows = list(audios[s : s + self.batch_size])
                batch = prompt_inputs(self.processor, rows, prompts[s], text_only=True, device=device)
                out += decode(
                    self.processor,
                    generate_ids(
                        self.model, self.processor, batch, max_new_tokens=max_new_tokens, decode_cache=self.decode_cache
                    ),
                )
        finally:
            self.model.train(was_training)
        return out


def as_generator(model, processor=None, batch_size: int = 16, decode_cache: str = "dynamic"):
    """The generator for ``model`` (see the module docstring); a one-line ValueError otherwise."""
    from sqa.llm.audio_endpoint import AudioChatEndpoint, is_endpoint_spec

    if isinstance(model, torch.nn.Module):
        if processor is None:
            raise ValueError("sqa.evaluation.as_generator: a local model needs its processor")
        return LocalGenerator(model, processor, batch_size, decode_cache)
    if is_endpoint_spec(model):
        return AudioChatEndpoint.from_spec(model)
    if hasattr(model, "generate") and hasattr(model, "label"):
        return model
    raise ValueError(
        f"sqa.evaluation.as_generator: expected a loaded model, an endpoint 'http://HOST:PORT/v1#NAME' "
        f"or a generator, got {model!r}"
    )
