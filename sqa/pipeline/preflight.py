"""``python -m sqa check --profile P [--data-dir D]``: can this profile run here? One line per item, in seconds.

Every check is one small function returning a :class:`Check`; none downloads, trains or writes anything.
A failed check says what to fix (the ``huggingface-cli download`` command, the ``vllm serve`` command,
``DATA_DIR=...``). ``make reproduce`` runs it first and ``python -m sqa train`` before training a stage;
the exit status is 0 only when every check passes.

>>> print(Check("judge", False, "none set", "set SQA_JUDGE").line())
  FAIL  judge       none set
                    fix: set SQA_JUDGE
"""

from __future__ import annotations

import shutil
import sys
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqa.configs.errors import ProfileInputError
from sqa.configs.sources import (
    EXAMPLE_JUDGE_MODEL,
    EXTRACTOR_ENV,
    JUDGE_ENV,
    PARSE_RESPONSE,
    extractor_spec,
    judge_problem,
    judge_spec,
    rewards_need_judge,
)
from sqa.data.corpora import corpus_of, data_dir_label, data_problem
from sqa.pipeline.disk import GIB, hf_cache, local_model_dir, missing_weight_files, model_bytes, run_bytes, stage_names

ENDPOINT_TIMEOUT_S = 5.0
REQUIRED_PACKAGES = ("torch", "transformers", "peft", "numpy", "huggingface_hub")
NO_TRAINING_PACKAGES = ("speechmos", "onnxruntime")
"""What the DNSMOS systems (``sqa.evaluation.baselines``) and ``assess --model dnsmos`` run on; reported, not
required."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"  {'ok' if self.ok else 'FAIL':<4}  {self.name:<10}  {self.detail}"
        return text + (f"\n{'':20}fix: {self.fix}" if self.fix and not self.ok else "")


def _rel(path) -> str:
    """``path`` relative to the checkout when inside it (as the checklist prints it)."""
    from sqa.configs.profiles import repo_root

    path, root = Path(path).absolute(), repo_root()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


# ---------------------------------------------------------------- environment


def check_python(profile) -> Check:
    ok = sys.version_info >= (3, 10)
    return Check(
        "python",
        ok,
        f"Python {sys.version.split()[0]} ({_rel(sys.executable)})",
        "use Python >= 3.10 (make env, or conda env create -f environment.yml)",
    )


def check_packages(profile) -> Check:
    from sqa.pipeline.provenance import package_versions

    versions = package_versions()
    missing = [p for p in REQUIRED_PACKAGES if versions.get(p) is None]
    shown = ", ".join(f"{k} {v}" for k, v in versions.items() if k != "python" and v)
    optional = package_versions(NO_TRAINING_PACKAGES)  # the DNSMOS rows and assess --model dnsmos
    shown += "; " + ", ".join(
        f"{k} {v or 'not installed (no DNSMOS rows)'}" for k, v in optional.items() if k != "python"
    )
    return Check(
        "packages",
        not missing,
        shown + (f"; missing: {', '.join(missing)}" if missing else ""),
        "pip install -r env/requirements.txt (or make env)",
    )


def check_device(profile) -> Check:
    import torch

    cuda = torch.cuda.is_available()
    if not str(profile.device).startswith("cuda"):
        return Check(
            "device",
            True,
            f"{profile.device}: profile {profile.name} runs on the CPU (CUDA {'present' if cuda else 'not present'})",
        )
    need = f"{profile.min_gpu_memory_gib:g} GiB" if profile.min_gpu_memory_gib else "a GPU"
    if not cuda:
        return Check(
            "device",
            False,
            f"CUDA not available (torch {torch.__version__}); profile {profile.name} needs "
            f"device {profile.device} with {need}",
            "run on a GPU machine with a CUDA build of torch (README: conda env create -f environment.yml, "
            "or pip install torch --index-url https://download.pytorch.org/whl/cu130)",
        )
    props = torch.cuda.get_device_properties(0)
    have = props.total_memory / GIB
    ok = have >= (profile.min_gpu_memory_gib or 0)
    return Check(
        "device",
        ok,
        f"{props.name}, {have:.0f} GiB GPU memory (profile {profile.name} needs {need})",
        f"use a GPU with at least {need} of memory",
    )


# ---------------------------------------------------------------- model and data


def check_base_model(profile) -> Check:
    if profile.model == "tiny":
        path = profile.run_dir / "tiny_model"
        state = "present" if (path / "model.safetensors").exists() else "built on first use"
        return Check("base model", True, f"tiny AF3 under {_rel(path)} ({state}, nothing downloaded)")
    fix = (
        f"huggingface-cli download {profile.model}"
        if not Path(profile.model).expanduser().exists()
        else "point model: at a complete model folder"
    )
    folder = local_model_dir(profile.model)
    if folder is None:
        return Check(
            "base model",
            False,
            f"{profile.model} is not in the Hugging Face cache ({hf_cache()}) nor a local folder",
            fix,
        )
    missing = missing_weight_files(folder)
    if missing:
        return Check("base model", False, f"{folder}: weight files missing ({', '.join(missing[:3])})", fix)
    try:
        from transformers import AutoProcessor

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            AutoProcessor.from_pretrained(folder, local_files_only=True)
    except Exception as err:
        return Check(
            "base model",
            False,
            f"{folder}: processor does not load ({type(err).__name__}: {str(err).splitlines()[0][:120]})",
            fix,
        )
    return Check("base model", True, f"{profile.model} at {folder} (weights and processor)")


def check_data(profile) -> Check:
    """The profile's corpus: its data source is set, and the corpus's own check passes (nothing written)."""
    problem = data_problem(profile)
    if problem:
        return Check(
            "data",
            False,
            problem.split(" (")[0],
            f"DATA_DIR=/path/to/{data_dir_label(profile)} make reproduce PROFILE={profile.name} "
            f"(or --data-dir); or dataset: synthetic in sqa/configs/{profile.name}.yaml",
        )
    return Check("data", *corpus_of(profile).check(profile, shown=_rel))


# ---------------------------------------------------------------- judge, extractor, generator


def endpoint_answers(spec: str, timeout: float = ENDPOINT_TIMEOUT_S) -> str | None:
    """None when the OpenAI-compatible endpoint of ``spec`` (``http://host:port/v1#model``) answers a short chat
    request within ``timeout`` seconds, else why not (one line)."""
    from sqa.llm.openai_backend import endpoint_problem

    url, _, model = spec.partition("#")
    if not model:
        return f"{spec!r} names no model; write it as '{url}#<model name>'"
    return endpoint_problem(url, model, timeout)


def _serve_hint(spec: str) -> str:
    from sqa.llm.openai_backend import serve_hint

    url, _, model = spec.partition("#")
    return serve_hint(url, model)


def check_llm(name: str, spec: str | None, needed: bool, env: str, missing_fix: str, origin: str) -> Check:
    """A judge or extractor spec, checked by its backend (:meth:`sqa.llm.JudgeSpec.check`: an endpoint must
    answer, a local model folder must exist); the rule stand-in passes only when named explicitly."""
    from sqa.llm import parse_judge_spec
    from sqa.llm.labels import judge_label

    if spec is None:
        return Check(
            name,
            not needed,
            f"none set (${env} unset, profile {origin.split('(')[-1].rstrip(')')})"
            + (
                "; the llm_judge and unified rewards and Table 3's description correlation need one"
                if needed
                else "; no step of this run asks one"
            ),
            missing_fix,
        )
    try:
        parsed = parse_judge_spec(spec)
    except ValueError as err:
        return Check(name, False, str(err), f"set {env} to another spec")
    label = judge_label(spec)
    if parsed.stand_in:
        return Check(name, True, f"{label}, named by {origin}")
    ready = parsed.check()
    return Check(name, ready.ok, label + ready.detail, ready.fix.format(env=env))


def _origin(env: str, field: str, profile) -> str:
    import os

    value = getattr(profile, field)
    return (
        f"${env}" if os.environ.get(env, "").strip() else f"the profile ({field}: {'null' if value is None else value})"
    )


def check_judge(profile, needed: bool = True) -> Check:

    fix = (
        f"vllm serve {EXAMPLE_JUDGE_MODEL} && export {JUDGE_ENV}=http://localhost:8000/v1#{EXAMPLE_JUDGE_MODEL} "
        f"(or judge: rule in sqa/configs/{profile.name}.yaml to use the rule stand-in knowingly)"
    )
    return check_llm("judge", judge_spec(profile), needed, JUDGE_ENV, fix, _origin(JUDGE_ENV, "judge", profile))


def check_extractor(profile) -> Check:
    from sqa.llm.labels import is_stand_in

    spec = extractor_spec(profile)
    if spec == PARSE_RESPONSE:
        return Check("extractor", True, "parse_response (answers in the trained structured format)")
    if is_stand_in(spec):
        return Check(
            "extractor",
            False,
            f"{spec}: the rule judge cannot rewrite answers",
            f"set {EXTRACTOR_ENV} to a chat model spec, or extractor: parse_response",
        )
    return check_llm("extractor", spec, True, EXTRACTOR_ENV, "", _origin(EXTRACTOR_ENV, "extractor", profile))


def check_generator(profile, endpoint: str | None = None) -> Check:
    """The answers' generator: this process, or an endpoint (``--generator http://HOST:PORT/v1#NAME``) that must
    answer a chat request."""
    from sqa.pipeline.provenance import generator_record

    endpoint = generator_record(profile, endpoint)
    if endpoint == "local":
        return Check("generator", True, "local (transformers generate in this process)")
    if not endpoint.startswith(("http://", "https://")):  # a model or stage dir that vLLM is to serve
        return check_servable(endpoint)
    why = endpoint_answers(endpoint)
    return Check(
        "generator",
        why is None,
        endpoint + (f": {why}" if why else " answered a chat request"),
        f"start it (`{_serve_hint(endpoint)}`)",
    )


def check_servable(model: str) -> Check:
    """Whether ``python -m sqa serve MODEL`` can start vLLM on this model dir (the vLLM venv, AF3's window)."""
    from sqa.llm.vllm_server import model_problem, vllm_python

    problem = model_problem(model) if Path(model).exists() else f"{model}: no such model or stage directory"
    if problem:
        return Check(
            "generator",
            False,
            f"vLLM cannot serve {model}: {problem}",
            "serve a model vLLM accepts (an AF3 with the 30 s window), or evaluate it locally",
        )
    if vllm_python() is None:
        return Check("generator", False, f"{model}: vLLM is not installed", "make vllm (a venv of its own: .venv-vllm)")
    return Check("generator", True, f"{model}: vLLM can serve it (python -m sqa serve {model})")


def check_rollouts(profile) -> Check:
    """GRPO's rollouts from a vLLM server (``rollouts:`` not local): the profile can take them and the server
    answers."""
    from sqa.llm import JudgeUnavailable, vllm_client
    from sqa.llm.audio_endpoint import split_spec
    from sqa.train.vllm_rollouts import profile_rollouts_problem

    problem = profile_rollouts_problem(profile)
    if problem:
        return Check("rollouts", False, problem, "rollouts: local in the profile (or --rollouts local)")
    url, name = split_spec(profile.rollouts)
    try:
        served = vllm_client.served_models(url)
    except JudgeUnavailable as err:
        return Check("rollouts", False, str(err), f"python -m sqa serve warmup --profile {profile.name}")
    if name not in served:
        return Check(
            "rollouts",
            False,
            f"{url} serves {served}, not {name!r}",
            f"python -m sqa serve warmup --profile {profile.name} (prints the spec to use)",
        )
    return Check("rollouts", True, f"{profile.rollouts} (vLLM; its base is checked against the warm-up at the start)")


# ---------------------------------------------------------------- disk


def _size(n: int) -> str:
    return f"{n / GIB:.1f} GiB" if n >= GIB else f"{n / 2**20:.0f} MiB"


def check_disk(profile) -> Check:
    where = profile.run_dir
    probe = next(p for p in (where, *where.parents) if p.exists())
    free = shutil.disk_usage(probe).free
    one = model_bytes(profile)
    if one is None:
        return Check(
            "disk",
            False,
            f"{free / GIB:.1f} GiB free under {_rel(probe)}; what the stages write is unknown "
            f"until the base model is local",
            "download the base model first (the estimate needs its size)",
        )
    need = run_bytes(profile, one)
    return Check(
        "disk",
        free >= need,
        f"{free / GIB:.1f} GiB free under {_rel(probe)}; the {len(stage_names(profile))} stages "
        f"write about {_size(need)}",
        f"free {(need - free) / GIB:.0f} GiB, or make runs/{profile.name} a link to a bigger disk",
    )


# ---------------------------------------------------------------- all of it


def run_checks(profile, needs_judge: bool = True, generators: tuple[str, ...] = ()) -> list[Check]:
    """Every check, in checklist order (``needs_judge``: whether the run asks a judge; a full reproduce does;
    ``generators``: endpoints that will write answers, one line each; none: the local generator)."""
    return [
        check_python(profile),
        check_packages(profile),
        check_device(profile),
        check_base_model(profile),
        check_data(profile),
        check_judge(profile, needs_judge),
        check_extractor(profile),
        *[check_generator(profile, g) for g in (generators or [None])],
        *([check_rollouts(profile)] if getattr(profile, "rollouts", "local") not in (None, "", "local") else []),
        check_disk(profile),
    ]


def preflight(profile, needs_judge: bool = True, out=None, generators: tuple[str, ...] = ()) -> bool:
    """Print the checklist of ``profile`` to ``out`` (stdout) and return whether it can run."""
    out = out or sys.stdout
    t0 = time.perf_counter()
    print(f"sqa check: profile {profile.name}", file=out)
    checks = run_checks(profile, needs_judge, generators)
    for c in checks:
        print(c.line(), file=out)
    failed = [c.name for c in checks if not c.ok]
    verdict = (
        f"profile {profile.name} can run"
        if not failed
        else f"profile {profile.name} cannot run: fix {', '.join(failed)}"
    )
    print(f"{verdict} ({len(checks) - len(failed)}/{len(checks)} ok, {time.perf_counter() - t0:.1f} s)", file=out)
    return not failed


def require_data(profile) -> None:
    """Raise :class:`ProfileInputError` when the profile has no data source."""
    problem = data_problem(profile)
    if problem:
        raise ProfileInputError(f"profile {profile.name} cannot run: {problem}")


def require_inputs(profile, rewards: Iterable[str] | str | None = None, needs_judge: bool = False) -> None:
    """Raise one :class:`ProfileInputError` naming every missing input: the data source, and the judge
    when ``needs_judge`` or one of ``rewards`` asks a judge (microseconds: no network, no model).

    >>> from sqa.configs.profiles import get_profile
    >>> require_inputs(get_profile("paper"), needs_judge=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sqa.configs.errors.ProfileInputError: profile paper cannot run: DATA_DIR is not set ...; no LLM judge is set ...
    """
    problems = [data_problem(profile)]
    if needs_judge or rewards_need_judge(rewards):
        problems.append(judge_problem(profile))
    problems = [p for p in problems if p]
    if problems:
        raise ProfileInputError(f"profile {profile.name} cannot run: " + "; ".join(problems))
