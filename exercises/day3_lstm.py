"""Day 3 exercises: one LSTM step backward (both paths into c_{t-1}), the LSTM's full backward pass, and the GRU's
forward step in Keras's layout -- written by you.

Fill in each function (delete its `raise NotImplementedError`), then check it:

    python -m pytest exercises/ -k day3

The checks compare with finite differences, the course's day3_lstm_numpy.py and, for the GRU, keras.layers.GRU with
the same weights; a mistake is named with the gradient (or output) that is off and where. Equations are
notes/day3.md's, by number. Keras's layout, gates side by side in the order i, f, g (Keras calls it c), o:

    z_t = x_t W_x + h_{t-1} W_h + b = [z_i | z_f | z_g | z_o]      W_x (D, 4H), W_h (H, 4H), b (4H,)        (1)
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o);  g = tanh(z_g)                                        (2)
    c_t = f * c_{t-1} + i * g                                                                                  (3)
    h_t = o * tanh(c_t)                                                                                        (4)
"""
import numpy as np  # noqa: F401  (you will need it)


def lstm_step_backward(dh, dc_next, step):
    """One step of the LSTM's backward pass.

    dh: (N, H), the total dL/dh_t (from the output, or from step t+1 through z_{t+1});
    dc_next: (N, H), the error reaching c_t directly from c_{t+1} (path 1 of step t+1: dL/dc_{t+1} * f_{t+1}; zeros
    at t = T);  step: {"i", "f", "g", "o", "c", "c_prev": (N, H) each, "h_prev": (N, H), "x": (N, D),
    "W_x": (D, 4H), "W_h": (H, 4H)} -- step t's values from the forward pass.

    Returns (dz, dh_prev, dc_prev): dL/dz_t (N, 4H) in the gate order i, f, g, o; dL/dh_{t-1} (N, H), which reaches
    L through z_t only (11); and dL/dc_{t-1} *along the direct path* (12), dL/dc_t * f_t. dL/dc_t itself is the sum of
    both paths into c_t: dc_next, and the path through h_t = o * tanh(c_t) (7, 13)."""
    raise NotImplementedError


def lstm_backward(cache):
    """The LSTM's full BPTT. cache: what day3_lstm_numpy.forward returns, time first and counted from 1:
    cache["xs"] (T+1, N, D); cache["i"], ["f"], ["g"], ["o"], ["c"], ["h"] (T+1, N, H) with slot t = step t (c[0],
    h[0] the initial states); cache["y"], cache["p"] (N,); cache["params"]: {"W_x", "W_h", "b", "W_hy", "b_y"}.

    Returns {"W_x", "W_h", "b", "W_hy", "b_y"} shaped like the parameters, and for t = 1..T: "h" (N, T, H) total
    dL/dh_t, "c" (N, T, H) total dL/dc_t (both paths), "z" (N, T, 4H) dL/dz_t. (6): dL/dlogit = (p - y) / N."""
    raise NotImplementedError


def gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias):
    """One step of keras.layers.GRU (reset_after=True, its default): x (N, D), h_prev (N, H);
    kernel (D, 3H) and recurrent_kernel (H, 3H), gates side by side in the order z (update), r (reset), h (candidate);
    bias (2, 3H): row 0 is added to x @ kernel, row 1 to h_prev @ recurrent_kernel.

        z = sigmoid(x W_z + b_z + h_prev U_z + b'_z)           the update gate
        r = sigmoid(x W_r + b_r + h_prev U_r + b'_r)           the reset gate
        n = tanh(x W_h + b_h + r * (h_prev U_h + b'_h))       reset *after* the recurrent product
        h = z * h_prev + (1 - z) * n                          Keras's convention: z keeps the old state

    Returns h (N, H). Beside the LSTM: z plays the forget gate's part (how much of the state survives a step)."""
    raise NotImplementedError
