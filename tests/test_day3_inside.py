"""Day 3 (Keras): the look inside trained LSTMs and GRUs (per-step dL/dh_t, dL/dc_t and f_t equal the hand-derived
NumPy LSTM), the script end to end, models told apart by what they are (not by their folder's name), and the models
it refuses. Offline, small models."""
import json

import day1_tensorflow as day1
import day3_inside as inside
import day3_lstm_numpy as lstm
import day3_tensorflow as day3
from helpers import one_line_exit, save_model
from rnn_days import cli
from rnn_days.bridge import lstm_params

import keras
import numpy as np
import pytest

VOCAB, MAXLEN, EMBED, UNITS = 40, 12, 6, 5


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
    measured = inside.states_through_time(model, x, y, batch_size=4)   # two batches: 4 + 2 reviews
    params = lstm_params(model.layers[1], model.layers[2])
    xs = np.asarray(model.layers[0](x), np.float64)
    zeros = np.zeros((1, UNITS))
    for n in range(len(x)):
        cache = lstm.forward(xs[n:n + 1], y[n:n + 1].astype(np.float64), zeros, zeros, params)[1]
        grads = lstm.backward(cache)
        np.testing.assert_allclose(measured["h"][n], lstm.step_norms(grads["h"]), rtol=1e-4)
        np.testing.assert_allclose(measured["c"][n], lstm.step_norms(grads["c"]), rtol=1e-4)
        np.testing.assert_allclose(measured["x"][n], np.linalg.norm(grads["x"][0], axis=1), rtol=1e-4)
        np.testing.assert_allclose(measured["f"][n], cache["f"][1:, 0].mean(axis=1), rtol=1e-5)
        np.testing.assert_allclose(measured["log_f_sum"][n], np.log(cache["f"][2:, 0]).sum(axis=0), rtol=1e-4)
        np.testing.assert_allclose(measured["f_units"][n], cache["f"][11:, 0].mean(axis=0), rtol=1e-5)   # t > 10


def test_look_inside_summarises_the_states_it_measured(monkeypatch):
    """look_inside's numbers, each computed here from states_through_time's own output another way."""
    model = small_lstm(seed=3)
    bias = model.layers[1].cell.bias   # forget gates near 0.9: the direct path keeps 0.2-0.6 over the 11 steps
    bias.assign(np.concatenate([bias[:UNITS], bias[UNITS:2 * UNITS] + 2.2, bias[2 * UNITS:]]))
    rng = np.random.default_rng(4)
    x, y = rng.integers(1, VOCAB, (6, MAXLEN)).astype("int32"), np.array([1, 0, 1, 0, 1, 0], "float32")
    s = inside.states_through_time(model, x, y)
    monkeypatch.setattr(inside, "real_text_memory", lambda *args: {})   # the probe is Day 2's, tested there
    m = inside.look_inside(model, x, y, {})
    assert m["grad_c_ratio_first_to_last"]["median"] == pytest.approx(np.median(s["c"][:, 0] / s["c"][:, -1]))
    assert m["grad_h_ratio_first_to_last"]["median"] == pytest.approx(np.median(s["h"][:, 0] / s["h"][:, -1]))
    assert m["grad_x_ratio_first_to_last"]["median"] == pytest.approx(np.median(s["x"][:, 0] / s["x"][:, -1]))
    gain = np.exp(s["log_f_sum"])   # per review and unit: the product of f_t over t = 2..T
    assert m["direct_path_gain_1_to_T_mean"] == pytest.approx(gain.mean())
    assert m["direct_path_units_keeping_half"] == pytest.approx(np.mean(gain >= 0.5))
    assert 0 < np.mean((gain >= 0.25) & (gain < 0.5)) and 0 < np.mean(gain >= 0.5) < 1   # the test can tell
    assert m["forget_mean_after_10_steps"] == pytest.approx(s["f"][:, 10:].mean())
    np.testing.assert_allclose(m["forget_mean_per_unit"], s["f_units"].mean(axis=0))


def test_gru_and_simple_rnn_are_looked_inside_without_a_cell_state():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(2).integers(1, VOCAB, (3, MAXLEN)).astype("int32")
    for model in (day3.build_model("gru", VOCAB, MAXLEN, EMBED, UNITS), day1.build_model(VOCAB, MAXLEN, EMBED, UNITS)):
        measured = inside.states_through_time(model, x, np.array([1, 0, 1], "float32"))
        assert set(measured) == {"h", "x"} and measured["h"].shape == measured["x"].shape == (3, MAXLEN)
        assert np.all(measured["h"] > 0) and np.all(measured["x"] > 0)


# --- the script ------------------------------------------------------------------------------------------------



def one_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def train(cell, data_dir, out, epochs=1, seed=0):
    main = day1.main if cell == "simple_rnn" else day3.main
    main(["--data-dir", str(data_dir), "--epochs", str(epochs), "--maxlen", "20", "--vocab-size", "100",
          "--batch-size", "16", "--seed", str(seed), "--out", str(out)] + ([] if cell == "simple_rnn" else
                                                                           ["--cell", cell]))
    return str(out / "model.keras")


@pytest.mark.slow
def test_script_looks_inside_and_labels_models_by_what_they_are(phrase_dir, tmp_path, capsys):
    # two models in folders of the same name: told apart by their recorded identity, none lost
    lstm_path = train("lstm", phrase_dir, tmp_path / "a" / "run")
    gru_path = train("gru", phrase_dir, tmp_path / "b" / "run", seed=1)
    simple_path = train("simple_rnn", phrase_dir, tmp_path / "c" / "run", epochs=0)
    capsys.readouterr()
    per_model = inside.main(["--data-dir", str(phrase_dir), "--num-reviews", "10", "--model", lstm_path, gru_path,
                             "--compare", simple_path, "--out", str(tmp_path / "inside")])
    printed = capsys.readouterr().out
    for name in ("inside.png", "memory.png", "metrics.json"):
        assert f"wrote {tmp_path / 'inside' / name}" in printed
    saved = json.loads((tmp_path / "inside" / "metrics.json").read_text())["inside"]
    assert list(saved) == ["LSTM seed 0", "GRU seed 1", "SimpleRNN untrained (seed 0)"]
    assert saved["LSTM seed 0"]["identity"]["cell"] == "LSTM" and saved["LSTM seed 0"]["path"] == lstm_path
    assert len(saved["LSTM seed 0"]["grad_c_median_per_step"]) == 20
    assert 0 < saved["LSTM seed 0"]["forget_mean_after_10_steps"] < 1
    assert "grad_c_median_per_step" not in saved["GRU seed 1"] and saved["GRU seed 1"]["cell"] == "GRU"
    assert saved["SimpleRNN untrained (seed 0)"]["cell"] == "SimpleRNN"
    assert per_model["LSTM seed 0"]["test_accuracy"] == saved["LSTM seed 0"]["test_accuracy"]

    # the same model named twice, and a model without metrics.json: kept apart, labelled by path
    (tmp_path / "c" / "run" / "metrics.json").unlink()
    twice = inside.main(["--data-dir", str(phrase_dir), "--num-reviews", "10", "--model", lstm_path, lstm_path,
                         "--compare", simple_path, "--out", str(tmp_path / "inside2")])
    assert list(twice) == ["LSTM seed 0", "LSTM seed 0 #2", simple_path]


@pytest.mark.slow
def test_models_it_cannot_look_inside_exit_1_saying_what_it_expected(phrase_dir, tmp_path, capsys):
    simple = train("simple_rnn", phrase_dir, tmp_path / "day1", epochs=0)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        cli.run(inside.main, ["--data-dir", str(phrase_dir), "--model", simple, "--compare", "--out",
                              str(tmp_path / "o")])
    assert exit_info.value.code == 1 and "LSTM or GRU" in one_line(capsys)
    lstm_model = train("lstm", phrase_dir, tmp_path / "lstm", epochs=0)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:   # an LSTM where a Day-1 SimpleRNN is expected
        cli.run(inside.main, ["--data-dir", str(phrase_dir), "--model", lstm_model, "--compare", lstm_model,
                              "--out", str(tmp_path / "o")])
    message = one_line(capsys)
    assert exit_info.value.code == 1 and "day1_tensorflow.py" in message and "SimpleRNN" in message
    with pytest.raises(SystemExit) as exit_info:
        cli.run(inside.main, ["--model", str(tmp_path / "missing.keras"), "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 1 and "day3_tensorflow.py" in one_line(capsys)
    with pytest.raises(SystemExit) as exit_info:   # a phrase word the model does not know: exit 2 before measuring
        cli.run(inside.main, ["--data-dir", str(phrase_dir), "--model", lstm_model, "--compare",
                              "--phrase-negative", "zzz unknown", "--out", str(tmp_path / "o")])
    err = capsys.readouterr()
    assert exit_info.value.code == 2 and "--phrase-negative" in err.err and len(err.err.strip().splitlines()) == 1
    assert "Looking inside" not in err.out
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("flag,value", [("--num-reviews", "0"), ("--model", ""), ("--compare", "")])
def test_bad_flag_values_exit_2_with_one_line(flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.run(inside.main, [flag, value, "--data-dir", "unused"])
    assert exit_info.value.code == 2 and flag in one_line(capsys)


@pytest.mark.parametrize("layers,what", [
    ([keras.layers.LSTM(3, use_bias=False), keras.layers.Dense(1, activation="sigmoid")], "without a bias"),
    ([keras.layers.GRU(3, go_backwards=True), keras.layers.Dense(1, activation="sigmoid")], "backwards"),
], ids=["lstm-no-bias", "gru-backwards"])
def test_the_look_inside_refuses_models_it_would_misread(layers, what, phrase_dir, tmp_path, capsys):
    path = save_model(tmp_path / "m.keras", layers)
    code, err = one_line_exit(inside.main, ["--data-dir", str(phrase_dir), "--model", path, "--compare", "--out",
                                            str(tmp_path / "o")], capsys)
    assert code == 1 and what in err


def test_out_of_memory_looking_inside_is_one_line(phrase_dir, tmp_path, monkeypatch, capsys):
    path = save_model(tmp_path / "m.keras", [keras.layers.LSTM(3), keras.layers.Dense(1, activation="sigmoid")])

    def too_big(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(inside, "look_inside", too_big)
    code, err = one_line_exit(inside.main, ["--data-dir", str(phrase_dir), "--model", path, "--compare", "--out",
                                            str(tmp_path / "o")], capsys, out_of_memory=inside.OUT_OF_MEMORY)
    assert code == 1 and "out of memory" in err and "--num-reviews" in err


def test_models_of_short_or_mixed_lengths_are_refused_before_the_work(phrase_dir, tmp_path, capsys):
    short = save_model(tmp_path / "short" / "m.keras",
                       [keras.layers.LSTM(3), keras.layers.Dense(1, activation="sigmoid")], maxlen=6)
    code, err = one_line_exit(inside.main, ["--data-dir", str(phrase_dir), "--model", short, "--compare", "--out",
                                            str(tmp_path / "o")], capsys)
    assert code == 1 and "at least 12 words" in err and not (tmp_path / "o").exists()
