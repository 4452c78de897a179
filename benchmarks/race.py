"""What the speed benchmarks share: the flags, equal thread settings for both sides, alternating timed repeats, the
printed conditions and the last line `ratio numpy/tensorflow: X.XX` (median time over median time; below 1 NumPy is
faster). Used by bptt_speed.py (Day 2's RNN) and lstm_speed.py (Day 3's LSTM)."""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rnn_days import cli, outputs
from rnn_days.conditions import conditions, describe, set_threads

import numpy as np


def make_parser(doc):
    parser = cli.Parser(doc)
    parser.add_argument("--repeats", type=cli.positive_int, default=30, help="timed runs of each (default %(default)s)")
    parser.add_argument("--batch", type=cli.positive_int, default=64, help="N (default %(default)s)")
    parser.add_argument("--seq-len", type=cli.positive_int, default=200, help="T (default %(default)s)")
    parser.add_argument("--input-scale", type=cli.bounded_float(10.0), default=0.05,
                        help="standard deviation of the random inputs, in (0, 10] (default %(default)s)")
    parser.add_argument("--threads", type=cli.positive_int, default=1,
                        help="threads for both NumPy's BLAS and TensorFlow (default %(default)s)")
    parser.add_seed()
    parser.add_argument("--json", type=cli.json_file, default=None, help="also write the result to this JSON file")
    return parser


def run(argv, doc, setup):
    """Parse the flags, set the threads, then setup(args) -> (numpy_step, tf_step, names, describe_line): two
    callables computing the same loss and gradients (a list in `names` order for TensorFlow), checked equal first."""
    import tensorflow as tf
    args = make_parser(doc).parse_args(argv)
    set_threads(args.threads)
    print(f"conditions: {describe(conditions())}")
    try:
        race(args, *setup(args))
    except (MemoryError, tf.errors.ResourceExhaustedError):
        raise cli.Failure(f"N x T = {args.batch} x {args.seq_len} does not fit in memory; lower --batch or --seq-len")


def race(args, numpy_step, tf_step, names, shapes):
    # same loss, same gradient: the race is fair
    loss_np, grads_np = numpy_step()
    loss_tf, grads_tf = tf_step()
    worst = max(float(np.max(np.abs(grads_np[k] - g.numpy())) / max(np.max(np.abs(g.numpy())), 1e-30))
                for k, g in zip(names, grads_tf))
    print(f"{shapes} float32, input scale {args.input_scale:g}; loss numpy {loss_np:.6f}, "
          f"tensorflow {float(loss_tf):.6f}; largest gradient difference {worst:.1e} (relative to each gradient's "
          "largest entry)")
    for _ in range(3):  # warm-up: tracing, caches, thread pools
        numpy_step()
        tf_step()
    times = {"numpy": [], "tensorflow": []}
    for _ in range(args.repeats):  # alternating, so machine noise hits both alike
        start = time.perf_counter()
        numpy_step()
        times["numpy"].append(time.perf_counter() - start)
        start = time.perf_counter()
        _, grads = tf_step()
        grads[0].numpy()  # results in hand, as NumPy's are
        times["tensorflow"].append(time.perf_counter() - start)
    med = {k: float(np.median(v)) for k, v in times.items()}
    for k, v in times.items():
        print(f"{k:>10}: median {1e3 * med[k]:.1f} ms (min {1e3 * min(v):.1f}, max {1e3 * max(v):.1f}) "
              f"over {args.repeats} runs")
    ratio = med["numpy"] / med["tensorflow"]
    if args.json:
        outputs.write_json({"numpy_ms": 1e3 * med["numpy"], "tensorflow_ms": 1e3 * med["tensorflow"], "ratio": ratio,
                        "largest_gradient_difference": worst, "settings": vars(args), "conditions": conditions()},
                       args.json)
    print(f"ratio numpy/tensorflow: {ratio:.2f}")
