"""Helpers shared by the hand-derived BPTT tests (Day 2's RNN, Day 3's LSTM): finite differences, relative error."""
import numpy as np


def shape_id(shape):
    return "N{}-T{}-D{}-H{}".format(*shape)


def rel_error(a, b):
    """Largest element-wise difference, relative to the larger of the two arrays' largest magnitude."""
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b)) / scale)


def numerical_gradient(f, array, eps=1e-5):
    """Centred finite differences of the scalar f() with respect to every entry of `array` (changed in place)."""
    grad = np.zeros_like(array)
    it = np.nditer(array, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = array[i]
        array[i] = old + eps
        plus = f()
        array[i] = old - eps
        minus = f()
        array[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad
