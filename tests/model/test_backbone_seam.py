"""The backbone seam: a backbone written outside ``sqa`` (a module in a temporary folder) takes one call,
``sqa.model.register_backbone``, and then builds, loads, trains a calibration step, generates and assesses
through the same code as AF3, with nothing in ``sqa`` patched.

The toy is the tiny AF3 under a name of its own: its own transformers classes (``model_type``
``toy_flamingo``, registered with transformers' Auto classes as any new architecture is), its own audio
placeholder (``<audio>``, not AF3's ``<sound>``) and its own limit (16 s of audio instead of 64 s). It runs
in a fresh process, so the registration does not leak into the other tests' registry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TOY_BACKBONE = '''
"""A toy backbone: the tiny AF3 with classes, an audio placeholder and an audio limit of its own."""
from transformers import (AudioFlamingo3Config, AudioFlamingo3EncoderConfig, AudioFlamingo3ForConditionalGeneration,
                          AudioFlamingo3Processor, AutoConfig, AutoProcessor)

from sqa.model.backbones.af3 import AF3_CHAT_TEMPLATE, AudioFlamingo3
from sqa.model.backbones.base import tiny_text_config


class ToyFlamingoConfig(AudioFlamingo3Config):
    model_type = "toy_flamingo"


class ToyFlamingoForConditionalGeneration(AudioFlamingo3ForConditionalGeneration):
    config_class = ToyFlamingoConfig


class ToyFlamingoProcessor(AudioFlamingo3Processor):
    pass


AutoConfig.register("toy_flamingo", ToyFlamingoConfig)
AutoProcessor.register(ToyFlamingoConfig, ToyFlamingoProcessor)


class ToyFlamingo(AudioFlamingo3):
    def model_cls(self):
        return ToyFlamingoForConditionalGeneration

    def build_tiny(self, tokenizer, feature_extractor, sizes, frames):
        processor = ToyFlamingoProcessor(feature_extractor, tokenizer, chat_template=self.chat_template,
                                         audio_token=self.audio_token, max_audio_len=16)
        config = ToyFlamingoConfig(audio_config=AudioFlamingo3EncoderConfig(max_source_positions=frames // 2,
                                                                            **sizes["audio"]),
                                   text_config=tiny_text_config(tokenizer, sizes),
                                   audio_token_id=tokenizer.convert_tokens_to_ids(self.audio_token))
        return ToyFlamingoForConditionalGeneration(config), processor


TOY = ToyFlamingo(name="toy_flamingo", label="Toy-Flamingo", model_type="toy_flamingo",
                  model_class="ToyFlamingoForConditionalGeneration", processor_class="ToyFlamingoProcessor",
                  audio_token="<audio>", feature_mask_key="input_features_mask",
                  chat_template=AF3_CHAT_TEMPLATE.replace("<sound>", "<audio>"), hub_max_audio_seconds=16.0)
'''

RUN = """
import json, sys
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, sys.argv[1])
import toy_backbone

import sqa
from sqa.data import load_qualispeech, make_synthetic_corpus
from sqa.model import (backbone_of, build_tiny_model, generate_texts, load_model, prompt_inputs,
                       register_backbone)
from sqa.configs.profiles import get_profile
from sqa.train import calibrate

register_backbone(toy_backbone.TOY)  # the one registration

out = Path(sys.argv[2])
small = {"text": {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
                  "num_key_value_heads": 1}, "audio": {"hidden_size": 64, "intermediate_size": 128}}
base = build_tiny_model(out / "base", seed=0, sizes=small, backbone="toy_flamingo")
corpus = make_synthetic_corpus(out / "corpus", n_train=4, n_test=2, seed=0, progress=False)
profile = get_profile("smoke", data_dir=str(corpus), backbone="toy_flamingo")
calibrated = calibrate(profile, init=base, out_dir=out / "calib", steps=1, batch_size=2, warmup=0, progress=False,
                       lora_rank=0)
model, processor = load_model(calibrated, lora_rank=0, backbone="toy_flamingo")
model.eval()
test = load_qualispeech(corpus, "test")
long_clip = out / "long.wav"
sf.write(long_clip, (0.1 * np.random.default_rng(0).standard_normal(16000 * 20)).astype(np.float32), 16000)
assessed = sqa.assess([str(long_clip)], model=(model, processor), max_new_tokens=4)
print(json.dumps({
    "base": backbone_of(base).name, "calibrated": backbone_of(calibrated).name,
    "model": backbone_of(model).name, "processor": type(processor).__name__,
    "record": json.loads((base / "sqa_tiny.json").read_text()).get("backbone"),
    "placeholders": int((prompt_inputs(processor, [np.zeros(16000, np.float32)], "Rate it.")["input_ids"]
                         == model.config.audio_token_id).sum()),
    "audio_token_id": processor.tokenizer.convert_tokens_to_ids("<audio>") == model.config.audio_token_id,
    "answers": len(generate_texts(model, processor, [np.zeros(16000, np.float32)], ["Rate it."], max_new_tokens=3)),
    "assess_ok": [r.ok for r in assessed], "flags": assessed[0].flags,
}))
"""


def test_a_backbone_written_outside_sqa_takes_one_registration_and_runs_a_calibration_step(tmp_path):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "toy_backbone.py").write_text(TOY_BACKBONE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(tmp_path / "toy"), str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["base"] == seen["calibrated"] == seen["model"] == "toy_flamingo"
    assert seen["processor"] == "ToyFlamingoProcessor" and seen["record"] == "toy_flamingo"
    assert seen["audio_token_id"] and seen["placeholders"] == 12  # 1 s at the 20 ms hop: 50 frames -> 12 tokens
    assert seen["answers"] == 1
    assert seen["assess_ok"] == [True]
    assert seen["flags"] == ["truncated to 16 s"]  # the toy's limit, asked from its processor, not AF3's 64 s
