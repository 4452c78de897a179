"""Worked solutions of exercises/day3_lstm.py (the checks run against these in the default `python -m pytest`)."""
import numpy as np


def sigmoid(v):
    e = np.exp(-np.abs(v))
    return np.where(v >= 0, 1 / (1 + e), e / (1 + e))


def lstm_step_backward(dh, dc_next, step):
    i, f, g, o, c = step["i"], step["f"], step["g"], step["o"], step["c"]
    tanh_c = np.tanh(c)
    dc = dc_next + dh * o * (1 - tanh_c ** 2)         # both paths into c_t: from c_{t+1} and through h_t (7, 13)
    do = dh * tanh_c                                  # (8)
    di, df, dg = dc * g, dc * step["c_prev"], dc * i  # (9)
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)], axis=1)  # (10)
    return da, da @ step["W_h"].T, dc * f             # (11), (12)


def lstm_backward(cache):
    xs, y, p, h, c = cache["xs"], cache["y"], cache["p"], cache["h"], cache["c"]
    W_x, W_h, W_hy = (cache["params"][k] for k in ("W_x", "W_h", "W_hy"))
    T, N, H = h.shape[0] - 1, h.shape[1], h.shape[2]
    dz = ((p - y) / N)[:, None]                                         # (6)
    dh, dc, da = np.zeros_like(h), np.zeros_like(c), np.zeros((T + 1, N, 4 * H))
    dh[T] = dz @ W_hy.T                                                 # the error enters at h_T only
    dc_next = np.zeros((N, H))                                          # nothing reaches c_T from c_{T+1}
    for t in range(T, 0, -1):
        step = {k: cache[k][t] for k in ("i", "f", "g", "o", "c")}
        step.update(c_prev=c[t - 1], h_prev=h[t - 1], x=xs[t], W_x=W_x, W_h=W_h)
        dc[t] = dc_next + dh[t] * step["o"] * (1 - np.tanh(step["c"]) ** 2)   # both paths into c_t
        da[t], dh[t - 1], dc_next = lstm_step_backward(dh[t], dc_next, step)
    return {"W_hy": h[T].T @ dz, "b_y": dz.sum(axis=0),
            "W_x": np.einsum("tni,tnj->ij", xs[1:], da[1:]), "W_h": np.einsum("tni,tnj->ij", h[:-1], da[1:]),
            "b": da[1:].sum(axis=(0, 1)),                                # (14)
            "h": dh[1:].transpose(1, 0, 2), "c": dc[1:].transpose(1, 0, 2), "a": da[1:].transpose(1, 0, 2)}


def gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias):
    H = h_prev.shape[1]
    xp = x @ kernel + bias[0]                         # input parts of u, r, n
    hp = h_prev @ recurrent_kernel + bias[1]          # recurrent parts, each with its own bias
    u = sigmoid(xp[:, :H] + hp[:, :H])                # the update gate (Keras: z)          (16)
    r = sigmoid(xp[:, H:2 * H] + hp[:, H:2 * H])      # the reset gate                      (16)
    n = np.tanh(xp[:, 2 * H:] + r * hp[:, 2 * H:])    # reset after the recurrent product   (17)
    return u * h_prev + (1 - u) * n                   # (18)
