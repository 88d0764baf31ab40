"""Audio Flamingo 3 (``nvidia/audio-flamingo-3-hf``): the paper's backbone.

A Whisper-style encoder (sinusoidal positions, never trained) over 30 s windows, a 2-layer MLP projector,
Qwen2.5-7B. The processor cuts a clip into windows of ``chunk_length`` seconds (up to ``max_audio_len``)
and writes ``<sound>`` once per clip, expanded to the windows' frames; the prompt text comes before the
audio (transformers' own AF3 requests).
"""

from __future__ import annotations

import math

from sqa.model.backbones.base import Backbone, tiny_text_config

AF3_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}"
    "{%- if message['content'] is string -%}"
    "{{- message['content'] -}}"
    "{%- else -%}"
    "{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'audio' -%}{{- '<sound>' -}}"
    "{%- elif item['type'] == 'text' -%}{{- item['text'] -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{{- '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)
"""An AF3-style ChatML template for the tiny model (the hub model ships its own ``chat_template.jinja``):
content items in order (text as is, ``<sound>`` for audio), every turn closed by ``<|im_end|>``."""
TINY_MAX_AUDIO_SECONDS = 64
"""Longest audio the tiny AF3 processor accepts before truncating (AF3: 600 s); 8 windows."""


class AudioFlamingo3(Backbone):
    def audio_features(self, model, inputs):
        out = model.get_audio_features(inputs["input_features"], inputs[self.feature_mask_key], return_dict=True)
        return out.pooler_output

    def max_audio_seconds(self, processor) -> float:
        return float(processor.max_audio_len)

    def audio_windows(self, processor, audios, sampling_rate: int = 16000) -> list[int]:
        fe = processor.feature_extractor
        window = int(sampling_rate * fe.chunk_length)
        cap = max(1, int(processor.max_audio_len // fe.chunk_length))
        return [min(cap, max(1, math.ceil(len(a) / window))) for a in audios]

    def build_tiny(self, tokenizer, feature_extractor, sizes: dict, frames: int):
        from transformers import (
            AudioFlamingo3Config,
            AudioFlamingo3EncoderConfig,
            AudioFlamingo3ForConditionalGeneration,
            AudioFlamingo3Processor,
        )

        window = feature_extractor.chunk_length
        processor = AudioFlamingo3Processor(
            feature_extractor,
            tokenizer,
            chat_template=self.chat_template,
            audio_token=self.audio_token,
            max_audio_len=max(TINY_MAX_AUDIO_SECONDS, window),
        )
        audio_cfg = AudioFlamingo3EncoderConfig(max_source_positions=frames // 2, **sizes["audio"])
        text_cfg = tiny_text_config(tokenizer, sizes)
        config = AudioFlamingo3Config(
            audio_config=audio_cfg,
            text_config=text_cfg,
            audio_token_id=tokenizer.convert_tokens_to_ids(self.audio_token),
        )
        return AudioFlamingo3ForConditionalGeneration(config), processor


AF3 = AudioFlamingo3(
    name="af3",
    label="AF3",
    model_type="audioflamingo3",
    model_class="AudioFlamingo3ForConditionalGeneration",
    processor_class="AudioFlamingo3Processor",
    audio_token="<sound>",
    feature_mask_key="input_features_mask",
    hub_ids=("nvidia/audio-flamingo-3-hf",),
    chat_template=AF3_CHAT_TEMPLATE,
    hub_max_audio_seconds=600.0,
)
