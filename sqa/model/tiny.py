"""The tiny AF3 (and tiny Qwen2-Audio): a backbone's architecture at a few million parameters, built locally.

Same classes as the paper's model (``AudioFlamingo3ForConditionalGeneration``, ``AudioFlamingo3Processor``
with a ``WhisperFeatureExtractor`` and a ``Qwen2Tokenizer``), so every line of ``sqa.model`` and
``sqa.train`` runs unchanged on it; only the sizes differ. ``backbone="qwen2_audio"`` builds the same
sizes with Qwen2-Audio's classes (``Qwen2AudioForConditionalGeneration``, its processor and chat
template; one window per clip):

* audio encoder: 2 Whisper-style layers, 128 mel bins, ``d_model`` 128, sinusoidal (frozen) positions;
* language model: a 4-layer Qwen2 (``hidden_size`` 128, GQA 4/2 heads);
* tokenizer: byte-level BPE trained here with ``tokenizers`` on every prompt plus rendered answers,
  digits split one per token (Qwen2's own pre-tokenizer), ChatML tokens and ``<sound>``;
* audio window: :data:`TINY_WINDOW_SECONDS` (8 s) instead of AF3's 30 s, and a 20 ms mel hop
  (:data:`TINY_HOP_LENGTH`) instead of 10 ms: both only cut CPU time.

The window and hop live in the saved files and nowhere else. The processor cuts audio into windows of
``feature_extractor.chunk_length`` seconds, pads each to ``frames = chunk_length * 16000 / hop_length``
mel frames (3000 for AF3: 30 s at 10 ms; 400 here: 8 s at 20 ms), and writes ``<sound>`` x
``((n - 1) // 2 + 1 - 2) // 2 + 1`` per clip for its ``n`` real frames; the encoder adds
``embed_positions`` of length ``max_source_positions`` after its stride-2 conv, so
``max_source_positions = frames / 2`` (1500 for AF3, 200 here) and a full window gives ``frames / 4``
audio tokens (750 for AF3, 100 here). Audio longer than one window is split into several windows and
their tokens concatenated, exactly as AF3's processor does for any window size, up to
``max_audio_len`` seconds.

Building is deterministic for a fixed ``seed`` (same files, byte for byte).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import torch

from sqa.configs.layout import DEFAULT_BACKBONE, is_default_backbone
from sqa.model.backbones import get_backbone
from sqa.model.chat import AUDIO_TOKEN, END_OF_TURN
from sqa.schema import ARTIFACTS, DIMENSIONS, Artifact, Assessment, render
from sqa.schema.prompts import all_prompts

TINY_WINDOW_SECONDS = 8
"""Audio window of the tiny model (AF3: 30 s). 25 audio tokens per second of audio."""
TINY_HOP_LENGTH = 320
"""Mel hop of the tiny model in samples: 20 ms (AF3/Whisper: 160 = 10 ms). Halves the encoder's work and
the audio tokens (12.5 per second instead of 25) for CPU training; the architecture is unchanged."""
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", END_OF_TURN, AUDIO_TOKEN)
"""Ids 0..3 of the tiny AF3 tokenizer: padding, ChatML turn start and end (= end of sequence), audio."""
TINY_SIZES: dict[str, dict] = {
    "audio": dict(num_mel_bins=128, num_hidden_layers=2, num_attention_heads=4, intermediate_size=512, hidden_size=128),
    "text": dict(
        hidden_size=128,
        intermediate_size=512,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=False,
    ),
}
"""Encoder and language-model sizes (``AudioFlamingo3EncoderConfig`` / ``Qwen2Config`` fields)."""
VOCAB_SIZE = 2048
"""Upper bound of the BPE vocabulary; the trainer stops earlier when the corpus has no more merges."""

_WORDS = (
    "a low hum in the background",
    "steady hiss",
    "crackling bursts",
    "clipped peaks",
    "muffled, band-limited",
    "metallic ringing",
    "a long silent gap mid-sentence",
    "short dropouts",
    "robotic and flat",
    "clear and natural",
    "the speaker talks slowly",
    "the speaker talks fast",
    "a woman's voice",
    "a man's voice",
    "a child's voice",
    "The speech is clean and easy to follow.",
    "Heavy noise makes the speech hard to understand.",
    "The voice sounds synthetic, with a flat pitch.",
    "There are several breaks in the speech.",
)


def _strings(value) -> list[str]:
    """Every string inside nested tuples, lists and dict values."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [s for v in value for s in _strings(v)]
    return []


def template_phrases() -> list[str]:
    """The synthetic corpus's own wording (module-level tables of ``sqa.data.synthetic.templates``), or []."""
    try:
        from sqa.data.synthetic import templates
    except Exception:
        return []
    return sorted({s for name, v in vars(templates).items() if name.isupper() for s in _strings(v)})


def sample_answers(n: int = 400, seed: int = 0) -> list[str]:
    """Rendered assessments with random scores, intervals and phrases: answer text for the tokenizer.

    Phrases come from the synthetic corpus's templates when ``sqa.data`` is present
    (:func:`template_phrases`) plus a built-in list.

    >>> [line.split(":")[0] for line in sample_answers(1)[0].splitlines()[:2]]
    ['Noise', 'Distortion']
    """
    rng = random.Random(seed)
    phrases = list(_WORDS) + template_phrases()
    out = []
    for _ in range(n):
        arts = {}
        for name in ARTIFACTS:
            if rng.random() < 0.5:
                start = round(rng.uniform(0, 8), 1)
                spans = [(start, round(start + rng.uniform(0.1, 2), 1))]
                arts[name] = Artifact(True, spans, rng.choice(phrases))
            else:
                arts[name] = Artifact(False, [], rng.choice(phrases))
        scores = {d: rng.randint(1, 5) for d in DIMENSIONS}
        text = " ".join(rng.choice(phrases) for _ in range(rng.randint(1, 4)))
        out.append(render(Assessment(scores=scores, artifacts=arts, description=text)))
    return out + phrases


def train_tokenizer(texts: list[str], vocab_size: int = VOCAB_SIZE, audio_tokens: tuple[str, ...] = (AUDIO_TOKEN,)):
    """A byte-level BPE ``Qwen2Tokenizer`` trained on ``texts``; digits are single tokens.

    >>> tok = train_tokenizer(["Rate the noise from 1 to 5.", "Noise: 45"] * 20, vocab_size=300)
    >>> tok.tokenize("2025")
    ['2', '0', '2', '5']
    >>> tok.convert_tokens_to_ids(["<|endoftext|>", "<sound>"]), tok.eos_token
    ([0, 3], '<|im_end|>')
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import Qwen2Tokenizer
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [  # Qwen2's: \p{N} alone = one digit per token
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", END_OF_TURN, *audio_tokens]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    return Qwen2Tokenizer(
        tokenizer_object=tok,
        eos_token=END_OF_TURN,
        pad_token="<|endoftext|>",
        unk_token=None,
        additional_special_tokens=["<|im_start|>", *audio_tokens],
    )


def tiny_settings(
    seed: int = 0,
    window_seconds: int = TINY_WINDOW_SECONDS,
    hop_length: int = TINY_HOP_LENGTH,
    sizes: dict | None = None,
    backbone: str = DEFAULT_BACKBONE,
) -> dict:
    """What :func:`build_tiny_model` writes to ``sqa_tiny.json`` for these options (sizes filled in).

    >>> s = tiny_settings(window_seconds=30, hop_length=160, sizes={"text": {"hidden_size": 64}})
    >>> s["window_seconds"], s["sizes"]["text"]["hidden_size"], s["sizes"]["audio"]["hidden_size"]
    (30, 64, 128)
    """
    sizes = {part: {**TINY_SIZES[part], **(sizes or {}).get(part, {})} for part in TINY_SIZES}
    record = {"seed": seed, "window_seconds": window_seconds, "hop_length": hop_length, "sizes": sizes}
    if not is_default_backbone(backbone):  # the AF3 record stays as it was (its files, byte for byte)
        record["backbone"] = backbone
    return record


def build_tiny_model(
    out_dir: str | Path,
    seed: int = 0,
    window_seconds: int = TINY_WINDOW_SECONDS,
    hop_length: int = TINY_HOP_LENGTH,
    sizes: dict | None = None,
    backbone: str = DEFAULT_BACKBONE,
) -> Path:
    """Build the tiny ``backbone`` (random init; AF3 by default) with its processor into ``out_dir``.

    The directory is a normal HF model dir: ``load_model(out_dir)`` and ``AutoProcessor.from_pretrained``
    read it. ``window_seconds`` sets both the processor's ``chunk_length`` and the encoder's
    ``max_source_positions`` (see the module docstring).
    """
    from transformers import WhisperFeatureExtractor
    from transformers.models.whisper.modeling_whisper import sinusoids

    arch = get_backbone(backbone)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    roles = ["user\n", "assistant\n", "system\n"] * 50  # ChatML role lines: one token each
    tokenizer = train_tokenizer(
        all_prompts() + sample_answers(seed=seed) + roles + list(arch.template_texts),
        audio_tokens=arch.audio_special_tokens,
    )
    settings = tiny_settings(seed, window_seconds, hop_length, sizes, arch.name)
    sizes = settings["sizes"]
    fe = WhisperFeatureExtractor(
        feature_size=sizes["audio"]["num_mel_bins"],
        chunk_length=window_seconds,
        hop_length=hop_length,
        return_attention_mask=True,
    )
    frames = window_seconds * fe.sampling_rate // hop_length  # mel frames of one window
    torch.manual_seed(seed)
    model, processor = arch.build_tiny(tokenizer, fe, sizes, frames)
    pos = getattr(model.model, arch.encoder).embed_positions
    with torch.no_grad():  # Whisper's fixed sinusoidal positions (AF3 leaves them to the checkpoint)
        pos.weight.copy_(sinusoids(*pos.weight.shape))
    gen = model.generation_config
    gen.eos_token_id, gen.pad_token_id, gen.bos_token_id = tokenizer.eos_token_id, tokenizer.pad_token_id, None
    model.save_pretrained(out)
    processor.save_pretrained(out)
    (out / "sqa_tiny.json").write_text(json.dumps(settings, indent=1))
    return out
