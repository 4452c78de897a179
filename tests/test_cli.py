"""rnn_days/cli.py: the flag types, one line and an exit status for every failure, outputs replaced together or not
at all, strict JSON written whole, stale staging folders, and a TensorFlow that starts quietly whatever Keras's
configuration says."""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

from helpers import ROOT, one_line_exit, run_script
from rnn_days import cli

import pytest


@pytest.mark.slow
def test_ctrl_c_while_starting_is_one_line_and_exit_130(tmp_path):
    def default_sigint():   # a background child of a non-interactive shell ignores SIGINT: undo that
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "day1_tensorflow.py"), "--out", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=default_sigint)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "interrupted" in err


def run_with_home(home, extra_env=None):
    env = dict(os.environ, HOME=str(home), TF_CPP_MIN_LOG_LEVEL="3", **(extra_env or {}))
    env.pop("KERAS_HOME", None)
    return subprocess.run([sys.executable, os.path.join(ROOT, "day2_bptt_numpy.py"), "--help"], capture_output=True,
                          text=True, env=env, timeout=120), subprocess.run(
        [sys.executable, os.path.join(ROOT, "day1_tensorflow.py"), "--help"], capture_output=True, text=True,
        env=env, timeout=120)


@pytest.mark.slow
def test_a_keras_configured_for_jax_still_runs_on_tensorflow(tmp_path):
    (tmp_path / ".keras").mkdir()
    (tmp_path / ".keras" / "keras.json").write_text(json.dumps({"backend": "jax"}))
    _, result = run_with_home(tmp_path, {"KERAS_BACKEND": "jax"})
    assert result.returncode == 0 and "usage" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_broken_keras_config_is_one_line(tmp_path):
    (tmp_path / ".keras").mkdir()
    (tmp_path / ".keras" / "keras.json").write_text(json.dumps({"floatx": "float7", "epsilon": "tiny"}))
    _, result = run_with_home(tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "keras.json" in result.stderr


# --- flag types ---------------------------------------------------------------------------------------------------

TYPES = [   # (type, good text, its value, bad texts)
    (cli.positive_int, "3", 3, ["0", "-1", "1.5", "x", ""]),
    (cli.non_negative_int, "0", 0, ["-1", "one"]),
    (cli.seed, "4294967295", 2 ** 32 - 1, ["4294967296", "-1"]),
    (cli.positive_float, "1e-3", 1e-3, ["0", "-1", "nan", "inf", "1e400"]),
    (cli.bounded_float(1.0), "1", 1.0, ["0", "1.01", "nan"]),
    (cli.rate(0.9), "0", 0.0, ["0.91", "-0.1"]),
    (cli.fraction, "0.2", 0.2, ["0", "1", "2"]),
    (cli.integer_in(2, 10), "10", 10, ["1", "11", "2.0"]),
    (cli.number_in(-20, 20), "-20", -20.0, ["-20.5", "nan", "inf"]),
    (cli.comma_list(cli.positive_float, "positive numbers"), "0.5, 2", [0.5, 2.0], ["", ",", "1,-1", "1,,x"]),
    (cli.comma_list(cli.integer_in(2, 9), "integers", unique=True), "3,2", [3, 2], ["3,3", "1"]),
    (cli.comma_list(cli.one_of(("a", "b")), "names", unique=True), "b,a", ["b", "a"], ["c", "a,a", "A"]),
]


@pytest.mark.parametrize("kind,good,value,bad", TYPES, ids=[getattr(t[0], "__name__", "") for t in TYPES])
def test_flag_types_take_good_values_and_refuse_bad_ones(kind, good, value, bad):
    assert kind(good) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError):
            kind(text)


def test_an_out_folder_is_not_a_file_nor_a_link_to_nothing(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for text in ("", " ", str(tmp_path / "file"), str(tmp_path / "dangling")):
        with pytest.raises(argparse.ArgumentTypeError):
            cli.out_folder(text)
    assert cli.out_folder(str(tmp_path / "new")) == str(tmp_path / "new")


# --- outputs: all or nothing --------------------------------------------------------------------------------------


# --- cli.run: one line and an exit status --------------------------------------------------------------------------

def raises(exc):
    def main(argv):
        raise exc
    return main


@pytest.mark.parametrize("exc,code,words", [
    (cli.Failure("the data is not there"), 1, "error: the data is not there"),
    (cli.UsageError("argument --x: bad"), 2, "argument --x: bad"),
    (MemoryError(), 1, "out of memory: lower --batch"),
    (KeyboardInterrupt(), 130, "interrupted; previous outputs kept"),
    (RecursionError(), 1, "nested too deeply"),
], ids=["failure", "usage", "memory", "ctrl-c", "recursion"])
def test_run_turns_each_failure_into_one_line_and_its_status(exc, code, words, capsys):
    got, err = one_line_exit(raises(exc), [], capsys, out_of_memory="lower --batch")
    assert got == code and words in err


def test_a_bug_is_not_hidden_as_a_one_line_error():
    with pytest.raises(ZeroDivisionError):
        cli.run(raises(ZeroDivisionError()), [])


def test_a_path_the_terminal_cannot_encode_is_printed_escaped(tmp_path):
    result = run_script("day2_bptt_numpy.py", "--seq-len", "12", "--hidden", "3", "--input-dim", "2", "--batch", "2",
                        "--out", tmp_path / "sortie-\u00e9t\u00e9", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0 and "Traceback" not in result.stderr and "\\xe9" in result.stdout


def loading_numpy(pid):
    """Whether the process has begun loading NumPy's compiled code (the day scripts import rnn_days before it)."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return "numpy" in f.read()
    except OSError:
        return False


@pytest.mark.parametrize("script", ["day2_bptt_numpy.py", "day1_tensorflow.py"])
def test_ctrl_c_while_a_script_imports_its_libraries_is_one_line(script):
    """A SIGINT while the script is still loading NumPy (and TensorFlow): one line, exit 130, no traceback."""
    def default_sigint():   # a background child of a non-interactive shell ignores SIGINT: undo that
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, script), "--help"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
                               env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    deadline = time.monotonic() + 30
    while not loading_numpy(process.pid) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:   # it had already finished: nothing to interrupt on a fast machine
        return
    assert process.returncode == 130 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err[-300:]
