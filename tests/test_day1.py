"""Day 1: the local IMDB loader, the model, training, the script end to end, and bad input. Offline."""
import hashlib
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import day1_tensorflow as day1
from conftest import ROOT, write_imdb_npz
from rnn_days import imdb, training


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def keras_load_data(path, monkeypatch, **kwargs):
    """keras.datasets.imdb.load_data on a local file: its file fetch answers with `path` (no network, no hash)."""
    import keras.src.datasets.imdb as keras_imdb
    monkeypatch.setattr(keras_imdb, "get_file", lambda *args, **kw: str(path))
    return keras.datasets.imdb.load_data(**kwargs)


# --- the loader ------------------------------------------------------------------------------------------------

KERAS_TO_OURS = {"maxlen": "keep_shorter_than", "seed": "shuffle_seed"}  # the same settings under clearer names


@pytest.mark.parametrize("kwargs", [
    {}, {"num_words": 100}, {"num_words": 50, "skip_top": 5}, {"maxlen": 20}, {"num_words": 80, "skip_top": 10,
                                                                             "maxlen": 25},
    {"seed": 7, "oov_char": None, "num_words": 60}, {"start_char": None, "index_from": 0},
])
def test_local_loader_equals_keras(imdb_dir, monkeypatch, kwargs):
    before = sha256(imdb_dir / "imdb.npz")
    ours = {KERAS_TO_OURS.get(k, k): v for k, v in kwargs.items()}
    (x_train, y_train), (x_test, y_test) = imdb.load_imdb(str(imdb_dir), **ours)
    (kx_train, ky_train), (kx_test, ky_test) = keras_load_data(imdb_dir / "imdb.npz", monkeypatch, **kwargs)
    assert len(x_train) == len(kx_train) and len(x_test) == len(kx_test)
    assert [list(r) for r in x_train] == [list(r) for r in kx_train]
    assert [list(r) for r in x_test] == [list(r) for r in kx_test]
    np.testing.assert_array_equal(y_train, ky_train)
    np.testing.assert_array_equal(y_test, ky_test)
    assert x_train.dtype == kx_train.dtype == object
    assert sha256(imdb_dir / "imdb.npz") == before  # the learner's file is untouched


def test_pad_keeps_the_last_words_and_pads_in_front():
    padded = imdb.pad([[5, 6, 7, 8], [9]], maxlen=3)
    np.testing.assert_array_equal(padded, [[6, 7, 8], [0, 0, 9]])


def test_decode_round_trip(imdb_dir):
    index_to_word = imdb.index_to_word_map(imdb.load_word_index(str(imdb_dir)))
    assert imdb.decode([0, 0, 1, 4, 5, 2, 10], index_to_word) == "w1 w2 [?] w7"


# --- the model and training ------------------------------------------------------------------------------------

def test_model_is_the_seed_model():
    model = day1.build_model(10_000, 200)
    embedding, rnn, dense = model.layers
    assert isinstance(embedding, keras.layers.Embedding) and embedding.count_params() == 10_000 * 128
    assert isinstance(rnn, keras.layers.SimpleRNN) and rnn.activation.__name__ == "tanh"
    assert rnn.count_params() == 128 * 128 + 128 * 128 + 128 == 32_896
    assert isinstance(dense, keras.layers.Dense) and dense.activation.__name__ == "sigmoid"
    assert dense.count_params() == 129
    assert model.count_params() == 1_313_025
    assert model(np.zeros((2, 200), "int32")).shape == (2, 1)
    kernel, recurrent_kernel, bias = rnn.weights  # the names the notes map onto W_xh, W_hh, b_h
    assert [kernel.shape, recurrent_kernel.shape, bias.shape] == [(128, 128), (128, 128), (128,)]


def test_a_few_steps_lower_the_loss():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(3, 50, (128, 12)).astype("int32")
    y = (x[:, -1] < 25).astype("float32")  # the last word decides: learnable in a few steps
    model = training.compile_model(day1.build_model(50, 12), learning_rate=1e-2)
    before = model.evaluate(x, y, verbose=0)[0]
    model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    after = model.evaluate(x, y, verbose=0)[0]
    assert after < before - 0.05


def test_script_end_to_end_writes_the_three_outputs(imdb_dir, tmp_path, capsys):
    out = tmp_path / "out"
    results = day1.main(["--data-dir", str(imdb_dir), "--epochs", "2", "--maxlen", "20", "--vocab-size", "100",
                         "--batch-size", "16", "--out", str(out), "--seed", "3"])
    printed = capsys.readouterr().out
    for name in ("model.keras", "history.png", "metrics.json"):
        assert (out / name).stat().st_size > 0
        assert f"wrote {out / name}" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "test_loss", "epochs_run", "train_seconds", "test_accuracy_fits_maxlen",
                "test_accuracy_longer"):
        assert key in metrics
    for key in ("tensorflow", "keras", "numpy", "cpu", "tf_intra_op_threads", "blas_threads"):
        assert key in metrics["conditions"]
    assert metrics["settings"]["maxlen"] == 20 and metrics["settings"]["seed"] == 3
    assert metrics["n_train"] + metrics["n_val"] == 60 and metrics["n_test"] == 40  # validation from training only
    assert metrics["test_accuracy"] == pytest.approx(results["test_accuracy"])
    assert keras.models.load_model(out / "model.keras").count_params() == 100 * 128 + 32_896 + 129


# --- bad input -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag,value", [
    ("--epochs", "-1"), ("--epochs", "two"), ("--batch-size", "0"), ("--batch-size", "1.5"),
    ("--learning-rate", "0"), ("--learning-rate", "-1e-3"), ("--learning-rate", "nan"), ("--maxlen", "0"),
    ("--vocab-size", "3"), ("--seed", "-1"), ("--seed", "4294967296"), ("--max-train", "0"),
    ("--validation-split", "1"), ("--padding", "middle"), ("--schedule", "linear"), ("--patience", "0"),
    ("--learning-rate", "1e300"), ("--learning-rate", "2"), ("--out", ""), ("--out", "  "),
])
def test_bad_flag_values_exit_2_with_one_line(flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        day1.main([flag, value, "--data-dir", "unused"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag in err[0]


def run_script(*args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, os.path.join(ROOT, "day1_tensorflow.py"), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_bad_flag_from_the_shell_is_one_line_no_traceback():
    result = run_script("--epochs", "-3")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "--epochs" in result.stderr


def data_error(data_dir, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        day1.main(["--data-dir", str(data_dir), "--out", str(tmp_path / "out"), "--maxlen", "20"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1
    assert len(err) == 1
    return err[0]


def test_missing_file_exits_1(tmp_path, capsys):
    assert "imdb.npz not found" in data_error(tmp_path, capsys, tmp_path)


def test_missing_word_index_exits_1_before_training(imdb_dir, tmp_path, capsys):
    (imdb_dir / "imdb_word_index.json").unlink()
    assert "imdb_word_index.json not found" in data_error(imdb_dir, capsys, tmp_path)
    assert not (tmp_path / "out").exists()  # stopped before training and writing anything


def test_unwritable_out_exits_1(imdb_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("the learner's file")
    with pytest.raises(SystemExit) as exit_info:
        day1.main(["--data-dir", str(imdb_dir), "--epochs", "1", "--maxlen", "20", "--vocab-size", "100",
                   "--out", str(blocker / "sub")])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1 and "could not write" in err[0]
    assert blocker.read_text() == "the learner's file"


def test_corrupt_npz_exits_1_and_is_untouched(tmp_path, capsys):
    (tmp_path / "imdb.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    before = sha256(tmp_path / "imdb.npz")
    assert "not a readable IMDB npz" in data_error(tmp_path, capsys, tmp_path)
    assert sha256(tmp_path / "imdb.npz") == before


def test_wrong_keys_exit_1(tmp_path, capsys):
    np.savez(tmp_path / "imdb.npz", x_train=np.arange(3), y_train=np.arange(3))
    message = data_error(tmp_path, capsys, tmp_path)
    assert "lacks x_test, y_test" in message


def test_reviews_that_are_not_word_lists_exit_1(tmp_path, capsys):
    text = np.array(["a review as text", "another"], dtype=object)
    np.savez(tmp_path / "imdb.npz", x_train=text, y_train=np.arange(2), x_test=text, y_test=np.arange(2))
    assert "non-negative integer word ranks" in data_error(tmp_path, capsys, tmp_path)


class _Payload:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def write_tampered_npz(path, marker):
    write_imdb_npz(path)
    good = dict(np.load(path, allow_pickle=True))  # our own freshly written file: safe to unpickle
    evil = np.empty(2, dtype=object)
    evil[0], evil[1] = _Payload(marker), [1, 2, 3]
    good["x_train"] = evil
    good["y_train"] = good["y_train"][:2]
    np.savez(path, **good)


def test_tampered_npz_is_refused_and_runs_nothing(tmp_path, capsys):
    marker = tmp_path / "pwned"
    write_tampered_npz(tmp_path / "imdb.npz", marker)
    # the payload is real: an unrestricted load would run it
    before = sha256(tmp_path / "imdb.npz")
    message = data_error(tmp_path, capsys, tmp_path)
    assert "refused" in message and "system" in message
    assert not marker.exists()
    assert sha256(tmp_path / "imdb.npz") == before


def test_tampered_payload_would_run_under_allow_pickle(tmp_path):
    """Guards the test above: the same file does execute its payload through np.load(allow_pickle=True)."""
    marker = tmp_path / "pwned"
    write_tampered_npz(tmp_path / "imdb.npz", marker)
    np.load(tmp_path / "imdb.npz", allow_pickle=True)["x_train"]
    assert marker.exists()


def test_no_data_offline_exits_1_with_advice(monkeypatch, tmp_path, capsys):
    def offline(*args, **kwargs):
        raise OSError("URL fetch failure: no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    monkeypatch.delenv("IMDB_DATA_DIR", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        day1.main(["--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1
    assert "could not download imdb.npz" in err[0] and "--data-dir" in err[0]


# --- the real data -----------------------------------------------------------------------------------------------

REAL = os.environ.get("IMDB_DATA_DIR")


@pytest.mark.skipif(not REAL, reason="IMDB_DATA_DIR is not set: the real-data integration test needs a local IMDB copy")
def test_real_imdb_first_review_and_a_short_training_run(tmp_path, capsys):
    before = sha256(os.path.join(REAL, "imdb.npz"))
    (x_train, y_train), _ = imdb.load_imdb(REAL, num_words=10_000)
    assert x_train[0][:8] == [1, 14, 22, 16, 43, 530, 973, 1622] and len(x_train[0]) == 218
    np.testing.assert_array_equal(y_train[:10], [1, 0, 0, 1, 0, 0, 1, 0, 1, 0])
    # 3,000 reviews for one epoch stayed at 0.51-0.54 test accuracy in every setting tried (notes/day1.md, section 5):
    # this model needs more reviews than that to get going. 8,000 for one epoch is still a quick run.
    results = day1.main(["--data-dir", REAL, "--max-train", "8000", "--epochs", "1", "--batch-size", "32",
                         "--learning-rate", "1e-3", "--out", str(tmp_path / "out")])
    assert results["n_train"] + results["n_val"] == 8000
    assert results["test_accuracy"] >= 0.65
    assert sha256(os.path.join(REAL, "imdb.npz")) == before
