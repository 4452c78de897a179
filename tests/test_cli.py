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

from helpers import ROOT, one_line_exit, run_script, snapshot
from rnn_days import cli

import pytest


def test_outputs_replace_files_only_when_all_were_written(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "keep.txt").write_text("not ours")
    with cli.Outputs(str(tmp_path)) as out:
        open(out.path("a.txt"), "w").write("new a")
        assert (tmp_path / "a.txt").read_text() == "old a"  # nothing replaced mid-run
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "keep.txt").read_text() == "not ours"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "keep.txt"]


def test_json_files_are_written_whole(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    cli.write_json({"a": 1}, path)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(json, "dump", disk_full)
    with pytest.raises(cli.Failure, match="No space left"):
        cli.write_json({"a": 2}, path)
    assert json.loads(path.read_text()) == {"a": 1} and os.listdir(tmp_path) == ["r.json"]


def test_stale_staging_folders_of_dead_runs_are_removed(tmp_path):
    dead = tmp_path / ".staging-999999999-abc"   # no process has this id
    dead.mkdir()
    (dead / "model.keras").write_bytes(b"half a model")
    live = tmp_path / f".staging-{os.getppid()}-xyz"   # a running process's: left alone
    live.mkdir()
    with cli.Outputs(str(tmp_path)) as out:
        open(out.path("a.txt"), "w").write("new")
    assert not dead.exists() and live.exists() and (tmp_path / "a.txt").read_text() == "new"


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


@pytest.mark.parametrize("where", ["under a file", "under a link to nothing", "a NUL byte"])
def test_an_output_folder_that_cannot_be_written_is_found_before_the_work(where, tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    folder = {"under a file": tmp_path / "file" / "out", "under a link to nothing": tmp_path / "dangling" / "out",
              "a NUL byte": str(tmp_path / "a\0b")}[where]
    with pytest.raises(cli.Failure, match="could not write"):
        cli.check_writable(str(folder))


# --- outputs: all or nothing --------------------------------------------------------------------------------------

def test_one_file_that_cannot_be_moved_into_place_keeps_every_previous_file(tmp_path):
    (tmp_path / "a.png").write_text("old a")
    (tmp_path / "b.png").write_text("old b")
    (tmp_path / "c.json").mkdir()                      # the third name is taken by a folder
    before = snapshot(tmp_path)
    with pytest.raises(cli.Failure, match="previous outputs kept"):
        with cli.Outputs(str(tmp_path)) as out:
            for name in ("a.png", "b.png", "c.json"):
                open(out.path(name), "w").write("new")
    assert snapshot(tmp_path) == before


def test_a_failed_move_half_way_puts_the_moved_files_back(tmp_path, monkeypatch):
    (tmp_path / "a.png").write_text("old a")
    (tmp_path / "b.png").write_text("old b")
    before = snapshot(tmp_path)
    real = os.replace
    calls = []

    def fails_on_the_fourth(src, dst):   # two moved aside, one new placed, then the disk fails
        calls.append(dst)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real(src, dst)
    with pytest.raises(cli.Failure, match="previous outputs kept"):
        with cli.Outputs(str(tmp_path)) as out:
            for name in ("a.png", "b.png"):
                open(out.path(name), "w").write("new")
            monkeypatch.setattr(os, "replace", fails_on_the_fourth)
    monkeypatch.setattr(os, "replace", real)
    assert snapshot(tmp_path) == before


def test_a_signal_while_the_files_move_puts_the_previous_ones_back(tmp_path, monkeypatch):
    (tmp_path / "a.png").write_text("old a")
    before = snapshot(tmp_path)
    real = os.replace

    def interrupted_replace(src, dst):
        result = real(src, dst)
        os.kill(os.getpid(), signal.SIGINT)   # arrives mid-commit: recorded, then undone at the end
        return result
    with pytest.raises(KeyboardInterrupt):
        with cli.Outputs(str(tmp_path)) as out:
            open(out.path("a.png"), "w").write("new")
            open(out.path("b.png"), "w").write("new")
            monkeypatch.setattr(os, "replace", interrupted_replace)
    monkeypatch.setattr(os, "replace", real)
    assert snapshot(tmp_path) == before


def test_an_interrupt_a_library_swallowed_still_keeps_the_previous_outputs(tmp_path, capsys):
    (tmp_path / "a.png").write_text("old a")
    before = snapshot(tmp_path)

    def main(argv):
        with cli.Outputs(str(tmp_path)) as out:
            open(out.path("a.png"), "w").write("new")
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.1)
            except KeyboardInterrupt:
                pass   # as in a __del__, where Python ignores it
    code, err = one_line_exit(main, [], capsys)
    assert code == 130 and "previous outputs kept" in err and snapshot(tmp_path) == before


@pytest.mark.parametrize("name", [".staging-\u00b2-x", f".staging-{2 ** 80}-x", ".staging--x", ".staging-12"])
def test_odd_staging_folder_names_are_handled(name, tmp_path):
    (tmp_path / name).mkdir()
    with cli.Outputs(str(tmp_path)) as out:
        open(out.path("a.txt"), "w").write("new")
    assert (tmp_path / "a.txt").read_text() == "new"


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


@pytest.mark.parametrize("script", ["day2_bptt_numpy.py", "day1_tensorflow.py"])
def test_ctrl_c_while_a_script_imports_its_libraries_is_one_line(script):
    """A SIGINT 0.3 s after the start (NumPy, matplotlib or TensorFlow still loading): one line, exit 130."""
    def default_sigint():   # a background child of a non-interactive shell ignores SIGINT: undo that
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, script), "--help"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
                               env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:   # it had already finished: nothing to interrupt on a fast machine
        return
    assert process.returncode == 130 and "Traceback" not in err and len(err.strip().splitlines()) == 1
