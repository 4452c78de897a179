"""The same weights in two homes: NumPy arrays under the notes' names, and Keras layers.

Keras's names for a SimpleRNN: kernel = W_xh (D x H), recurrent_kernel = W_hh (H x H), bias = b_h (H,); the Dense
layer after it: kernel = W_hy (H x 1), bias = b_y (1,).
"""
import numpy as np

SIMPLE_RNN_NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")


def simple_rnn_params(rnn, dense, dtype=np.float64):
    """{W_xh, W_hh, b_h, W_hy, b_y} from a Keras SimpleRNN layer and the Dense layer reading its last state."""
    weights = [rnn.cell.kernel, rnn.cell.recurrent_kernel, rnn.cell.bias, dense.kernel, dense.bias]
    return {name: np.asarray(w, dtype) for name, w in zip(SIMPLE_RNN_NAMES, weights)}


def keras_simple_rnn(params, T):
    """Keras layers SimpleRNN(H, tanh) and Dense(1) (float32) holding these weights. Returns (rnn, dense)."""
    import keras

    D, H = params["W_xh"].shape
    rnn, dense = keras.layers.SimpleRNN(H, activation="tanh"), keras.layers.Dense(1)
    rnn.build((None, T, D))
    dense.build((None, H))
    rnn.set_weights([params["W_xh"], params["W_hh"], params["b_h"]])
    dense.set_weights([params["W_hy"], params["b_y"]])
    return rnn, dense


# Keras's LSTM: kernel = W_x (D x 4H), recurrent_kernel = W_h (H x 4H), bias = b (4H,), the four gates side by side in
# the order i, f, c (the candidate, g in the notes), o.
LSTM_NAMES = ("W_x", "W_h", "b", "W_hy", "b_y")


def lstm_params(lstm, dense, dtype=np.float64):
    """{W_x, W_h, b, W_hy, b_y} from a Keras LSTM layer and the Dense layer reading its last state."""
    weights = [lstm.cell.kernel, lstm.cell.recurrent_kernel, lstm.cell.bias, dense.kernel, dense.bias]
    return {name: np.asarray(w, dtype) for name, w in zip(LSTM_NAMES, weights)}


def keras_lstm(params, T, dtype="float32"):
    """Keras layers LSTM(H) and Dense(1) holding these weights. Returns (lstm, dense)."""
    import keras

    D, H = params["W_x"].shape[0], params["W_h"].shape[0]
    lstm, dense = keras.layers.LSTM(H, dtype=dtype), keras.layers.Dense(1, dtype=dtype)
    lstm.build((None, T, D))
    dense.build((None, H))
    lstm.set_weights([params["W_x"], params["W_h"], params["b"]])
    dense.set_weights([params["W_hy"], params["b_y"]])
    return lstm, dense
