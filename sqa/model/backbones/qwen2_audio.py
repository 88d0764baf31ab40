"""Qwen2-Audio (``Qwen/Qwen2-Audio-7B-Instruct``): the backbone of SQ-LLM's fine-tuned baseline.

A Whisper-large-v3 encoder (learned positions, average-pooled by 2) over ONE 30 s window per clip (longer
audio is cut), a linear projector, Qwen-7B. The processor writes ``Audio 1: <|audio_bos|><|AUDIO|>
<|audio_eos|>`` for the clip, before the prompt text, and expands ``<|AUDIO|>`` to the clip's frames.
Unlike AF3, the model has no ``get_audio_features``: :meth:`Qwen2Audio.audio_features` runs the encoder
and projector the way ``Qwen2AudioModel.forward`` does and keeps each clip's real frames.
"""

from __future__ import annotations

import torch

from sqa.model.backbones.base import Backbone, tiny_text_config


class Qwen2Audio(Backbone):
    def audio_features(self, model, inputs):
        from transformers.masking_utils import create_bidirectional_mask

        tower, projector = getattr(model.model, self.encoder), getattr(model.model, self.projector)
        features, mask = inputs["input_features"], inputs[self.feature_mask_key]
        conv_lengths, out_lengths = tower._get_feat_extract_output_lengths(mask.sum(-1))
        n_conv = (features.shape[-1] - 2) // 2 + 1
        conv_mask = (torch.arange(n_conv, device=features.device)[None, :] < conv_lengths[:, None]).long()
        dummy = torch.zeros((features.shape[0], n_conv, 1), dtype=projector.linear.weight.dtype, device=features.device)
        attention = create_bidirectional_mask(config=tower.config, inputs_embeds=dummy, attention_mask=conv_mask)
        frames = projector(tower(features, attention_mask=attention).last_hidden_state)
        keep = torch.arange(frames.shape[1], device=frames.device)[None, :] < out_lengths.to(frames.device)[:, None]
        return frames[keep]

    def build_tiny(self, tokenizer, feature_extractor, sizes: dict, frames: int):
        from transformers import (
            Qwen2AudioConfig,
            Qwen2AudioEncoderConfig,
            Qwen2AudioForConditionalGeneration,
            Qwen2AudioProcessor,
        )

        processor = Qwen2AudioProcessor(feature_extractor, tokenizer)  # its own (Qwen2-Audio-Instruct) template
        audio_cfg = Qwen2AudioEncoderConfig(max_source_positions=frames // 2, **sizes["audio"])
        text_cfg = tiny_text_config(tokenizer, sizes)
        config = Qwen2AudioConfig(
            audio_config=audio_cfg,
            text_config=text_cfg,
            audio_token_index=tokenizer.convert_tokens_to_ids(self.audio_token),
        )
        return Qwen2AudioForConditionalGeneration(config), processor


QWEN2_AUDIO = Qwen2Audio(
    name="qwen2_audio",
    label="Qwen2-Audio",
    model_type="qwen2_audio",
    model_class="Qwen2AudioForConditionalGeneration",
    processor_class="Qwen2AudioProcessor",
    audio_token="<|AUDIO|>",
    feature_mask_key="feature_attention_mask",
    audio_first=True,
    hub_ids=("Qwen/Qwen2-Audio-7B-Instruct", "Qwen/Qwen2-Audio-7B"),
    processor_kwargs={"padding": True, "return_tensors": "pt"},
    template_tokens=("<|audio_bos|>", "<|audio_eos|>"),
    template_texts=("system\nYou are a helpful assistant.", "Audio 1: ") * 50,
)
