"""Day 3 (NumPy): the hand-derived LSTM BPTT checked three ways -- finite differences (float64), TensorFlow autodiff
through keras.layers.LSTM (float32), and the direct path's Jacobian diag(f_t) -- plus truncation, determinism and the
script. `pytest -k lstm` selects them all."""
import json

import day3_lstm_numpy as lstm
from gradcheck import numerical_gradient, rel_error, shape_id
from rnn_days import cli
from rnn_days.bridge import keras_lstm

import numpy as np
import pytest

SHAPES = [(3, 5, 4, 6), (1, 1, 3, 2), (2, 1, 4, 4), (1, 7, 2, 5), (4, 3, 5, 3)]  # (N, T, D, H), incl. T=1, N=1, H!=D


def problem(N, T, D, H, seed=0, forget_bias=1.0, dtype=np.float64):
    """Random weights (every bias non-zero), inputs, labels, and non-zero h0 and c0 (so their gradients are checks)."""
    rng = np.random.default_rng(seed)
    params = lstm.init_params(D, H, rng, forget_bias, dtype)
    params["b"] = (params["b"] + 0.3 * rng.standard_normal(4 * H)).astype(dtype)
    params["b_y"] = (0.1 * rng.standard_normal(1)).astype(dtype)
    x, y, _ = lstm.make_batch(N, T, D, H, rng, dtype)
    h0 = (0.5 * rng.standard_normal((N, H))).astype(dtype)
    c0 = rng.standard_normal((N, H)).astype(dtype)
    return x, y, h0, c0, params


def nudged_loss(x, y, h0, c0, params, t, which, delta):
    """The loss with `delta` added to c_t (before h_t is computed from it, so both paths out of c_t feel it) or to
    h_t: finite differences of this give the total derivatives dL/dc_t and dL/dh_t."""
    h, c = h0, c0
    H = h0.shape[1]
    for s in range(1, x.shape[1] + 1):
        z = x[:, s - 1] @ params["W_x"] + h @ params["W_h"] + params["b"]
        i, f = lstm.sigmoid(z[:, :H]), lstm.sigmoid(z[:, H:2 * H])
        g, o = np.tanh(z[:, 2 * H:3 * H]), lstm.sigmoid(z[:, 3 * H:])
        c = f * c + i * g + (delta if (s == t and which == "c") else 0)
        h = o * np.tanh(c) + (delta if (s == t and which == "h") else 0)
    logit = (h @ params["W_hy"] + params["b_y"])[:, 0]
    return np.mean(np.logaddexp(0, logit) - y * logit)


# --- 1. finite differences, float64: max relative error <= 1e-7 ------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_lstm_gradients_match_finite_differences(shape):
    x, y, h0, c0, params = problem(*shape)
    grads = lstm.backward(lstm.forward(x, y, h0, c0, params)[1])

    def loss():
        return lstm.forward(x, y, h0, c0, params)[0]

    for name in lstm.PARAM_NAMES:
        assert grads[name].shape == params[name].shape
        assert rel_error(numerical_gradient(loss, params[name]), grads[name]) <= 1e-7, name
    for name, array in (("x", x), ("h0", h0), ("c0", c0)):
        assert rel_error(numerical_gradient(loss, array), grads[name]) <= 1e-7, name


@pytest.mark.parametrize("shape", [(2, 4, 3, 5), (1, 1, 2, 3), (3, 6, 4, 2)], ids=shape_id)
def test_lstm_gradient_of_every_state_matches_finite_differences(shape):
    """dL/dh_t and dL/dc_t at every step t: the total derivatives, both paths into c_t included."""
    N, T, D, H = shape
    x, y, h0, c0, params = problem(*shape)
    grads = lstm.backward(lstm.forward(x, y, h0, c0, params)[1])
    for t in range(1, T + 1):
        for which in ("h", "c"):
            delta = np.zeros((N, H))
            numeric = numerical_gradient(lambda: nudged_loss(x, y, h0, c0, params, t, which, delta), delta)
            assert rel_error(numeric, grads[which][:, t - 1]) <= 1e-7, (which, t)


def test_lstm_dropping_either_path_into_c_is_wrong():
    """The common mistake: keep only one of (12) and (13). Each alone differs from finite differences."""
    x, y, h0, c0, params = problem(2, 6, 3, 4)
    _, cache = lstm.forward(x, y, h0, c0, params)
    dc = lstm.backward(cache)["c"]
    delta = np.zeros((2, 4))
    numeric = numerical_gradient(lambda: nudged_loss(x, y, h0, c0, params, 1, "c", delta), delta)
    assert rel_error(numeric, dc[:, 0]) <= 1e-7
    direct_only = dc[:, -1] * np.prod(cache["f"][2:], axis=0)   # (12) alone, from c_T back to c_1
    assert rel_error(numeric, direct_only) > 1e-2


# --- 2. TensorFlow autodiff through keras.layers.LSTM, float32: within 1e-5 ------------------------------------

def tf_loss_and_grads(x, y, h0, c0, params):
    """The same network in keras.layers.LSTM + Dense (float32), weights copied; gradients from tf.GradientTape.
    The per-step dL/dh_t and dL/dc_t come from the layer's own cell run step by step."""
    import tensorflow as tf

    layer, dense = keras_lstm(params, T=x.shape[1])
    xt, h0t, c0t = (tf.constant(a, tf.float32) for a in (x, h0, c0))
    labels = tf.constant(y, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch([xt, h0t, c0t])
        logit = dense(layer(xt, initial_state=[h0t, c0t]))[:, 0]
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logit))
    g = tape.gradient(loss, [*layer.trainable_weights, *dense.trainable_weights, xt, h0t, c0t])
    grads = {n: np.asarray(v, np.float64) for n, v in zip(lstm.PARAM_NAMES + ("x", "h0", "c0"), g)}
    with tf.GradientTape() as tape:
        state, hs, cs = [h0t, c0t], [], []
        for t in range(x.shape[1]):
            _, state = layer.cell(xt[:, t], state)
            hs.append(state[0])
            cs.append(state[1])
        loss2 = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, dense(state[0])[:, 0]))
    dh, dc = tape.gradient(loss2, [hs, cs])
    grads["h"] = np.stack([np.asarray(d, np.float64) for d in dh], axis=1)
    grads["c"] = np.stack([np.asarray(d, np.float64) for d in dc], axis=1)
    return float(loss), grads


@pytest.mark.parametrize("shape", [(4, 12, 6, 8), (1, 1, 3, 2), (3, 30, 5, 7), (2, 9, 7, 3)], ids=shape_id)
def test_lstm_gradients_match_tensorflow(shape):
    x, y, h0, c0, params = problem(*shape)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    tf_loss, tf_grads = tf_loss_and_grads(x, y, h0, c0, p32)
    loss, cache = lstm.forward(*(a.astype(np.float32) for a in (x, y, h0, c0)), p32)
    grads = lstm.backward(cache)
    assert abs(loss - tf_loss) <= 1e-5 * abs(tf_loss)
    for name in tf_grads:
        assert grads[name].dtype == np.float32, name
        assert rel_error(grads[name].astype(np.float64), tf_grads[name]) <= 1e-5, name


# --- 3. the direct path: dc_t/dc_{t-1} with h_{t-1} held fixed is diag(f_t) ------------------------------------

@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 3.0])
def test_lstm_direct_path_jacobian_is_diag_f(forget_bias):
    """Column j of dc_t/dc_{t-1}: c_t is linear in c_{t-1} when h_{t-1} is fixed, so a unit step in c_{t-1}[j] moves
    c_t by exactly column j -- no finite-difference error, only rounding. Checked against Keras's own LSTM cell too."""
    import tensorflow as tf

    N, T, D, H = 2, 5, 3, 4
    x, y, h0, c0, params = problem(N, T, D, H, forget_bias=forget_bias)
    _, cache = lstm.forward(x, y, h0, c0, params)
    layer, _ = keras_lstm(params, T, dtype="float64")
    for t in range(1, T + 1):
        h_prev, c_prev = cache["h"][t - 1], cache["c"][t - 1]
        _, c_t = lstm.step(x[:, t - 1], h_prev, c_prev, params)
        c_prev_t = tf.constant(c_prev)
        with tf.GradientTape() as tape:
            tape.watch(c_prev_t)
            _, (_, keras_c_t) = layer.cell(tf.constant(x[:, t - 1]), [tf.constant(h_prev), c_prev_t])
        keras_J = tape.batch_jacobian(keras_c_t, c_prev_t).numpy()     # (N, H, H)
        for n in range(N):
            expected = lstm.direct_path_jacobian(cache, t, n)
            J = np.stack([lstm.step(x[n:n + 1, t - 1], h_prev[n:n + 1], c_prev[n:n + 1] + np.eye(H)[j], params)[1][0]
                          - c_t[n] for j in range(H)], axis=1)
            np.testing.assert_allclose(J, expected, rtol=0, atol=1e-15)
            np.testing.assert_allclose(keras_J[n], expected, rtol=0, atol=1e-15)
            assert np.all(np.diag(expected) > 0) and np.all(np.diag(expected) < 1)


def test_lstm_full_step_jacobian_is_not_diag_f():
    """With h_{t-1} = o_{t-1} tanh(c_{t-1}) allowed to move, the gates move too: path (13) adds off-diagonal terms."""
    x, y, h0, c0, params = problem(1, 3, 3, 4)
    _, cache = lstm.forward(x, y, h0, c0, params)
    o, c = cache["o"][1], cache["c"][1]
    full = []
    for j in range(4):
        c_nudged = c + 1e-6 * np.eye(4)[j]
        full.append((lstm.step(x[:, 1], o * np.tanh(c_nudged), c_nudged, params)[1] -
                     lstm.step(x[:, 1], o * np.tanh(c), c, params)[1])[0] / 1e-6)
    assert np.max(np.abs(np.stack(full, axis=1) - lstm.direct_path_jacobian(cache, 2))) > 1e-3


# --- truncation, float32, determinism -------------------------------------------------------------------------

def test_lstm_truncation_to_T_is_full_bptt_and_shorter_cuts_the_error():
    N, T, D, H = 2, 8, 3, 4
    x, y, h0, c0, params = problem(N, T, D, H)
    cache = lstm.forward(x, y, h0, c0, params)[1]
    full, same, cut = lstm.backward(cache), lstm.backward(cache, truncate=T), lstm.backward(cache, truncate=3)
    for name in full:
        np.testing.assert_array_equal(full[name], same[name])
    for which in ("h", "c"):
        np.testing.assert_array_equal(cut[which][:, T - 3:], full[which][:, T - 3:])   # inside the window: exact
        assert np.all(cut[which][:, :T - 3] == 0) and np.any(full[which][:, :T - 3] != 0)
    assert np.all(cut["x"][:, :T - 3] == 0) and np.all(cut["h0"] == 0) and np.all(cut["c0"] == 0)
    assert rel_error(cut["W_h"], full["W_h"]) > 1e-6


def test_lstm_float32_stays_float32_and_agrees_with_float64():
    x, y, h0, c0, params = problem(3, 20, 4, 6)
    g64 = lstm.backward(lstm.forward(x, y, h0, c0, params)[1])
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    g32 = lstm.backward(lstm.forward(*(a.astype(np.float32) for a in (x, y, h0, c0)), p32)[1])
    for name in lstm.PARAM_NAMES:
        assert g32[name].dtype == np.float32
        assert rel_error(g32[name].astype(np.float64), g64[name]) <= 1e-4, name


SMALL = ["--seq-len", "30", "--hidden", "8", "--input-dim", "4", "--batch", "3", "--forget-biases", "0,1,3"]


def test_lstm_same_seed_gives_bit_identical_json(tmp_path):
    runs = {}
    for name, extra in (("a", []), ("b", []), ("c", ["--seed", "1"])):
        lstm.main(SMALL + extra + ["--out", str(tmp_path / name), "--rnn-json", str(tmp_path / "none.json")])
        runs[name] = (tmp_path / name / "gradient_paths.json").read_bytes()
    assert runs["a"] == runs["b"]
    assert json.loads(runs["a"])["results"] != json.loads(runs["c"])["results"]


# --- the script ------------------------------------------------------------------------------------------------

def test_lstm_script_writes_figure_json_and_table(tmp_path, capsys):
    """With Day 2's JSON of the same batch beside it, the vanilla RNN joins the figure; the forget bias orders the
    direct path's reach."""
    import day2_bptt_numpy

    day2_json = tmp_path / "day2" / "gradient_norms.json"
    day2_bptt_numpy.main(["--seq-len", "30", "--hidden", "8", "--input-dim", "4", "--batch", "3",
                          "--out", str(day2_json.parent)])
    lstm.main(SMALL + ["--out", str(tmp_path / "out"), "--rnn-json", str(day2_json)])
    printed = capsys.readouterr().out
    data = json.loads((tmp_path / "out" / "gradient_paths.json").read_text())
    assert (tmp_path / "out" / "gradient_paths.png").stat().st_size > 0
    assert f"wrote {tmp_path / 'out' / 'gradient_paths.png'}" in printed
    assert [r["forget_bias"] for r in data["results"]] == [0.0, 1.0, 3.0]
    assert [r["scale"] for r in data["day2_rnn"]] == [0.9, 1.0]
    means = [r["mean_f"] for r in data["results"]]
    direct = [r["ratio_c_direct_path_first_to_last"] for r in data["results"]]
    assert means[0] < means[1] < means[2] and direct[0] < direct[1] < direct[2]
    for r in data["results"]:
        assert len(r["dc_norm"]) == len(r["dh_norm"]) == 30
        assert r["ratio_c_first_to_last"] == pytest.approx(r["dc_norm"][0] / r["dc_norm"][-1])
        assert f"{r['ratio_c_first_to_last']:.3g}" in printed


def test_lstm_script_leaves_out_a_day2_json_of_another_batch(tmp_path, capsys):
    import day2_bptt_numpy

    day2_bptt_numpy.main(["--seq-len", "31", "--hidden", "8", "--input-dim", "4", "--batch", "3",
                          "--out", str(tmp_path / "day2")])
    lstm.main(SMALL + ["--out", str(tmp_path / "out"), "--rnn-json", str(tmp_path / "day2" / "gradient_norms.json")])
    assert "other settings" in capsys.readouterr().out
    assert json.loads((tmp_path / "out" / "gradient_paths.json").read_text())["day2_rnn"] is None


@pytest.mark.parametrize("argv", [["--seq-len", "0"], ["--hidden", "-1"], ["--batch", "x"], ["--forget-biases", ""],
                                  ["--forget-biases", "1,abc"], ["--forget-biases", "nan"], ["--forget-biases", "50"],
                                  ["--truncate", "0"], ["--seed", "-2"]])
def test_lstm_bad_flags_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.run(lstm.main, argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and argv[0] in err[0]


# --- every per-step gradient against TensorFlow autodiff (float64); the direct path; Day 2's batch ----------------

def tf_lstm_step_gradients(x, y, h0, c0, params):
    """dL/da_t, dL/dh_t and dL/dc_t for every step from tf.GradientTape on the LSTM written in TensorFlow ops
    (float64), each intermediate watched before its use. Each (N, T, .)."""
    import tensorflow as tf
    P = {k: tf.constant(v) for k, v in params.items()}
    H = h0.shape[1]
    xt, h, c = tf.constant(x), tf.constant(h0), tf.constant(c0)
    zs, hs, cs = [], [], []
    with tf.GradientTape() as tape:
        for t in range(x.shape[1]):
            z = xt[:, t] @ P["W_x"] + h @ P["W_h"] + P["b"]
            tape.watch(z)
            i, f = tf.sigmoid(z[:, :H]), tf.sigmoid(z[:, H:2 * H])
            g, o = tf.tanh(z[:, 2 * H:3 * H]), tf.sigmoid(z[:, 3 * H:])
            c = f * c + i * g
            tape.watch(c)
            h = o * tf.tanh(c)
            tape.watch(h)
            zs.append(z)
            cs.append(c)
            hs.append(h)
        logit = (h @ P["W_hy"] + P["b_y"])[:, 0]
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.constant(y), logit))
    dz, dh, dc = tape.gradient(loss, [zs, hs, cs])
    return tuple(np.stack([g.numpy() for g in d], axis=1) for d in (dz, dh, dc))


def wrong_steps(ours, reference, tol=1e-10):
    return [t + 1 for t in range(ours.shape[1]) if rel_error(ours[:, t], reference[:, t]) > tol]


@pytest.mark.parametrize("shape", [(3, 8, 4, 5), (1, 1, 2, 3)], ids=shape_id)
def test_lstm_every_step_s_dz_dh_dc_equal_tensorflow(shape):
    x, y, h0, c0, params = problem(*shape)
    grads = lstm.backward(lstm.forward(x, y, h0, c0, params)[1])
    dz, dh, dc = tf_lstm_step_gradients(x, y, h0, c0, params)
    assert not wrong_steps(grads["a"], dz), "dL/da_t is off at these steps"
    assert not wrong_steps(grads["h"], dh), "dL/dh_t is off at these steps"
    assert not wrong_steps(grads["c"], dc), "dL/dc_t is off at these steps"


def direct_path_by_loop(dc_T, f, window):
    """||dL/dc_T * f_T * f_(T-1) * ... * f_(t+1)|| for t = 1..T, one step at a time; 0 before the window."""
    T = len(f)
    norms, carried = np.zeros(T), dc_T.copy()
    for t in range(T, 0, -1):
        norms[t - 1] = np.linalg.norm(carried) if t > T - window else 0.0
        carried = carried * f[t - 1]          # from c_t to c_(t-1): multiply by f_t
    return norms


@pytest.mark.parametrize("truncate", [None, 5])
def test_lstm_direct_path_alone_is_the_product_of_the_forget_gates(truncate):
    N, T, D, H = 3, 30, 4, 8
    result = lstm.measure(1.0, seed=2, N=N, T=T, D=D, H=H, truncate=truncate)
    x, y, h0, c0, params = lstm.batch_and_params(1.0, 2, N, T, D, H)
    loss, cache = lstm.forward(x, y, h0, c0, params)
    dc_T = lstm.backward(cache, truncate)["c"][:, -1]
    expected = direct_path_by_loop(dc_T, cache["f"][1:], truncate or T)
    np.testing.assert_allclose(result["dc_direct_path_norm"], expected, rtol=1e-12, atol=0)
    if truncate:   # the error never reaches the steps before the window, on either path
        assert result["ratio_c_direct_path_first_to_last"] == 0 == result["ratio_c_first_to_last"]


def test_lstm_reads_exactly_day2_s_batch():
    """The LSTM figure compares like with like: the batch is Day 2's, drawn first, the weights after it."""
    import day2_bptt_numpy as bptt
    N, T, D, H = 2, 7, 3, 4
    x, y, h0, c0, _ = lstm.batch_and_params(3.0, 11, N, T, D, H)
    rng = np.random.default_rng(11)
    x2 = rng.standard_normal((N, T, D))
    y2 = rng.integers(0, 2, N).astype(np.float64)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    rng = np.random.default_rng(11)
    np.testing.assert_array_equal(bptt.make_batch(N, T, D, H, rng, np.float64)[0], x)
    assert not h0.any() and not c0.any()


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


def test_lstm_measure_summaries_by_hand():
    """measure()'s numbers from the forward cache and the gradients, computed here another way."""
    r = lstm.measure(1.0, seed=2, N=3, T=15, D=4, H=5)
    x, y, h0, c0, params = lstm.batch_and_params(1.0, 2, 3, 15, 4, 5)
    _, cache = lstm.forward(x, y, h0, c0, params)
    grads = lstm.backward(cache)
    f = cache["f"][1:]
    assert r["mean_f"] == pytest.approx(f.mean(), rel=1e-12)                  # over every step, unit and sequence
    np.testing.assert_allclose(r["mean_f_per_step"], f.mean(axis=(1, 2)), rtol=1e-12)
    dc, dh = lstm.step_norms(grads["c"]), lstm.step_norms(grads["h"])
    assert r["ratio_c_first_to_last"] == pytest.approx(dc[0] / dc[-1], rel=1e-12)
    assert r["ratio_h_first_to_last"] == pytest.approx(dh[0] / dh[-1], rel=1e-12)
    assert r["forget_product_mean_at_1"] == pytest.approx(np.prod(f[1:], axis=0).mean(), rel=1e-9)
