"""Benchmark: the hand-written NumPy BPTT against TensorFlow's autodiff, forward + backward of one batch.

Shapes N = 64 reviews, T = 200 steps, D = 128 inputs, H = 128 hidden units, float32 -- Day 1's model. TensorFlow runs
keras.layers.SimpleRNN + Dense under tf.GradientTape inside tf.function; both compute the same loss and the
gradients of all weights, the inputs and h0. The two alternate, repeat by repeat, so machine noise hits both alike.
The last line printed is `ratio numpy/tensorflow: X.XX` (median time over median time; below 1 NumPy is faster).

Both sides use the same number of threads (--threads: NumPy's BLAS through threadpoolctl, TensorFlow's intra- and
inter-op pools), printed with the CPU model; on a busy 2-core machine default BLAS threads can make the ratio several
times worse. Inputs are random with standard deviation --input-scale (default 0.05, about the size of the trained
Day-1 embedding entries). With --input-scale 1 the tanh saturates and the error vanishes into float32's subnormal
range; some CPUs then slow NumPy down (notes/day2.md, section 5).

    python benchmarks/bptt_speed.py --threads 1
    python benchmarks/bptt_speed.py --threads 2
"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import day2_bptt_numpy as bptt
from rnn_days import cli
from rnn_days.bridge import keras_simple_rnn
from rnn_days.conditions import conditions, describe, set_threads

tf, keras = cli.import_tensorflow()


def numpy_step(x, y, h0, params):
    loss, cache = bptt.forward(x, y, h0, params)
    return loss, bptt.backward(cache)


def make_tf_step(params, T):
    rnn, dense = keras_simple_rnn(params, T)
    variables = [*rnn.trainable_weights, *dense.trainable_weights]

    @tf.function
    def step(x, y, h0):
        with tf.GradientTape() as tape:
            tape.watch([x, h0])
            z = dense(rnn(x, initial_state=h0))[:, 0]
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, z))
        return loss, tape.gradient(loss, variables + [x, h0])

    return step


def main(argv=None):
    parser = cli.Parser(__doc__)
    parser.add_argument("--repeats", type=cli.positive_int, default=30, help="timed runs of each (default %(default)s)")
    parser.add_argument("--batch", type=cli.positive_int, default=64, help="N (default %(default)s)")
    parser.add_argument("--seq-len", type=cli.positive_int, default=200, help="T (default %(default)s)")
    parser.add_argument("--input-scale", type=cli.bounded_float(10.0), default=0.05,
                        help="standard deviation of the random inputs, in (0, 10] (default %(default)s)")
    parser.add_argument("--threads", type=cli.positive_int, default=1,
                        help="threads for both NumPy's BLAS and TensorFlow (default %(default)s)")
    parser.add_seed()
    parser.add_argument("--json", default=None, help="also write the result to this JSON file")
    args = parser.parse_args(argv)
    N, T, D, H = args.batch, args.seq_len, 128, 128
    set_threads(args.threads)
    print(f"conditions: {describe(conditions())}")
    try:
        run_benchmark(args, N, T, D, H)
    except (MemoryError, tf.errors.ResourceExhaustedError):
        cli.fail(f"N x T = {N} x {T} does not fit in memory; lower --batch or --seq-len")


def run_benchmark(args, N, T, D, H):
    rng = np.random.default_rng(args.seed)
    params = bptt.init_params(D, H, rng, scale=1.0, dtype=np.float32)
    x, y, h0 = bptt.make_batch(N, T, D, H, rng, np.float32)
    x *= np.float32(args.input_scale)
    tf_step = make_tf_step(params, T)
    xt, yt, h0t = tf.constant(x), tf.constant(y), tf.constant(h0)

    # same loss, same gradient: the race is fair
    loss_np, grads_np = numpy_step(x, y, h0, params)
    loss_tf, grads_tf = tf_step(xt, yt, h0t)
    worst = max(float(np.max(np.abs(grads_np[k] - g.numpy())) / max(np.max(np.abs(g.numpy())), 1e-30))
                for k, g in zip(bptt.PARAM_NAMES + ("x", "h0"), grads_tf))
    print(f"N={N} T={T} D={D} H={H} float32, input scale {args.input_scale:g}; loss numpy {loss_np:.6f}, "
          f"tensorflow {float(loss_tf):.6f}; largest gradient difference {worst:.1e} (relative to each gradient's "
          "largest entry)")

    for _ in range(3):  # warm-up: tracing, caches, thread pools
        numpy_step(x, y, h0, params)
        tf_step(xt, yt, h0t)
    times = {"numpy": [], "tensorflow": []}
    for _ in range(args.repeats):
        start = time.perf_counter()
        numpy_step(x, y, h0, params)
        times["numpy"].append(time.perf_counter() - start)
        start = time.perf_counter()
        _, grads = tf_step(xt, yt, h0t)
        grads[0].numpy()  # results in hand, as NumPy's are
        times["tensorflow"].append(time.perf_counter() - start)
    med = {k: float(np.median(v)) for k, v in times.items()}
    for k, v in times.items():
        print(f"{k:>10}: median {1e3 * med[k]:.1f} ms (min {1e3 * min(v):.1f}, max {1e3 * max(v):.1f}) "
              f"over {args.repeats} runs")
    ratio = med["numpy"] / med["tensorflow"]
    if args.json:
        cli.write_json({"numpy_ms": 1e3 * med["numpy"], "tensorflow_ms": 1e3 * med["tensorflow"], "ratio": ratio,
                        "largest_gradient_difference": worst, "settings": vars(args), "conditions": conditions()},
                       args.json)
    print(f"ratio numpy/tensorflow: {ratio:.2f}")


if __name__ == "__main__":
    cli.run(main)
