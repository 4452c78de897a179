"""Benchmark: the hand-written NumPy BPTT against TensorFlow's autodiff, forward + backward of one batch.

Shapes N = 64 reviews, T = 200 steps, D = 128 inputs, H = 128 hidden units, float32 -- Day 1's model. TensorFlow runs
keras.layers.SimpleRNN + Dense under tf.GradientTape inside tf.function; both compute the same loss and the
gradients of all weights, the inputs and h0. The two alternate, repeat by repeat, so machine noise hits both alike.
The last line printed is `ratio numpy/tensorflow: X.XX` (median time over median time; below 1 NumPy is faster).

Both sides use the same number of threads (--threads: NumPy's BLAS through threadpoolctl, TensorFlow's intra- and
inter-op pools), printed with the CPU model; on a busy 2-core machine default BLAS threads can make the ratio several
times worse. Inputs are random with standard deviation --input-scale (default 0.05, about the size of the trained
Day-1 embedding entries). With --input-scale 1 the tanh saturates and the error vanishes into float32's subnormal
range; some CPUs then slow NumPy down (notes/reproducing.md, Speed).

    python benchmarks/bptt_speed.py --threads 1
    python benchmarks/bptt_speed.py --threads 2
"""
import race  # benchmarks/race.py: flags, threads, timing, the ratio line (puts the repo root on sys.path)

# race puts the repo root on sys.path: the days import only after it
# isort: split
import day2_bptt_numpy as bptt
from rnn_days.bridge import keras_simple_rnn

import numpy as np

tf, keras = race.cli.import_tensorflow()


def setup(args):
    """The same batch for both: Day 2's init and make_batch, inputs scaled by --input-scale."""
    N, T, D, H = args.batch, args.seq_len, 128, 128
    rng = np.random.default_rng(args.seed)
    params = bptt.init_params(D, H, rng, scale=1.0, dtype=np.float32)
    x, y, h0 = bptt.make_batch(N, T, D, H, rng, np.float32)
    x *= np.float32(args.input_scale)
    rnn, dense = keras_simple_rnn(params, T)
    variables = [*rnn.trainable_weights, *dense.trainable_weights]
    xt, yt, h0t = tf.constant(x), tf.constant(y), tf.constant(h0)

    @tf.function
    def tf_step():
        with tf.GradientTape() as tape:
            tape.watch([xt, h0t])
            z = dense(rnn(xt, initial_state=h0t))[:, 0]
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(yt, z))
        return loss, tape.gradient(loss, variables + [xt, h0t])

    def numpy_step():
        loss, cache = bptt.forward(x, y, h0, params)
        return loss, bptt.backward(cache)

    return numpy_step, tf_step, bptt.PARAM_NAMES + ("x", "h0"), f"N={N} T={T} D={D} H={H}"


def main(argv=None):
    race.run(argv, __doc__, setup)


if __name__ == "__main__":
    race.cli.run(main)
