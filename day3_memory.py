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

How it fits on 2 cores: each (task, T, cell) is one job training its seeds side by side in one XLA-compiled step;
a seed stops once it solves a validation batch; two single-threaded worker processes share the jobs, longest first.
notes/day3.md, section 6, has the measured times and the results. Outputs (in --out, default runs/day3_memory/):
memory_horizon.png, memory_horizon.json.
"""
import argparse
import concurrent.futures
import functools
import multiprocessing
import os
import signal
import time

import numpy as np

from rnn_days import cli
from rnn_days.conditions import conditions, describe, set_threads

CELLS = {"simple_rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}
LAGS = {"recall": (10, 20, 50, 100, 200, 400), "adding": (10, 20, 30, 50, 75, 100, 200)}
QUICK_LAGS = {"recall": (5, 20), "adding": (5, 20)}
CHANCE = {"recall": 0.5, "adding": 0.16 - 0.16 ** 2 / 4}   # adding: P(|u + v| < 0.16), u, v uniform in (-1, 1)
HORIZON = {"recall": 0.9, "adding": 0.8}                   # "remembers across T": median accuracy at least this
SOLVED = {"recall": 0.99, "adding": 0.95}                  # a seed stops training once a validation batch says so
TOLERANCE = 0.16                                           # adding: an answer within this of the target is right


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


def run_job(task, T, cell, seeds, settings):
    """Train one model per seed on fresh batches; every `check_every` steps score a fixed validation batch and stop
    the seeds that solved it; finally score 2,000 (--eval-size) held-out sequences. Returns one dict per seed."""
    import keras
    import tensorflow as tf
    start = time.perf_counter()
    models, optimizers = [], []
    for seed in seeds:
        keras.utils.set_random_seed(seed)   # the weights: one seed, one initialisation, whatever the cell
        models.append(build_model(cell, task, T, settings["hidden"], settings["forget_bias"]))
        # the same optimiser for every cell: Adam, the gradient clipped to global norm 1 (Pascanu et al. 2013)
        optimizers.append(keras.optimizers.Adam(settings["learning_rate"], global_clipnorm=1.0))
        optimizers[-1].build(models[-1].trainable_variables)

    def loss_of(k, x, y):
        out = models[k](x, training=True)[:, 0]
        if task == "recall":
            return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, out))
        return tf.reduce_mean(tf.square(out - y))

    @tf.function(jit_compile=True)   # XLA: the T-step loop runs as one compiled program, not op by op
    def train_step(x, y, active):
        losses = []
        for k in range(len(models)):
            def train(k=k):
                with tf.GradientTape() as tape:
                    loss = loss_of(k, x[k], y[k])
                variables = models[k].trainable_variables
                optimizers[k].apply(tape.gradient(loss, variables), variables)
                return loss
            losses.append(tf.cond(active[k], train, lambda: tf.constant(0.0)))  # a solved seed stands still
        return tf.stack(losses)

    @tf.function(jit_compile=True)
    def outputs(x):
        return tf.stack([models[k](x[k])[:, 0] for k in range(len(models))])

    batch = BATCHES[task]
    train_rngs = [data_rng(task, T, s, "train") for s in seeds]
    val = [batch(data_rng(task, T, s, "validation"), settings["val_size"], T) for s in seeds]
    val_x, val_y = np.stack([v[0] for v in val]), np.stack([v[1] for v in val])
    active = np.ones(len(seeds), bool)
    steps = np.zeros(len(seeds), int)
    history = [[] for _ in seeds]
    compile_seconds = None
    for step in range(1, settings["steps"] + 1):
        xy = [batch(rng, settings["batch"], T) for rng in train_rngs]
        train_step(np.stack([b[0] for b in xy]), np.stack([b[1] for b in xy]), active)
        if compile_seconds is None:
            compile_seconds = time.perf_counter() - start
        steps += active
        if step % settings["check_every"] == 0 or step == settings["steps"]:
            accuracy = correct(task, outputs(val_x).numpy(), val_y).mean(axis=1)
            for k in np.flatnonzero(active):
                history[k].append(round(float(accuracy[k]), 4))
            active &= accuracy < SOLVED[task]
            if not active.any():
                break
    test = [batch(data_rng(task, T, s, "test"), settings["eval_size"], T) for s in seeds]
    accuracy = correct(task, outputs(np.stack([t[0] for t in test])).numpy(), np.stack([t[1] for t in test]))
    seconds = time.perf_counter() - start
    return [{"task": task, "T": T, "cell": cell, "seed": s, "accuracy": float(accuracy[k].mean()),
             "steps": int(steps[k]), "solved_validation": bool(not active[k]), "validation_history": history[k],
             "job_seconds": round(seconds, 2), "job_compile_seconds": round(compile_seconds, 2),
             "job_seeds": len(seeds)} for k, s in enumerate(seeds)]


def start_worker():
    """Each worker process: one TensorFlow thread. Two such workers keep two cores busy with less overhead than one
    process with two threads (these models are too small for one step to use two cores well)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops the workers
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf, _ = cli.import_tensorflow()
    tf.get_logger().setLevel("ERROR")  # each job compiles its own small functions: retracing is expected here
    set_threads(1)                     # TensorFlow's pools and NumPy's BLAS


# ---------------------------------------------------------------------------------------------------------------
# 3. The grid, the horizon, the figure
# ---------------------------------------------------------------------------------------------------------------

COST = {"simple_rnn": 1.0, "gru": 1.6, "lstm": 1.8}   # rough relative time per step, to start the longest jobs first


def run_grid(args):
    """Every (task, T, cell) job on args.workers processes. Returns (runs, conditions of a worker)."""
    jobs = [(task, T, cell) for task in args.tasks for T in args.lags[task] for cell in args.cells]
    jobs.sort(key=lambda j: -j[1] * COST[j[2]])
    settings = {k: getattr(args, k) for k in ("hidden", "learning_rate", "steps", "batch", "check_every",
                                             "val_size", "eval_size", "forget_bias")}
    seeds = list(range(args.seed, args.seed + args.seeds))
    runs = []
    context = multiprocessing.get_context("spawn")   # a fresh TensorFlow in each worker, never a forked one
    pool = concurrent.futures.ProcessPoolExecutor(args.workers, mp_context=context, initializer=start_worker)
    try:
        worker = pool.submit(conditions)
        futures = {pool.submit(run_job, *job, seeds, settings): job for job in jobs}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            result = future.result()
            runs.extend(result)
            r = result[0]
            accuracies = " ".join(f"{x['accuracy']:.3f}" for x in result)
            steps = " ".join(str(x["steps"]) for x in result)
            print(f"[{done:>2}/{len(jobs)}] {r['task']:>6} T={r['T']:<4} {CELLS[r['cell']]:<9} accuracy {accuracies}"
                  f"  steps {steps}  {r['job_seconds']:.0f} s", flush=True)
        worker_info = worker.result()
    except BaseException:  # Ctrl-C or a failed job: stop the workers now rather than wait for their jobs
        processes = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown forgets them
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown()
    runs.sort(key=lambda r: (args.tasks.index(r["task"]), r["T"], args.cells.index(r["cell"]), r["seed"]))
    return runs, worker_info


def summarise(runs, args):
    """Median and range of the accuracy per (task, cell, T), and each cell's memory horizon."""
    summary = {}
    for task in args.tasks:
        summary[task] = {}
        for cell in args.cells:
            points = {}
            for T in args.lags[task]:
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


def plot(summary, runs, args, path):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(args.tasks), figsize=(6.5 * len(args.tasks), 4.6), squeeze=False)
    for ax, task in zip(axes[0], args.tasks):
        for cell in args.cells:
            lags = args.lags[task]
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
               title=f"{'first-token recall' if task == 'recall' else 'adding problem'}: median of {args.seeds} "
                     f"seeds, band = range")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{args.hidden} units, Adam {args.learning_rate:g}, clip 1, batch {args.batch}, "
                 f"at most {args.steps} steps" + (f", LSTM forget bias {args.forget_bias:g}"
                                                  if args.forget_bias != 1 and "lstm" in args.cells else ""))
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
    parser.add_argument("--recall-lags", type=lag_list, default=",".join(map(str, LAGS["recall"])),
                        help="T values for recall (default %(default)s)")
    parser.add_argument("--adding-lags", type=lag_list, default=",".join(map(str, LAGS["adding"])),
                        help="T values for adding (default %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a small grid for a smoke test: lags {QUICK_LAGS['recall']}, 2 seeds, 300 steps")
    parser.add_argument("--seeds", type=cli.positive_int, default=3,
                        help="seeds per point: --seed, --seed+1, ... (default %(default)s)")
    parser.add_seed()
    parser.add_argument("--steps", type=cli.positive_int, default=1500,
                        help="most training steps per run (default %(default)s)")
    parser.add_argument("--batch", type=cli.positive_int, default=64, help="sequences per step (default %(default)s)")
    parser.add_argument("--hidden", type=cli.positive_int, default=32, help="units of every cell (default %(default)s)")
    parser.add_argument("--forget-bias", type=float, default=1.0,
                        help="the LSTM's starting forget-gate bias (default %(default)s: Keras's unit_forget_bias)")
    parser.add_argument("--learning-rate", type=cli.bounded_float(1.0), default=3e-3,
                        help="Adam's learning rate, in (0, 1] (default %(default)s)")
    parser.add_argument("--check-every", type=cli.positive_int, default=100,
                        help="steps between validation checks; a seed that solved its validation batch stops "
                             "(default %(default)s)")
    parser.add_argument("--val-size", type=cli.positive_int, default=512,
                        help="validation sequences per seed (default %(default)s)")
    parser.add_argument("--eval-size", type=cli.positive_int, default=2000,
                        help="held-out test sequences per seed (default %(default)s)")
    parser.add_argument("--workers", type=cli.positive_int, default=min(2, os.cpu_count() or 1),
                        help="worker processes, one TensorFlow thread each (default: up to 2, one per core)")
    parser.add_out(os.path.join("runs", "day3_memory"))
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    args.lags = {"recall": args.recall_lags, "adding": args.adding_lags}
    if args.quick:
        args.lags, args.seeds, args.steps = dict(QUICK_LAGS), 2, 300
    if not -20 <= args.forget_bias <= 20:  # also refuses nan and inf
        parser.error(f"argument --forget-bias: expected a number from -20 to 20, got {args.forget_bias}")
    for name, value, most in (("--batch", args.batch, 4096), ("--hidden", args.hidden, 1024),
                              ("--eval-size", args.eval_size, 100_000), ("--val-size", args.val_size, 100_000)):
        if value > most:
            parser.error(f"argument {name}: at most {most}, got {value}")
    if args.seed + args.seeds - 1 > 2 ** 32 - 1:
        parser.error("argument --seeds: --seed + --seeds - 1 must stay below 2**32")
    del args.recall_lags, args.adding_lags
    start = time.perf_counter()
    print(f"{len(args.tasks)} task(s) x {len(args.cells)} cell(s) x {sum(len(args.lags[t]) for t in args.tasks)} "
          f"lag(s) x {args.seeds} seed(s), at most {args.steps} steps each, {args.workers} worker(s)", flush=True)
    try:
        runs, worker_info = run_grid(args)
    except MemoryError:
        cli.fail("out of memory: lower --batch, --eval-size or the largest lag")
    total = time.perf_counter() - start
    summary = summarise(runs, args)
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
        plot(summary, runs, args, out.path("memory_horizon.png"))
        settings = {k: v for k, v in vars(args).items() if k != "out"}
        cli.write_json({"summary": summary, "runs": runs, "total_seconds": round(total, 1),
                        "chance": CHANCE, "horizon_threshold": HORIZON, "solved_threshold": SOLVED,
                        "settings": settings, "conditions": info}, out.path("memory_horizon.json"))
    for path in out.written():
        print(f"wrote {path}")
    return summary


if __name__ == "__main__":
    cli.run(main)
