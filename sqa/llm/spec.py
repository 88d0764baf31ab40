"""Judge specs, typed: the one parser of strings like ``rule``, ``http://h:8000/v1#Model``, ``hf:/path``.

A judge backend is one :class:`JudgeKind` (its prefixes, how it builds, what it is called, how the preflight
checks it), written in the backend's own module and registered with one :func:`register_judge_backend`
call (the built-in ones in :mod:`sqa.llm.factory`). :func:`parse_judge_spec` turns a string into a
:class:`JudgeSpec` naming its kind; everything else (``get_backend``, ``sqa.configs.sources``' labels, the
preflight) reads that, so no module branches on a spec's prefix.

>>> kind = JudgeKind("echo", ("echo:",), build=lambda spec: spec.target)
>>> register_judge_backend(kind) is kind
True
>>> spec = parse_judge_spec("echo:hello")
>>> spec.kind.name, spec.target, spec.label, spec.build()
('echo', 'hello', 'echo:hello', 'hello')
>>> del JUDGE_BACKENDS["echo"]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqa.configs.sources import PARSE_RESPONSE  # noqa: F401 - the named default extractor, defined once


@dataclass(frozen=True)
class Readiness:
    """What the preflight says of a judge spec: ``detail`` follows the spec's label, ``fix`` may name ``{env}``."""

    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class JudgeKind:
    """One judge backend: the spec prefixes it owns and what to do with such a spec.

    * ``build(spec)`` -> a judge (``rate_dimensions`` ...) or a chat backend (``chat``), wrapped by
      :class:`~sqa.llm.LLMJudge`; called only when a judge is used, so building contacts nothing;
    * ``split(text)`` -> ``(target, model)`` (default: the text after the prefix, no model); raise a
      one-line ``ValueError`` for a malformed spec;
    * ``label(spec)`` -> what provenance records (default: the spec as written);
    * ``check(spec)`` -> :class:`Readiness` in seconds for ``python -m sqa check`` (default: ok);
    * ``stand_in``: the deterministic rule judge (allowed only when named, labelled as a stand-in).
    """

    name: str
    prefixes: tuple[str, ...]
    build: Callable[[JudgeSpec], Any]
    split: Callable[[str], tuple[str, str]] | None = None
    label: Callable[[JudgeSpec], str] | None = None
    check: Callable[[JudgeSpec], Readiness] | None = None
    stand_in: bool = False
    example: str = ""


@dataclass(frozen=True)
class JudgeSpec:
    """A parsed judge spec: the text as written, its :class:`JudgeKind`, and what the kind read from it."""

    text: str
    kind: JudgeKind
    target: str = ""
    model: str = ""

    @property
    def stand_in(self) -> bool:
        return self.kind.stand_in

    @property
    def label(self) -> str:
        """The provenance label (``llm:Qwen3-8B@http://h:8000/v1``; the rule judge's ends ``(stand-in)``)."""
        base = self.kind.label(self) if self.kind.label else self.text
        return f"{base} (stand-in)" if self.stand_in else base

    def build(self) -> Any:
        return self.kind.build(self)

    def check(self) -> Readiness:
        return self.kind.check(self) if self.kind.check else Readiness(True, "")

    def __str__(self) -> str:
        return self.text


JUDGE_BACKENDS: dict[str, JudgeKind] = {}
"""Every judge backend by name, in registration order (:func:`register_judge_backend`)."""


def register_judge_backend(kind: JudgeKind) -> JudgeKind:
    """Add a judge backend (the one line a new backend needs); returns ``kind``. A name registered twice is
    replaced, so re-importing a module is harmless."""
    JUDGE_BACKENDS[kind.name] = kind
    return kind


def spec_help() -> str:
    """The spec forms of every registered backend, for error messages."""
    return ", ".join(repr(k.example or k.prefixes[0]) for k in JUDGE_BACKENDS.values())


def parse_judge_spec(text: Any) -> JudgeSpec:
    """The :class:`JudgeSpec` of ``text`` (a :class:`JudgeSpec` passes through); a one-line ``ValueError`` naming
    the forms every registered backend takes when no backend owns it."""
    if isinstance(text, JudgeSpec):
        return text
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"sqa.llm: expected a judge spec ({spec_help()}), got {text!r}")
    text = text.strip()
    for kind in JUDGE_BACKENDS.values():
        prefix = next((p for p in kind.prefixes if text.startswith(p)), None)
        if prefix is not None:
            target, model = kind.split(text) if kind.split else (text[len(prefix) :], "")
            return JudgeSpec(text, kind, target, model)
    raise ValueError(f"sqa.llm: unknown judge spec {text!r}; expected {spec_help()}")
