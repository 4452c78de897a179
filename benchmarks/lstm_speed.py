"""Benchmark: the hand-written NumPy LSTM BPTT against TensorFlow's autodiff, forward + backward of one batch.

Shapes N = 64 reviews, T = 200 steps, D = 128 inputs, H = 128 hidden units, float32 -- Day 3's model. TensorFlow runs
keras.layers.LSTM + Dense under tf.GradientTape inside tf.function; both compute the same loss and the gradients of
all weights, the inputs, h0 and c0. Threads, timing and the last line `ratio numpy/tensorflow: X.XX` as in
bptt_speed.py (benchmarks/race.py). Goal: ratio <= 1.0.

    python benchmarks/lstm_speed.py --threads 1
    python benchmarks/lstm_speed.py --threads 2
"""
import race  # benchmarks/race.py: flags, threads, timing, the ratio line (puts the repo root on sys.path)

# race puts the repo root on sys.path: the days import only after it
# isort: split
import day3_lstm_numpy as lstm
from rnn_days.bridge import keras_lstm

import numpy as np

tf, keras = race.cli.import_tensorflow()


def setup(args):
    """The same batch for both: Day 3's init (Keras's initialisers, forget bias 1) and make_batch."""
    N, T, D, H = args.batch, args.seq_len, 128, 128
    rng = np.random.default_rng(args.seed)
    x, y, h0 = lstm.make_batch(N, T, D, H, rng, np.float32)
    c0 = np.zeros_like(h0)
    x *= np.float32(args.input_scale)
    params = lstm.init_params(D, H, rng, 1.0, np.float32)
    layer, dense = keras_lstm(params, T)
    variables = [*layer.trainable_weights, *dense.trainable_weights]
    xt, yt, h0t, c0t = (tf.constant(a) for a in (x, y, h0, c0))

    @tf.function
    def tf_step():
        with tf.GradientTape() as tape:
            tape.watch([xt, h0t, c0t])
            z = dense(layer(xt, initial_state=[h0t, c0t]))[:, 0]
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(yt, z))
        return loss, tape.gradient(loss, variables + [xt, h0t, c0t])

    def numpy_step():
        loss, cache = lstm.forward(x, y, h0, c0, params)
        return loss, lstm.backward(cache)

    return numpy_step, tf_step, lstm.PARAM_NAMES + ("x", "h0", "c0"), f"N={N} T={T} D={D} H={H}"


def main(argv=None):
    race.run(argv, __doc__, setup)


if __name__ == "__main__":
    race.cli.run(main)
