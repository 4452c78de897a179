"""Day 3: how far back can each cell remember? Accuracy against lag for SimpleRNN, GRU and LSTM.

What it shows: what a network can *learn* across a lag -- not what its gradient or a probe suggests. Two tasks whose
answer sits T steps back; for every cell and every T, a few seeds are trained on fresh random sequences and scored
on 2,000 held-out ones:

  * first-token recall: x_1 is the label bit (+1 or -1), x_2..x_T are random +1/-1 distractors; after step T say
    whether x_1 was +1. Chance: 0.5.
  * the adding problem (Hochreiter & Schmidhuber 1997): two channels, values uniform in (-1, 1) and markers; one
    marker in the first tenth, one in [T/10, T/2); the target is the sum of the two marked values; an answer is right
    when it is within 0.16. Chance (always answering 0): 0.15; the constant answer's mean squared error is 2/3.

The memory horizon of a cell is the largest T of the grid where its median accuracy over the seeds is >= 0.9
(recall) or >= 0.8 (adding); printed beside it, the largest T up to which every lag of the grid passes. The original
Day-2 tutorial says a SimpleRNN is useless beyond ~15 steps and cannot connect T=0 with T=100.

    python day3_memory.py                          # the default grid: 3 cells x 13 lags x 3 seeds, about 5 minutes
    python day3_memory.py --quick --out runs/day3_memory_quick        # a small grid in well under a minute
    python day3_memory.py --tasks adding --cells simple_rnn --adding-lags 50 --steps 6000 --out runs/day3_memory_long

How it fits on 2 cores (rnn_days/side_by_side.py, the engine): each (task, T, cell) is one job training its seeds
side by side in one XLA-compiled step; a seed stops once it solves a validation batch; two single-threaded worker
processes share the jobs, longest first. notes/day3.md, section 6, has the measured times and the results.
Outputs (in --out, default runs/day3_memory/): memory_horizon.png, memory_horizon.json.
"""
import argparse
import functools
import os
import time

import numpy as np

from rnn_days import cli, side_by_side
from rnn_days.conditions import conditions, describe

CELLS = {"simple_rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}
LAGS = {"recall": (10, 20, 50, 100, 200, 400), "adding": (10, 20, 30, 50, 75, 100, 200)}
DEFAULT = {"lags": LAGS, "seeds": 3, "steps": 1500}
QUICK = {"lags": {"recall": (5, 20), "adding": (5, 20)}, "seeds": 2, "steps": 300}   # a smoke test, under a minute
CHANCE = {"recall": 0.5, "adding": 0.16 - 0.16 ** 2 / 4}   # adding: P(|u + v| < 0.16), u, v uniform in (-1, 1)
HORIZON = {"recall": 0.9, "adding": 0.8}                   # "remembers across T": median accuracy at least this
SOLVED = {"recall": 0.99, "adding": 0.95}                  # a seed stops training once a validation batch says so
TOLERANCE = 0.16                                           # adding: an answer within this of the target is right
# The training recipe, the same for every cell: 32 units, Adam 3e-3, batches of 64 fresh sequences; every 100 steps
# a 512-sequence validation batch decides whether a seed has solved the task; 2,000 held-out sequences score it.
HIDDEN, LEARNING_RATE, BATCH, CHECK_EVERY, VAL_SIZE, EVAL_SIZE = 32, 3e-3, 64, 100, 512, 2000
MAX_SEEDS, MAX_WORKERS = 100, 16
OUT_OF_MEMORY = "lower --workers or the largest lag"


# ---------------------------------------------------------------------------------------------------------------
# 1. The tasks: a batch of n sequences of length T, and what counts as right
# ---------------------------------------------------------------------------------------------------------------

def recall_batch(rng, n, T):
    """x (n, T, 1): x_1 the label bit as +1/-1, then T-1 random +1/-1 distractors; y (n,): 1 if x_1 = +1."""
    x = rng.choice(np.array([-1.0, 1.0], np.float32), size=(n, T, 1))
    return x, (x[:, 0, 0] > 0).astype(np.float32)


def adding_batch(rng, n, T):
    """x (n, T, 2): channel 0 values uniform in (-1, 1), channel 1 marks one step in [0, T/10) and one in
    [T/10, T/2) (0-based); y (n,): the sum of the two marked values."""
    values = rng.uniform(-1, 1, (n, T)).astype(np.float32)
    split = max(1, T // 10)
    first = rng.integers(0, split, n)
    second = rng.integers(split, max(split + 1, T // 2), n)
    markers = np.zeros((n, T), np.float32)
    rows = np.arange(n)
    markers[rows, first] = markers[rows, second] = 1
    return np.stack([values, markers], axis=-1), values[rows, first] + values[rows, second]


BATCHES = {"recall": recall_batch, "adding": adding_batch}


def correct(task, output, y):
    """Which answers are right: recall reads the logit's sign, adding the distance to the target."""
    return (output > 0) == (y > 0.5) if task == "recall" else np.abs(output - y) < TOLERANCE


def data_rng(task, T, seed, purpose):
    """The random stream for one (task, T, seed): every cell gets the same sequences, train / validation / test
    apart. The same seed gives the same data, bit for bit."""
    return np.random.default_rng([seed, list(LAGS).index(task), T, ("train", "validation", "test").index(purpose)])


# ---------------------------------------------------------------------------------------------------------------
# 2. One job: the seeds of one (task, T, cell), trained side by side in one compiled step
# ---------------------------------------------------------------------------------------------------------------

def build_model(cell, task, T, hidden, forget_bias=1.0):
    """Input (T, channels) -> SimpleRNN / GRU / LSTM(hidden) -> Dense(1): a logit (recall) or the sum (adding).
    Keras's default initialisers; the LSTM's forget-gate bias starts at forget_bias (Keras's unit_forget_bias: 1)."""
    import keras
    layer = getattr(keras.layers, CELLS[cell])
    if cell == "lstm" and forget_bias != 1.0:
        def bias(shape, dtype=None):  # gate order i, f, c, o: only the forget gate's slice is not zero
            return keras.ops.concatenate([keras.ops.zeros((hidden,)), keras.ops.full((hidden,), forget_bias),
                                          keras.ops.zeros((2 * hidden,))])
        layer = functools.partial(layer, unit_forget_bias=False, bias_initializer=bias)
    return keras.Sequential([keras.Input((T, 1 if task == "recall" else 2)), layer(hidden), keras.layers.Dense(1)])


def loss(task, output, y):
    """recall: cross-entropy of the logit; adding: squared error of the sum."""
    import tensorflow as tf
    if task == "recall":
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, output))
    return tf.reduce_mean(tf.square(output - y))


def train_step(model, optimizer, x, y, task):
    """One step of one model: the loss on a fresh batch, its gradient, one Adam update (clipped to global norm 1)."""
    import tensorflow as tf
    with tf.GradientTape() as tape:
        value = loss(task, model(x, training=True)[:, 0], y)
    variables = model.trainable_variables
    optimizer.apply(tape.gradient(value, variables), variables)
    return value


def run_job(task, T, cell, seeds, steps, forget_bias=1.0):
    """Train one model per seed on fresh batches (side by side: rnn_days/side_by_side.py) until it solves its
    validation batch or `steps` pass; then score EVAL_SIZE held-out sequences. Returns one dict per seed."""
    import keras
    start = time.perf_counter()
    models, optimizers = [], []
    for seed in seeds:
        keras.utils.set_random_seed(seed)   # the weights: one seed, one initialisation, whatever the cell
        models.append(build_model(cell, task, T, HIDDEN, forget_bias))
        # the same optimiser for every cell: Adam, the gradient clipped to global norm 1 (Pascanu et al. 2013)
        optimizers.append(keras.optimizers.Adam(LEARNING_RATE, global_clipnorm=1.0))

    batch = BATCHES[task]
    train_rngs = [data_rng(task, T, s, "train") for s in seeds]

    def stacked(batches):
        return np.stack([b[0] for b in batches]), np.stack([b[1] for b in batches])

    validation = stacked([batch(data_rng(task, T, s, "validation"), VAL_SIZE, T) for s in seeds])
    trained = side_by_side.train(models, optimizers, functools.partial(train_step, task=task),
                                 lambda: stacked([batch(rng, BATCH, T) for rng in train_rngs]), validation,
                                 functools.partial(correct, task), SOLVED[task], steps, CHECK_EVERY)
    test_x, test_y = stacked([batch(data_rng(task, T, s, "test"), EVAL_SIZE, T) for s in seeds])
    accuracy = correct(task, trained.outputs(test_x), test_y)
    seconds = time.perf_counter() - start
    return [{"task": task, "T": T, "cell": cell, "seed": s, "accuracy": float(accuracy[k].mean()),
             "steps": int(trained.steps[k]), "solved_validation": bool(trained.solved[k]),
             "validation_history": trained.history[k], "job_seconds": round(seconds, 2),
             "job_compile_seconds": round(trained.compile_seconds, 2), "job_seeds": len(seeds)}
            for k, s in enumerate(seeds)]


# ---------------------------------------------------------------------------------------------------------------
# 3. The grid, the horizon, the figure
# ---------------------------------------------------------------------------------------------------------------

COST = {"simple_rnn": 1.0, "gru": 1.6, "lstm": 1.8}   # rough relative time per step, to start the longest jobs first


def run_grid(tasks, cells, lags, seeds, steps, forget_bias, workers):
    """Every (task, T, cell) job on `workers` processes. Returns (runs, conditions of a worker)."""
    jobs = [(task, T, cell) for task in tasks for T in lags[task] for cell in cells]
    jobs.sort(key=lambda j: -j[1] * COST[j[2]])
    results = side_by_side.run_jobs(run_job, [job + (seeds, steps, forget_bias) for job in jobs], workers,
                                    first=conditions)
    worker_info = next(results)
    runs = []
    for done, result in enumerate(results, 1):
        runs.extend(result)
        r = result[0]
        accuracies = " ".join(f"{x['accuracy']:.3f}" for x in result)
        print(f"[{done:>2}/{len(jobs)}] {r['task']:>6} T={r['T']:<4} {CELLS[r['cell']]:<9} accuracy {accuracies}"
              f"  steps {' '.join(str(x['steps']) for x in result)}  {r['job_seconds']:.0f} s", flush=True)
    runs.sort(key=lambda r: (tasks.index(r["task"]), r["T"], cells.index(r["cell"]), r["seed"]))
    return runs, worker_info


def summarise(runs, tasks, cells, lags):
    """Median and range of the accuracy per (task, cell, T), and each cell's memory horizon."""
    summary = {}
    for task in tasks:
        summary[task] = {}
        for cell in cells:
            points = {}
            for T in lags[task]:
                acc = [r["accuracy"] for r in runs if (r["task"], r["cell"], r["T"]) == (task, cell, T)]
                points[str(T)] = {"median": float(np.median(acc)), "min": float(min(acc)), "max": float(max(acc)),
                                  "seeds": len(acc)}
            passing = [int(T) for T, p in points.items() if p["median"] >= HORIZON[task]]
            failing = [int(T) for T, p in points.items() if p["median"] < HORIZON[task]]
            summary[task][cell] = {"points": points, "horizon": max(passing) if passing else None,
                                   # the largest T below which no lag of the grid fails: the horizon when the
                                   # curve is monotone, smaller when a failure comes before a success
                                   "horizon_contiguous": max([T for T in passing if not any(f < T for f in failing)],
                                                             default=None)}
    return summary


def plot(summary, runs, settings, path):
    """Median held-out accuracy against T per cell, the range of the seeds as a band, every seed as a dot."""
    import matplotlib.pyplot as plt
    tasks, cells = settings["tasks"], settings["cells"]
    fig, axes = plt.subplots(1, len(tasks), figsize=(6.5 * len(tasks), 4.6), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for cell in cells:
            lags = settings["lags"][task]
            p = summary[task][cell]["points"]
            median = [p[str(T)]["median"] for T in lags]
            h = summary[task][cell]
            gap = ("" if h["horizon"] == h["horizon_contiguous"] else f"; every lag up to {h['horizon_contiguous']}"
                   if h["horizon_contiguous"] else "; a shorter lag fails")
            line, = ax.plot(lags, median, "o-", label=f"{CELLS[cell]} (horizon {h['horizon']}{gap})")
            ax.fill_between(lags, [p[str(T)]["min"] for T in lags], [p[str(T)]["max"] for T in lags],
                            color=line.get_color(), alpha=0.15)
            seeds = [r for r in runs if r["task"] == task and r["cell"] == cell]
            ax.plot([r["T"] for r in seeds], [r["accuracy"] for r in seeds], ".", color=line.get_color(), alpha=0.5)
        ax.axhline(CHANCE[task], color="gray", ls=":", label=f"chance {CHANCE[task]:.2f}")
        ax.axhline(HORIZON[task], color="k", lw=0.8, ls="--", label=f"horizon threshold {HORIZON[task]}")
        ax.set_xscale("log")
        ax.set_xticks(lags, [str(T) for T in lags])
        ax.set(xlabel="T, steps between the evidence and the answer", ylabel="held-out accuracy", ylim=(0, 1.02),
               title=f"{'first-token recall' if task == 'recall' else 'adding problem'}: median of {settings['seeds']} "
                     f"seeds, band = range")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{HIDDEN} units, Adam {LEARNING_RATE:g}, clip 1, batch {BATCH}, at most {settings['steps']} steps"
                 + (f", LSTM forget bias {settings['forget_bias']:g}"
                    if settings["forget_bias"] != 1 and "lstm" in cells else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 4. The script
# ---------------------------------------------------------------------------------------------------------------

def lag_list(text):
    """argparse type: comma-separated lags, each an integer from 2 to 5000."""
    try:
        lags = sorted({int(p) for p in text.split(",") if p.strip()})
    except ValueError:
        lags = []
    if not lags or lags[0] < 2 or lags[-1] > 5000:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers from 2 to 5000, got {text!r}")
    return lags


def name_list(choices):
    def parse(text):
        names = [p.strip() for p in text.split(",") if p.strip()]
        if not names or any(n not in choices for n in names) or len(set(names)) != len(names):
            raise argparse.ArgumentTypeError(f"expected comma-separated names from {', '.join(choices)}, got {text!r}")
        return names
    return parse


def make_parser():
    parser = cli.Parser(__doc__)
    parser.add_argument("--tasks", type=name_list(tuple(LAGS)), default="recall,adding",
                        help="comma-separated: recall, adding (default %(default)s)")
    parser.add_argument("--cells", type=name_list(tuple(CELLS)), default="simple_rnn,gru,lstm",
                        help="comma-separated: simple_rnn, gru, lstm (default %(default)s)")
    parser.add_argument("--recall-lags", type=lag_list, default=None,
                        help=f"T values for recall (default {','.join(map(str, LAGS['recall']))})")
    parser.add_argument("--adding-lags", type=lag_list, default=None,
                        help=f"T values for adding (default {','.join(map(str, LAGS['adding']))})")
    parser.add_argument("--quick", action="store_true",
                        help=f"a small grid for a smoke test: lags {QUICK['lags']['recall']}, 2 seeds, 300 steps "
                             "(flags given beside it win)")
    parser.add_argument("--seeds", type=cli.positive_int, default=None,
                        help=f"seeds per point, at most {MAX_SEEDS}: --seed, --seed+1, ... (default 3)")
    parser.add_seed()
    parser.add_argument("--steps", type=cli.positive_int, default=None,
                        help="most training steps per run (default 1500)")
    parser.add_argument("--forget-bias", type=float, default=1.0,
                        help="the LSTM's starting forget-gate bias (default %(default)s: Keras's unit_forget_bias)")
    parser.add_argument("--workers", type=cli.positive_int, default=min(2, os.cpu_count() or 1),
                        help=f"worker processes, one TensorFlow thread each, at most {MAX_WORKERS} (default: up to "
                             "2, one per core)")
    parser.add_out(os.path.join("runs", "day3_memory"))
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else DEFAULT   # what a flag not given stands for
    lags = {"recall": args.recall_lags or list(preset["lags"]["recall"]),
            "adding": args.adding_lags or list(preset["lags"]["adding"])}
    chosen = {"seeds": args.seeds or preset["seeds"], "steps": args.steps or preset["steps"]}
    if not -20 <= args.forget_bias <= 20:  # also refuses nan and inf
        parser.error(f"argument --forget-bias: expected a number from -20 to 20, got {args.forget_bias}")
    if chosen["seeds"] > MAX_SEEDS:
        parser.error(f"argument --seeds: at most {MAX_SEEDS} (they are compiled into one step), got {chosen['seeds']}")
    if args.workers > MAX_WORKERS:
        parser.error(f"argument --workers: at most {MAX_WORKERS}, got {args.workers}")
    if args.seed + chosen["seeds"] - 1 > 2 ** 32 - 1:
        parser.error("argument --seeds: --seed + --seeds - 1 must stay below 2**32")
    seeds = list(range(args.seed, args.seed + chosen["seeds"]))
    settings = {"tasks": args.tasks, "cells": args.cells, "lags": lags, "seeds": chosen["seeds"], "seed": args.seed,
                "steps": chosen["steps"], "forget_bias": args.forget_bias, "workers": args.workers, "quick": args.quick,
                "hidden": HIDDEN, "learning_rate": LEARNING_RATE, "batch": BATCH, "check_every": CHECK_EVERY,
                "val_size": VAL_SIZE, "eval_size": EVAL_SIZE}
    cli.check_writable(args.out)   # before the work, not after it
    start = time.perf_counter()
    print(f"{len(args.tasks)} task(s) x {len(args.cells)} cell(s) x {sum(len(lags[t]) for t in args.tasks)} "
          f"lag(s) x {len(seeds)} seed(s), at most {settings['steps']} steps each, {args.workers} worker(s)",
          flush=True)
    runs, worker_info = run_grid(args.tasks, args.cells, lags, seeds, settings["steps"], args.forget_bias,
                                 args.workers)
    total = time.perf_counter() - start
    summary = summarise(runs, args.tasks, args.cells, lags)
    print(f"\nmemory horizon (largest T with median accuracy >= {HORIZON['recall']} recall / "
          f"{HORIZON['adding']} adding), {total:.0f} s in all:")
    for task in args.tasks:
        for cell in args.cells:
            s = summary[task][cell]
            points = ", ".join(f"{T} {p['median']:.2f}" for T, p in s["points"].items())
            print(f"  {task:>6} {CELLS[cell]:<9}: {s['horizon']} (every lag up to {s['horizon_contiguous']} "
                  f"of the grid passes)  median accuracy per T: {points}")
    info = dict(worker_info, workers=args.workers)
    print(f"conditions: {describe(info)} (per worker)")
    with cli.Outputs(args.out) as out:
        plot(summary, runs, settings, out.path("memory_horizon.png"))
        cli.write_json({"summary": summary, "runs": runs, "total_seconds": round(total, 1),
                        "chance": CHANCE, "horizon_threshold": HORIZON, "solved_threshold": SOLVED,
                        "settings": settings, "conditions": info}, out.path("memory_horizon.json"))
    for path in out.written():
        print(f"wrote {path}")
    return summary


if __name__ == "__main__":
    cli.run(main)
