"""Chat backend running a local causal LM with transformers (loaded lazily on first use).

Only local files are read (``local_files_only=True``): pass a directory holding the model and
its tokenizer. Replies are greedy. Chat templates are used when the tokenizer has one
(Qwen3's thinking is switched off via ``enable_thinking=False``), else a plain
``role: content`` transcript.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqa.llm.errors import JudgeUnavailable
from sqa.llm.spec import JudgeKind, JudgeSpec, Readiness


@dataclass
class TransformersChatBackend:
    """A local ``AutoModelForCausalLM`` answering chat messages.

    >>> b = TransformersChatBackend("/models/Qwen3-8B")
    >>> b.name  # nothing is loaded until the first chat()
    'hf:Qwen3-8B'
    """

    model_name_or_path: str
    device: str = "cpu"
    max_new_tokens: int = 128
    torch_dtype: str = "auto"
    max_workers: int = 1
    _model: Any = field(default=None, init=False, repr=False)
    _tokenizer: Any = field(default=None, init=False, repr=False)

    @property
    def name(self) -> str:
        return "hf:" + str(self.model_name_or_path).rstrip("/").split("/")[-1]

    def load(self) -> None:
        """Load tokenizer and model now (done automatically by :meth:`chat`)."""
        if self._model is not None:
            return
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_name_or_path, local_files_only=True)
            self._model = (
                AutoModelForCausalLM.from_pretrained(
                    self.model_name_or_path, local_files_only=True, dtype=self.torch_dtype
                )
                .to(self.device)
                .eval()
            )
        except (OSError, ValueError) as exc:
            raise JudgeUnavailable(
                f"local judge model {self.model_name_or_path} could not be loaded: {str(exc).splitlines()[0]}"
            ) from None

    def _prompt(self, messages: list[dict]) -> str:
        tok = self._tokenizer
        if getattr(tok, "chat_template", None):
            return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, enable_thinking=False)
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "

    def chat(self, messages: list[dict], max_tokens: int | None = None) -> str:
        """The model's greedy reply to ``messages``."""
        import torch

        self.load()
        enc = self._tokenizer(self._prompt(messages), return_tensors="pt", add_special_tokens=False).to(self.device)
        pad = self._tokenizer.pad_token_id
        if pad is None:
            pad = self._tokenizer.eos_token_id
        with torch.no_grad():
            out = self._model.generate(
                **enc, max_new_tokens=max_tokens or self.max_new_tokens, do_sample=False, pad_token_id=pad
            )
        return self._tokenizer.decode(out[0, enc["input_ids"].shape[1] :], skip_special_tokens=True)


def _check(spec: JudgeSpec) -> Readiness:
    ok = (Path(spec.target).expanduser() / "config.json").is_file()
    return Readiness(
        ok, f" ({'found' if ok else 'no config.json there'})", "point {env} at a local transformers model folder"
    )


HF_BACKEND = JudgeKind(
    "hf",
    ("hf:",),
    build=lambda spec: TransformersChatBackend(spec.target),
    check=_check,
    example="hf:<local model dir>",
)
"""``hf:/path/to/model``: a local transformers model folder."""
