"""benchmarks/: bad sizes and output files refused with one line before any timing; a failed timing child reported
in one line."""
import os
import subprocess
import sys
import time

from helpers import ROOT, one_line_exit

import pytest

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))   # the benchmarks import their shared race.py as a sibling
import bptt_speed  # noqa: E402
import memory_step_speed  # noqa: E402


def run_benchmark(script, *args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", script), *args],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow   # four fresh processes, each importing TensorFlow
@pytest.mark.parametrize("script", ["bptt_speed.py", "lstm_speed.py"])
@pytest.mark.parametrize("args,code,flag", [(["--input-scale", "1e308"], 2, "--input-scale"),
                                            (["--batch", "100000000"], 1, "--batch")])
def test_benchmark_bad_sizes_exit_with_one_line(script, args, code, flag):
    result = run_benchmark(script, *args, "--repeats", "1")
    assert result.returncode == code and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and flag in result.stderr


@pytest.mark.parametrize("json_arg", ["/no/such/dir/x.json", "", "."])
def test_benchmark_json_is_checked_before_the_timing(json_arg, capsys):
    start = time.monotonic()
    code, err = one_line_exit(bptt_speed.main, ["--json", json_arg], capsys)
    assert code == 2 and "--json" in err and time.monotonic() - start < 5


def test_a_failed_timing_child_is_one_line(monkeypatch, capsys):
    monkeypatch.setattr(memory_step_speed.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(
        a, 1, "", "error: out of memory: lower --steps\n"))
    code, err = one_line_exit(memory_step_speed.main, [], capsys)
    assert code == 1 and "out of memory" in err


@pytest.mark.parametrize("value", ["garbage", "1,3", "2,1", ""])
def test_the_timing_childs_setting_is_checked(value, capsys):
    code, err = one_line_exit(memory_step_speed.main, ["--one", value], capsys)
    assert code == 2 and "--one" in err
