"""The checks behind `python -m pytest exercises/`: each exercise's function against finite differences and the
course's own implementation. A check raises Wrong with one short message that names what is off and where, and a
hint at the equation to look at; it returns quietly when everything agrees.

You do not need to read this file to do the exercises (but you may).
"""
import numpy as np

import day2_bptt_numpy as course_rnn
import day3_lstm_numpy as course_lstm

TOL = 1e-7   # relative, float64 on both sides


class Wrong(AssertionError):
    """What an exercise got wrong, in one short message."""


def rel_error(a, b):
    """Largest element-wise difference, relative to the larger of the two arrays' largest magnitude (inf when the
    shapes differ)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return np.inf
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300))


def steps_text(bad, T):
    """Where a per-step gradient goes wrong, in words: 'at every step', 'for t < 7 (it agrees for t >= 7)', ..."""
    if len(bad) == T:
        return "at every step"
    if bad == list(range(1, len(bad) + 1)):
        return f"for t ≤ {bad[-1]}: it agrees for t ≥ {bad[-1] + 1} and not before"
    shown = ", ".join(map(str, bad[:6])) + (", …" if len(bad) > 6 else "")
    return f"at steps t = {shown} (of 1..{T})"


def wrong_steps(ours, reference, tol=TOL):
    """Steps t = 1..T where the (N, T, ...) per-step arrays differ."""
    return [t + 1 for t in range(reference.shape[1]) if rel_error(ours[:, t], reference[:, t]) > tol]


def check_keys(grads, names, what):
    if not isinstance(grads, dict):
        raise Wrong(f"{what} must return a dict of gradients, got {type(grads).__name__}")
    missing = [k for k in names if k not in grads]
    if missing:
        raise Wrong(f"{what} returned no {', '.join(missing)}")


def numerical_gradient(f, array, eps=1e-5):
    """Centred finite differences of the scalar f() with respect to every entry of `array` (changed in place)."""
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + eps
        plus = f()
        array[i] = old - eps
        minus = f()
        array[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


# --- Day 2 ---------------------------------------------------------------------------------------------------------

def rnn_problem(N=3, T=12, D=4, H=5, seed=0):
    rng = np.random.default_rng(seed)
    params = course_rnn.init_params(D, H, rng, scale=0.9)
    params["b_h"] = 0.1 * rng.standard_normal(H)
    params["b_y"] = 0.1 * rng.standard_normal(1)
    x, y, h0 = course_rnn.make_batch(N, T, D, H, rng, np.float64)
    return x, y, h0, params


RNN_HINTS = {
    "W_xh": "(9): the sum over t of x_t^T dL/da_t",
    "W_hh": "(9): the sum over t of h_{t-1}^T dL/da_t -- the state step t *read*, h_{t-1}, not h_t",
    "b_h": "(9): dL/da_t summed over t and over the batch",
    "W_hy": "(6): h_T^T dL/dz", "b_y": "(6): dL/dz summed over the batch",
}


def check_rnn_gradients(grads, cache, reference, name, T):
    """Per-step gradients first, from the last step back (the first mistake on the way back is the one to fix), then
    the weights."""
    dh_bad = wrong_steps(np.asarray(grads["h"]), reference["h"])
    da_bad = wrong_steps(np.asarray(grads["a"]), reference["a"])
    for t in range(T, 0, -1):
        if t in dh_bad:
            if t == T:
                raise Wrong(f"{name}: dL/dh_T is off -- the error enters at the last step only, (6): dL/dz W_hy^T, "
                            f"with dL/dz = (p - y) / N (5)")
            raise Wrong(f"{name}: dL/dh_t is off {steps_text(dh_bad, T)} -- look at how the error is carried from "
                        f"step t to t-1, (8): dL/dh_(t-1) = dL/da_t W_hh^T (the transpose)")
        if t in da_bad:
            raise Wrong(f"{name}: dL/da_t is off {steps_text(da_bad, T)} while dL/dh_t agrees "
                        f"there -- (7): back through tanh, tanh'(a_t) = 1 - h_t^2")
    off = [k for k in course_rnn.PARAM_NAMES if rel_error(grads[k], reference[k]) > TOL]
    if off:
        raise Wrong(f"{name}: dL/d{off[0]} is off while every dL/dh_t and dL/da_t agrees -- {RNN_HINTS[off[0]]}")


def check_rnn_backward(rnn_backward):
    """Against the course's backward and finite differences, on a small batch."""
    x, y, h0, params = rnn_problem()
    T = x.shape[1]
    _, cache = course_rnn.forward(x, y, h0, params)
    grads = rnn_backward(cache)
    check_keys(grads, course_rnn.PARAM_NAMES + ("h", "a"), "rnn_backward")
    check_rnn_gradients(grads, cache, course_rnn.backward(cache), "rnn_backward", T)
    for k in course_rnn.PARAM_NAMES:   # finite differences: the course's answer is not the only witness
        numeric = numerical_gradient(lambda: course_rnn.forward(x, y, h0, params)[0], params[k])
        if rel_error(grads[k], numeric) > 1e-6:
            raise Wrong(f"rnn_backward: dL/d{k} disagrees with finite differences -- {RNN_HINTS[k]}")


def check_truncated_rnn_backward(truncated_rnn_backward):
    x, y, h0, params = rnn_problem(T=12)
    T = x.shape[1]
    _, cache = course_rnn.forward(x, y, h0, params)
    for k in (1, 5, T):
        grads = truncated_rnn_backward(cache, k)
        check_keys(grads, course_rnn.PARAM_NAMES + ("h", "a"), "truncated_rnn_backward")
        reference = course_rnn.backward(cache, truncate=k)
        dh_bad = wrong_steps(np.asarray(grads["h"]), reference["h"])
        if dh_bad and set(dh_bad) <= {T - k, T - k + 1}:
            raise Wrong(f"truncated_rnn_backward(k={k}): dL/dh_t is off at the window's edge, t = {dh_bad[0]} -- "
                        f"exactly the last k steps, t = T-k+1 .. T, get an error; earlier ones none")
        check_rnn_gradients(grads, cache, reference, f"truncated_rnn_backward(k={k})", T)


def check_clip_by_global_norm(clip_by_global_norm):
    rng = np.random.default_rng(3)
    grads = {k: rng.standard_normal(s) for k, s in (("W_xh", (4, 5)), ("W_hh", (5, 5)), ("b_h", (5,)),
                                                    ("W_hy", (5, 1)), ("b_y", (1,)))}
    grads["W_hh"] *= 40    # one big gradient: per-tensor clipping would treat it differently from global
    norm = course_rnn.global_norm(grads)
    for max_norm in (norm * 2, norm / 3):   # below the threshold first: nothing to do there
        clipped = clip_by_global_norm({k: v.copy() for k, v in grads.items()}, max_norm)
        check_keys(clipped, course_rnn.PARAM_NAMES, "clip_by_global_norm")
        expected = course_rnn.clip_by_global_norm(grads, max_norm)
        if max_norm > norm and any(rel_error(clipped[k], grads[k]) > 1e-12 for k in grads):
            raise Wrong("clip_by_global_norm changed gradients whose norm is already below max_norm -- leave them "
                        "as they are")
        if max_norm < norm:
            factors = [np.linalg.norm(clipped[k]) / np.linalg.norm(grads[k]) for k in grads]
            if max(factors) - min(factors) > 1e-9 * max(factors):
                raise Wrong("clip_by_global_norm: the direction changed -- every gradient must be scaled by the same "
                            "factor, computed from the norm of all of them together (not one norm per tensor)")
            got = course_rnn.global_norm(clipped)
            if abs(got - max_norm) > 1e-9 * max_norm:
                raise Wrong(f"clip_by_global_norm: the clipped gradients' global norm is {got:.4g}, not max_norm "
                            f"{max_norm:.4g} -- scale by max_norm / norm")
            if any(rel_error(clipped[k], expected[k]) > 1e-12 for k in grads):
                raise Wrong("clip_by_global_norm: the right norm, not the right gradients -- scale each by the one "
                            "factor max_norm / norm")


# --- Day 3 ---------------------------------------------------------------------------------------------------------

def lstm_problem(N=2, T=9, D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    params = course_lstm.init_params(D, H, rng, 1.0)
    params["b"] = params["b"] + 0.3 * rng.standard_normal(4 * H)
    params["b_y"] = 0.1 * rng.standard_normal(1)
    x = rng.standard_normal((N, T, D))
    y = rng.integers(0, 2, N).astype(float)
    h0, c0 = 0.5 * rng.standard_normal((N, H)), rng.standard_normal((N, H))
    return x, y, h0, c0, params


GATES = ("input gate i", "forget gate f", "candidate g", "output gate o")


def gate_text(dz_ours, dz_ref, H):
    bad = [GATES[k] for k in range(4) if rel_error(dz_ours[..., k * H:(k + 1) * H], dz_ref[..., k * H:(k + 1) * H])
           > TOL]
    return ", ".join(bad)


def check_lstm_step_backward(lstm_step_backward):
    x, y, h0, c0, params = lstm_problem()
    _, cache = course_lstm.forward(x, y, h0, c0, params)
    ref = course_lstm.backward(cache)
    T, H = x.shape[1], h0.shape[1]
    for t in (T, 4):   # the last step (nothing from c_{T+1}) and one in the middle (both paths into c_t)
        step = {k: cache[k][t] for k in ("i", "f", "g", "o", "c")}
        step.update(c_prev=cache["c"][t - 1], h_prev=cache["h"][t - 1], x=cache["xs"][t], W_x=params["W_x"],
                    W_h=params["W_h"])
        dh = ref["h"][:, t - 1]
        dc_next = ref["c"][:, t] * cache["f"][t + 1] if t < T else np.zeros_like(dh)
        out = lstm_step_backward(dh, dc_next, step)
        if not isinstance(out, tuple) or len(out) != 3:
            raise Wrong("lstm_step_backward must return (dz, dh_prev, dc_prev)")
        dz, dh_prev, dc_prev = (np.asarray(v) for v in out)
        where = "at t = T" if t == T else "in the middle of the sequence"
        if rel_error(dz, ref["z"][:, t - 1]) > TOL:
            bad = gate_text(dz, ref["z"][:, t - 1], H)
            hint = (" -- dL/dc_t is the sum of both paths into c_t: dc_next, and dL/dh_t * o_t * (1 - tanh(c_t)^2) "
                    "(7, 13)" if bad == ", ".join(GATES[:3])
                    else " -- (9)-(10): each gate's error times its slope: sigmoid' = s (1 - s), tanh' = 1 - g^2")
            raise Wrong(f"lstm_step_backward: dL/dz_t is off {where}, in the {bad}{hint}")
        if rel_error(dh_prev, ref["h"][:, t - 2] if t > 1 else ref["h0"]) > TOL and t > 1:
            # the course's dL/dh_(t-1) is total: it reaches L only through z_t, (11)
            raise Wrong(f"lstm_step_backward: dL/dh_(t-1) is off {where} -- (11): dL/dz_t W_h^T (the transpose)")
        path1 = ref["c"][:, t - 1] * cache["f"][t]
        if rel_error(dc_prev, path1) > TOL:
            raise Wrong(f"lstm_step_backward: dc_prev is off {where} -- (12): the direct path, dL/dc_t * f_t "
                        "(with dL/dc_t the sum of both paths into c_t)")


def check_lstm_backward(lstm_backward):
    x, y, h0, c0, params = lstm_problem()
    _, cache = course_lstm.forward(x, y, h0, c0, params)
    ref = course_lstm.backward(cache)
    T, H = x.shape[1], h0.shape[1]
    grads = lstm_backward(cache)
    check_keys(grads, course_lstm.PARAM_NAMES + ("h", "c", "z"), "lstm_backward")
    dh_bad = wrong_steps(np.asarray(grads["h"]), ref["h"])
    dc_bad = wrong_steps(np.asarray(grads["c"]), ref["c"])
    if T in dh_bad or T in dc_bad:
        raise Wrong("lstm_backward: the last step is off -- the error enters at h_T (6), and c_T reaches L only "
                    "through h_T (7)")
    if dc_bad:
        raise Wrong(f"lstm_backward: dL/dc_t is off {steps_text(dc_bad, T)} -- dL/dc_(t-1) has two paths: (12) "
                    f"directly through f_t, and (13) through h_(t-1) and the gates; is one of them missing?")
    if dh_bad:
        raise Wrong(f"lstm_backward: dL/dh_t is off {steps_text(dh_bad, T)} -- (11): dL/dh_(t-1) = dL/dz_t W_h^T")
    dz_bad = wrong_steps(np.asarray(grads["z"]), ref["z"])
    if dz_bad:
        raise Wrong(f"lstm_backward: dL/dz_t is off {steps_text(dz_bad, T)}, in the "
                    f"{gate_text(np.asarray(grads['z']), ref['z'], H)} -- (10): the gates' slopes")
    for k in course_lstm.PARAM_NAMES:
        if rel_error(grads[k], ref[k]) > TOL:
            raise Wrong(f"lstm_backward: dL/d{k} is off while every per-step gradient agrees -- (14): sums over t "
                        f"of x_t^T dL/dz_t (W_x), h_(t-1)^T dL/dz_t (W_h), dL/dz_t (b)")
    numeric = numerical_gradient(lambda: course_lstm.forward(x, y, h0, c0, params)[0], params["W_h"])
    if rel_error(grads["W_h"], numeric) > 1e-6:
        raise Wrong("lstm_backward: dL/dW_h disagrees with finite differences")


def check_gru_step_forward(gru_step_forward):
    import keras
    rng = np.random.default_rng(5)
    N, D, H = 3, 4, 5
    gru = keras.layers.GRU(H, return_state=True)
    gru.build((None, 1, D))
    kernel, recurrent, bias = (0.5 * rng.standard_normal(w.shape) for w in gru.get_weights())
    gru.set_weights([kernel, recurrent, bias])
    x, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    _, expected = gru(x[:, None].astype("float32"), initial_state=h_prev.astype("float32"))
    expected = np.asarray(expected, float)
    got = np.asarray(gru_step_forward(x, h_prev, kernel, recurrent, bias), float)
    if got.shape != expected.shape:
        raise Wrong(f"gru_step_forward: h has shape {got.shape}, expected {expected.shape} (N, H)")
    if rel_error(got, expected) > 1e-5:   # Keras computes in float32
        raise Wrong("gru_step_forward: h differs from keras.layers.GRU with the same weights -- check the gate order "
                    "(z, r, h), that the reset gate multiplies h_prev U_h + b'_h (after the product), both bias rows, "
                    "and Keras's convention h = z * h_prev + (1 - z) * n")


# --- Keras ---------------------------------------------------------------------------------------------------------

def check_grad_norms_through_time(grad_norms_through_time):
    import keras
    from rnn_days.bridge import simple_rnn_params
    keras.utils.set_random_seed(0)
    N, T = 4, 10
    model = keras.Sequential([keras.Input((T,), dtype="int32"), keras.layers.Embedding(30, 4),
                              keras.layers.SimpleRNN(5), keras.layers.Dense(1, activation="sigmoid")])
    rng = np.random.default_rng(0)
    x, y = rng.integers(1, 30, (N, T)).astype("int32"), rng.integers(0, 2, N).astype("float32")
    got = np.asarray(grad_norms_through_time(model, x, y), float)
    params, xs = simple_rnn_params(model.layers[1], model.layers[2]), np.asarray(model.layers[0](x), float)
    expected = np.stack([course_rnn.step_norms(course_rnn.backward(course_rnn.forward(
        xs[n:n + 1], y[n:n + 1].astype(float), np.zeros((1, 5)), params)[1])["h"]) for n in range(N)])
    if got.shape != expected.shape:
        raise Wrong(f"grad_norms_through_time: shape {got.shape}, expected (N, T) = {expected.shape}: one norm per "
                    "review and step")
    if rel_error(got, expected[:, ::-1]) <= 1e-4 and rel_error(got, expected) > 1e-4:
        raise Wrong("grad_norms_through_time: the steps are in reverse order -- column t-1 is step t, first to last")
    ratio = got / expected
    if np.allclose(ratio, ratio.flat[0], rtol=1e-4) and abs(ratio.flat[0] - 1) > 1e-3:
        raise Wrong(f"grad_norms_through_time: every norm is {ratio.flat[0]:.3g} times too large -- use each "
                    "review's own loss: sum the batch's losses, do not average them")
    if rel_error(got, expected) > 1e-4:
        bad = [t + 1 for t in range(T) if rel_error(got[:, t], expected[:, t]) > 1e-4]
        raise Wrong(f"grad_norms_through_time: ||dL/dh_t|| is off {steps_text(bad, T)} -- keep every h_t the cell "
                    "returns inside the tape and ask for the gradient of the loss with respect to each")
