"""Day 3's checks: one LSTM step backwards, the LSTM's full backward pass, and a GRU step in Keras's layout.
Equations are notes/day3.md's: (7) c_T's error, (8)-(9) back to the gates, (10) through their slopes into a_t,
(11) one step back to h_(t-1), (12) + (13) the two paths into c_(t-1), (14) the sums over t; (16)-(18) the GRU."""
import day3_lstm_numpy as course
from checks.harness import (
    TOL,
    Problem,
    Wrong,
    array,
    call,
    keys,
    measured,
    numerical_gradient,
    on_every_problem,
    rel_error,
    steps_text,
    wrong_steps,
)

import numpy as np

NAMES = course.PARAM_NAMES
GATES = ("input gate i", "forget gate f", "candidate g", "output gate o")


PROBLEMS = [Problem("N=2, T=9, D=3, H=4", 2, 9, 3, 4, 0), Problem("N=3, T=5, D=2, H=3", 3, 5, 2, 3, 1),
            Problem("N=1, T=1, D=3, H=2", 1, 1, 3, 2, 2)]


def problem_cache(p):
    """A random LSTM problem with nonzero h_0, c_0 and biases, run forward: the cache lstm_backward receives."""
    rng = np.random.default_rng(200 + p.seed)
    params = course.init_params(p.D, p.H, rng, 1.0)
    params["b"] = params["b"] + 0.3 * rng.standard_normal(4 * p.H)
    params["b_y"] = 0.3 * rng.standard_normal(1)
    x = rng.standard_normal((p.N, p.T, p.D))
    y = rng.integers(0, 2, p.N).astype(float)
    h0, c0 = 0.5 * rng.standard_normal((p.N, p.H)), rng.standard_normal((p.N, p.H))
    _, cache = course.forward(x, y, h0, c0, params)
    return x, y, h0, c0, params, cache


def gate_text(ours, ref, H):
    return ", ".join(GATES[k] for k in range(4)
                     if rel_error(ours[..., k * H:(k + 1) * H], ref[..., k * H:(k + 1) * H]) > TOL)


def step_inputs(cache, t):
    """Step t's values from the forward pass, as lstm_step_backward receives them."""
    step = {k: cache[k][t] for k in ("i", "f", "g", "o", "c")}
    step.update(c_prev=cache["c"][t - 1], h_prev=cache["h"][t - 1], x=cache["xs"][t], W_x=cache["params"]["W_x"],
                W_h=cache["params"]["W_h"])
    return step


def check_lstm_step_backward(fn):
    """At the last step (nothing from c_(t+1)) and in the middle (both paths into c_t), on several sizes."""
    def one(p):
        _, _, _, _, _, cache = problem_cache(p)
        ref = course.backward(cache)
        T, N, H = p.T, p.N, p.H
        for t in sorted({T, max(1, T // 2)}, reverse=True):
            step = step_inputs(cache, t)
            dh = ref["h"][:, t - 1]
            dc_next = ref["c"][:, t] * cache["f"][t + 1] if t < T else np.zeros((N, H))
            out = call(fn, dh, dc_next, step, names=("dh", "dc_next", "step"))
            if not isinstance(out, tuple) or len(out) != 3:
                raise Wrong(f"{fn.__name__} must return (da, dh_prev, dc_prev)")
            da = array(fn, out[0], "dL/da_t", (N, 4 * H), "(N, 4H)")
            dh_prev = array(fn, out[1], "dL/dh_(t-1)", (N, H))
            dc_prev = array(fn, out[2], "dL/dc_(t-1) along path 1", (N, H))
            where = "at t = T" if t == T else "in the middle of the sequence"
            dc_t = ref["c"][:, t - 1]                      # both paths into c_t
            path2_only = dh * cache["o"][t] * (1 - np.tanh(cache["c"][t]) ** 2)
            err = rel_error(da, ref["a"][:, t - 1])
            if err > TOL:
                bad = gate_text(da, ref["a"][:, t - 1], H)
                if bad == ", ".join(GATES[:3]):   # i, f and g all off: they share dL/dc_t
                    # i, f, g read dL/dc_t: which part of it is missing or doubled?
                    for dc_used, what in ((path2_only, "only path 2 reaches c_t (through h_t): add dc_next, the "
                                                       "error from c_(t+1) (12)"),
                                          (dc_next, "only dc_next reaches c_t: add the path through h_t = o_t "
                                                    "tanh(c_t), (7)/(13)"),
                                          (dc_t + path2_only, "the path through h_t is counted twice"),
                                          (dc_t + dc_next, "dc_next is counted twice")):
                        if rel_error(dc_used, dc_t) > TOL and rel_error(
                                da[:, :3 * H], rebuilt_gates(dc_used, cache, t)) <= TOL:
                            raise Wrong(f"{fn.__name__}: dL/da_t is off {where}, in the {bad} -- {what}")
                    raise Wrong(f"{fn.__name__}: dL/da_t is off {where}, in the {bad} {measured(err)} -- dL/dc_t "
                                "is the sum of both paths into c_t: dc_next, and dL/dh_t * o_t * (1 - tanh(c_t)^2)")
                raise Wrong(f"{fn.__name__}: dL/da_t is off {where}, in the {bad} {measured(err)} -- (9)-(10): each "
                            "gate's error times its slope: sigmoid' = s (1 - s), tanh' = 1 - g^2")
            expected = ref["a"][:, t - 1] @ cache["params"]["W_h"].T
            err = rel_error(dh_prev, expected)
            if err > TOL:
                raise Wrong(f"{fn.__name__}: dL/dh_(t-1) is off {where} {measured(err)} -- (11): dL/da_t W_h^T (the "
                            "transpose)")
            path1 = dc_t * cache["f"][t]
            if rel_error(dc_prev, path1) > TOL:
                if rel_error(dc_prev, dc_t) <= TOL:
                    raise Wrong(f"{fn.__name__}: dc_prev is dL/dc_t itself -- (12): path 1 multiplies it by f_t")
                raise Wrong(f"{fn.__name__}: dc_prev is off {where} -- (12): path 1, dL/dc_t * f_t (with dL/dc_t the "
                            "sum of both paths into c_t)")
    on_every_problem(fn, PROBLEMS, one)


def rebuilt_gates(dc, cache, t):
    """dL/da_t's i, f, g blocks for a given dL/dc_t: (9)-(10)."""
    i, f, g, c_prev = cache["i"][t], cache["f"][t], cache["g"][t], cache["c"][t - 1]
    return np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2)], axis=1)


def check_lstm_backward(fn):
    def one(p):
        x, y, h0, c0, params, cache = problem_cache(p)
        ref = course.backward(cache)
        T, N, H = p.T, p.N, p.H
        result = call(fn, cache, names=("cache",))
        keys(fn, result, NAMES + ("h", "c", "a"), "a dict of gradients")
        got = {k: array(fn, result[k], f"dL/d{k}", params[k].shape) for k in NAMES}
        for k, width in (("h", H), ("c", H), ("a", 4 * H)):
            got[k] = array(fn, result[k], f'"{k}" (dL/d{k}_t)', (N, T, width), f"(N, T, {'4H' if width > H else 'H'})")
        dh_bad, dc_bad = wrong_steps(got["h"], ref["h"]), wrong_steps(got["c"], ref["c"])
        if T in dh_bad or T in dc_bad:
            raise Wrong(f"{fn.__name__}: the last step is off -- the error enters at h_T (6), and c_T reaches L only "
                        "through h_T (7)")
        if dc_bad:
            raise Wrong(f"{fn.__name__}: dL/dc_t is off {steps_text(dc_bad, T)} -- dL/dc_(t-1) is the sum of two "
                        "paths, (12) directly through f_t and (13) through h_(t-1) and the gates; is one missing, or "
                        "one counted twice?")
        if dh_bad:
            raise Wrong(f"{fn.__name__}: dL/dh_t is off {steps_text(dh_bad, T)} -- (11): dL/dh_(t-1) = dL/da_t W_h^T")
        da_bad = wrong_steps(got["a"], ref["a"])
        if da_bad:
            raise Wrong(f"{fn.__name__}: dL/da_t is off {steps_text(da_bad, T)}, in the "
                        f"{gate_text(got['a'], ref['a'], H)} -- (10): the gates' slopes")
        for k in NAMES:
            err = rel_error(got[k], ref[k])
            if err > TOL:
                raise Wrong(f"{fn.__name__}: dL/d{k} is off while every per-step gradient agrees {measured(err)} -- "
                            "(14): sums over t of x_t^T dL/da_t (W_x), h_(t-1)^T dL/da_t (W_h), dL/da_t (b); "
                            "(6) for W_hy and b_y")
        if p is PROBLEMS[0]:
            numeric = numerical_gradient(lambda: course.forward(x, y, h0, c0, params)[0], params["W_h"])
            if rel_error(got["W_h"], numeric) > 1e-6:
                raise Wrong(f"{fn.__name__}: dL/dW_h disagrees with finite differences")
    on_every_problem(fn, PROBLEMS, one)


def check_gru_step_forward(fn):
    """Against keras.layers.GRU with the same random weights and biases, from a nonzero h_(t-1), two sizes."""
    import keras
    for N, D, H, seed in ((3, 4, 5, 5), (2, 3, 2, 6)):
        rng = np.random.default_rng(seed)
        gru = keras.layers.GRU(H, return_state=True)
        gru.build((None, 1, D))
        kernel, recurrent, bias = (0.5 * rng.standard_normal(w.shape) for w in gru.get_weights())
        gru.set_weights([kernel, recurrent, bias])
        x, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H))
        _, expected = gru(x[:, None].astype("float32"), initial_state=h_prev.astype("float32"))
        expected = np.asarray(expected, float)
        got = array(fn, call(fn, x, h_prev, kernel, recurrent, bias,
                             names=("x", "h_prev", "kernel", "recurrent_kernel", "bias")), "h_t", (N, H))
        err = rel_error(got, expected)
        if err > 1e-5:   # Keras computes in float32
            raise Wrong(f"{fn.__name__}: h_t differs from keras.layers.GRU with the same weights (N={N}, H={H}) "
                        f"{measured(err, 1e-5)} -- check the gate order (u, r, candidate; Keras calls u z), that the "
                        "reset gate multiplies h_(t-1) U_h + b'_h (after the product, (17)), both bias rows, and "
                        "Keras's convention (18): h_t = u_t h_(t-1) + (1 - u_t) candidate")
