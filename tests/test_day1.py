"""Day 1: the local IMDB loader, the model, training, the script end to end, and bad input. Offline."""
import hashlib
import json
import os

import day1_tensorflow as day1
from helpers import assert_one_line, one_line_exit, run_script, snapshot

import keras
import numpy as np
import pytest

SMALL_DAY1 = ["--epochs", "1", "--maxlen", "20", "--vocab-size", "100", "--batch-size", "16"]


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


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


@pytest.mark.slow
def test_a_few_steps_lower_the_loss():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(3, 50, (128, 12)).astype("int32")
    y = (x[:, -1] < 25).astype("float32")  # the last word decides: learnable in a few steps
    model = day1.compile_model(day1.build_model(50, 12), learning_rate=1e-2)
    before = model.evaluate(x, y, verbose=0)[0]
    model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    after = model.evaluate(x, y, verbose=0)[0]
    assert after < before - 0.05


@pytest.mark.slow
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

BAD_FLAGS = [   # (flag, value): each exits 2 with one line naming the flag, before anything is read
    ("--epochs", "-1"), ("--epochs", "two"), ("--batch-size", "0"), ("--batch-size", "1.5"),
    ("--learning-rate", "0"), ("--learning-rate", "-1e-3"), ("--learning-rate", "nan"), ("--maxlen", "0"),
    ("--vocab-size", "3"), ("--seed", "-1"), ("--seed", "4294967296"), ("--max-train", "0"),
    ("--validation-split", "1"), ("--padding", "middle"), ("--schedule", "linear"), ("--patience", "0"),
    ("--learning-rate", "1e300"), ("--learning-rate", "2"), ("--out", ""), ("--out", "  "),
]


@pytest.mark.parametrize("flag,value", BAD_FLAGS)
def test_bad_flag_values_exit_2_with_one_line(flag, value, capsys):
    code, err = one_line_exit(day1.main, [flag, value, "--data-dir", "unused"], capsys)
    assert code == 2 and flag in err


@pytest.mark.slow   # a fresh process imports TensorFlow (seconds); the flags themselves are checked in-process above
def test_bad_flag_from_the_shell_is_one_line_no_traceback():
    assert_one_line(run_script("day1_tensorflow.py", "--epochs", "-3"), 2, "--epochs")


def data_error(data_dir, capsys, tmp_path):
    code, err = one_line_exit(day1.main, ["--data-dir", str(data_dir), "--out", str(tmp_path / "out"), "--maxlen",
                                          "20"], capsys)
    assert code == 1
    return err


def test_missing_word_index_exits_1_before_training(imdb_dir, tmp_path, capsys):
    (imdb_dir / "imdb_word_index.json").unlink()
    assert "imdb_word_index.json not found" in data_error(imdb_dir, capsys, tmp_path)
    assert not (tmp_path / "out").exists()  # stopped before training and writing anything


@pytest.mark.parametrize("kind", ["a file in the way", "a dangling link"])
def test_an_unwritable_out_stops_training_before_it_starts(kind, imdb_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    if kind == "a file in the way":
        blocker.write_text("the learner's file")
        out = blocker / "sub"
    else:
        out = tmp_path / "link"
        out.symlink_to(tmp_path / "nowhere" / "at all")
    code, err = one_line_exit(day1.main, ["--data-dir", str(imdb_dir), "--out", str(out)] + SMALL_DAY1, capsys)
    assert code in (1, 2) and ("could not write" in err or "--out" in err)
    assert "Epoch" not in capsys.readouterr().out
    assert not blocker.exists() or blocker.read_text() == "the learner's file"


def test_no_data_offline_exits_1_with_advice(monkeypatch, tmp_path, capsys):
    def offline(*args, **kwargs):
        raise OSError("URL fetch failure: no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    monkeypatch.delenv("IMDB_DATA_DIR", raising=False)
    code, err = one_line_exit(day1.main, ["--out", str(tmp_path / "out")], capsys)
    assert code == 1 and "could not download imdb.npz" in err and "--data-dir" in err


def test_missing_data_exits_1_with_one_line(tmp_path, capsys):
    assert "imdb.npz not found" in data_error(tmp_path, capsys, tmp_path)


# --- the real data -----------------------------------------------------------------------------------------------

REAL = os.environ.get("IMDB_DATA_DIR")


@pytest.mark.slow
@pytest.mark.skipif(not REAL, reason="IMDB_DATA_DIR is not set: the real-data integration test needs a local IMDB copy")
def test_real_imdb_short_training_run_learns(tmp_path):
    # 3,000 reviews for one epoch stayed at 0.51-0.54 test accuracy in every setting tried (notes/day1.md, section 5):
    # this model needs more reviews than that to get going. 8,000 for one epoch is still a quick run.
    results = day1.main(["--data-dir", REAL, "--max-train", "8000", "--epochs", "1", "--batch-size", "32",
                         "--learning-rate", "1e-3", "--out", str(tmp_path / "out")])
    assert results["n_train"] + results["n_val"] == 8000
    assert results["test_accuracy"] >= 0.65




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


def test_out_of_memory_while_building_names_the_flags(imdb_dir, tmp_path, monkeypatch, capsys):
    def too_big(*args, **kwargs):
        raise day1.tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")

    monkeypatch.setattr(day1, "build_model", too_big)
    code, err = one_line_exit(day1.main, ["--data-dir", str(imdb_dir), "--out", str(tmp_path / "o")] + SMALL_DAY1,
                              capsys, out_of_memory=day1.OUT_OF_MEMORY)
    assert code == 1 and "--vocab-size" in err
