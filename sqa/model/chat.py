"""The chat format: AF3's ChatML turns with the ``<sound>`` placeholder, and the conversations we build.

The hub model ``nvidia/audio-flamingo-3-hf`` ships its own ``chat_template.jinja`` (used as is when
it is loaded); the tiny model saves :data:`AF3_CHAT_TEMPLATE`, an AF3-style ChatML template that writes
the content items of a turn in order (text as is, ``<sound>`` for an audio item), every turn closed by
``<|im_end|>``, ``<|im_start|>assistant`` opened by ``add_generation_prompt``. The processor expands
each ``<sound>`` into as many placeholders as the audio encoder yields frames for that clip.

The user turn is the prompt text, then the audio: the order of transformers' own AF3 requests
(``AudioFlamingo3Processor.apply_transcription_request``). With a causal language model this order also
lets every audio position read the question (which dimension is asked).

>>> user_turn("Rate it.")["content"]
[{'type': 'text', 'text': 'Rate it.'}, {'type': 'audio'}]
>>> [m["role"] for m in conversation("Rate it.", "4")]
['user', 'assistant']
"""
from __future__ import annotations

AUDIO_TOKEN = "<sound>"
"""The audio placeholder of AF3 (``AudioFlamingo3Processor.audio_token``)."""
END_OF_TURN = "<|im_end|>"
"""ChatML end of turn: the model's end-of-sequence token, learnt after every answer."""

AF3_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}"
    "{%- if message['content'] is string -%}"
    "{{- message['content'] -}}"
    "{%- else -%}"
    "{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'audio' -%}{{- '<sound>' -}}{%- elif item['type'] == 'text' -%}{{- item['text'] -}}{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{{- '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)


def user_turn(prompt: str) -> dict:
    """The user turn: the text prompt, then one audio clip (audio arrays go to the processor separately)."""
    return {"role": "user", "content": [{"type": "text", "text": prompt}, {"type": "audio"}]}


def conversation(prompt: str, answer: str | None = None) -> list[dict]:
    """A one-exchange conversation; without ``answer`` only the user turn (for generation)."""
    turns = [user_turn(prompt)]
    if answer is not None:
        turns.append({"role": "assistant", "content": [{"type": "text", "text": answer}]})
    return turns
