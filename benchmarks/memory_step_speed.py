"""Benchmark: what one training step of day4_memory.py costs, and what made the grid fit in minutes.

One step trains three models side by side (a SimpleRNN, a GRU and an LSTM of 32 units, the memory experiment's
optimiser) on a batch of 64 recall sequences of T = 100 steps. Four settings, each in its own fresh process (thread
counts must be set before TensorFlow starts): with and without XLA (`jit_compile`), with 1 and 2 TensorFlow threads.
Reported: the median time per step over --steps steps, per model and time step. The last line is
`ratio xla/plain (1 thread): X.XX`.

    python benchmarks/memory_step_speed.py --json runs/memory_step_speed.json
"""
import json
import os
import subprocess
import sys
import time

import race
from rnn_days import outputs  # benchmarks/race.py: puts the repo root on sys.path

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SETTINGS = [(True, 1), (False, 1), (True, 2), (False, 2)]


def one_setting(jit, threads, steps, T):
    """In this process: build, compile, time. Returns seconds per step (median)."""
    from rnn_days.conditions import set_threads
    tf, keras = race.cli.import_tensorflow()
    set_threads(threads)
    import day4_memory as memory

    keras.utils.set_random_seed(0)
    models = [memory.build_model(cell, "recall", T, 32) for cell in ("simple_rnn", "gru", "lstm")]
    optimizers = [keras.optimizers.Adam(3e-3, global_clipnorm=1.0) for _ in models]
    for m, o in zip(models, optimizers):
        o.build(m.trainable_variables)

    @tf.function(jit_compile=jit)
    def step(x, y):
        for k, (m, o) in enumerate(zip(models, optimizers)):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y[k], m(x[k])[:, 0]))
            o.apply(tape.gradient(loss, m.trainable_variables), m.trainable_variables)
        return loss

    rng = np.random.default_rng(0)
    batches = [memory.recall_batch(rng, 64, T) for _ in range(3)]
    x, y = np.stack([b[0] for b in batches]), np.stack([b[1] for b in batches])
    step(x, y)  # compile
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        float(step(x, y))
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main(argv=None):
    parser = race.cli.Parser(__doc__)
    parser.add_argument("--steps", type=race.cli.positive_int, default=40, help="timed steps (default %(default)s)")
    parser.add_argument("--seq-len", type=race.cli.positive_int, default=100, help="T (default %(default)s)")
    parser.add_argument("--json", type=race.cli.json_file, default=None,
                        help="also write the result to this JSON file")
    parser.add_argument("--one", type=one_setting_text, default=None, help=argparse_hidden())
    args = parser.parse_args(argv)
    if args.one:  # the child process: one setting
        jit, threads = args.one
        print(json.dumps(one_setting(jit, threads, args.steps, args.seq_len)))
        return
    rows = []
    for jit, threads in SETTINGS:
        out = subprocess.run([sys.executable, os.path.join(HERE, "memory_step_speed.py"), "--steps", str(args.steps),
                              "--seq-len", str(args.seq_len), "--one", f"{int(jit)},{threads}"],
                             capture_output=True, text=True)
        if out.returncode != 0:   # the child's own one-line error, passed on
            lines = (out.stderr.strip() or f"exit status {out.returncode}").splitlines()
            raise race.cli.Failure(f"the timing run (XLA {'on' if jit else 'off'}, {threads} threads) failed: "
                                   f"{lines[-1]}")
        seconds = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append({"xla": jit, "threads": threads, "ms_per_step": 1e3 * seconds,
                     "us_per_model_timestep": 1e6 * seconds / 3 / args.seq_len})
        print(f"XLA {'on ' if jit else 'off'}, {threads} TensorFlow thread(s): {1e3 * seconds:.1f} ms per step, "
              f"{rows[-1]['us_per_model_timestep']:.1f} us per model and time step", flush=True)
    from rnn_days.conditions import conditions
    race.cli.import_tensorflow()  # for the versions in the conditions (the timings ran in the child processes)
    if args.json:
        outputs.write_json({"rows": rows, "settings": vars(args), "conditions": conditions()}, args.json)
    print(f"ratio xla/plain (1 thread): {rows[0]['ms_per_step'] / rows[1]['ms_per_step']:.2f}")


def one_setting_text(text):
    """argparse type of the child's --one: "JIT,THREADS", JIT 0 or 1, THREADS 1 or 2."""
    import argparse
    if text not in ("0,1", "0,2", "1,1", "1,2"):
        raise argparse.ArgumentTypeError(f"expected 0,1 / 0,2 / 1,1 / 1,2 (XLA off/on, threads), got {text!r}")
    jit, threads = text.split(",")
    return jit == "1", int(threads)


def argparse_hidden():
    import argparse
    return argparse.SUPPRESS


if __name__ == "__main__":
    race.cli.run(main)
