"""Day 3 exercises: one LSTM step backward (both paths into c_{t-1}), the LSTM's full backward pass, and the GRU's
forward step in Keras's layout -- written by you.

Fill in each function (delete its `raise NotImplementedError`), then check this file:

    python -m pytest exercises/day3_lstm.py

The checks compare with finite differences, the course's day3_lstm_numpy.py and, for the GRU, keras.layers.GRU with
the same weights, on several sizes; a mistake is named with the quantity that is off and where. Equations are
notes/day3.md's, by number. Keras's layout, gates side by side in the order i, f, g (Keras calls it c), o:

    a_t = x_t W_x + h_{t-1} W_h + b = [a_i | a_f | a_g | a_o]      W_x (D, 4H), W_h (H, 4H), b (4H,)        (1)
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);  g = tanh(a_g)                                        (2)
    c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)                                                         (3, 4)

Return new arrays; never change the arrays you are given.
"""
import numpy as np  # noqa: F401 -- your answers will use it


def lstm_step_backward(dh, dc_next, step):
    """One step of the LSTM's backward pass.

    dh: (N, H), the total dL/dh_t (from the output, or from step t+1 through a_{t+1});
    dc_next: (N, H), the error reaching c_t directly from c_{t+1} (path 1 of step t+1: dL/dc_{t+1} * f_{t+1}; zeros
    at t = T);  step: {"i", "f", "g", "o", "c", "c_prev": (N, H) each, "h_prev": (N, H), "x": (N, D),
    "W_x": (D, 4H), "W_h": (H, 4H)} -- step t's values from the forward pass.

    Returns (da, dh_prev, dc_prev): dL/da_t (N, 4H) in the gate order i, f, g, o (10); dL/dh_{t-1} (N, H), which
    reaches L through a_t only (11); and dL/dc_{t-1} *along the direct path* (12), dL/dc_t * f_t. dL/dc_t itself is
    the sum of both paths into c_t: dc_next, and the path through h_t = o * tanh(c_t) (7, 13)."""
    raise NotImplementedError


def lstm_backward(cache):
    """The LSTM's full BPTT. cache: what day3_lstm_numpy.forward returns, time first and counted from 1:
    cache["xs"] (T+1, N, D); cache["i"], ["f"], ["g"], ["o"], ["c"], ["h"] (T+1, N, H) with slot t = step t (c[0],
    h[0] the initial states, not necessarily zero); cache["y"], cache["p"] (N,); cache["params"]: {"W_x", "W_h", "b",
    "W_hy", "b_y"}.

    Returns {"W_x", "W_h", "b", "W_hy", "b_y"} shaped like the parameters, and for t = 1..T, batch first: "h"
    (N, T, H) total dL/dh_t, "c" (N, T, H) total dL/dc_t (both paths), "a" (N, T, 4H) dL/da_t. (6): dL/dz = (p - y)/N.
    """
    raise NotImplementedError


def gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias):
    """One step of keras.layers.GRU (reset_after=True, its default): x (N, D), h_prev (N, H);
    kernel (D, 3H) and recurrent_kernel (H, 3H), gates side by side in the order u (update; Keras calls it z),
    r (reset), candidate; bias (2, 3H): row 0 is added to x @ kernel, row 1 to h_prev @ recurrent_kernel.

        u = sigmoid(x W_u + b_u + h_prev U_u + b'_u)           the update gate   (16)
        r = sigmoid(x W_r + b_r + h_prev U_r + b'_r)           the reset gate    (16)
        n = tanh(x W_h + b_h + r * (h_prev U_h + b'_h))       the candidate, reset *after* the product   (17)
        h = u * h_prev + (1 - u) * n                          Keras's convention: u keeps the old state   (18)

    Returns h (N, H). Beside the LSTM: u plays the forget gate's part (how much of the state survives a step)."""
    raise NotImplementedError
