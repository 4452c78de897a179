"""Day 2 (Keras): the per-timestep gradients of the Keras model equal the hand-derived NumPy BPTT; the memory probes'
placement and half-life; Day 2 opens saved Day-1 models and refuses the ones it cannot analyse. Offline, small
models."""
import json
import os

import day1_tensorflow as day1
import day2_bptt_numpy as bptt
import day2_tensorflow as day2
from helpers import one_line_exit, save_model
from rnn_days import cli, imdb

import keras
import numpy as np
import pytest
import tensorflow as tf

VOCAB, MAXLEN, EMBED, UNITS = 40, 15, 6, 5


def small_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = day1.build_model(VOCAB, MAXLEN, embed_dim=EMBED, units=UNITS)
    rnn = model.layers[1]
    rnn.cell.bias.assign(0.3 * np.random.default_rng(seed).standard_normal(UNITS).astype("float32"))  # make b_h matter
    return model


def batch(n=6, seed=1):
    rng = np.random.default_rng(seed)
    return rng.integers(1, VOCAB, (n, MAXLEN)).astype("int32"), rng.integers(0, 2, n).astype("float32")


def test_gradient_keras_per_step_norms_equal_numpy_bptt():
    model = small_model()
    x, y = batch()
    s = day2.grad_norms_through_time(model, x, y, batch_size=4)  # two batches: 4 + 2 reviews
    norms, tanh_prime, x_norms = s["h"], s["tanh_prime"], s["x"]
    assert norms.shape == tanh_prime.shape == x_norms.shape == s["tanh_prime_square"].shape == (len(x), MAXLEN)
    # L_n is review n's own loss: a batch of one in the NumPy model, run on the Keras weights
    np.testing.assert_allclose(norms, day2.numpy_bptt_norms(model, x, y), rtol=1e-4)  # float32 vs float64
    params, xs = day2.numpy_params(model), np.asarray(model.layers[0](x), np.float64)
    for n in range(len(x)):   # ||dL_n/dx_t|| against the hand-derived (9), dL/dx_t = dL/da_t W_xh^T
        cache = bptt.forward(xs[n:n + 1], y[n:n + 1].astype(np.float64), np.zeros((1, UNITS)), params)[1]
        np.testing.assert_allclose(x_norms[n], np.linalg.norm(bptt.backward(cache)["x"][0], axis=1), rtol=1e-4)
    h = np.asarray(model.layers[1](model.layers[0](x)))  # h_T from Keras's own layer
    np.testing.assert_allclose(tanh_prime[:, -1], np.mean(1 - h ** 2, axis=1), rtol=1e-5)
    np.testing.assert_allclose(s["tanh_prime_square"][:, -1], np.mean((1 - h ** 2) ** 2, axis=1), rtol=1e-5)


def test_numpy_params_are_the_keras_weights_under_the_notes_names():
    model = small_model()
    params = day2.numpy_params(model)
    rnn = model.layers[1]
    np.testing.assert_array_equal(params["W_hh"], np.asarray(rnn.cell.recurrent_kernel))
    np.testing.assert_array_equal(params["W_xh"], np.asarray(rnn.cell.kernel))
    assert params["W_hy"].shape == (UNITS, 1) and params["b_y"].shape == (1,)


def test_gradient_numpy_bptt_gives_the_keras_weight_gradients():
    model = small_model(seed=2)
    x, y = batch(seed=3)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.binary_crossentropy(y[:, None], model(x)))
    tf_grads = dict(zip(["embedding"] + list(bptt.PARAM_NAMES), tape.gradient(loss, model.trainable_weights)))

    xs = np.asarray(model.layers[0](x), np.float64)
    np_loss, cache = bptt.forward(xs, y.astype(np.float64), np.zeros((len(x), UNITS)), day2.numpy_params(model))
    grads = bptt.backward(cache)
    assert np_loss == pytest.approx(float(loss), rel=1e-5)
    for name in bptt.PARAM_NAMES:
        expected = np.asarray(tf_grads[name], np.float64)
        assert np.max(np.abs(grads[name] - expected)) <= 1e-5 * np.max(np.abs(expected)), name
    # dL/dx flows into the embedding rows of the words read: scatter-add it and compare with Keras's
    d_embedding = np.zeros((VOCAB, EMBED))
    np.add.at(d_embedding, x, grads["x"])
    expected = np.asarray(tf.convert_to_tensor(tf_grads["embedding"]), np.float64)
    assert np.max(np.abs(d_embedding - expected)) <= 1e-5 * np.max(np.abs(expected))


def test_ratio_stats_are_the_median_and_quartiles():
    assert day2.ratio_stats(np.array([1.0, 2.0, 3.0, 4.0, 100.0])) == {"median": 3.0, "q25": 2.0, "q75": 4.0,
                                                                        "reviews": 5}


def test_measure_gradients_reads_the_matrix_it_is_given():
    """W_hh with known singular values (3, 2, 1, 0.5, 0.25) and a known largest |eigenvalue|; the gradient values
    against grad_norms_through_time's own output."""
    model = small_model(seed=4)
    rng = np.random.default_rng(0)
    U, _ = np.linalg.qr(rng.standard_normal((UNITS, UNITS)))
    V, _ = np.linalg.qr(rng.standard_normal((UNITS, UNITS)))
    W = (U * [3.0, 2.0, 1.0, 0.5, 0.25]) @ V.T / 4   # small enough that the units do not saturate at once
    model.layers[1].cell.recurrent_kernel.assign(W.astype("float32"))
    x, y = batch(n=7, seed=5)
    p = day2.predict(model, x)
    m = day2.measure_gradients(model, x, y, p)
    W32 = W.astype("float32").astype(np.float64)
    assert m["W_hh_sigma_max"] == pytest.approx(np.linalg.svd(W32, compute_uv=False)[0], rel=1e-9)
    assert m["W_hh_sigma_max"] == pytest.approx(0.75, rel=1e-6)
    assert m["W_hh_spectral_radius"] == pytest.approx(np.max(np.abs(np.linalg.eigvals(W32))), rel=1e-9)
    assert m["W_hh_singular_values_above_1"] == 0
    s = day2.grad_norms_through_time(model, x, y)
    norms, tanh_prime, x_norms = s["h"], s["tanh_prime"], s["x"]
    median = np.median(norms, axis=0)
    assert m["grad_median_smallest_at_word"] == int(np.argmin(median)) + 1      # words counted from 1
    assert m["tanh_prime_mean_after_10_steps"] == pytest.approx(tanh_prime[:, 10:].mean(), rel=1e-6)
    assert m["tanh_prime_rms_after_10_steps"] == pytest.approx(np.sqrt(s["tanh_prime_square"][:, 10:].mean()),
                                                               rel=1e-6)
    np.testing.assert_allclose(m["tanh_prime_mean_per_step"], tanh_prime.mean(axis=0), rtol=1e-6)
    ratios = norms[:, 0] / norms[:, -1]
    assert m["grad_ratio_first_to_last"]["median"] == pytest.approx(np.median(ratios), rel=1e-6)
    assert m["per_step_factor_measured"] == pytest.approx(np.median(ratios) ** (1 / (MAXLEN - 1)), rel=1e-6)
    assert m["grad_x_ratio_first_to_last"]["median"] == pytest.approx(np.median(x_norms[:, 0] / x_norms[:, -1]),
                                                                      rel=1e-6)


def test_full_length_reviews_have_no_padding():
    x = np.array([[0, 0, 5], [4, 5, 6], [0, 1, 2], [7, 8, 9]])
    full, labels = day2.full_length_reviews(x, np.array([0, 1, 0, 1]), count=5)
    np.testing.assert_array_equal(full, [[4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(labels, [1, 1])


# --- the memory probes ----------------------------------------------------------------------------------------

@pytest.mark.skipif(not os.environ.get("IMDB_DATA_DIR"), reason="IMDB_DATA_DIR is not set: needs the real word index")
def test_default_phrases_and_fillers_round_trip_in_the_real_vocabulary():
    word_index = imdb.load_word_index(os.environ["IMDB_DATA_DIR"])
    to_word = imdb.index_to_word_map(word_index)
    for text in (day2.POSITIVE, day2.NEGATIVE, *day2.FILLERS.values()):
        assert imdb.decode(imdb.encode(text, word_index, 10_000), to_word) == text


def test_encode_names_out_of_vocabulary_words(imdb_dir):
    word_index = imdb.load_word_index(str(imdb_dir))
    assert imdb.encode("w1 w17 w5", word_index, vocab_size=300) == [4, 20, 8]
    with pytest.raises(ValueError, match="popcorn, w99"):
        imdb.encode("w1 popcorn w99 popcorn", word_index, vocab_size=50)  # w99 -> index 102, outside 50 words


@pytest.mark.parametrize("n", [0, 1, 4, 8])
def test_place_puts_exactly_n_words_after_the_phrase(n):
    phrase, review = [50, 51], list(range(3, 13))
    row = day2.place(phrase, review, n)
    start = 10 - n - 2
    assert list(row[start:start + 2]) == phrase
    assert list(row[start + 2:]) == review[start + 2:] and len(row[start + 2:]) == n  # n words of the review follow
    assert list(row[:start]) == review[:start]  # the only change is the phrase


def test_place_refuses_what_does_not_fit():
    with pytest.raises(ValueError):
        day2.place([1, 2, 3], [4] * 10, 8)


def test_half_life_is_read_off_the_mean_curve_and_undefined_when_there_is_no_effect():
    ns = [0, 1, 2, 5, 10]
    assert day2.half_life(ns, [0.4, 0.3, 0.21, 0.19, 0.1], [0.01] * 5, +1) == 5
    assert day2.half_life(ns, [-0.4, -0.3, -0.1, 0, 0], [0.01] * 5, -1) == 2
    assert day2.half_life(ns, [0.4, 0.35, 0.3, 0.3, 0.3], [0.01] * 5, +1) == "beyond"
    assert day2.half_life(ns, [-0.1, 0, 0, 0, 0], [0.01] * 5, +1) is None   # wrong direction
    assert day2.half_life(ns, [0.01, 0, 0, 0, 0], [0.02] * 5, +1) is None   # inside its confidence interval
    assert day2.half_life(ns, [0.4, 0.1, 0.3, 0.3, 0.35], [0.01] * 5, +1) == 1   # the first N below half of N = 0


def test_real_text_memory_effect_is_the_change_against_the_review_itself():
    model = small_model()
    x, y = batch(n=8)
    y[:4], y[4:] = 1, 0
    out = day2.real_text_memory(model, x, y, {"positive": ([7, 8], 1)}, ns=[0, 3])
    c = out["curves"]["positive phrase, negative reviews"]
    p = day2.predict(model, x[4:])
    # per review: P(with the phrase) - P(the review itself); float32 predictions made in other batches than the
    # function's own, so compared at float32's precision
    effects = np.array([day2.predict(model, [day2.place([7, 8], r, n) for r in x[4:]]) - p for n in (0, 3)])
    np.testing.assert_allclose(c["mean"], effects.mean(axis=1), rtol=1e-5, atol=1e-6)
    # the 95% interval: 1.96 standard errors over the 4 negative reviews, sd with n - 1
    np.testing.assert_allclose(c["ci95"], 1.96 * effects.std(axis=1, ddof=1) / np.sqrt(4), rtol=1e-4, atol=1e-6)
    assert c["reviews"] == 4


# --- the script ------------------------------------------------------------------------------------------------

def day1_model(imdb_dir, tmp_path, name="day1"):
    out = tmp_path / name
    day1.main(["--data-dir", str(imdb_dir), "--epochs", "1", "--maxlen", "20", "--vocab-size", "100",
               "--batch-size", "16", "--out", str(out)])
    return out / "model.keras"


def flags(imdb_dir, out):
    return ["--data-dir", str(imdb_dir), "--num-reviews", "10", "--phrase-positive", "w1 w2",
            "--phrase-negative", "w3 w4", "--filler", "w5 w6 w7", "--out", str(out)]


@pytest.mark.slow
def test_end_to_end_reads_vocabulary_and_length_from_the_saved_model(imdb_dir, tmp_path, capsys):
    model = day1_model(imdb_dir, tmp_path)
    metrics = day2.main(flags(imdb_dir, tmp_path / "out") + ["--model", str(model), str(model)])
    printed = capsys.readouterr().out
    for name in ("grad_through_time.png", "memory.png", "metrics.json"):
        assert (tmp_path / "out" / name).stat().st_size > 0
        assert f"wrote {tmp_path / 'out' / name}" in printed
    saved = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert list(saved["models"]) == ["SimpleRNN seed 0", "SimpleRNN seed 0 #2"]   # named twice: kept apart
    m = saved["models"]["SimpleRNN seed 0"]
    assert m["identity"]["trained"] and m["path"] == str(model)
    assert m["vocab_size"] == 100 and m["maxlen"] == 20
    assert len(m["grad_norm_median_per_step"]) == 20
    assert m["memory"]["ns"] == [n for n in day2.N_GRID if n <= 15]
    assert m["grad_ratio_first_to_last"]["median"] == pytest.approx(
        metrics["models"]["SimpleRNN seed 0"]["grad_ratio_first_to_last"]["median"])
    assert "tensorflow" in saved["conditions"]


def test_no_model_says_which_command_makes_one_and_trains_nothing(imdb_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no runs/day1/model.keras here
    code, err = exit_code_and_error(flags(imdb_dir, tmp_path / "out"), capsys)
    assert code == 1 and "day1_tensorflow.py" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "runs").exists()


def test_help_lists_only_day2_flags(capsys):
    with pytest.raises(SystemExit):
        cli.run(day2.main, ["--help"])
    printed = capsys.readouterr().out
    assert "--model" in printed and "--epochs" not in printed and "--learning-rate" not in printed


def exit_code_and_error(argv, capsys):
    return one_line_exit(day2.main, argv, capsys)


def test_missing_model_exits_1(imdb_dir, tmp_path, capsys):
    code, err = exit_code_and_error(flags(imdb_dir, tmp_path) + ["--model", str(tmp_path / "no.keras")], capsys)
    assert code == 1 and "no such file" in err


def test_empty_model_flag_exits_2(imdb_dir, tmp_path, capsys):
    code, err = exit_code_and_error(flags(imdb_dir, tmp_path) + ["--model", ""], capsys)
    assert code == 2 and "--model" in err


def test_corrupt_model_exits_1(imdb_dir, tmp_path, capsys):
    (tmp_path / "bad.keras").write_bytes(b"not a keras archive")
    code, err = exit_code_and_error(flags(imdb_dir, tmp_path) + ["--model", str(tmp_path / "bad.keras")], capsys)
    assert code == 1 and "could not load the model" in err


def wrong_models():
    """Models of roughly the right kind that Day 2 cannot analyse."""
    inp = keras.Input((20,), dtype="int32")
    seq = keras.layers.SimpleRNN(3, return_sequences=True)(keras.layers.Embedding(100, 4)(inp))
    yield "other layers", keras.Sequential([keras.Input((20,)), keras.layers.Dense(1)])
    yield "return_sequences", keras.Model(inp, keras.layers.Dense(1, activation="sigmoid")(seq))
    yield "Dense(2) head", keras.Sequential([keras.Input((20,), dtype="int32"), keras.layers.Embedding(100, 4),
                                             keras.layers.SimpleRNN(3), keras.layers.Dense(2, activation="sigmoid")])
    yield "no sigmoid", keras.Sequential([keras.Input((20,), dtype="int32"), keras.layers.Embedding(100, 4),
                                          keras.layers.SimpleRNN(3), keras.layers.Dense(1)])


@pytest.mark.parametrize("name", ["other layers", "return_sequences", "Dense(2) head", "no sigmoid"])
def test_model_day2_cannot_analyse_exits_1_saying_what_it_expected(name, imdb_dir, tmp_path, capsys):
    model = dict(wrong_models())[name]
    model.save(tmp_path / "m.keras")
    code, err = exit_code_and_error(flags(imdb_dir, tmp_path / "out") + ["--model", str(tmp_path / "m.keras")],
                                    capsys)
    assert code == 1 and "expected a model made by day1_tensorflow.py" in err


def test_day1_model_in_any_compile_state_or_format_is_analysed(imdb_dir, tmp_path, capsys):
    paths = []
    for state in ("not compiled", "compiled without metrics", "two metrics", "legacy h5"):   # one run, four models
        keras.utils.set_random_seed(0)
        model = day1.build_model(100, 20, embed_dim=4, units=3)
        if state != "not compiled":
            model.compile(loss="binary_crossentropy",
                          metrics=[] if state == "compiled without metrics" else ["accuracy", "mse"])
        paths.append(tmp_path / state.replace(" ", "_") / ("m.h5" if state == "legacy h5" else "m.keras"))
        paths[-1].parent.mkdir()
        model.save(paths[-1])
    metrics = day2.main(flags(imdb_dir, tmp_path / "out") + ["--model"] + [str(p) for p in paths])
    assert len(metrics["models"]) == 4
    assert all(0 <= m["test_accuracy"] <= 1 for m in metrics["models"].values())


def test_out_of_vocabulary_phrase_exits_2_naming_the_words(imdb_dir, tmp_path, capsys):
    model = tmp_path / "m.keras"
    day1.build_model(100, 20, embed_dim=4, units=3).save(model)
    argv = flags(imdb_dir, tmp_path / "out") + ["--model", str(model)]
    argv[argv.index("--phrase-positive") + 1] = "w1 popcorn w2 zzz"
    code, err = exit_code_and_error(argv, capsys)
    assert code == 2 and "popcorn, zzz" in err and "--phrase-positive" in err


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


def test_an_empty_filler_is_a_bad_flag_not_ignored(phrase_dir, tmp_path, capsys):
    path = save_model(tmp_path / "m.keras", [keras.layers.SimpleRNN(3), keras.layers.Dense(1, activation="sigmoid")])
    code, err = one_line_exit(day2.main, ["--data-dir", str(phrase_dir), "--model", path, "--filler", "", "--out",
                                          str(tmp_path / "o")], capsys)
    assert code == 2 and "--filler" in err and not (tmp_path / "o").exists()


def test_a_review_read_word_by_word_and_the_phrase_at_every_position():
    model = small_model(seed=6)
    x, _ = batch(n=1, seed=7)
    review, phrase = x[0], [3, 4]
    p = day2.read_word_by_word(model, review)
    assert p.shape == (MAXLEN,)
    assert p[-1] == pytest.approx(day2.predict(model, [review])[0], abs=1e-6)     # the whole review: its answer
    embedding, rnn, dense = model.layers   # after word 5: Keras's own layer on the first five words alone
    h5 = rnn(embedding(review[None, :5]))
    assert p[4] == pytest.approx(float(tf.sigmoid(h5 @ dense.kernel + dense.bias)[0, 0]), abs=1e-6)
    ends = day2.phrase_at_every_word(model, review, phrase)
    assert np.isnan(ends[0]) and not np.isnan(ends[1:]).any()                   # a 2-word phrase ends at word 2
    for t in (1, 6, MAXLEN - 1):   # ends at word t + 1 (0-based t): MAXLEN - 1 - t words follow it
        expected = day2.predict(model, [day2.place(phrase, review, MAXLEN - 1 - t)])[0]
        assert ends[t] == pytest.approx(expected, abs=1e-6)


def test_models_of_different_review_lengths_are_refused_before_the_work(phrase_dir, tmp_path, capsys):
    paths = [save_model(tmp_path / f"m{n}" / "m.keras", [keras.layers.SimpleRNN(3),
                                                          keras.layers.Dense(1, activation="sigmoid")], maxlen=n)
             for n in (20, 12)]
    code, err = one_line_exit(day2.main, ["--data-dir", str(phrase_dir), "--model", *paths, "--out",
                                          str(tmp_path / "o")], capsys)
    assert code == 2 and "different lengths (12, 20 words)" in err and not (tmp_path / "o").exists()


def test_a_review_beyond_the_full_length_ones_is_a_bad_flag(phrase_dir, tmp_path, capsys):
    path = save_model(tmp_path / "m.keras", [keras.layers.SimpleRNN(3), keras.layers.Dense(1, activation="sigmoid")])
    code, err = one_line_exit(day2.main, ["--data-dir", str(phrase_dir), "--model", path, "--num-reviews", "5",
                                          "--review", "5", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "--review" in err
