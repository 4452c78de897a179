"""Day 3 (Keras): the LSTM and GRU models, the look inside a trained LSTM (per-step dL/dh_t, dL/dc_t and f_t equal
the hand-derived NumPy LSTM), the script end to end, and the models it refuses. Offline, small models."""
import json

import keras
import numpy as np
import pytest

import day1_tensorflow as day1
import day3_lstm_numpy as lstm
import day3_tensorflow as day3
from rnn_days.bridge import lstm_params

VOCAB, MAXLEN, EMBED, UNITS = 40, 12, 6, 5


def test_lstm_model_is_day1_with_the_cell_swapped():
    model = day3.build_model("lstm", 10_000, 200)
    assert [type(layer).__name__ for layer in model.layers] == ["Embedding", "LSTM", "Dense"]
    assert model.count_params() == 10_000 * 128 + 4 * (128 * 128 + 128 * 128 + 128) + 129
    assert model.layers[1].unit_forget_bias and model.layers[2].activation.__name__ == "sigmoid"
    gru = day3.build_model("gru", 10_000, 200)
    assert type(gru.layers[1]).__name__ == "GRU"
    assert gru.count_params() == 10_000 * 128 + 3 * (2 * 128 * 128 + 2 * 128) + 129  # reset_after: two biases


def small_lstm(seed=0):
    keras.utils.set_random_seed(seed)
    model = day3.build_model("lstm", VOCAB, MAXLEN, embed_dim=EMBED, units=UNITS)
    bias = model.layers[1].cell.bias
    bias.assign(bias + 0.3 * np.random.default_rng(seed).standard_normal(4 * UNITS).astype("float32"))
    return model


def test_lstm_look_inside_equals_the_numpy_lstm():
    """||dL_n/dh_t||, ||dL_n/dc_t|| and the mean f_t from the Keras cell equal day3_lstm_numpy on the same weights,
    review by review (L_n: review n's own loss, a batch of one in NumPy)."""
    model = small_lstm()
    rng = np.random.default_rng(1)
    x, y = rng.integers(1, VOCAB, (6, MAXLEN)).astype("int32"), rng.integers(0, 2, 6).astype("float32")
    inside = day3.states_through_time(model, x, y, batch_size=4)   # two batches: 4 + 2 reviews
    params = lstm_params(model.layers[1], model.layers[2])
    xs = np.asarray(model.layers[0](x), np.float64)
    zeros = np.zeros((1, UNITS))
    for n in range(len(x)):
        cache = lstm.forward(xs[n:n + 1], y[n:n + 1].astype(np.float64), zeros, zeros, params)[1]
        grads = lstm.backward(cache)
        np.testing.assert_allclose(inside["h"][n], lstm.step_norms(grads["h"]), rtol=1e-4)
        np.testing.assert_allclose(inside["c"][n], lstm.step_norms(grads["c"]), rtol=1e-4)
        np.testing.assert_allclose(inside["f"][n], cache["f"][1:, 0].mean(axis=1), rtol=1e-5)
        np.testing.assert_allclose(inside["log_f_sum"][n], np.log(cache["f"][2:, 0]).sum(axis=0), rtol=1e-4)


def test_gru_and_simple_rnn_are_looked_inside_without_a_cell_state():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(2).integers(1, VOCAB, (3, MAXLEN)).astype("int32")
    for model in (day3.build_model("gru", VOCAB, MAXLEN, EMBED, UNITS), day1.build_model(VOCAB, MAXLEN, EMBED, UNITS)):
        inside = day3.states_through_time(model, x, np.array([1, 0, 1], "float32"))
        assert set(inside) == {"h"} and inside["h"].shape == (3, MAXLEN) and np.all(inside["h"] > 0)


# --- the script ------------------------------------------------------------------------------------------------

@pytest.fixture
def phrase_dir(imdb_dir):
    """The small data folder, with the probe's default phrase words in its vocabulary (ranks 1-6)."""
    words = ["i", "absolutely", "loved", "hated", "this", "movie"]
    index = {w: r for r, w in enumerate(words, 1)}
    index.update({f"w{r}": r for r in range(len(words) + 1, 300)})
    (imdb_dir / "imdb_word_index.json").write_text(json.dumps(index))
    return imdb_dir


def small_flags(data_dir, out):
    return ["--data-dir", str(data_dir), "--epochs", "1", "--maxlen", "20", "--vocab-size", "100",
            "--batch-size", "16", "--num-reviews", "10", "--out", str(out)]


def test_script_trains_reports_and_looks_inside(phrase_dir, tmp_path, capsys):
    day1.main(["--data-dir", str(phrase_dir), "--epochs", "1", "--maxlen", "20", "--vocab-size", "100",
               "--batch-size", "16", "--out", str(tmp_path / "day1")])
    results = day3.main(small_flags(phrase_dir, tmp_path / "lstm") + ["--compare", str(tmp_path / "day1" /
                                                                                        "model.keras")])
    printed = capsys.readouterr().out
    for name in ("model.keras", "history.png", "inside.png", "memory.png", "metrics.json"):
        assert (tmp_path / "lstm" / name).stat().st_size > 0 and f"wrote {tmp_path / 'lstm' / name}" in printed
    saved = json.loads((tmp_path / "lstm" / "metrics.json").read_text())
    assert saved["test_accuracy"] == results["test_accuracy"] and saved["seconds_per_epoch"] > 0
    assert set(saved["inside"]) == {"lstm", "day1"}
    lstm_inside = saved["inside"]["lstm"]
    assert lstm_inside["cell"] == "LSTM" and len(lstm_inside["grad_c_median_per_step"]) == 20
    assert 0 < lstm_inside["forget_mean_after_10_steps"] < 1
    assert saved["inside"]["day1"]["cell"] == "SimpleRNN" and "grad_c_median_per_step" not in saved["inside"]["day1"]
    assert saved["inside"]["lstm"]["test_accuracy"] == pytest.approx(results["test_accuracy"], abs=1e-6)

    # the saved model, opened again without training: the same look inside
    again = day3.main(["--data-dir", str(phrase_dir), "--num-reviews", "10", "--compare",
                       "--model", str(tmp_path / "lstm" / "model.keras"), "--out", str(tmp_path / "inside")])
    assert again["inside"]["lstm"]["grad_c_median_per_step"] == pytest.approx(lstm_inside["grad_c_median_per_step"],
                                                                               rel=1e-5)


def test_gru_script_runs(phrase_dir, tmp_path):
    results = day3.main(small_flags(phrase_dir, tmp_path / "gru") + ["--cell", "gru", "--compare"])
    saved = json.loads((tmp_path / "gru" / "metrics.json").read_text())
    assert saved["inside"]["gru"]["cell"] == "GRU" and saved["settings"]["cell"] == "gru"
    assert 0 <= results["test_accuracy"] <= 1


def one_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_models_it_cannot_look_inside_exit_1_saying_what_it_expected(phrase_dir, tmp_path, capsys):
    day1.main(["--data-dir", str(phrase_dir), "--epochs", "0", "--maxlen", "20", "--vocab-size", "100",
               "--out", str(tmp_path / "day1")])
    simple = str(tmp_path / "day1" / "model.keras")
    with pytest.raises(SystemExit) as exit_info:
        day3.main(["--data-dir", str(phrase_dir), "--model", simple, "--compare", "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 1 and "LSTM or GRU" in one_line(capsys)
    day3.main(small_flags(phrase_dir, tmp_path / "lstm") + ["--epochs", "0", "--compare"])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:   # an LSTM where a Day-1 SimpleRNN is expected
        day3.main(["--data-dir", str(phrase_dir), "--model", str(tmp_path / "lstm" / "model.keras"), "--compare",
                   str(tmp_path / "lstm" / "model.keras"), "--out", str(tmp_path / "o")])
    message = one_line(capsys)
    assert exit_info.value.code == 1 and "day1_tensorflow.py" in message and "SimpleRNN" in message
    with pytest.raises(SystemExit) as exit_info:
        day3.main(["--model", str(tmp_path / "missing.keras"), "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 1 and "day3_tensorflow.py" in one_line(capsys)
    assert not (tmp_path / "o").exists()


def test_phrase_outside_the_vocabulary_exits_2_naming_the_flag_before_training(phrase_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        day3.main(small_flags(phrase_dir, tmp_path / "o") + ["--compare", "--phrase-negative", "zzz unknown"])
    err = capsys.readouterr()
    assert exit_info.value.code == 2 and "--phrase-negative" in err.err and len(err.err.strip().splitlines()) == 1
    assert "Test accuracy" not in err.out and not (tmp_path / "o").exists()


@pytest.mark.parametrize("flag,value", [("--cell", "rnn"), ("--dropout", "1.5"), ("--num-reviews", "0"),
                                        ("--epochs", "-1"), ("--model", ""), ("--seed", "4294967296")])
def test_bad_flag_values_exit_2_with_one_line(flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        day3.main([flag, value, "--data-dir", "unused"])
    assert exit_info.value.code == 2 and flag in one_line(capsys)
