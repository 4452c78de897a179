"""Day 4: what a recurrent network can learn to remember -- the cost of learning against the lag.

What it shows: how many training steps a cell needs to learn a task whose answer sits T steps back, and how often it
learns it at all within a stated cap. Two tasks, fresh random sequences every step:

  * first-token recall: x_1 is the label bit (+1 or -1), x_2..x_T are random +1/-1 distractors; after step T say
    whether x_1 was +1. Chance: 0.5.
  * the adding problem (Hochreiter & Schmidhuber 1997): two channels, values uniform in (-1, 1) and markers; one
    marker in the first tenth, one in [T/10, T/2); the target is the sum of the two marked values; an answer is right
    when it is within 0.16. Chance (always answering 0): 0.15.

For every task, cell and lag T, ten seeds train until their validation batch is solved (accuracy >= 0.99 recall,
>= 0.95 adding, checked every 100 steps) or the cap passes. A seed sets the starting weights (the same at every T)
and the training, validation and test sequences (different at every T). Reported per point: k of n seeds solved, the
exact 95% interval of the success rate, the median steps to solve, held-out accuracy on 2,000 new sequences. The
horizon of a cell is the largest T up to which every lag of the grid is solved by at least 80% of the seeds within
the cap. Before any training, the gradient that reaches the first input, ||dL/dx_1|| / ||dL/dx_T||, is measured at
the starting weights for every cell and lag (float64, median over the seeds): does it predict what is learned?

Each cell's lags run in increasing order; after two lags in a row where no seed solves, its longer lags are not
trained (hopeless within the cap; listed as skipped). The gradient at the start is measured at every lag anyway.

    python day4_memory.py --quick --out runs/day4_quick      # a smoke test, under a minute
    python day4_memory.py                                    # the default grid, about 10 minutes on 2 cores
    python day4_memory.py --full --out runs/day4_full        # the grid notes/day4.md shows (its wall time is there)

Cells: simple_rnn (Keras's SimpleRNN, tanh), irnn (ReLU SimpleRNN, identity recurrent weights: Le et al. 2015), gru,
lstm (Keras's start: forget bias 1), lstm_fb (forget bias --forget-bias, default 3), lstm_chrono (chrono
initialisation, Tallec & Ollivier 2018: forget bias log u, u ~ U(1, T_max - 1), input bias its negative, T_max the
largest lag of the task's grid).
Outputs (in --out, default runs/day4_memory/): learning.png, gradient_at_start.png, memory.json.
"""
import argparse
import functools
import math
import os
import time

import numpy as np

from rnn_days import cli, side_by_side
from rnn_days.conditions import conditions, describe

CELLS = {"simple_rnn": "SimpleRNN", "irnn": "IRNN", "gru": "GRU", "lstm": "LSTM", "lstm_fb": "LSTM b_f=3",
         "lstm_chrono": "LSTM chrono"}
FULL = {"lags": {"recall": (10, 20, 30, 50, 75, 100, 150, 200, 300, 400),
                 "adding": (10, 20, 30, 50, 75, 100, 150, 200)},
        "cells": ("simple_rnn", "gru", "lstm", "lstm_fb", "lstm_chrono"), "seeds": 10, "steps": 6000}
DEFAULT = {"lags": {"recall": (10, 20, 50, 100), "adding": (10, 20, 50)},
           "cells": ("simple_rnn", "gru", "lstm", "lstm_chrono"), "seeds": 10, "steps": 1500}
QUICK = {"lags": {"recall": (5, 20), "adding": (5, 20)}, "cells": ("simple_rnn", "gru", "lstm", "lstm_chrono"),
         "seeds": 2, "steps": 300}
TASKS = ("recall", "adding")
CHANCE = {"recall": 0.5, "adding": 0.16 - 0.16 ** 2 / 4}   # adding: P(|u + v| < 0.16), u, v uniform in (-1, 1)
SOLVED = {"recall": 0.99, "adding": 0.95}                  # a seed has solved the task: validation accuracy this high
TOLERANCE = 0.16                                           # adding: an answer within this of the target is right
HORIZON_SHARE = 0.8                                        # the horizon: every lag up to T solved by >= 80% of seeds
PRUNE_AFTER = 2                                            # lags in a row with no seed solving: stop that cell there
# The training recipe, the same for every cell: 32 units, Adam 3e-3 clipped to global norm 1, batches of 64 fresh
# sequences; every 100 steps a 512-sequence validation batch decides whether a seed has solved the task; 2,000
# held-out sequences score it; 256 sequences measure the gradient at the start.
HIDDEN, LEARNING_RATE, BATCH, CHECK_EVERY, VAL_SIZE, EVAL_SIZE, GRAD_SIZE = 32, 3e-3, 64, 100, 512, 2000, 256
MAX_SEEDS, MAX_WORKERS, MAX_LAG = 100, 16, 5000
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
    """The random stream for one (task, T, seed): every cell gets the same sequences, train / validation / test /
    gradient apart. The same seed gives the same data, bit for bit."""
    purposes = ("train", "validation", "test", "gradient")
    return np.random.default_rng([seed, TASKS.index(task), T, purposes.index(purpose)])


# ---------------------------------------------------------------------------------------------------------------
# 2. The cells, as Keras starts them and as the literature starts them
# ---------------------------------------------------------------------------------------------------------------

def lstm_bias(hidden, forget, input_gate=None):
    """The LSTM's bias in Keras's gate order i, f, c, o: the forget slice set, the input slice set or zero."""
    input_gate = np.zeros(hidden) if input_gate is None else input_gate
    return np.concatenate([input_gate, forget, np.zeros(2 * hidden)]).astype(np.float32)


def chrono_forget_bias(hidden, T_max, seed):
    """Tallec & Ollivier (2018): b_f = log u, u ~ U(1, T_max - 1), so a unit's memory time 1 / (1 - f) = 1 + u
    spreads over the lags the task can have."""
    return np.log(np.random.default_rng([seed, 7]).uniform(1, max(1, T_max - 1), hidden))


def build_model(cell, task, T, hidden, forget_bias=3.0, chrono_max=None, seed=0, dtype="float32"):
    """Input (T, channels) -> the recurrent cell (hidden units) -> Dense(1): a logit (recall) or the sum (adding).
    Keras's default initialisers except where the cell's name says otherwise; set keras's seed before calling."""
    import keras
    options = {}
    if cell == "irnn":   # Le, Jaitly & Hinton (2015): ReLU, identity recurrent weights, zero bias
        layer = functools.partial(keras.layers.SimpleRNN, activation="relu",
                                  recurrent_initializer=keras.initializers.Identity())
    elif cell in ("lstm_fb", "lstm_chrono"):
        if cell == "lstm_fb":
            bias = lstm_bias(hidden, np.full(hidden, forget_bias))
        else:
            b_f = chrono_forget_bias(hidden, chrono_max or T, seed)
            bias = lstm_bias(hidden, b_f, -b_f)
        # Keras's unit_forget_bias=True would overwrite the forget slice with 1: switched off to set our own
        options = dict(unit_forget_bias=False, bias_initializer=lambda shape, dtype=None: keras.ops.cast(bias, dtype))
        layer = keras.layers.LSTM
    else:
        layer = getattr(keras.layers, CELLS[cell])
    return keras.Sequential([keras.Input((T, 1 if task == "recall" else 2), dtype=dtype),
                             layer(hidden, dtype=dtype, **options), keras.layers.Dense(1, dtype=dtype)])


def loss(task, output, y):
    """recall: cross-entropy of the logit; adding: squared error of the sum."""
    import tensorflow as tf
    if task == "recall":
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, output))
    return tf.reduce_mean(tf.square(output - y))


# ---------------------------------------------------------------------------------------------------------------
# 3. Before training: how much of the error reaches the first input?
# ---------------------------------------------------------------------------------------------------------------

def gradient_at_start(task, T, cell, seeds, forget_bias=3.0, chrono_max=None):
    """||dL/dx_1|| / ||dL/dx_T|| at the starting weights, one value per seed: the norm over a batch of GRAD_SIZE
    sequences and the input channels. In float64, so that a ratio of 1e-60 is a number and not 0."""
    import keras
    import tensorflow as tf
    ratios = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)   # the same weights training starts from
        model32 = build_model(cell, task, T, HIDDEN, forget_bias, chrono_max, seed)
        model = build_model(cell, task, T, HIDDEN, forget_bias, chrono_max, seed, dtype="float64")
        model.set_weights([w.astype(np.float64) for w in model32.get_weights()])
        x, y = BATCHES[task](data_rng(task, T, seed, "gradient"), GRAD_SIZE, T)
        x = tf.constant(x, tf.float64)
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = loss(task, model(x)[:, 0], tf.constant(y, tf.float64))
        g = tape.gradient(value, x).numpy()
        ratios.append(float(np.linalg.norm(g[:, 0]) / np.linalg.norm(g[:, -1])))
    return {"task": task, "T": T, "cell": cell, "ratios": ratios}


# ---------------------------------------------------------------------------------------------------------------
# 4. Training: the seeds of one (task, T, cell), side by side in one compiled step
# ---------------------------------------------------------------------------------------------------------------

def train_step(model, optimizer, x, y, task):
    """One step of one model: the loss on a fresh batch, its gradient, one Adam update (clipped to global norm 1)."""
    import tensorflow as tf
    with tf.GradientTape() as tape:
        value = loss(task, model(x, training=True)[:, 0], y)
    variables = model.trainable_variables
    optimizer.apply(tape.gradient(value, variables), variables)
    return value


def run_job(task, T, cell, seeds, steps, forget_bias=3.0, chrono_max=None):
    """Train one model per seed on fresh batches (side by side: rnn_days/side_by_side.py) until it solves its
    validation batch or `steps` pass; then score EVAL_SIZE held-out sequences. Returns one dict per seed."""
    import keras
    start = time.perf_counter()
    models, optimizers = [], []
    for seed in seeds:
        keras.utils.set_random_seed(seed)   # the weights: one seed, one initialisation, the same at every T
        models.append(build_model(cell, task, T, HIDDEN, forget_bias, chrono_max, seed))
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
    train_seconds = time.perf_counter() - start
    test_x, test_y = stacked([batch(data_rng(task, T, s, "test"), EVAL_SIZE, T) for s in seeds])
    accuracy = correct(task, trained.outputs(test_x), test_y)
    return [{"task": task, "T": T, "cell": cell, "seed": s, "solved": bool(trained.solved[k]),
             "steps": int(trained.steps[k]), "accuracy": float(accuracy[k].mean()),
             "validation_history": trained.history[k], "job_seconds": round(time.perf_counter() - start, 2),
             "job_train_seconds": round(train_seconds, 2), "job_compile_seconds": round(trained.compile_seconds, 2),
             "job_seeds": len(seeds)}
            for k, s in enumerate(seeds)]


COST = {"simple_rnn": 1.0, "irnn": 1.0, "gru": 1.6, "lstm": 1.8, "lstm_fb": 1.8, "lstm_chrono": 1.8}


def run_grid(tasks, cells, lags, seeds, steps, forget_bias, workers):
    """The gradient at the start for every point, and training up each cell's lags in increasing order until
    PRUNE_AFTER lags in a row go unsolved. Returns (runs, gradients, skipped points, conditions of a worker)."""
    chrono_max = {task: max(lags[task]) for task in tasks}

    def training(task, cell, T):
        return (run_job, task, T, cell, seeds, steps, forget_bias, chrono_max[task])

    solved = {}   # (task, cell) -> seeds solved at each lag trained so far
    skipped = []

    def next_lag(job, result):
        if job[0] is not run_job:
            return []
        task, T, cell = job[1:4]
        counts = solved.setdefault((task, cell), [])
        counts.append(sum(r["solved"] for r in result))
        rest = [t for t in lags[task] if t > T]
        if rest and len(counts) >= PRUNE_AFTER and not any(counts[-PRUNE_AFTER:]):
            skipped.extend({"task": task, "cell": cell, "T": t} for t in rest)
            return []
        return [training(task, cell, rest[0])] if rest else []

    first = sorted((training(task, cell, lags[task][0]) for task in tasks for cell in cells),
                   key=lambda job: -COST[job[3]])
    gradients = [(gradient_at_start, task, T, cell, seeds, forget_bias, chrono_max[task])
                 for task in tasks for T in lags[task] for cell in cells]
    results = side_by_side.run_jobs(first + gradients, workers, first=conditions, follow=next_lag)
    worker_info = next(results)
    runs, grads = [], []
    for job, result in results:
        if job[0] is gradient_at_start:
            grads.append(result)
            continue
        runs.extend(result)
        r = result[0]
        print(f"{r['task']:>6} T={r['T']:<4} {CELLS[r['cell']]:<11} solved {sum(x['solved'] for x in result)}/"
              f"{len(result)}  steps {' '.join(str(x['steps']) if x['solved'] else '-' for x in result)}  "
              f"{r['job_seconds']:.0f} s", flush=True)
    def order(r):   # tasks and cells as given, then lag and seed
        return tasks.index(r["task"]), cells.index(r["cell"]), r["T"], r.get("seed", 0)
    return sorted(runs, key=order), sorted(grads, key=order), sorted(skipped, key=order), worker_info


# ---------------------------------------------------------------------------------------------------------------
# 5. What the grid says: success rates with exact intervals, steps to solve, the horizon
# ---------------------------------------------------------------------------------------------------------------

def success_interval(k, n):
    """The exact (Clopper-Pearson) 95% interval for a success rate seen as k of n."""
    from scipy.stats import binomtest
    interval = binomtest(k, n).proportion_ci(0.95, method="exact")
    return float(interval.low), float(interval.high)


def median_steps(steps, solved):
    """The median of the steps to solve over all seeds, an unsolved seed counting as never: None when fewer than
    half of them solved."""
    values = sorted(s if ok else math.inf for s, ok in zip(steps, solved))
    middle = values[(len(values) - 1) // 2: len(values) // 2 + 1]
    return None if math.inf in middle else float(np.mean(middle))


def summarise(runs, grads, skipped, tasks, cells, lags):
    """Per (task, cell, T): seeds solved, their exact interval, median steps to solve, held-out accuracy, the
    gradient at the start; per (task, cell): the contiguous horizon and the first lag that fails it."""
    summary = {}
    for task in tasks:
        summary[task] = {}
        for cell in cells:
            points, horizon, broken = {}, None, False
            for T in lags[task]:
                seeds = [r for r in runs if (r["task"], r["cell"], r["T"]) == (task, cell, T)]
                ratios = next((g["ratios"] for g in grads if (g["task"], g["cell"], g["T"]) == (task, cell, T)), [])
                point = {"gradient_ratio_median": float(np.median(ratios)) if ratios else None,
                         "gradient_ratio_min": min(ratios, default=None),
                         "gradient_ratio_max": max(ratios, default=None)}
                if seeds:
                    k, n = sum(r["solved"] for r in seeds), len(seeds)
                    point.update(solved=k, seeds=n, interval=success_interval(k, n),
                                 median_steps=median_steps([r["steps"] for r in seeds], [r["solved"] for r in seeds]),
                                 accuracy_median=float(np.median([r["accuracy"] for r in seeds])))
                else:
                    point.update(skipped=any((s["task"], s["cell"], s["T"]) == (task, cell, T) for s in skipped))
                passes = bool(seeds) and point["solved"] >= HORIZON_SHARE * point["seeds"]
                broken = broken or not passes
                horizon = T if not broken else horizon
                points[str(T)] = point
            failing = [int(T) for T, p in points.items()
                       if "solved" not in p or p["solved"] < HORIZON_SHARE * p["seeds"]]
            summary[task][cell] = {"points": points, "horizon": horizon, "first_failure": min(failing, default=None)}
    return summary


# ---------------------------------------------------------------------------------------------------------------
# 6. The figures: steps to learn, and the gradient at the start
# ---------------------------------------------------------------------------------------------------------------

def _lag_axis(ax, lags):
    ax.set_xscale("log")
    ax.set_xticks(lags, [str(T) for T in lags])
    ax.minorticks_off()
    ax.grid(alpha=0.3)


def task_title(task):
    return "first-token recall" if task == "recall" else "adding problem"


def plot_learning(summary, settings, path):
    """Top: the share of seeds that solve within the cap, with its exact 95% interval; bottom: the median steps to
    solve (drawn where at least half the seeds solve). A small sideways shift keeps the cells apart."""
    import matplotlib.pyplot as plt
    tasks, cells = settings["tasks"], settings["cells"]
    fig, axes = plt.subplots(2, len(tasks), figsize=(6.2 * len(tasks), 7.2), squeeze=False)
    for column, task in enumerate(tasks):
        lags = settings["lags"][task]
        top, bottom = axes[0][column], axes[1][column]
        for i, cell in enumerate(cells):
            shift = 1.025 ** (i - (len(cells) - 1) / 2)
            p = summary[task][cell]["points"]
            trained = [T for T in lags if "solved" in p[str(T)]]
            rate = [p[str(T)]["solved"] / p[str(T)]["seeds"] for T in trained]
            low = [r - p[str(T)]["interval"][0] for r, T in zip(rate, trained)]
            high = [p[str(T)]["interval"][1] - r for r, T in zip(rate, trained)]
            label = f"{CELLS[cell] if cell != 'lstm_fb' else 'LSTM b_f=' + format(settings['forget_bias'], 'g')}"
            bar = top.errorbar([T * shift for T in trained], rate, yerr=[low, high], fmt="o-", ms=4, capsize=2,
                               label=f"{label} (horizon {summary[task][cell]['horizon'] or '-'})")
            medians = [(T * shift, p[str(T)]["median_steps"]) for T in trained if p[str(T)]["median_steps"]]
            if medians:
                bottom.plot(*zip(*medians), "o-", ms=4, color=bar[0].get_color(), label=label)
        top.axhline(HORIZON_SHARE, color="k", lw=0.8, ls="--")
        top.set(ylabel="share of seeds solving", ylim=(-0.03, 1.03),
                title=f"{task_title(task)}: {settings['seeds']} seeds a point, at most {settings['steps']:,} steps")
        bottom.set(xlabel="T, steps between the evidence and the answer", ylabel="median steps to solve",
                   yscale="log")
        bottom.axhline(settings["steps"], color="gray", ls=":", lw=0.8)
        for ax in (top, bottom):
            _lag_axis(ax, lags)
        top.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"{HIDDEN} units, Adam {LEARNING_RATE:g}, clip 1, batch {BATCH}\nbars: exact 95% interval; "
                 f"dashed: the horizon's {HORIZON_SHARE:.0%}; dotted: the cap", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_gradients(summary, settings, path):
    """||dL/dx_1|| / ||dL/dx_T|| at the starting weights against T: the median over the seeds, the band their
    range."""
    import matplotlib.pyplot as plt
    tasks, cells = settings["tasks"], settings["cells"]
    fig, axes = plt.subplots(1, len(tasks), figsize=(6.2 * len(tasks), 4.2), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        lags = settings["lags"][task]
        for cell in cells:
            p = summary[task][cell]["points"]
            line, = ax.plot(lags, [p[str(T)]["gradient_ratio_median"] for T in lags], "o-", ms=4,
                            label=CELLS[cell] if cell != "lstm_fb" else f"LSTM b_f={settings['forget_bias']:g}")
            ax.fill_between(lags, [p[str(T)]["gradient_ratio_min"] for T in lags],
                            [p[str(T)]["gradient_ratio_max"] for T in lags], color=line.get_color(), alpha=0.15)
        ax.set(yscale="log", xlabel="T", ylabel="||dL/dx_1|| / ||dL/dx_T|| at the start",
               title=f"{task_title(task)}: median of {settings['seeds']} seeds, band = range")
        _lag_axis(ax, lags)
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 7. The script
# ---------------------------------------------------------------------------------------------------------------

def lag_list(text):
    """argparse type: comma-separated lags, each an integer from 2 to MAX_LAG, none twice."""
    try:
        lags = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        lags = []
    if not lags or min(lags) < 2 or max(lags) > MAX_LAG or len(set(lags)) != len(lags):
        raise argparse.ArgumentTypeError(f"expected comma-separated integers from 2 to {MAX_LAG}, none twice, "
                                         f"got {text!r}")
    return sorted(lags)


def name_list(choices):
    def parse(text):
        names = [p.strip() for p in text.split(",") if p.strip()]
        if not names or any(n not in choices for n in names) or len(set(names)) != len(names):
            raise argparse.ArgumentTypeError(f"expected comma-separated names from {', '.join(choices)}, got {text!r}")
        return names
    return parse


def make_parser():
    parser = cli.Parser(__doc__)
    parser.add_argument("--tasks", type=name_list(TASKS), default="recall,adding",
                        help="comma-separated: recall, adding (default %(default)s)")
    parser.add_argument("--cells", type=name_list(tuple(CELLS)), default=None,
                        help=f"comma-separated from {', '.join(CELLS)} (default {','.join(DEFAULT['cells'])})")
    parser.add_argument("--recall-lags", type=lag_list, default=None,
                        help=f"T values for recall (default {','.join(map(str, DEFAULT['lags']['recall']))})")
    parser.add_argument("--adding-lags", type=lag_list, default=None,
                        help=f"T values for adding (default {','.join(map(str, DEFAULT['lags']['adding']))})")
    preset = parser.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_true",
                        help=f"a smoke test: lags {QUICK['lags']['recall']}, {QUICK['seeds']} seeds, "
                             f"{QUICK['steps']} steps (flags given beside it win)")
    preset.add_argument("--full", action="store_true",
                        help=f"the grid of notes/day4.md: {', '.join(FULL['cells'])}, {FULL['seeds']} seeds, "
                             f"{FULL['steps']} steps, recall lags up to {FULL['lags']['recall'][-1]} (flags given "
                             "beside it win)")
    parser.add_argument("--seeds", type=cli.positive_int, default=None,
                        help=f"seeds per point, at most {MAX_SEEDS}: --seed, --seed+1, ... "
                             f"(default {DEFAULT['seeds']})")
    parser.add_seed()
    parser.add_argument("--steps", type=cli.positive_int, default=None,
                        help=f"the cap: most training steps per seed (default {DEFAULT['steps']})")
    parser.add_argument("--forget-bias", type=float, default=3.0,
                        help="the starting forget-gate bias of the lstm_fb cell (default %(default)s)")
    parser.add_argument("--workers", type=cli.positive_int, default=min(2, os.cpu_count() or 1),
                        help=f"worker processes, one TensorFlow thread each, at most {MAX_WORKERS} (default: up to "
                             "2, one per core)")
    parser.add_out(os.path.join("runs", "day4_memory"))
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL if args.full else DEFAULT   # what a flag not given stands for
    lags = {"recall": args.recall_lags or list(preset["lags"]["recall"]),
            "adding": args.adding_lags or list(preset["lags"]["adding"])}
    cells = args.cells or list(preset["cells"])
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
    settings = {"tasks": args.tasks, "cells": cells, "lags": lags, "seeds": chosen["seeds"], "seed": args.seed,
                "steps": chosen["steps"], "forget_bias": args.forget_bias, "workers": args.workers,
                "preset": "quick" if args.quick else "full" if args.full else "default",
                "chrono_max": {task: max(lags[task]) for task in args.tasks}, "hidden": HIDDEN,
                "learning_rate": LEARNING_RATE, "batch": BATCH, "check_every": CHECK_EVERY, "val_size": VAL_SIZE,
                "eval_size": EVAL_SIZE, "grad_size": GRAD_SIZE, "prune_after": PRUNE_AFTER}
    cli.check_writable(args.out)   # before the work, not after it
    start = time.perf_counter()
    print(f"{len(args.tasks)} task(s) x {len(cells)} cell(s) x {sum(len(lags[t]) for t in args.tasks)} lag(s) x "
          f"{len(seeds)} seed(s), at most {settings['steps']} steps each, {args.workers} worker(s)", flush=True)
    runs, grads, skipped, worker_info = run_grid(args.tasks, cells, lags, seeds, settings["steps"], args.forget_bias,
                                                 args.workers)
    total = time.perf_counter() - start
    summary = summarise(runs, grads, skipped, args.tasks, cells, lags)
    print(f"\nseeds solving within {settings['steps']} steps (horizon: every lag up to it solved by at least "
          f"{HORIZON_SHARE:.0%}), {total:.0f} s in all:")
    for task in args.tasks:
        for cell in cells:
            s = summary[task][cell]
            points = ", ".join(f"{T}: {p['solved']}/{p['seeds']}" if "solved" in p else f"{T}: skipped"
                               for T, p in s["points"].items())
            print(f"  {task:>6} {CELLS[cell]:<11} horizon {s['horizon'] or '-':<4} {points}")
    info = dict(worker_info, workers=args.workers)
    print(f"conditions: {describe(info)} (per worker)")
    with cli.Outputs(args.out) as out:
        plot_learning(summary, settings, out.path("learning.png"))
        plot_gradients(summary, settings, out.path("gradient_at_start.png"))
        cli.write_json({"summary": summary, "runs": runs, "gradients": grads, "skipped": skipped,
                        "total_seconds": round(total, 1), "chance": CHANCE, "solved_threshold": SOLVED,
                        "horizon_share": HORIZON_SHARE, "settings": settings, "conditions": info},
                       out.path("memory.json"))
    for path in out.written():
        print(f"wrote {path}")
    return summary


if __name__ == "__main__":
    cli.run(main)
