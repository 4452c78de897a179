"""Nothing lost, nothing hangs, no traceback: atomic outputs, the download timeout, validation of data, word index and
numbers, strict JSON, Ctrl-C. Offline, small data."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import day1_tensorflow as day1
import day2_bptt_numpy as bptt
from conftest import ROOT, write_imdb_npz
from rnn_days import cli, imdb

SMALL_DAY1 = ["--epochs", "1", "--maxlen", "20", "--vocab-size", "100", "--batch-size", "16"]


def one_line_exit(func, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.run(func, argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return exit_info.value.code, err[0]


def snapshot(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


# --- 1. a failed or interrupted rerun keeps the previous outputs ------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "ctrl-c"])
def test_failed_rerun_leaves_previous_outputs_byte_identical(failure, imdb_dir, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    day1.main(["--data-dir", str(imdb_dir), "--out", str(out)] + SMALL_DAY1)
    before = snapshot(out)

    def fails_half_way(history, path, title):  # model.keras is already written (to staging) when this runs
        with open(path, "wb") as f:
            f.write(b"half a png")
        raise failure

    monkeypatch.setattr(day1.training, "plot_history", fails_half_way)
    code, err = one_line_exit(day1.main, ["--data-dir", str(imdb_dir), "--out", str(out), "--seed", "5"] + SMALL_DAY1,
                              capsys)
    assert (code, "previous outputs kept" in err) == ((130 if isinstance(failure, KeyboardInterrupt) else 1), True)
    assert snapshot(out) == before  # same names, same bytes: no staging folder left behind either


def test_outputs_replace_files_only_when_all_were_written(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "keep.txt").write_text("not ours")
    with cli.Outputs(str(tmp_path)) as out:
        open(out.path("a.txt"), "w").write("new a")
        assert (tmp_path / "a.txt").read_text() == "old a"  # nothing replaced mid-run
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "keep.txt").read_text() == "not ours"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "keep.txt"]


# --- 2. the download gives up on a silent server ------------------------------------------------------------------

def test_download_from_a_server_that_never_answers_ends_with_advice(tmp_path, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    accepted = []
    stop = threading.Event()

    def accept_and_say_nothing():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    monkeypatch.setattr(imdb, "ORIGIN", f"http://127.0.0.1:{server.getsockname()[1]}/")
    monkeypatch.setattr(imdb, "DOWNLOAD_TIMEOUT_S", 1)
    start = time.monotonic()
    try:
        with pytest.raises(imdb.DataError, match="--data-dir") as info:
            imdb.load_imdb(None, cache_dir=str(tmp_path))
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()
    assert time.monotonic() - start < 10 and len(accepted) == imdb.DOWNLOAD_TRIES
    assert f"{imdb.DOWNLOAD_TRIES} tries" in str(info.value)


# --- 3, 4, 8, 14. data that is not IMDB-shaped: one line, exit 1 ---------------------------------------------------

def write_npz(path, **changes):
    write_imdb_npz(path)
    arrays = dict(np.load(path, allow_pickle=True))  # our own freshly written file
    arrays.update(changes)
    np.savez(path, **arrays)


def reviews(*rows):
    out = np.empty(len(rows), dtype=object)
    for i, r in enumerate(rows):
        out[i] = r
    return out


@pytest.mark.parametrize("change,message", [
    ({"y_train": np.array(["pos", "neg"] * 30)}, "labels 0 and 1"),
    ({"y_train": np.eye(2)[np.arange(60) % 2]}, "one label per review"),
    ({"y_train": np.arange(60) % 2 * 5}, "labels 0 and 1"),
    ({"y_train": np.arange(60) % 2 * 2 - 1}, "labels 0 and 1"),
    ({"y_test": np.full(40, np.nan)}, "labels 0 and 1"),
    ({"x_test": reviews(), "y_test": np.array([], int)}, "test split is empty"),
    ({"x_train": reviews(*[[1.5, 2.0]] * 60)}, "non-negative integer word ranks"),
    ({"x_train": reviews(*[[1, float("nan")]] * 60)}, "non-negative integer word ranks"),
    ({"x_train": reviews(*[[4, -3]] * 60)}, "non-negative integer word ranks"),
], ids=["string-labels", "one-hot", "0-5", "minus-plus-1", "nan-labels", "empty-test", "float-ids", "nan-ids",
        "negative-ids"])
def test_data_that_is_not_imdb_shaped_exits_1(change, message, imdb_dir, tmp_path, capsys):
    write_npz(imdb_dir / "imdb.npz", **change)
    code, err = one_line_exit(day1.main, ["--data-dir", str(imdb_dir), "--out", str(tmp_path / "o")] + SMALL_DAY1,
                              capsys)
    assert code == 1 and message in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("rank", ['"3"', "null", "2.5", "-10", "0", "true"])
def test_word_index_ranks_must_be_positive_integers(rank, imdb_dir, tmp_path, capsys):
    (imdb_dir / "imdb_word_index.json").write_text('{"good": 1, "bad": %s}' % rank)
    code, err = one_line_exit(day1.main, ["--data-dir", str(imdb_dir), "--out", str(tmp_path / "o")] + SMALL_DAY1,
                              capsys)
    assert code == 1 and "'bad'" in err and "positive integers" in err


# --- 4, 6, 7, 9, 12, 13. flag values: exit 2 up front; out of memory: exit 1 naming the flag ----------------------

def test_out_of_memory_while_building_names_the_flags(imdb_dir, tmp_path, monkeypatch, capsys):
    def too_big(*args, **kwargs):
        raise day1.tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")

    monkeypatch.setattr(day1, "build_model", too_big)
    code, err = one_line_exit(day1.main, ["--data-dir", str(imdb_dir), "--out", str(tmp_path / "o")] + SMALL_DAY1,
                              capsys)
    assert code == 1 and "--vocab-size" in err


def test_numpy_script_out_of_memory_names_the_flag(tmp_path, capsys):
    code, err = one_line_exit(bptt.main, ["--batch", "100000000", "--out", str(tmp_path)], capsys)
    assert code == 1 and "--batch" in err


@pytest.mark.parametrize("argv", [["--out", ""], ["--seed", "4294967296"]])
def test_numpy_script_refuses_bad_values_up_front(argv, capsys):
    code, err = one_line_exit(bptt.main, argv, capsys)
    assert code == 2 and argv[0] in err


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


# --- 11. strict JSON --------------------------------------------------------------------------------------------

def test_json_is_strict_with_non_finite_numbers_as_null_and_a_reason(tmp_path):
    bptt.main(["--seq-len", "1500", "--hidden", "32", "--input-dim", "8", "--batch", "2", "--scales", "0.5,10",
               "--out", str(tmp_path)])

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    data = json.loads((tmp_path / "gradient_norms.json").read_text(), parse_constant=refuse)
    assert data["results"][1]["finite"] is False and None in data["results"][1]["dh_norm"]
    assert any("dh_norm" in reason for reason in data["non_finite"])


# --- 15. Ctrl-C ----------------------------------------------------------------------------------------------------

def test_ctrl_c_is_one_line_and_exit_130(tmp_path, monkeypatch, capsys):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(bptt, "measure", interrupted)
    code, err = one_line_exit(bptt.main, ["--out", str(tmp_path)], capsys)
    assert code == 130 and err == "interrupted; previous outputs kept"
