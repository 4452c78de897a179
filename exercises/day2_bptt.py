"""Day 2 exercises: one BPTT step, the vanilla RNN's whole backward pass, gradient clipping and truncated BPTT --
written by you.

Fill in each function below (delete its `raise NotImplementedError`), then check this file:

    python -m pytest exercises/day2_bptt.py

Each check compares your answer with finite differences and with the course's day2_bptt_numpy.py on several sizes
and seeds, and on a mistake names the quantity that is off, where, and the equation of notes/day2.md to look at. A
function you have not started is reported as "not attempted". Edit only this folder, never the course's scripts.

The cache your backward pass receives is what day2_bptt_numpy.forward returns, time first and counted from 1 like
the notes (slot 0 of xs is unused, h[0] is h_0, which need not be zero):

    cache["xs"]: (T+1, N, D), xs[t] = x_t        cache["h"]: (T+1, N, H), h[t] = h_t
    cache["y"]: (N,) labels in {0, 1}             cache["p"]: (N,) the model's P(positive)
    cache["params"]: {"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,), "W_hy": (H, 1), "b_y": (1,)}

with  a_t = x_t W_xh + h_{t-1} W_hh + b_h (1a),  h_t = tanh(a_t) (1b),  z = h_T W_hy + b_y (2),  p = sigmoid(z) (3),
L = mean over the batch of the cross-entropy (4). Return new arrays; never change the cache.
"""
import numpy as np  # noqa: F401 -- your answers will use it


def rnn_step_backward(dh, h, W_hh):
    """One step back, (7) and (8) -- the warm-up of notes/day2.md, section 2.1, with matrices.

    dh: (N, H), dL/dh_t; h: (N, H), h_t from the forward pass; W_hh: (H, H).
    Returns (da, dh_prev): dL/da_t = dL/dh_t * (1 - h_t^2), and dL/dh_(t-1) = dL/da_t W_hh^T, both (N, H)."""
    raise NotImplementedError


def rnn_backward(cache):
    """Backpropagation Through Time, all T steps.

    Returns a dict of gradients of L:
      "W_xh", "W_hh", "b_h", "W_hy", "b_y": shaped like the parameters (the sums (9) over t and the batch);
      "h": (N, T, H), dL/dh_t for t = 1..T;   "a": (N, T, H), dL/da_t for t = 1..T   (batch first).
    (5): dL/dz = (p - y) / N.  (6): the error enters at h_T only.  (7): through tanh.  (8): one step back through
    W_hh.  (9): every step shares the weights, so their gradients are sums over t = 1..T.
    """
    raise NotImplementedError


def clip_by_global_norm(grads, max_norm):
    """Pascanu et al. (2013): if the norm of *all* the parameter gradients together, as one long vector, is above
    max_norm, scale every one of them by max_norm / norm (same direction); otherwise return them unchanged.

    grads: {"W_xh", "W_hh", "b_h", "W_hy", "b_y": arrays}. Returns a new dict with the same keys (grads unchanged)."""
    raise NotImplementedError


def truncated_rnn_backward(cache, k):
    """Truncated BPTT: the error is carried back through only the last k steps (1 <= k <= T). Returns the same dict
    as rnn_backward: steps T-k+1 .. T get their error as in full BPTT, earlier steps none (their dL/dh_t and dL/da_t
    are 0), and the weight gradients (9) sum over the steps that got an error. With k = T it is rnn_backward."""
    raise NotImplementedError
