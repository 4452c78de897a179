"""Day 2 exercise (Keras): read ||dL/dh_t|| out of a SimpleRNN with tf.GradientTape.

Fill in the function, then check it:   python -m pytest exercises/day2_keras.py

The check builds small random Embedding -> SimpleRNN -> Dense(1, sigmoid) models (random biases too) and compares your
norms with the course's hand-derived NumPy BPTT (day2_bptt_numpy.py) on the same weights.
"""
import numpy as np  # noqa: F401 -- your answer will use it
import tensorflow as tf  # noqa: F401 -- your answer will use it


def grad_norms_through_time(model, x, y):
    """||dL_n/dh_t|| for every review n and step t = 1..T, as an (N, T) NumPy array.

    model: keras.Sequential([Input, Embedding, SimpleRNN(H), Dense(1, sigmoid)]); x: (N, T) int word indices;
    y: (N,) float labels. L_n is review n's *own* cross-entropy, computed from the logit z = h_T W_hy + b_y.
    Hints: run the layer's own cell step by step, `h, _ = rnn.cell(x_t, h)`, starting from zeros, inside one
    tf.GradientTape, keeping every h_t; the reviews of a batch are independent, so the gradient of the *summed* loss
    gives each review's own gradient in its own row."""
    raise NotImplementedError
