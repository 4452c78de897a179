"""Day 4: what a recurrent network can learn to remember from a given start -- the cost of learning against the lag,
and what the trained networks keep.

What it shows: how many training steps a cell needs to learn a task whose answer sits T steps back, and how often it
learns it at all within a stated cap, starting from Keras's weights or from a start made for long memory. Two
tasks, fresh random sequences every step:

  * first-token recall: x_1 is the label bit (+1 or -1), x_2..x_T are random +1/-1 distractors; after step T say
    whether x_1 was +1 -- one bit to hold. Chance: 0.5.
  * the adding problem (Hochreiter & Schmidhuber 1997): two channels, values uniform in (-1, 1) and markers; one
    marker in the first tenth, one in [T/10, T/2); the target is the sum of the two marked values -- a value to hold
    and add; an answer is right when it is within 0.16. Chance (always answering 0): 0.15.

For every task, cell and lag T, ten seeds train until their validation batch is solved (accuracy >= 0.99 recall,
>= 0.95 adding, checked every 100 steps) or the cap passes. A seed sets the starting weights (the same at every T)
and the training, validation and test sequences (different at every T). Reported per point: k of n seeds solved, the
exact 95% interval of the success rate, the median steps to solve, held-out accuracy on 2,000 new sequences (and how
many seeds beat the best answer without the memory, beyond chance). A cell has "learned up to T" when every lag of
the grid up to T is solved by at least 80% of the seeds within the cap. Then each trained model is read at every lag
up to a longer one (--long-lag), without retraining: with its own readout, with a freshly fitted linear readout, and
with x_1 or a later input turned over. Before any training, the gradient that reaches the first input,
||dL/dx_1|| / ||dL/dx_T||, is measured at the starting weights for every cell and lag (float64, median over the
seeds): does it predict what is learned? And a one-unit latch set by hand shows a memory with no gradient.

Each cell's lags run in increasing order; after two lags in a row where no seed solves, its longer lags are not
trained (hopeless within the cap; listed as skipped). The gradient at the start is measured at every lag anyway.

    python day4_memory.py --quick --out runs/day4_quick      # a smoke test, about a minute
    python day4_memory.py                                    # the default grid, about 10 minutes on 2 cores
    python day4_memory.py --full --out runs/day4_full        # the grid notes/day4.md shows (its wall time is there)

Cells: simple_rnn (Keras's SimpleRNN, tanh), irnn (ReLU SimpleRNN, identity recurrent weights: Le et al. 2015), gru
(Keras's start: update bias 0), gru_fb (update-gate bias --forget-bias, default 3), lstm (Keras's start: forget bias
1), lstm_fb (forget bias --forget-bias), lstm_chrono (chrono initialisation, Tallec & Ollivier 2018: forget bias
log u, u ~ U(1, T_max - 1), input bias its negative, T_max the largest lag of the task's grid).
Outputs (in --out, default runs/day4_memory/): learning.png, gradient_at_start.png, memory.json.
"""
import functools
import itertools
import math
import os
import time
import typing

from rnn_days import cli, outputs, plots, side_by_side
from rnn_days.conditions import conditions, describe

import numpy as np

CELLS = {"simple_rnn": "SimpleRNN", "irnn": "IRNN", "gru": "GRU", "gru_fb": "GRU b_u=3", "lstm": "LSTM",
         "lstm_fb": "LSTM b_f=3", "lstm_chrono": "LSTM chrono"}
FULL = {"lags": {"recall": (10, 20, 30, 50, 75, 100), "adding": (10, 20, 30, 50)},
        "cells": ("simple_rnn", "gru", "gru_fb", "lstm", "lstm_fb", "lstm_chrono"), "seeds": 10, "steps": 6000,
        "long_lag": 1000}
DEFAULT = {"lags": {"recall": (10, 20, 50, 100), "adding": (10, 20, 50)},
           "cells": ("simple_rnn", "gru", "lstm", "lstm_chrono"), "seeds": 10, "steps": 1500, "long_lag": 200}
QUICK = {"lags": {"recall": (5, 20), "adding": (5, 20)}, "cells": ("simple_rnn", "gru", "lstm", "lstm_chrono"),
         "seeds": 2, "steps": 300, "long_lag": 40}
TASKS = ("recall", "adding")
CHANCE = {"recall": 0.5, "adding": 0.16 - 0.16 ** 2 / 4}   # adding: P(|u + v| < 0.16), u, v uniform in (-1, 1)
SOLVED = {"recall": 0.99, "adding": 0.95}                  # a seed has solved the task: validation accuracy this high
# The best held-out accuracy without the memory the task needs: recall, x_1 unknown: 0.5; adding, one of the two
# marked values unknown (answer the other): P(|u| < 0.16) = 0.16. "Above the baseline" = beyond chance (p < 0.001).
BASELINE = {"recall": 0.5, "adding": 0.16}
TOLERANCE = 0.16                                           # adding: an answer within this of the target is right
HORIZON_SHARE = 0.8                                        # the horizon: every lag up to T solved by >= 80% of seeds
PRUNE_AFTER = 2                                            # lags in a row with no seed solving: stop that cell there
# The training recipe, the same for every cell: 32 units, Adam 3e-3 clipped to global norm 1, batches of 64 fresh
# sequences; every 100 steps a 512-sequence validation batch decides whether a seed has solved the task; 2,000
# held-out sequences score it; 256 sequences measure the gradient at the start.
HIDDEN, LEARNING_RATE, BATCH, CHECK_EVERY, VAL_SIZE, EVAL_SIZE, GRAD_SIZE = 32, 3e-3, 64, 100, 512, 2000, 256
LONG_SIZE = 512   # sequences that read a trained model at long lags: half fit a fresh readout, half score it
MAX_SEEDS, MAX_WORKERS, MAX_LAG = 100, 16, 5000
LATCH_LAGS = (10, 100, 1000)
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
    purposes = ("train", "validation", "test", "gradient", "long")
    return np.random.default_rng([seed, TASKS.index(task), T, purposes.index(purpose)])


def latch(T, n=1000, w_xh=1.0, w_hh=3.0, seed=0):
    """A one-unit tanh RNN set by hand, never trained: h_t = tanh(w_hh h_{t-1} + w_xh x_t), h_0 = 0, read on n
    recall sequences of lag T; its answer is the sign of h_T. With w_hh = 3 the unit has two stable states near +1
    and -1, x_1 picks one, and a distractor of size 1 cannot push it over: a latch (Bengio, Simard & Frasconi 1994).

    Returns the accuracy; dh_T/dh_1 = prod_{t=2..T} w_hh (1 - h_t^2), the median over sequences of its size in
    float64 (it underflows to 0 for long T); and the median of its log10, summed step by step (it does not)."""
    x, y = recall_batch(data_rng("recall", T, seed, "test"), n, T)
    x = x[..., 0].astype(np.float64)
    h = np.tanh(w_xh * x[:, 0])                        # h_1 (h_0 = 0)
    gradient, log10 = np.ones(n), np.zeros(n)
    for t in range(1, T):
        h = np.tanh(w_hh * h + w_xh * x[:, t])
        factor = w_hh * (1 - h ** 2)                   # dh_t/dh_{t-1}: the latch's one-step Jacobian
        gradient = gradient * factor
        log10 = log10 + np.log10(factor)
    return {"T": T, "accuracy": float(np.mean((h > 0) == (y > 0.5))),
            "gradient": float(np.median(np.abs(gradient))), "log10_gradient": float(np.median(log10))}


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


def gru_bias(hidden, update):
    """The GRU's two biases in Keras's layout (reset_after=True): (2, 3H), the input bias over the recurrent one, each
    in Keras's gate order -- update gate u_t (Keras calls it z), reset gate r_t, candidate. The update slice of the
    input bias is set; the rest is zero, as Keras starts it."""
    bias = np.zeros((2, 3 * hidden), np.float32)
    bias[0, :hidden] = update
    return bias


def build_model(cell, task, T, hidden, forget_bias=3.0, chrono_max=None, seed=0, dtype="float32", sequences=False):
    """Input (T, channels) -> the recurrent cell (hidden units) -> Dense(1): a logit (recall) or the sum (adding).
    Keras's default initialisers except where the cell's name says otherwise; set keras's seed before calling.
    sequences=True: the cell returns h_t at every step and Dense(1) reads each (n, T, 1): the same weights, read
    at every lag at once."""
    import keras
    options = {}
    if cell == "irnn":   # Le, Jaitly & Hinton (2015): ReLU, identity recurrent weights, zero bias
        layer = functools.partial(keras.layers.SimpleRNN, activation="relu",
                                  recurrent_initializer=keras.initializers.Identity())
    elif cell in ("lstm_fb", "lstm_chrono", "gru_fb"):
        if cell == "lstm_fb":
            bias = lstm_bias(hidden, np.full(hidden, forget_bias))
        elif cell == "gru_fb":   # Keras: h_t = u_t h_{t-1} + (1 - u_t) candidate, so a positive u bias keeps h
            bias = gru_bias(hidden, forget_bias)
        else:
            b_f = chrono_forget_bias(hidden, chrono_max or T, seed)
            bias = lstm_bias(hidden, b_f, -b_f)
        options = dict(bias_initializer=lambda shape, dtype=None: keras.ops.cast(bias, dtype))
        if cell.startswith("lstm"):
            # Keras's unit_forget_bias=True would overwrite the forget slice with 1: switched off to set our own
            options.update(unit_forget_bias=False)
        layer = keras.layers.LSTM if cell.startswith("lstm") else keras.layers.GRU
    else:
        layer = getattr(keras.layers, CELLS[cell])
    return keras.Sequential([keras.Input((T, 1 if task == "recall" else 2), dtype=dtype),
                             layer(hidden, dtype=dtype, return_sequences=sequences, **options),
                             keras.layers.Dense(1, dtype=dtype)])


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
    ratios, blocks = [], []
    for seed in seeds:
        keras.utils.set_random_seed(seed)   # the same weights training starts from
        model32 = build_model(cell, task, T, HIDDEN, forget_bias, chrono_max, seed)
        blocks.append(block_rms_singular_value(model32))
        model = build_model(cell, task, T, HIDDEN, forget_bias, chrono_max, seed, dtype="float64")
        model.set_weights([w.astype(np.float64) for w in model32.get_weights()])
        x, y = BATCHES[task](data_rng(task, T, seed, "gradient"), GRAD_SIZE, T)
        x = tf.constant(x, tf.float64)
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = loss(task, model(x)[:, 0], tf.constant(y, tf.float64))
        g = tape.gradient(value, x).numpy()
        ratios.append(float(np.linalg.norm(g[:, 0]) / np.linalg.norm(g[:, -1])))
    return {"task": task, "T": T, "cell": cell, "seeds": list(seeds), "ratios": ratios,
            "block_rms_singular_value": blocks}


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


def run_job(task, T, cell, seeds, steps, forget_bias=3.0, chrono_max=None, long_lag=None):
    """Train one model per seed on fresh batches (side by side: rnn_days/side_by_side.py) until it solves its
    validation batch or `steps` pass; then score EVAL_SIZE held-out sequences, and (long_lag given) read what each
    model keeps at lags up to long_lag (keeps). Returns one dict per seed."""
    import keras
    start = time.perf_counter()
    models, optimizers = [], []
    for seed in seeds:
        keras.utils.set_random_seed(seed)   # the weights: one seed, one initialisation, the same at every T
        models.append(build_model(cell, task, T, HIDDEN, forget_bias, chrono_max, seed))
        # the same optimiser for every cell: Adam, the gradient clipped to global norm 1 (Pascanu et al. 2013)
        optimizers.append(keras.optimizers.Adam(LEARNING_RATE, global_clipnorm=1.0))
    radius_before = [leading_eigenvalue(model)[0] for model in models]

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
    results = [{"task": task, "T": T, "cell": cell, "seed": s, "solved": bool(trained.solved[k]),
                "steps": int(trained.steps[k]), "accuracy": float(accuracy[k].mean()),
                "validation_history": trained.history[k],
                "spectral_radius": dict(zip(("start", "trained", "trained_angle"),
                                            (radius_before[k],) + leading_eigenvalue(models[k])))}
               for k, s in enumerate(seeds)]
    if long_lag:
        reader = build_model(cell, task, long_lag, HIDDEN, forget_bias, chrono_max, seeds[0], sequences=True)
        read = side_by_side.compiled_reader(reader)
        for k, (seed, model) in enumerate(zip(seeds, models)):
            reader.set_weights(model.get_weights())
            x, y = batch(data_rng(task, long_lag, seed, "long"), LONG_SIZE, long_lag)
            results[k]["keeps"] = dict(keeps(read, task, T, long_lag, x, y), long_lag=long_lag)
    for r in results:
        r.update(job_seconds=round(time.perf_counter() - start, 2), job_train_seconds=round(train_seconds, 2),
                 job_compile_seconds=round(trained.compile_seconds, 2), job_seeds=len(seeds))
    return results


# ---------------------------------------------------------------------------------------------------------------
# 5. After training: what a trained network keeps, read at lags it was never trained on
# ---------------------------------------------------------------------------------------------------------------

def readout_fit(h, target):
    """A fresh linear readout w, b by least squares on states h (n, H): the best straight line from the state to the
    target (+1/-1 for recall, the sum for adding). Returns the predict function h -> (n,)."""
    A = np.c_[h, np.ones(len(h))].astype(np.float64)
    w = np.linalg.lstsq(A, np.asarray(target, np.float64), rcond=None)[0]
    return lambda states: np.c_[states, np.ones(len(states))] @ w


def flip(x, step):
    """A copy of recall inputs x (n, T, 1) with x_step (1-based) turned over: +1 <-> -1."""
    flipped = np.array(x)
    flipped[:, step - 1] *= -1
    return flipped


def keeps(read, task, T, long_lag, x, y):
    """What one trained model keeps, read at lags up to long_lag without retraining. read(x) -> (h, output): the
    trained model's state after every step (n, long_lag, H) and its trained readout there (n, long_lag); x (n,
    long_lag, channels), y (n,): sequences of the task at long_lag (for recall, the first t steps of each are also a
    recall sequence of lag t).

    Returns: trained: the trained readout's accuracy at long_lag; refit: a linear readout fitted afresh on the first
    half of the states at long_lag, scored on the second half; recall only -- trained_lowest, trained_highest: the
    trained readout's lowest and highest accuracy over every lag from T to long_lag; flip_first: the share of the
    fresh readout's answers (second half) that change when x_1 is turned over, flip_later: the largest share when
    x_2 or x_long_lag is turned over instead."""
    h, output = read(x)
    half = len(x) // 2
    target = 2 * y - 1 if task == "recall" else y             # recall: the sign of a +1/-1 target is the answer
    fitted = readout_fit(h[:half, -1], target[:half])
    result = {"trained": float(correct(task, output[:, -1], y).mean()),
              "refit": float(correct(task, fitted(h[half:, -1]), y[half:]).mean())}
    if task == "recall":
        right = correct(task, output, y[:, None])[:, T - 1:].mean(axis=0)   # accuracy at every lag T..long_lag
        result.update(trained_lowest=float(right.min()), trained_highest=float(right.max()))
        answer = fitted(h[half:, -1]) > 0
        changed = [float(np.mean((fitted(read(flip(x[half:], step))[0][:, -1]) > 0) != answer))
                   for step in (1, 2, long_lag)]
        result.update(flip_first=changed[0], flip_later=max(changed[1:]))
    return result


def leading_eigenvalue(model):
    """A SimpleRNN's W_hh: (|lambda|, |angle of lambda|) of its eigenvalue of largest size -- the spectral radius, and
    0 for a real positive eigenvalue (a pair of fixed points when |lambda| > 1), pi for a real negative one, between
    them an oscillation of period 2 pi / angle. (None, None) for the gated cells, whose W_hh holds several gates."""
    layer = model.layers[0]
    if type(layer).__name__ != "SimpleRNN":
        return None, None
    eigenvalues = np.linalg.eigvals(np.asarray(layer.cell.recurrent_kernel, np.float64))
    top = eigenvalues[np.argmax(np.abs(eigenvalues))]
    return float(np.abs(top)), float(np.abs(np.angle(top)))


def block_rms_singular_value(model):
    """The root-mean-square singular value of each gate's H x H block of the recurrent kernel, in Keras's order
    (one block for a SimpleRNN, three for a GRU, four for an LSTM). sqrt(mean s^2) = ||block||_F / sqrt(H): 1 for
    an orthogonal block. Keras's Orthogonal initialiser makes the whole (H, kH) kernel's rows orthonormal, so
    each block starts at sqrt(1/k), not at 1."""
    W = np.asarray(model.layers[0].cell.recurrent_kernel, np.float64)
    H = W.shape[0]
    return [float(np.linalg.norm(W[:, i:i + H]) / np.sqrt(H)) for i in range(0, W.shape[1], H)]


COST = {"simple_rnn": 1.0, "irnn": 1.0, "gru": 1.6, "gru_fb": 1.6, "lstm": 1.8, "lstm_fb": 1.8, "lstm_chrono": 1.8}


class Job(typing.NamedTuple):
    """One worker's unit of the grid: train every seed of one (task, T, cell), or measure its gradient at the
    start."""
    kind: str            # "train" or "gradient"
    task: str
    T: int
    cell: str
    seeds: tuple
    steps: int
    forget_bias: float
    chrono_max: int
    long_lag: int


def do(job):
    """Run one Job (in a worker process)."""
    if job.kind == "gradient":
        return gradient_at_start(job.task, job.T, job.cell, job.seeds, job.forget_bias, job.chrono_max)
    return run_job(job.task, job.T, job.cell, job.seeds, job.steps, job.forget_bias, job.chrono_max, job.long_lag)


def run_grid(tasks, cells, lags, seeds, steps, forget_bias, workers, long_lag=None):
    """The gradient at the start for every point, and training up each cell's lags in increasing order until
    PRUNE_AFTER lags in a row go unsolved. Returns (runs, gradients, skipped points, conditions of a worker)."""
    chrono_max = {task: max(lags[task]) for task in tasks}

    def job(kind, task, cell, T):
        return Job(kind, task, T, cell, tuple(seeds), steps, forget_bias, chrono_max[task], long_lag)

    solved = {}   # (task, cell) -> seeds solved at each lag trained so far
    skipped = []

    def next_lag(done, result):
        if done.kind != "train":
            return []
        counts = solved.setdefault((done.task, done.cell), [])
        counts.append(sum(r["solved"] for r in result))
        rest = [t for t in lags[done.task] if t > done.T]
        if rest and len(counts) >= PRUNE_AFTER and not any(counts[-PRUNE_AFTER:]):
            skipped.extend({"task": done.task, "cell": done.cell, "T": t} for t in rest)
            return []
        return [job("train", done.task, done.cell, rest[0])] if rest else []

    first = sorted((job("train", task, cell, lags[task][0]) for task in tasks for cell in cells),
                   key=lambda j: -COST[j.cell])
    gradients = [job("gradient", task, cell, T) for task in tasks for T in lags[task] for cell in cells]
    results = side_by_side.run_jobs(do, first + gradients, workers, first=conditions, follow=next_lag)
    worker_info = next(results)
    runs, grads = [], []
    for done, result in results:
        if done.kind == "gradient":
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


def above_baseline(accuracy, n, baseline, alpha=0.001):
    """Whether a held-out accuracy on n sequences is above `baseline` beyond chance: the exact one-sided binomial
    test, p < alpha. (n = 2,000 and the adding problem's 0.16: an accuracy of 0.19 or more.)"""
    from scipy.stats import binomtest
    return bool(binomtest(round(accuracy * n), n, baseline, alternative="greater").pvalue < alpha)


def spread(values):
    """{"median", "min", "max"} of the values (None where there are none)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": float(np.median(values)), "min": float(min(values)), "max": float(max(values))}


KEPT = ("trained", "trained_lowest", "trained_highest", "refit", "flip_first", "flip_later")


def summarise(runs, grads, skipped, tasks, cells, lags):
    """Per (task, cell, T): seeds solved, their exact interval, median steps to solve, held-out accuracy (and how
    many seeds beat BASELINE beyond chance), the gradient at the start, what the solved models keep at the long
    lag; per (task, cell): the contiguous horizon and the first lag that fails it."""
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
                    solved = [r for r in seeds if r["solved"]]
                    point.update(solved=k, seeds=n, interval=success_interval(k, n),
                                 median_steps=median_steps([r["steps"] for r in seeds], [r["solved"] for r in seeds]),
                                 accuracy_median=float(np.median([r["accuracy"] for r in seeds])),
                                 accuracy=spread([r["accuracy"] for r in seeds]),
                                 above_baseline=sum(above_baseline(r["accuracy"], EVAL_SIZE, BASELINE[task])
                                                    for r in seeds))
                    if any("keeps" in r for r in solved):
                        point["keeps_solved"] = {key: spread([r["keeps"].get(key) for r in solved]) for key in KEPT}
                    if any(r.get("spectral_radius", {}).get("start") for r in seeds):
                        point["spectral_radius_solved"] = {
                            when: spread([r["spectral_radius"][when] for r in solved])
                            for when in ("start", "trained", "trained_angle")}
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


def concordance(gradient, solved):
    """gradient[cell][T], solved[cell][T] (seeds solving; a point not trained is missing from solved). Over every
    pair of cells trained at the same lag whose success differs: (pairs where the cell with the larger gradient at
    the start solved more seeds, pairs)."""
    agree = pairs = 0
    cells = list(gradient)
    for i, a in enumerate(cells):
        for b in cells[i + 1:]:
            for T in set(solved[a]) & set(solved[b]):
                if solved[a][T] != solved[b][T]:
                    pairs += 1
                    agree += (gradient[a][T] > gradient[b][T]) == (solved[a][T] > solved[b][T])
    return agree, pairs


def concordance_test(gradient, solved):
    """The concordance with an exact permutation p-value that counts cells, not pairs, as the evidence: a cell's
    lags share its start, so under the null hypothesis (a cell's gradient says nothing of its success) each cell's
    whole gradient column is handed to another cell, over every permutation of the cells; p is the share of
    permutations whose concordance is at least the one seen (the one seen included)."""
    cells = list(gradient)
    agree, pairs = concordance(gradient, solved)
    seen = [concordance(dict(zip(cells, (gradient[c] for c in order))), solved)[0]
            for order in itertools.permutations(cells)]
    return {"agree": agree, "pairs": pairs, "p": sum(a >= agree for a in seen) / len(seen),
            "permutations": len(seen)}


def auc(scores, labels):
    """The probability that a random positive (labels True) scores above a random negative, ties counting half:
    the area under the ROC curve. None when one class is empty."""
    positive = [s for s, ok in zip(scores, labels) if ok]
    negative = [s for s, ok in zip(scores, labels) if not ok]
    if not positive or not negative:
        return None
    wins = sum((p > q) + 0.5 * (p == q) for p in positive for q in negative)
    return wins / (len(positive) * len(negative))


def seed_level_test(points, permutations=10_000, seed=0):
    """Within one cell and lag: does a seed's own gradient at the start predict whether it solves? points: [(ratios,
    solved)] per point whose seeds disagree. The mean AUC over those points, and its permutation p-value (the solved
    flags shuffled among the seeds of each point, one-sided: a larger gradient, more solving)."""
    if not points:
        return {"points": 0, "seeds": 0, "auc_mean": None, "p": None}
    rng = np.random.default_rng(seed)
    seen = float(np.mean([auc(r, s) for r, s in points]))
    null = [np.mean([auc(r, rng.permutation(s)) for r, s in points]) for _ in range(permutations)]
    return {"points": len(points), "seeds": sum(len(r) for r, _ in points), "auc_mean": seen,
            "p": float((1 + sum(v >= seen - 1e-12 for v in null)) / (1 + permutations))}


def prediction(task, summary, runs, grads):
    """Does the gradient at the start predict learning? Across cells (concordance_test) and within a cell and lag
    (seed_level_test), from one task's summary, runs and gradients."""
    cells = list(summary)
    gradient = {c: {int(T): p["gradient_ratio_median"] for T, p in summary[c]["points"].items()} for c in cells}
    solved = {c: {int(T): p["solved"] for T, p in summary[c]["points"].items() if "solved" in p} for c in cells}
    mixed = []
    for g in grads:
        outcome = {r["seed"]: r["solved"] for r in runs if (r["task"], r["cell"], r["T"]) == (task, g["cell"], g["T"])}
        flags = [outcome.get(s) for s in g["seeds"]]
        if g["task"] == task and None not in flags and 0 < sum(flags) < len(flags):
            mixed.append((g["ratios"], flags))
    return {"across_cells": concordance_test(gradient, solved), "within_a_point": seed_level_test(mixed)}


# ---------------------------------------------------------------------------------------------------------------
# 6. The figures: steps to learn, and the gradient at the start
# ---------------------------------------------------------------------------------------------------------------

def _lag_axis(ax, lags):
    ax.set_xscale("log")
    ax.set_xticks(lags, [str(T) for T in lags])
    ax.minorticks_off()
    ax.grid(alpha=0.3)


def cell_label(cell, forget_bias):
    """A cell's name in a figure, with the bias its long-memory start was given (CELLS names the default, 3)."""
    return {"lstm_fb": f"LSTM b_f={forget_bias:g}", "gru_fb": f"GRU b_u={forget_bias:g}"}.get(cell, CELLS[cell])


def task_title(task):
    return "first-token recall" if task == "recall" else "adding problem"


def plot_learning(summary, settings, path):
    """Top: the share of seeds that solve within the cap, with its exact 95% interval; bottom: the median steps to
    solve (drawn where at least half the seeds solve). A small sideways shift keeps the cells apart."""
    plt = plots.pyplot()
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
            label = cell_label(cell, settings["forget_bias"])
            bar = top.errorbar([T * shift for T in trained], rate, yerr=[low, high], fmt="o-", ms=4, capsize=2,
                               label=f"{label} (learned up to {summary[task][cell]['horizon'] or '-'})")
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
                 f"dashed: {HORIZON_SHARE:.0%} of the seeds; dotted: the cap", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_gradients(summary, settings, path):
    """||dL/dx_1|| / ||dL/dx_T|| at the starting weights against T: the median over the seeds, the band their
    range."""
    plt = plots.pyplot()
    tasks, cells = settings["tasks"], settings["cells"]
    fig, axes = plt.subplots(1, len(tasks), figsize=(6.2 * len(tasks), 4.2), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        lags = settings["lags"][task]
        for cell in cells:
            p = summary[task][cell]["points"]
            line, = ax.plot(lags, [p[str(T)]["gradient_ratio_median"] for T in lags], "o-", ms=4,
                            label=cell_label(cell, settings["forget_bias"]))
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

def make_parser():
    parser = cli.Parser(__doc__)
    names = functools.partial(cli.comma_list, unique=True)
    parser.add_argument("--tasks", type=names(cli.one_of(TASKS), "names from recall, adding"),
                        default="recall,adding",
                        help="comma-separated: recall, adding (default %(default)s)")
    parser.add_argument("--cells", type=names(cli.one_of(CELLS), f"names from {', '.join(CELLS)}"), default=None,
                        help=f"comma-separated from {', '.join(CELLS)} (default {','.join(DEFAULT['cells'])})")
    lag_list = names(cli.integer_in(2, MAX_LAG), f"integers from 2 to {MAX_LAG}")
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
    parser.add_argument("--forget-bias", type=cli.number_in(-20, 20), default=3.0,
                        help="the starting bias of the gate that keeps the state: the LSTM's forget gate (lstm_fb) "
                             "and the GRU's update gate (gru_fb), from -20 to 20 (default %(default)s)")
    parser.add_argument("--long-lag", type=cli.integer_in(2, MAX_LAG), default=None,
                        help="after training, read each model at every lag up to this one, without retraining "
                             f"(default {DEFAULT['long_lag']}, --full {FULL['long_lag']}, --quick "
                             f"{QUICK['long_lag']}; at least the largest lag)")
    parser.add_argument("--workers", type=cli.positive_int, default=min(2, os.cpu_count() or 1),
                        help=f"worker processes, one TensorFlow thread each, at most {MAX_WORKERS} (default: up to "
                             "2, one per core)")
    parser.add_out(os.path.join("runs", "day4_memory"))
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL if args.full else DEFAULT   # what a flag not given stands for
    lags = {"recall": sorted(args.recall_lags or preset["lags"]["recall"]),
            "adding": sorted(args.adding_lags or preset["lags"]["adding"])}
    longest = max(max(lags[task]) for task in args.tasks)
    long_lag = args.long_lag or max(preset["long_lag"], longest)
    if long_lag < longest:
        parser.error(f"argument --long-lag: at least the largest lag ({longest}), got {long_lag}")
    cells = args.cells or list(preset["cells"])
    chosen = {"seeds": args.seeds or preset["seeds"], "steps": args.steps or preset["steps"]}
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
                "eval_size": EVAL_SIZE, "grad_size": GRAD_SIZE, "prune_after": PRUNE_AFTER, "long_lag": long_lag,
                "long_size": LONG_SIZE}
    outputs.check_writable(args.out)   # before the work, not after it
    start = time.perf_counter()
    print(f"{len(args.tasks)} task(s) x {len(cells)} cell(s) x {sum(len(lags[t]) for t in args.tasks)} lag(s) x "
          f"{len(seeds)} seed(s), at most {settings['steps']} steps each, {args.workers} worker(s)", flush=True)
    runs, grads, skipped, worker_info = run_grid(args.tasks, cells, lags, seeds, settings["steps"], args.forget_bias,
                                                 args.workers, long_lag)
    total = time.perf_counter() - start
    summary = summarise(runs, grads, skipped, args.tasks, cells, lags)
    print(f"\nseeds solving within {settings['steps']} steps (learned up to T: every lag up to it solved by at least "
          f"{HORIZON_SHARE:.0%}), {total:.0f} s in all:")
    for task in args.tasks:
        for cell in cells:
            s = summary[task][cell]
            points = ", ".join(f"{T}: {p['solved']}/{p['seeds']}" if "solved" in p else f"{T}: skipped"
                               for T, p in s["points"].items())
            print(f"  {task:>6} {CELLS[cell]:<11} learned up to {s['horizon'] or '-':<4} {points}")
    info = dict(worker_info, workers=args.workers)
    print(f"conditions: {describe(info)} (per worker)")
    with outputs.Outputs(args.out) as out:
        plot_learning(summary, settings, out.path("learning.png"))
        plot_gradients(summary, settings, out.path("gradient_at_start.png"))
        outputs.write_json({"summary": summary, "runs": runs, "gradients": grads, "skipped": skipped,
                        "prediction": {task: prediction(task, summary[task], runs, grads) for task in args.tasks},
                        "latch": [latch(T) for T in LATCH_LAGS], "total_seconds": round(total, 1),
                        "chance": CHANCE, "baseline": BASELINE, "solved_threshold": SOLVED,
                        "horizon_share": HORIZON_SHARE, "settings": settings, "conditions": info},
                       out.path("memory.json"))
    for path in out.written():
        print(f"wrote {path}")
    return summary


if __name__ == "__main__":
    cli.run(main, out_of_memory=OUT_OF_MEMORY)
