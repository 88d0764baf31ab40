"""The chat format: ChatML turns with the backbone's audio placeholder, and the conversations we build.

The hub model ``nvidia/audio-flamingo-3-hf`` ships its own ``chat_template.jinja`` (used as is when
it is loaded); the tiny AF3 saves its backbone's ``chat_template`` (``sqa.model.AF3_CHAT_TEMPLATE``), an
AF3-style ChatML template that writes
the content items of a turn in order (text as is, ``<sound>`` for an audio item), every turn closed by
``<|im_end|>``, ``<|im_start|>assistant`` opened by ``add_generation_prompt``. The processor expands
each ``<sound>`` into as many placeholders as the audio encoder yields frames for that clip.

The user turn is the prompt text, then the audio: the order of transformers' own AF3 requests
(``AudioFlamingo3Processor.apply_transcription_request``). With a causal language model this order also
lets every audio position read the question (which dimension is asked). Qwen2-Audio's own order is the
audio first (``Backbone.audio_first``); its processor's template writes ``Audio 1: <|audio_bos|><|AUDIO|>
<|audio_eos|>`` for the clip.

>>> user_turn("Rate it.")["content"]
[{'type': 'text', 'text': 'Rate it.'}, {'type': 'audio'}]
>>> [m["role"] for m in conversation("Rate it.", "4")]
['user', 'assistant']
>>> [item["type"] for item in conversation("Rate it.", backbone="qwen2_audio")[0]["content"]]
['audio', 'text']
"""

from __future__ import annotations

from sqa.model.backbones import END_OF_TURN, get_backbone

AUDIO_TOKEN = get_backbone().audio_token
"""The audio placeholder of the default backbone, AF3 (``<sound>``: ``AudioFlamingo3Processor.audio_token``)."""
__all__ = ["AUDIO_TOKEN", "END_OF_TURN", "conversation", "user_turn"]


def user_turn(prompt: str, backbone=None) -> dict:
    """The user turn: the text prompt and one audio clip, in the backbone's order (AF3: text first; audio
    arrays go to the processor separately)."""
    return get_backbone(backbone).user_turn(prompt)


def conversation(prompt: str, answer: str | None = None, backbone=None) -> list[dict]:
    """A one-exchange conversation; without ``answer`` only the user turn (for generation)."""
    turns = [user_turn(prompt, backbone)]
    if answer is not None:
        turns.append({"role": "assistant", "content": [{"type": "text", "text": answer}]})
    return turns
