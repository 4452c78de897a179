"""Worked solution of exercises/day2_train.py: training the NumPy RNN with your own gradients."""
from day2_bptt_numpy import PARAM_NAMES, forward, init_params

import numpy as np


def recall_batch(rng, n, T):
    x = rng.choice(np.array([-1.0, 1.0]), size=(n, T, 1))
    return x, (x[:, 0, 0] > 0).astype(float)


def train(backward, clip, T=10, H=16, steps=500, batch=32, learning_rate=0.1, max_norm=1.0, seed=0):
    rng = np.random.default_rng(seed)
    params = init_params(1, H, rng)
    losses = []
    for _ in range(steps):
        x, y = recall_batch(rng, batch, T)                       # a fresh batch every step
        loss, cache = forward(x, y, np.zeros((batch, H)), params)
        grads = clip(backward(cache), max_norm)                  # your gradients, clipped to global norm max_norm
        params = {k: params[k] - learning_rate * grads[k] for k in PARAM_NAMES}   # one step of gradient descent
        losses.append(loss)
    return params, np.array(losses)
