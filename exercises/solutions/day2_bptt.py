"""Worked solutions of exercises/day2_bptt.py (the course's tests check that each passes its check)."""
import numpy as np

PARAMS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")


def rnn_step_backward(dh, h, W_hh):
    da = dh * (1 - h ** 2)                            # (7)  through the tanh
    return da, da @ W_hh.T                            # (8)  one step back, through W_hh


def rnn_backward(cache):
    return truncated_rnn_backward(cache, None)


def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(grads[k] ** 2) for k in PARAMS))      # one norm over all of them together
    factor = max_norm / norm if norm > max_norm else 1.0
    return {k: grads[k] * factor for k in PARAMS}


def truncated_rnn_backward(cache, k):
    xs, y, h, p = cache["xs"], cache["y"], cache["h"], cache["p"]
    W_hh, W_hy = cache["params"]["W_hh"], cache["params"]["W_hy"]
    T, N = h.shape[0] - 1, h.shape[1]
    window = T if k is None else min(k, T)
    dz = ((p - y) / N)[:, None]                       # (5)
    dh, da = np.zeros_like(h), np.zeros_like(h)
    dh[T] = dz @ W_hy.T                               # (6)
    for t in range(T, T - window, -1):
        da[t], dh_prev = rnn_step_backward(dh[t], h[t], W_hh)          # (7), (8)
        if t > T - window + 1:                        # the window's first step passes nothing further back
            dh[t - 1] = dh_prev
    return {"W_hy": h[T].T @ dz, "b_y": dz.sum(axis=0),
            "W_xh": np.einsum("tni,tnj->ij", xs[1:], da[1:]),          # (9)
            "W_hh": np.einsum("tni,tnj->ij", h[:-1], da[1:]),
            "b_h": da[1:].sum(axis=(0, 1)),
            "h": dh[1:].transpose(1, 0, 2), "a": da[1:].transpose(1, 0, 2)}
