"""Day 2's Keras check: ||dL/dh_t|| read out of a SimpleRNN with tf.GradientTape, against the hand-derived NumPy
BPTT on the same weights (random biases too: a model that starts at zero hides a missing bias)."""
import day2_bptt_numpy as course
from checks.harness import Wrong, array, call, measured, rel_error, steps_text

import numpy as np

TOL32 = 1e-4   # Keras computes in float32


def small_model(N, T, H, seed):
    import keras
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((T,), dtype="int32"), keras.layers.Embedding(30, 4),
                              keras.layers.SimpleRNN(H), keras.layers.Dense(1, activation="sigmoid")])
    rng = np.random.default_rng(seed)
    model.layers[1].cell.bias.assign(0.3 * rng.standard_normal(H).astype("float32"))
    model.layers[2].bias.assign(0.3 * rng.standard_normal(1).astype("float32"))
    x, y = rng.integers(1, 30, (N, T)).astype("int32"), rng.integers(0, 2, N).astype("float32")
    return model, x, y


def check_grad_norms_through_time(fn):
    from rnn_days.bridge import simple_rnn_params
    for N, T, H, seed in ((4, 10, 5, 0), (2, 6, 3, 1)):
        model, x, y = small_model(N, T, H, seed)
        params, xs = simple_rnn_params(model.layers[1], model.layers[2]), np.asarray(model.layers[0](x), float)
        expected = np.stack([course.step_norms(course.backward(course.forward(
            xs[n:n + 1], y[n:n + 1].astype(float), np.zeros((1, H)), params)[1])["h"]) for n in range(N)])
        result = call(fn, model, x, y, names=("model", "x", "y"))
        try:
            got = array(fn, result, "the norms", (N, T), "(N, T)")
        except Wrong:
            if np.asarray(result).dtype == np.float32 and np.asarray(result).shape == (N, T):
                got = np.asarray(result, float)   # float32 is Keras's own precision here: fine
            else:
                raise
        if rel_error(got, expected[:, ::-1]) <= TOL32 < rel_error(got, expected):
            raise Wrong(f"{fn.__name__}: the steps are in reverse order -- column t-1 is step t, first to last")
        ratio = got / expected
        if np.allclose(ratio, ratio.flat[0], rtol=1e-4) and abs(ratio.flat[0] - 1) > 1e-3:
            raise Wrong(f"{fn.__name__}: every norm is {ratio.flat[0]:.3g} times too large or small -- use each "
                        "review's own loss: sum the batch's losses, do not average them")
        err = rel_error(got, expected)
        if err > TOL32:
            bad = [t + 1 for t in range(T) if rel_error(got[:, t], expected[:, t]) > TOL32]
            raise Wrong(f"{fn.__name__}: ||dL/dh_t|| is off {steps_text(bad, T)} {measured(err, TOL32)} (N={N}, T={T}) "
                        "-- keep every h_t the cell returns inside the tape, compute the logit h_T W_hy + b_y with "
                        "the Dense layer's bias, and ask for the gradient of the loss with respect to each h_t")
