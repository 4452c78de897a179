"""Day 2's checks: one BPTT step, the full backward pass, clipping, truncated BPTT and training with your own
gradients. Equations are notes/day2.md's: (5) dL/dz, (6) the output layer, (7) through the tanh, (8) one step back
through W_hh, (9) the sums over t."""
import day2_bptt_numpy as course
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


# several sizes and seeds; h_0 and every bias random (a zero h_0 hides a sum that skips t = 1)
PROBLEMS = [Problem("N=3, T=12, D=4, H=5", 3, 12, 4, 5, 0), Problem("N=2, T=7, D=3, H=6", 2, 7, 3, 6, 1),
            Problem("N=1, T=1, D=2, H=3", 1, 1, 2, 3, 2), Problem("N=4, T=9, D=5, H=2", 4, 9, 5, 2, 3)]


def problem_cache(p):
    """A random problem's forward pass: the cache rnn_backward receives (float64, random h_0 and biases)."""
    rng = np.random.default_rng(100 + p.seed)
    params = course.init_params(p.D, p.H, rng, scale=0.9)
    params["b_h"] = 0.3 * rng.standard_normal(p.H)
    params["b_y"] = 0.3 * rng.standard_normal(1)
    x = rng.standard_normal((p.N, p.T, p.D))
    y = rng.integers(0, 2, p.N).astype(float)
    h0 = 0.5 * rng.standard_normal((p.N, p.H))
    loss, cache = course.forward(x, y, h0, params)
    return x, y, h0, params, cache


# --- the mistakes a learner makes, as alternative backward passes (to name them when an answer matches one) ------

def variant(cache, window=None, every_step=False, no_transpose=False, no_slope=False, slope_of_a=False,
            sums_from_2=False, no_mean=False, edge=False):
    """The course's backward with one mistake planted: the output's error entering at every step; W_hh without its
    transpose; no tanh'; tanh' from a_t; the weight sums starting at t = 2; dL/dz without / N; a truncated window
    that also carries the error into the step before it (edge)."""
    xs, y, h, p = cache["xs"], cache["y"], cache["h"], cache["p"]
    W_xh, W_hh, W_hy = (cache["params"][k] for k in ("W_xh", "W_hh", "W_hy"))
    T, N = h.shape[0] - 1, h.shape[1]
    window = T if window is None else min(window, T)
    dz = ((p - y) / (1 if no_mean else N))[:, None]
    dh, da = np.zeros_like(h), np.zeros_like(h)
    dh[T] = dz @ W_hy.T
    a = np.arctanh(np.clip(h, -1 + 1e-15, 1 - 1e-15))
    for t in range(T, T - window, -1):
        if every_step and t < T:
            dh[t] += dz @ W_hy.T
        slope = 1.0 if no_slope else (1 - a[t] ** 2 if slope_of_a else 1 - h[t] ** 2)
        da[t] = dh[t] * slope
        dh[t - 1] = da[t] @ (W_hh if no_transpose else W_hh.T)
    if window < T and not edge:
        dh[T - window] = 0
    first = 2 if sums_from_2 else 1
    return {"W_hy": h[T].T @ dz, "b_y": dz.sum(axis=0),
            "W_xh": np.einsum("tni,tnj->ij", xs[first:], da[first:]),
            "W_hh": np.einsum("tni,tnj->ij", h[first - 1:-1], da[first:]),
            "b_h": da[first:].sum(axis=(0, 1)), "x": (da[1:] @ W_xh.T).transpose(1, 0, 2), "h0": dh[0],
            "h": dh[1:].transpose(1, 0, 2), "a": da[1:].transpose(1, 0, 2)}


KNOWN = [   # (variant's settings, what the learner did, the equation to look at)
    (dict(every_step=True), "the output's error is added at every step; only h_T feeds the output, so it enters "
                            "at t = T alone", "(6)"),
    (dict(no_transpose=True), "dL/dh_(t-1) uses W_hh where it needs its transpose", "(8): dL/da_t W_hh^T"),
    (dict(no_slope=True), "the tanh's slope is missing", "(7): dL/da_t = dL/dh_t * (1 - h_t^2)"),
    (dict(slope_of_a=True), "the tanh's slope is computed from a_t; it is 1 - tanh(a_t)^2 = 1 - h_t^2",
     "(7)"),
    (dict(sums_from_2=True), "the sums over t start at t = 2, leaving out step 1, which reads h_0 (not zero here)",
     "(9): sum over t = 1..T"),
    (dict(no_mean=True), "dL/dz is p - y, not (p - y) / N: the loss is the mean over the batch", "(5)"),
]

HINTS = {"W_xh": "(9): the sum over t of x_t^T dL/da_t",
         "W_hh": "(9): the sum over t of h_(t-1)^T dL/da_t -- the state step t *read*, h_(t-1), not h_t",
         "b_h": "(9): dL/da_t summed over t and over the batch",
         "W_hy": "(6): h_T^T dL/dz", "b_y": "(6): dL/dz summed over the batch"}


def named_mistake(name, got, cache, settings=None):
    """When the learner's answer equals one of the KNOWN mistakes, say which."""
    for options, what, equation in KNOWN:
        alternative = variant(cache, **(settings or {}), **options)
        if all(rel_error(got[k], alternative[k]) <= TOL for k in got):
            raise Wrong(f"{name}: {what} -- {equation}")


def compare_backward(fn, name, got, reference, cache, settings=None):
    """Per-step gradients first, from the last step back (the first mistake on the way back is the one to fix),
    then the weights; a known mistake is named as such."""
    T = reference["h"].shape[1]
    if all(rel_error(got[k], reference[k]) <= TOL for k in got):
        return
    named_mistake(name, got, cache, settings)
    dh_bad, da_bad = wrong_steps(got["h"], reference["h"]), wrong_steps(got["a"], reference["a"])
    for t in range(T, 0, -1):
        if t in dh_bad:
            err = rel_error(got["h"][:, t - 1], reference["h"][:, t - 1])
            if t == T:
                raise Wrong(f"{name}: dL/dh_T is off {measured(err)} -- the error enters at the last step only, (6): "
                            "dL/dz W_hy^T, with dL/dz = (p - y) / N (5)")
            raise Wrong(f"{name}: dL/dh_t is off {steps_text(dh_bad, T)} {measured(err)} -- the error carried from "
                        "step t to t-1, (8): dL/dh_(t-1) = dL/da_t W_hh^T")
        if t in da_bad:
            err = rel_error(got["a"][:, t - 1], reference["a"][:, t - 1])
            raise Wrong(f"{name}: dL/da_t is off {steps_text(da_bad, T)} while dL/dh_t agrees there {measured(err)} "
                        "-- (7): back through tanh, tanh'(a_t) = 1 - h_t^2")
    for k in NAMES:
        err = rel_error(got[k], reference[k])
        if err > TOL:
            raise Wrong(f"{name}: dL/d{k} is off while every dL/dh_t and dL/da_t agrees {measured(err)} -- {HINTS[k]}")


def backward_result(fn, result, cache):
    """The learner's gradients as float64 arrays of the right shapes, or Wrong."""
    T, N, H = cache["h"].shape[0] - 1, cache["h"].shape[1], cache["h"].shape[2]
    keys(fn, result, NAMES + ("h", "a"), "a dict of gradients")
    got = {k: array(fn, result[k], f"dL/d{k}", cache["params"][k].shape) for k in NAMES}
    for k, layout in (("h", "(N, T, H)"), ("a", "(N, T, H)")):
        got[k] = array(fn, result[k], f'"{k}" (dL/d{k}_t)', (N, T, H), layout)
    return got


# --- the exercises ----------------------------------------------------------------------------------------------------

def check_rnn_step_backward(fn):
    """One step of (7)-(8): the warm-up's numbers first (notes/day2.md, section 2.1), then random steps."""
    w = course.three_steps_by_hand()
    for t in (3, 2, 1):   # the warm-up, one unit: dh_t in, dL/da_t and dL/dh_(t-1) out
        out = call(fn, np.array([[w["dh"][t - 1]]]), np.array([[w["h"][t - 1]]]), np.array([[0.8]]))
        if not isinstance(out, tuple) or len(out) != 2:
            raise Wrong(f"{fn.__name__} must return (da, dh_prev)")
        da, dh_prev = (array(fn, v, what, (1, 1)) for v, what in zip(out, ("dL/da_t", "dL/dh_(t-1)")))
        if rel_error(da, [[w["da"][t - 1]]]) > TOL:
            raise Wrong(f"{fn.__name__}: on the warm-up of section 2.1, step {t}, dL/da_t is {da[0, 0]:.4f}, not "
                        f"{w['da'][t - 1]:.4f} -- (7): dL/dh_t * (1 - h_t^2)")
        expected = w["dh"][t - 2] if t > 1 else w["dh0"]
        if rel_error(dh_prev, [[expected]]) > TOL:
            raise Wrong(f"{fn.__name__}: on the warm-up of section 2.1, step {t}, dL/dh_(t-1) is {dh_prev[0, 0]:.4f}, "
                        f"not {expected:.4f} -- (8): dL/da_t * w_hh")
    rng = np.random.default_rng(7)
    for N, H in ((3, 4), (2, 5)):
        dh, h, W_hh = rng.standard_normal((N, H)), np.tanh(rng.standard_normal((N, H))), rng.standard_normal((H, H))
        da, dh_prev = (array(fn, v, what, (N, H)) for v, what in zip(call(fn, dh, h, W_hh),
                                                                      ("dL/da_t", "dL/dh_(t-1)")))
        if rel_error(da, dh * (1 - h ** 2)) > TOL:
            raise Wrong(f"{fn.__name__}: dL/da_t is off for N={N}, H={H} -- (7): dL/dh_t * (1 - h_t^2)")
        if rel_error(dh_prev, dh * (1 - h ** 2) @ W_hh.T) > TOL:
            if rel_error(dh_prev, dh * (1 - h ** 2) @ W_hh) <= TOL:
                raise Wrong(f"{fn.__name__}: dL/dh_(t-1) uses W_hh where it needs its transpose -- (8)")
            raise Wrong(f"{fn.__name__}: dL/dh_(t-1) is off for N={N}, H={H} -- (8): dL/da_t W_hh^T")


def check_rnn_backward(fn):
    """Against the course's backward on several sizes and seeds, and against finite differences on the first."""
    def one(p):
        x, y, h0, params, cache = problem_cache(p)
        reference = course.backward(cache)            # before the learner's call, from the cache as it is
        got = backward_result(fn, call(fn, cache, names=("cache",)), cache)
        compare_backward(fn, fn.__name__, got, reference, cache)
        if p is PROBLEMS[0]:   # finite differences: the course's answer is not the only witness
            for k in NAMES:
                numeric = numerical_gradient(lambda: course.forward(x, y, h0, params)[0], params[k])
                if rel_error(got[k], numeric) > 1e-6:
                    raise Wrong(f"{fn.__name__}: dL/d{k} disagrees with finite differences -- {HINTS[k]}")
    on_every_problem(fn, PROBLEMS, one)


def check_truncated_rnn_backward(fn):
    """Windows of 1, a few and all T steps, on several sizes: exactly the last k steps get their error."""
    def one(p):
        _, _, _, _, cache = problem_cache(p)
        for k in sorted({1, min(3, p.T), p.T}):
            reference = course.backward(cache, truncate=k)
            got = backward_result(fn, call(fn, cache, k, names=("cache", "k")), cache)
            name = f"{fn.__name__}(k={k})"
            if all(rel_error(got[q], reference[q]) <= TOL for q in got):
                continue
            for shift in (1, -1):   # the window one step too long or too short
                if 1 <= k + shift <= p.T:
                    other = course.backward(cache, truncate=k + shift)
                    if all(rel_error(got[q], other[q]) <= TOL for q in got):
                        raise Wrong(f"{name}: the error reaches {k + shift} steps, not {k} -- the window is one step "
                                    f"too {'long' if shift > 0 else 'short'}: exactly t = T-k+1 .. T get an error")
            edge = variant(cache, window=k, edge=True)
            if k < p.T and all(rel_error(got[q], edge[q]) <= TOL for q in got):
                raise Wrong(f"{name}: dL/dh_t is not zero at t = T-k = {p.T - k}, the step before the window -- "
                            "the error stops at the window's edge")
            if k < p.T and all(rel_error(got[q], course.backward(cache)[q]) <= TOL for q in got):
                raise Wrong(f"{name}: this is full BPTT -- carry the error back through the last k steps only")
            compare_backward(fn, name, got, reference, cache, dict(window=k))
    on_every_problem(fn, PROBLEMS, one)


def clip_cases(rng):
    shapes = (("W_xh", (4, 5)), ("W_hh", (5, 5)), ("b_h", (5,)), ("W_hy", (5, 1)), ("b_y", (1,)))
    even = {k: rng.standard_normal(s) for k, s in shapes}
    one_big = dict(even, W_hh=40 * even["W_hh"])
    norm_even, largest = course.global_norm(even), max(np.linalg.norm(v) for v in even.values())
    return [  # (gradients, max_norm, what the case tells apart)
        (even, 2 * norm_even, "below the threshold: nothing to do"),
        (even, (norm_even + largest) / 2, "every tensor alone is below max_norm but all of them together are above"),
        (one_big, course.global_norm(one_big) / 3, "one tensor far above the others"),
        (even, norm_even / 1000, "far above the threshold"),
    ]


def check_clip_by_global_norm(fn):
    rng = np.random.default_rng(3)
    for grads, max_norm, case in clip_cases(rng):
        norm = course.global_norm(grads)
        expected = {k: grads[k] * (max_norm / norm if norm > max_norm else 1.0) for k in grads}
        result = call(fn, grads, max_norm, names=("grads", "max_norm"))
        keys(fn, result, NAMES, "a dict of gradients")
        got = {k: array(fn, result[k], k, grads[k].shape) for k in NAMES}
        if any(result[k] is grads[k] for k in NAMES) and norm > max_norm:
            raise Wrong(f"{fn.__name__} returned the gradients it was given, not new ones")
        # a standard variant, max_norm / (norm + 1e-6) (PyTorch's), agrees within 1e-6 relative: accepted
        err = max(rel_error(got[k], expected[k]) for k in NAMES)
        if err <= 1e-6:
            continue
        if norm <= max_norm:
            raise Wrong(f"{fn.__name__} changed gradients whose global norm ({norm:.4g}) is already below max_norm "
                        f"({max_norm:.4g}) -- leave them as they are")
        factors = [np.linalg.norm(got[k]) / np.linalg.norm(grads[k]) for k in NAMES]
        if max(factors) - min(factors) > 1e-6 * max(factors):
            raise Wrong(f"{fn.__name__}: the direction changed ({case}) -- every gradient must be scaled by the same "
                        "factor, computed from the norm of all of them together, not one norm per tensor")
        got_norm = course.global_norm(got)
        raise Wrong(f"{fn.__name__}: the clipped gradients' global norm is {got_norm:.6g}; it should be max_norm, "
                    f"{max_norm:.6g} ({case}) -- scale every gradient by max_norm / norm")


# --- the capstone: training with your own gradients ----------------------------------------------------------------

STEPS, BAR, HELD_OUT = 500, 0.95, 1000   # recall at T = 10: SGD 0.1, clip 1, batch 32, 16 units


def check_train(fn):
    """train(backward, clip) with the learner's own rnn_backward and clip_by_global_norm: the loss falls and held-out
    accuracy on first-token recall at T = 10 reaches BAR within STEPS steps."""
    from exercises.day2_bptt import clip_by_global_norm, rnn_backward  # the learner's own
    used = {"backward": 0, "clip": 0}

    def backward(cache):
        used["backward"] += 1
        return rnn_backward(cache)

    def clip(grads, max_norm):
        used["clip"] += 1
        return clip_by_global_norm(grads, max_norm)
    result = call(fn, backward, clip)
    if not isinstance(result, tuple) or len(result) != 2:
        raise Wrong(f"{fn.__name__} must return (params, losses)")
    params, losses = result
    keys(fn, params, NAMES, "params, a dict of weights")
    losses = array(fn, losses, "losses", (STEPS,))
    if used["backward"] < STEPS or used["clip"] < STEPS:
        raise Wrong(f"{fn.__name__} called the backward pass {used['backward']} times and clipping {used['clip']} "
                    f"times in {STEPS} steps -- every step uses both, the ones passed in")
    first, last = losses[:100].mean(), losses[-100:].mean()
    if not last < 0.5 * first:
        raise Wrong(f"{fn.__name__}: the loss did not fall (mean {first:.3f} over the first 100 steps, {last:.3f} over "
                    "the last 100) -- subtract learning_rate * gradient from each weight, every step")
    from exercises.day2_train import recall_batch
    x, y = recall_batch(np.random.default_rng(12345), HELD_OUT, 10)
    weights = {k: array(fn, params[k], k, shape) for k, shape in (("W_xh", (1, 16)), ("W_hh", (16, 16)),
                                                                ("b_h", (16,)), ("W_hy", (16, 1)), ("b_y", (1,)))}
    _, cache = course.forward(x, y, np.zeros((HELD_OUT, 16)), weights)
    accuracy = float(np.mean((cache["p"] > 0.5) == (y > 0.5)))
    if accuracy < BAR:
        raise Wrong(f"{fn.__name__}: held-out accuracy {accuracy:.3f} after {STEPS} steps, below {BAR} (the worked "
                    "solution reaches 1.0) -- is the update applied to every weight, with the clipped gradients?")
