"""``python -m sqa assess``: output formats, exit codes, one-line errors, no traceback.

Uses the session tiny AF3 and the input files of tests/test_assess.py (the 20-minute file is tested there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_assess import shared_inputs, tiny_checkpoint

from sqa.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return shared_inputs(tmp_path_factory)


def test_json_lines_for_a_mixed_batch_and_errors_on_stderr(tiny_dir, inputs, tmp_path, capsys):
    missing = tmp_path / "missing.wav"
    files = [inputs[k] for k in ("good", "empty", "text", "nan", "silent", "short")] + [missing]
    rc = main(["assess", *map(str, files), "--model", str(tiny_dir), "--format", "json", "--max-new-tokens", "8"])
    out, err = capsys.readouterr()
    assert rc == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["file"] for d in lines] == [str(f) for f in files]
    assert [d["status"] for d in lines] == ["ok", "error", "error", "error", "ok", "ok", "error"]
    assert [d["flags"] for d in lines if d["status"] == "ok"] == [[], ["silent"], ["too short"]]
    assert all(set(d["assessment"]) == {"scores", "artifacts", "description"} for d in lines if d["status"] == "ok")
    assert err.splitlines() == [
        f"error: {inputs['empty']}: empty file (0 bytes)",
        f"error: {inputs['text']}: not a readable audio file (Format not recognised)",
        f"error: {inputs['nan']}: contains NaN or infinite samples",
        f"error: {missing}: file not found",
    ]
    assert [d["error"] for d in lines if d["status"] == "error"] == [e[len("error: ") :] for e in err.splitlines()]


def test_text_format_of_a_directory_exits_0(tiny_dir, inputs, tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    for name in ("b.wav", "sub/a.flac"):
        (tmp_path / name).write_bytes(inputs["good" if name.endswith("wav") else "silent"].read_bytes())
    (tmp_path / "readme.txt").write_text("not audio, not picked up")
    rc = main(["assess", str(tmp_path), "--model", str(tiny_dir), "--max-new-tokens", "8", "--batch-size", "1"])
    out, err = capsys.readouterr()
    assert rc == 0 and err == ""
    blocks = out.strip().split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [
        f"{tmp_path}/b.wav (2.5 s)",
        f"{tmp_path}/sub/a.flac (1.0 s) [silent]",
    ]
    assert all("  Overall quality " in b and "  Unnatural pause artifact " in b for b in blocks)


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--model", "{tmp}/no_model"], "error: {tmp}/no_model: no such model directory"),
        (
            ["--model", "{tiny}", "--adapter", "{tmp}"],
            "error: {tmp}: not a PEFT adapter directory (no adapter_config.json)",
        ),
        (["--model", "{tiny}", "--batch-size", "0"], "error: --batch-size and --max-new-tokens must be >= 1"),
    ],
)
def test_setup_errors_exit_2_with_one_line(tiny_dir, inputs, tmp_path, capsys, argv, message):
    argv = [a.format(tmp=tmp_path, tiny=tiny_dir) for a in argv]
    rc = main(["assess", str(inputs["good"]), *argv])
    out, err = capsys.readouterr()
    assert rc == 2 and out == ""
    assert err == message.format(tmp=tmp_path) + "\n"


def test_unexpected_failure_is_one_line(tiny_dir, inputs, capsys, monkeypatch):
    from sqa.inference import assess as assess_audio

    def boom(*a, **kw):
        raise KeyError("bug")

    monkeypatch.setattr(assess_audio, "expand_paths", boom)
    monkeypatch.delenv("SQA_DEBUG", raising=False)
    assert main(["assess", str(inputs["good"]), "--model", str(tiny_dir)]) == 2
    assert capsys.readouterr().err == "error: unexpected KeyError: 'bug' (SQA_DEBUG=1 shows the traceback)\n"


def test_missing_model_option_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["assess", "x.wav"])
    assert exc.value.code == 2 and "--model" in capsys.readouterr().err


def test_python_m_sqa_assess_exit_code_and_no_traceback(tiny_dir, inputs, tmp_path):
    missing = tmp_path / "missing.wav"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqa",
            "assess",
            str(inputs["good"]),
            str(missing),
            "--model",
            str(tiny_dir),
            "--format",
            "json",
            "--max-new-tokens",
            "4",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == f"error: {missing}: file not found\n"
    assert [json.loads(line)["status"] for line in proc.stdout.splitlines()] == ["ok", "error"]
