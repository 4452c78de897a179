"""Nothing lost, nothing orphaned, no traceback -- the third round of hostile inputs and faults: models told apart by
what they are, workers that never outlive the command, Ctrl-C while starting, a download deadline, models the
analyses cannot read, bad JSON, flags that would be found wrong only after the work, stale staging folders, a Keras
configured for another backend. Offline; the ones that start processes or train are marked slow."""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import keras
import pytest

import day1_tensorflow as day1
import day2_tensorflow as day2
import day3_inside as inside
import day3_lstm_numpy as lstm
import day4_memory as memory
from conftest import ROOT
from rnn_days import cli, imdb, probe, side_by_side
from tools import notes_results

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import bptt_speed  # noqa: E402
import memory_step_speed  # noqa: E402


def one_line_exit(func, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.run(func, argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return exit_info.value.code, err[0]


def save_model(path, layers, maxlen=20):
    path.parent.mkdir(parents=True, exist_ok=True)
    keras.Sequential([keras.Input((maxlen,), dtype="int32"), keras.layers.Embedding(100, 4)] + layers).save(path)
    return str(path)


def write_identity(folder, cell, seed, trained=True):
    (folder / "metrics.json").write_text(json.dumps({"model": {"cell": cell, "seed": seed, "trained": trained,
                                                               "command": "python day1_tensorflow.py"}}))


# --- row 1: labels come from what a model is, and never collide -------------------------------------------------

def test_models_in_folders_of_the_same_name_keep_their_own_rows(tmp_path):
    paths = []
    for parent, seed in (("a", 0), ("b", 1), ("c", 1)):
        paths.append(save_model(tmp_path / parent / "run" / "model.keras",
                                [keras.layers.SimpleRNN(3), keras.layers.Dense(1, activation="sigmoid")]))
        write_identity(tmp_path / parent / "run", "SimpleRNN", seed)
    labels = [e["label"] for e in probe.open_models(paths + [paths[0]], ("SimpleRNN",), "day1_tensorflow.py",
                                                    "--model")]
    assert labels[0] == "SimpleRNN seed 0"
    assert len(set(labels)) == 4                                   # nothing overwritten, nothing merged
    assert labels[1] == f"SimpleRNN seed 1 ({paths[1]})" and labels[2] == f"SimpleRNN seed 1 ({paths[2]})"
    assert labels[3] == "SimpleRNN seed 0 #2"


# --- row 2 and 5: the memory experiment's workers never outlive it ----------------------------------------------

def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def start_grid(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "day4_memory.py"), "--tasks", "recall", "--cells",
                                "lstm", "--recall-lags", "400,300", "--seeds", "1", "--steps", "5000", "--out",
                                str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    assert "task(s)" in process.stdout.readline()
    deadline = time.monotonic() + 60
    while len(children(process.pid)) < 3 and time.monotonic() < deadline:   # two workers, the resource tracker
        time.sleep(0.5)
    time.sleep(6)   # the workers are up and training
    return process, children(process.pid)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_killed_grid_leaves_no_worker_behind(how, tmp_path):
    process, kids = start_grid(tmp_path)
    assert kids
    process.send_signal(getattr(signal, how))
    _, err = process.communicate(timeout=60)
    if how != "SIGKILL":   # a signal it can catch: one line, exit 130
        assert process.returncode == 130 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    deadline = time.monotonic() + 15
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [k for k in kids if alive(k)], "a worker outlived the command"
    assert not (tmp_path / "out").exists()


def kill_myself(*args):
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.slow
def test_a_worker_that_dies_is_one_line(capsys):
    with pytest.raises(cli.Failure, match="worker process died"):
        list(side_by_side.run_jobs([(kill_myself, 1)], workers=1))


# --- row 3: Ctrl-C while TensorFlow is still starting -------------------------------------------------------------

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


# --- row 4: a download that drips is given up on --------------------------------------------------------------------

def test_a_dripping_download_ends_at_the_deadline(tmp_path, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    stop = threading.Event()

    def drip():
        server.settimeout(0.2)
        conns = []
        while not stop.is_set():
            try:
                conn = server.accept()[0]
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
                conns.append(conn)
            except OSError:
                pass
            for conn in conns:   # a byte now and then: the read timeout never trips
                try:
                    conn.sendall(b"x")
                except OSError:
                    pass
        for conn in conns:
            conn.close()

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    monkeypatch.setattr(imdb, "ORIGIN", f"http://127.0.0.1:{server.getsockname()[1]}/")
    monkeypatch.setattr(imdb, "DOWNLOAD_TIMEOUT_S", 5)
    monkeypatch.setattr(imdb, "DOWNLOAD_DEADLINE_S", 2)
    start = time.monotonic()
    try:
        with pytest.raises(imdb.DataError, match="not finished after 2 s") as info:
            imdb.load_imdb(None, cache_dir=str(tmp_path))
    finally:
        stop.set()
        thread.join()
        server.close()
    assert time.monotonic() - start < 6 and "--data-dir" in str(info.value)


# --- row 6: a Day-2 JSON with odd fields leaves the RNN line out ---------------------------------------------------

@pytest.mark.parametrize("content", [
    {"settings": {"seq_len": 6, "hidden": 3, "input_dim": 2, "batch": 2, "seed": 0, "truncate": None},
     "results": [{"dh_norm": [1.0] * 6, "finite": True}]},                                     # no scale
    {"settings": {"seq_len": 6, "hidden": 3, "input_dim": 2, "batch": 2, "seed": 0, "truncate": None},
     "results": [{"scale": 1.0, "dh_norm": [1.0] * 4, "finite": True, "ratio_first_to_last": 1}]},  # wrong length
    {"settings": {"seq_len": 6, "hidden": 3, "input_dim": 2, "batch": 2, "seed": 0, "truncate": None},
     "results": [{"scale": 1.0, "dh_norm": [1.0] * 6, "finite": True, "ratio_first_to_last": None}]},
    "[" * 100_000 + "]" * 100_000,                                                                 # deep nesting
    {"settings": None, "results": 3},
], ids=["no-scale", "wrong-length", "none-ratio", "deep", "wrong-types"])
def test_odd_day2_json_leaves_the_rnn_line_out(content, tmp_path, capsys):
    path = tmp_path / "day2.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    lstm.main(["--seq-len", "6", "--hidden", "3", "--input-dim", "2", "--batch", "2", "--rnn-json", str(path),
               "--out", str(tmp_path / "out")])
    printed = capsys.readouterr().out
    assert "vanilla RNN left out" in printed and (tmp_path / "out" / "gradient_paths.json").exists()


# --- rows 7-10: models the analyses cannot read, a smaller vocabulary, out of memory -----------------------------



@pytest.mark.parametrize("layers,what", [
    ([keras.layers.SimpleRNN(3, use_bias=False), keras.layers.Dense(1, activation="sigmoid")], "without a bias"),
    ([keras.layers.SimpleRNN(3), keras.layers.Dense(1, activation="sigmoid", use_bias=False)], "without a bias"),
    ([keras.layers.SimpleRNN(3, go_backwards=True), keras.layers.Dense(1, activation="sigmoid")], "backwards"),
], ids=["rnn-no-bias", "dense-no-bias", "go-backwards"])
def test_day2_refuses_models_it_would_misread(layers, what, phrase_dir, tmp_path, capsys):
    path = save_model(tmp_path / "m.keras", layers)
    code, err = one_line_exit(day2.main, ["--data-dir", str(phrase_dir), "--model", path, "--out",
                                          str(tmp_path / "o")], capsys)
    assert code == 1 and what in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("layers,what", [
    ([keras.layers.LSTM(3, use_bias=False), keras.layers.Dense(1, activation="sigmoid")], "without a bias"),
    ([keras.layers.GRU(3, go_backwards=True), keras.layers.Dense(1, activation="sigmoid")], "backwards"),
], ids=["lstm-no-bias", "gru-backwards"])
def test_the_look_inside_refuses_models_it_would_misread(layers, what, phrase_dir, tmp_path, capsys):
    path = save_model(tmp_path / "m.keras", layers)
    code, err = one_line_exit(inside.main, ["--data-dir", str(phrase_dir), "--model", path, "--compare", "--out",
                                            str(tmp_path / "o")], capsys)
    assert code == 1 and what in err


def test_stateful_models_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((20,), batch_size=2, dtype="int32"), keras.layers.Embedding(100, 4),
                              keras.layers.LSTM(3, stateful=True), keras.layers.Dense(1, activation="sigmoid")])
    model.save(tmp_path / "m.keras")
    with pytest.raises(cli.Failure, match="stateful"):
        probe.load_model(str(tmp_path / "m.keras"), ("LSTM",))


def test_a_smaller_vocabulary_leaves_the_built_in_fillers_out_and_still_runs(phrase_dir, tmp_path, capsys):
    keras.utils.set_random_seed(0)
    path = tmp_path / "m.keras"
    day1.build_model(100, 20, embed_dim=4, units=3).save(path)   # words w7..w96 only: no popcorn
    metrics = day2.main(["--data-dir", str(phrase_dir), "--model", str(path), "--num-reviews", "10", "--out",
                         str(tmp_path / "o")])
    printed = capsys.readouterr().out
    assert "left out" in printed and "--filler" not in capsys.readouterr().err
    (m,) = metrics["models"].values()
    assert m["fillers"] == {} and (tmp_path / "o" / "memory.png").exists()


def test_out_of_memory_looking_inside_is_one_line(phrase_dir, tmp_path, monkeypatch, capsys):
    path = save_model(tmp_path / "m.keras", [keras.layers.LSTM(3), keras.layers.Dense(1, activation="sigmoid")])

    def too_big(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(inside, "look_inside", too_big)
    code, err = one_line_exit(inside.main, ["--data-dir", str(phrase_dir), "--model", path, "--compare", "--out",
                                            str(tmp_path / "o")], capsys)
    assert code == 1 and "out of memory" in err and "--num-reviews" in err


# --- rows 11, 12, 16: benchmarks and the notes' collector ----------------------------------------------------------

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


def test_json_files_are_written_whole(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    cli.write_json({"a": 1}, path)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(json, "dump", disk_full)
    with pytest.raises(cli.Failure, match="No space left"):
        cli.write_json({"a": 2}, path)
    assert json.loads(path.read_text()) == {"a": 1} and os.listdir(tmp_path) == ["r.json"]


@pytest.mark.parametrize("argv,code", [(["day1", "/none", "--out", "x.json"], 1), (["day1", "--out"], 2),
                                       (["day2", "GARBAGE", "--out", "x.json"], 1), (["frobnicate"], 2), ([], 2)])
def test_the_notes_collector_says_what_is_wrong(argv, code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "GARBAGE").write_text("{not json")
    got, err = one_line_exit(notes_results.main, argv, capsys)
    assert got == code and "Traceback" not in err


# --- row 15: what cannot work is found before the work -------------------------------------------------------------

def test_an_unwritable_out_stops_training_before_it_starts(imdb_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("the learner's file")
    with pytest.raises(SystemExit) as exit_info:
        cli.run(day1.main, ["--data-dir", str(imdb_dir), "--epochs", "1", "--maxlen", "20", "--vocab-size", "100",
                            "--out", str(blocker / "sub")])
    captured = capsys.readouterr()
    assert exit_info.value.code == 1 and "could not write" in captured.err and "Epoch" not in captured.out
    assert blocker.read_text() == "the learner's file"


def test_an_unwritable_out_stops_the_grid_before_it_starts(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(memory, "run_grid", lambda *a: pytest.fail("the grid started"))
    code, err = one_line_exit(memory.main, ["--quick", "--out", str(blocker / "sub")], capsys)
    assert code == 1 and "could not write" in err


# --- row 17: a run killed while saving leaves nothing that lasts ---------------------------------------------------

def test_stale_staging_folders_of_dead_runs_are_removed(tmp_path):
    dead = tmp_path / ".staging-999999999-abc"   # no process has this id
    dead.mkdir()
    (dead / "model.keras").write_bytes(b"half a model")
    live = tmp_path / f".staging-{os.getppid()}-xyz"   # a running process's: left alone
    live.mkdir()
    with cli.Outputs(str(tmp_path)) as out:
        open(out.path("a.txt"), "w").write("new")
    assert not dead.exists() and live.exists() and (tmp_path / "a.txt").read_text() == "new"


# --- row 18: a Keras configured for another backend, or broken -----------------------------------------------------

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


def test_an_empty_filler_is_a_bad_flag_not_ignored(phrase_dir, tmp_path, capsys):
    path = save_model(tmp_path / "m.keras", [keras.layers.SimpleRNN(3), keras.layers.Dense(1, activation="sigmoid")])
    code, err = one_line_exit(day2.main, ["--data-dir", str(phrase_dir), "--model", path, "--filler", "", "--out",
                                          str(tmp_path / "o")], capsys)
    assert code == 2 and "--filler" in err and not (tmp_path / "o").exists()
