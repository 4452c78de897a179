"""Day 2 capstone: train the NumPy RNN with *your own* gradients.

Fill in `train` (delete its `raise NotImplementedError`), then check it:

    python -m pytest exercises/day2_train.py

The check calls train() with your rnn_backward and clip_by_global_norm (exercises/day2_bptt.py -- write and check
those first), then scores the trained network on 1,000 new sequences: the loss must fall, and held-out accuracy must
reach 0.95 within the 500 steps. About 30 seconds on 2 cores. The task is first-token recall (notes/day4.md): x_1 is
the label bit, +1 or -1, followed by 9 random +1/-1 distractors; the answer sits 10 steps back.
"""
# the course's forward pass, its start and the weights' names (for your update loop); the gradients are yours
from day2_bptt_numpy import PARAM_NAMES, forward, init_params  # noqa: F401 -- your train() will use them

import numpy as np


def recall_batch(rng, n, T):
    """n first-token recall sequences of lag T: x (n, T, 1) of +1/-1, and y (n,) = 1 where x_1 = +1."""
    x = rng.choice(np.array([-1.0, 1.0]), size=(n, T, 1))
    return x, (x[:, 0, 0] > 0).astype(float)


def train(backward, clip, T=10, H=16, steps=500, batch=32, learning_rate=0.1, max_norm=1.0, seed=0):
    """Stochastic gradient descent with your gradients, `steps` times: draw a fresh batch of `batch` sequences
    (recall_batch, one rng = np.random.default_rng(seed) for the weights and the data), run forward(x, y, h0, params)
    from h0 = 0, take the gradients with backward(cache), clip them with clip(grads, max_norm), and subtract
    learning_rate times each from its weight. Start from init_params(1, H, rng).

    backward, clip: your rnn_backward and clip_by_global_norm (the check passes them in).
    Returns (params, losses): the trained {"W_xh", "W_hh", "b_h", "W_hy", "b_y"} and the loss of every step, (steps,).
    """
    raise NotImplementedError
