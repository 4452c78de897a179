"""Benchmark: training time per epoch of Day 1's SimpleRNN against Day 3's LSTM and GRU, measured in one run.

The three IMDB models (Embedding(10000, 128) -> cell(128) -> Dense(1, sigmoid), Adam + clipping as in the days) train
on the same random batches of word indices (N = 64, T = 200); the cells take turns, round after round, so machine
noise hits all alike. Reported: the median time of one training step, the epoch it implies (20,000 training reviews
= 313 steps), and the ratios to the SimpleRNN. The last line is `ratio lstm/simple_rnn: X.XX`.

    python benchmarks/epoch_speed.py --threads 2 --json runs/epoch_speed.json
"""
import time

import race

# race puts the repo root on sys.path: the days import only after it
# isort: split
import day1_tensorflow as day1
import day3_tensorflow as day3
from rnn_days import outputs  # benchmarks/race.py: puts the repo root on sys.path
from rnn_days.conditions import conditions, describe, set_threads

import numpy as np

cli, tf, keras = race.cli, day3.tf, day3.keras
STEPS_PER_EPOCH = -(-20_000 // 64)


def main(argv=None):
    parser = cli.Parser(__doc__)
    parser.add_argument("--rounds", type=cli.positive_int, default=5, help="timed rounds (default %(default)s)")
    parser.add_argument("--steps", type=cli.positive_int, default=20,
                        help="training steps per cell and round (default %(default)s)")
    parser.add_argument("--threads", type=cli.positive_int, default=2,
                        help="TensorFlow intra- and inter-op threads, and BLAS threads (default %(default)s)")
    parser.add_seed()
    parser.add_argument("--json", type=race.cli.json_file, default=None,
                        help="also write the result to this JSON file")
    args = parser.parse_args(argv)
    set_threads(args.threads)
    print(f"conditions: {describe(conditions())}")
    keras.utils.set_random_seed(args.seed)
    models = {"simple_rnn": day1.compile_model(day1.build_model(), 1e-3),   # each as its day trains it
              "lstm": day1.compile_model(day3.build_model("lstm"), 1e-3),
              "gru": day1.compile_model(day3.build_model("gru"), 1e-3)}
    rng = np.random.default_rng(args.seed)
    x = rng.integers(1, 10_000, (64 * args.steps, 200)).astype("int32")
    y = rng.integers(0, 2, 64 * args.steps).astype("float32")
    for model in models.values():  # warm-up: tracing and thread pools
        model.fit(x[:128], y[:128], batch_size=64, epochs=1, verbose=0)
    times = {name: [] for name in models}
    for r in range(args.rounds):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(x, y, batch_size=64, epochs=1, verbose=0)
            times[name].append((time.perf_counter() - start) / args.steps)
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{n} {1e3 * t[-1]:.1f} ms/step" for n, t in times.items()),
              flush=True)
    med = {n: float(np.median(t)) for n, t in times.items()}
    for n, t in med.items():
        print(f"{n:>10}: median {1e3 * t:.1f} ms per step -> {t * STEPS_PER_EPOCH:.1f} s per epoch "
              f"({t / med['simple_rnn']:.2f} x SimpleRNN)")
    if args.json:
        outputs.write_json({"ms_per_step": {n: 1e3 * t for n, t in med.items()},
                        "seconds_per_epoch": {n: t * STEPS_PER_EPOCH for n, t in med.items()},
                        "ratio_to_simple_rnn": {n: t / med["simple_rnn"] for n, t in med.items()},
                        "settings": vars(args), "conditions": conditions()}, args.json)
    print(f"ratio lstm/simple_rnn: {med['lstm'] / med['simple_rnn']:.2f}")


if __name__ == "__main__":
    cli.run(main)
