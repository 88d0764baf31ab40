"""Benchmarks of sqa's training steps (``make bench`` -> ``results/bench/``).

* :mod:`benchmarks.grpo_step`: one GRPO step with the audio encoded once per prompt (sqa) against the
  naive path (audio features repeated for each of the G completions), interleaved, medians;
* :mod:`benchmarks.calibration_step`: samples/s of the calibration SFT step, learned vs frozen encoder,
  and model FLOPs utilisation against a measured matmul peak;
* :mod:`benchmarks.flops`: FLOP counts (``torch.utils.flop_counter``) of the encoder and the LLM, and
  the FLOP model that projects the GRPO speedup to the paper's Audio Flamingo 3;
* :mod:`benchmarks.report`: ``summary.md``; :mod:`benchmarks.run`: the entry point.

Run ``python -m benchmarks.run --out results/bench [--quick]``.
"""
