"""Day 2 (Keras): the per-timestep gradients of the Keras model equal the hand-derived NumPy BPTT; the amnesia probe's
encoding and placement; bad models and phrases. Offline, on small models."""
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import day1_tensorflow as day1
import day2_bptt_numpy as bptt
import day2_tensorflow as day2

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


def test_keras_per_step_gradient_norms_equal_numpy_bptt():
    model = small_model()
    x, y = batch()
    norms, tanh_prime = day2.grad_norms_through_time(model, x, y, batch_size=4)  # two batches: 4 + 2 reviews
    assert norms.shape == tanh_prime.shape == (len(x), MAXLEN)
    # L_n is review n's own loss: a batch of one in the NumPy model, run on the Keras weights
    np.testing.assert_allclose(norms, day2.numpy_bptt_norms(model, x, y), rtol=1e-4)  # float32 vs float64
    h = np.asarray(model.layers[1](model.layers[0](x)))  # h_T from Keras's own layer
    np.testing.assert_allclose(tanh_prime[:, -1], np.mean(1 - h ** 2, axis=1), rtol=1e-5)


def test_numpy_params_are_the_keras_weights_under_the_notes_names():
    model = small_model()
    params = day2.numpy_params(model)
    rnn = model.layers[1]
    np.testing.assert_array_equal(params["W_hh"], np.asarray(rnn.cell.recurrent_kernel))
    np.testing.assert_array_equal(params["W_xh"], np.asarray(rnn.cell.kernel))
    assert params["W_hy"].shape == (UNITS, 1) and params["b_y"].shape == (1,)


def test_numpy_bptt_gives_the_keras_weight_gradients():
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


def test_full_length_reviews_have_no_padding():
    x = np.array([[0, 0, 5], [4, 5, 6], [0, 1, 2], [7, 8, 9]])
    full, labels = day2.full_length_reviews(x, np.array([0, 1, 0, 1]), count=5)
    np.testing.assert_array_equal(full, [[4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(labels, [1, 1])


# --- the amnesia probe ---------------------------------------------------------------------------------------

def test_encode_decode_round_trip(imdb_dir):
    word_index = day1.load_word_index(str(imdb_dir))
    text = "w1 w17 w5 w250 w1"
    ids = day2.encode(text, word_index, vocab_size=300)
    assert ids == [4, 20, 8, 253, 4]
    assert day1.decode(ids, day1.index_to_word_map(word_index)) == text


def test_encode_names_out_of_vocabulary_words(imdb_dir):
    word_index = day1.load_word_index(str(imdb_dir))
    with pytest.raises(ValueError, match="popcorn, w99"):
        day2.encode("w1 popcorn w99 popcorn", word_index, vocab_size=50)  # w99 -> index 102, outside 50 words


@pytest.mark.skipif(not os.environ.get("IMDB_DATA_DIR"), reason="IMDB_DATA_DIR is not set: needs the real word index")
def test_default_phrases_and_filler_round_trip_in_the_real_vocabulary():
    word_index = day1.load_word_index(os.environ["IMDB_DATA_DIR"])
    to_word = day1.index_to_word_map(word_index)
    for text in (day2.POSITIVE, day2.NEGATIVE, day2.FILLER):
        assert day1.decode(day2.encode(text, word_index, 10_000), to_word) == text


@pytest.mark.parametrize("n", [0, 1, 4, 8])
def test_place_puts_exactly_n_filler_words_after_the_phrase(n):
    phrase, filler = [50, 51], [7, 8, 9]
    row, alone = day2.place(phrase, filler, n, maxlen=10), day2.place([], filler, 0, maxlen=10)
    np.testing.assert_array_equal(alone, [7, 8, 9, 7, 8, 9, 7, 8, 9, 7])  # the filler repeats, no padding
    assert len(row) == 10 and 0 not in row
    start = 10 - n - 2
    assert list(row[start:start + 2]) == phrase
    assert len(row[start + 2:]) == n and list(row[start + 2:]) == list(alone[start + 2:])  # n filler words follow
    assert list(row[:start]) == list(alone[:start])  # the only difference from the filler alone is the phrase


def test_place_refuses_what_does_not_fit():
    with pytest.raises(ValueError):
        day2.place([1, 2, 3], [4], 8, maxlen=10)


def test_half_life():
    assert day2.half_life(np.array([0.4, 0.3, 0.21, 0.19, 0.1])) == 3
    assert day2.half_life(np.array([-0.4, -0.3, -0.1])) == 2
    assert day2.half_life(np.array([0.4, 0.35, 0.3])) is None


# --- the script ------------------------------------------------------------------------------------------------

def common_flags(imdb_dir, out):
    return ["--data-dir", str(imdb_dir), "--maxlen", "20", "--vocab-size", "100", "--num-reviews", "10",
            "--phrase-positive", "w1 w2", "--phrase-negative", "w3 w4", "--filler", "w5 w6 w7", "--out", str(out)]


def test_end_to_end_trains_when_no_model_and_writes_outputs(imdb_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no runs/day1/model.keras here: Day 2 trains one, as Day 1 would
    metrics = day2.main(common_flags(imdb_dir, tmp_path / "out") + ["--epochs", "1", "--batch-size", "16"])
    printed = capsys.readouterr().out
    for name in ("grad_through_time.png", "amnesia.png", "metrics.json", "model.keras"):
        assert (tmp_path / "out" / name).stat().st_size > 0
        assert f"wrote {tmp_path / 'out' / name}" in printed
    saved = json.loads((tmp_path / "out" / "metrics.json").read_text())
    for key in ("test_accuracy", "grad_ratio_first_to_last", "grad_norm_median_per_step",
                "amnesia_half_life_positive", "amnesia_half_life_negative"):
        assert key in saved
    assert len(saved["grad_norm_median_per_step"]) == 20
    assert len(saved["amnesia_effect_positive"]) == 20 - 2 + 1
    assert saved["grad_ratio_first_to_last"] == pytest.approx(metrics["grad_ratio_first_to_last"])
    # the saved model is a Day-1 model: a second run loads it instead of training
    day2.main(common_flags(imdb_dir, tmp_path / "out2") + ["--model", str(tmp_path / "out" / "model.keras")])
    assert "Using the Day-1 model" in capsys.readouterr().out


def exit_code_and_error(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        day2.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return exit_info.value.code, err[0]


def test_missing_model_exits_1(imdb_dir, tmp_path, capsys):
    code, err = exit_code_and_error(common_flags(imdb_dir, tmp_path) + ["--model", str(tmp_path / "no.keras")],
                                    capsys)
    assert code == 1 and "no such file" in err


def test_corrupt_model_exits_1(imdb_dir, tmp_path, capsys):
    (tmp_path / "bad.keras").write_bytes(b"not a keras archive")
    code, err = exit_code_and_error(common_flags(imdb_dir, tmp_path) + ["--model", str(tmp_path / "bad.keras")],
                                    capsys)
    assert code == 1 and "could not load the model" in err


def test_incompatible_model_exits_1(imdb_dir, tmp_path, capsys):
    other = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1)])
    other.save(tmp_path / "other.keras")
    code, err = exit_code_and_error(common_flags(imdb_dir, tmp_path) + ["--model", str(tmp_path / "other.keras")],
                                    capsys)
    assert code == 1 and "not a Day-1 model" in err
    wrong_vocab = day1.build_model(50, 20, embed_dim=4, units=3)
    wrong_vocab.save(tmp_path / "vocab50.keras")
    code, err = exit_code_and_error(common_flags(imdb_dir, tmp_path) + ["--model", str(tmp_path / "vocab50.keras")],
                                    capsys)
    assert code == 1 and "--vocab-size 50" in err


def test_out_of_vocabulary_phrase_exits_2_naming_the_words(imdb_dir, tmp_path, capsys):
    flags = common_flags(imdb_dir, tmp_path)
    flags[flags.index("--phrase-positive") + 1] = "w1 popcorn w2 zzz"
    code, err = exit_code_and_error(flags, capsys)
    assert code == 2 and "popcorn, zzz" in err and "--phrase-positive" in err
