"""The memory experiment's engine: several small Keras models (one per seed) trained side by side in one
XLA-compiled step, each stopping once it solves its validation batch; and jobs shared by worker processes that never
outlive the command (Ctrl-C, SIGTERM, SIGHUP, a dead worker: one line, the workers stopped).

The lesson -- the tasks, the cells, one model's training step, the horizon -- is day4_memory.py; this module only
makes it fast enough to run ten seeds a point on two cores.
"""
import concurrent.futures
import multiprocessing
import os
import signal
import threading
import time
from collections import namedtuple

from rnn_days import cli
from rnn_days.conditions import set_threads

import numpy as np

Trained = namedtuple("Trained", "steps solved history compile_seconds outputs")


def train(models, optimizers, step, next_batch, validation, score, solved_at, max_steps, check_every):
    """Train models[k] with optimizers[k] until each solves its validation batch or max_steps pass.

    step(model, optimizer, x, y) -> loss: one model's training step (the lesson's), run for every model inside one
    compiled function; next_batch() -> (x, y) stacked over the models, (K, n, T, channels) and (K, n);
    validation: (x, y) stacked likewise; score(outputs, y) -> (K, n) booleans, right or wrong; a model stops (its
    weights stand still) once its validation accuracy reaches solved_at, checked every check_every steps.
    Returns Trained: steps taken and solved per model, validation accuracy per check, the first step's (compile)
    time, and outputs(x) -> (K, n), the models' outputs on stacked inputs."""
    import tensorflow as tf
    start = time.perf_counter()
    for model, optimizer in zip(models, optimizers):
        optimizer.build(model.trainable_variables)

    @tf.function(jit_compile=True)   # XLA: the T-step loop runs as one compiled program, not op by op
    def train_step(x, y, active):
        losses = []
        for k in range(len(models)):
            def train_one(k=k):
                return step(models[k], optimizers[k], x[k], y[k])
            losses.append(tf.cond(active[k], train_one, lambda: tf.constant(0.0)))  # a solved model stands still
        return tf.stack(losses)

    @tf.function(jit_compile=True)
    def outputs(x):
        return tf.stack([models[k](x[k])[:, 0] for k in range(len(models))])

    active = np.ones(len(models), bool)
    steps = np.zeros(len(models), int)
    history = [[] for _ in models]
    compile_seconds = None
    for n in range(1, max_steps + 1):
        train_step(*next_batch(), active)
        if compile_seconds is None:
            compile_seconds = time.perf_counter() - start
        steps += active
        if n % check_every == 0 or n == max_steps:
            accuracy = score(outputs(validation[0]).numpy(), validation[1]).mean(axis=1)
            for k in np.flatnonzero(active):
                history[k].append(round(float(accuracy[k]), 4))
            active &= accuracy < solved_at
            if not active.any():
                break
    return Trained(steps, ~active, history, compile_seconds, lambda x: outputs(x).numpy())


def compiled_reader(model):
    """read(x) -> (h, output) as NumPy: a Sequential [recurrent layer returning every state, Dense] run as one
    XLA-compiled program; its weights can be replaced (set_weights) between calls without compiling again."""
    import tensorflow as tf
    rnn, dense = model.layers

    @tf.function(jit_compile=True)
    def read(x):
        h = rnn(x)
        return h, dense(h)[..., 0]
    return lambda x: tuple(v.numpy() for v in read(x))


def start_worker():
    """Each worker process: one TensorFlow thread. Two such workers keep two cores busy with less overhead than one
    process with two threads (these models are too small for one step to use two cores well)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops the workers
    # a main process killed outright (kill -9) cannot stop its workers: each worker watches for that and ends itself
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf, _ = cli.import_tensorflow()
    tf.get_logger().setLevel("ERROR")  # each job compiles its own small functions: retracing is expected here
    set_threads(1)                     # TensorFlow's pools and NumPy's BLAS


def _exit_with_parent(parent):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _stop(signum, frame):
    raise KeyboardInterrupt  # SIGTERM or SIGHUP: the same clean stop as Ctrl-C


def run_jobs(work, jobs, workers, first=None, follow=None):
    """work(job) for every job, on `workers` processes (fresh, spawned, one TensorFlow thread each); yields (job,
    result) as they finish; work must be a module-level function (it is sent to the workers by name). first: a
    function run once in a worker before the jobs, its result yielded
    first (the workers' conditions). follow(job, result) -> further jobs to queue (a grid that stops where it is
    hopeless). Ctrl-C, SIGTERM or SIGHUP stop the workers at once (KeyboardInterrupt: exit 130); a worker that dies
    raises cli.Failure."""
    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    context = multiprocessing.get_context("spawn")   # a fresh TensorFlow in each worker, never a forked one
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=start_worker)
    try:
        if first:
            yield pool.submit(first).result()
        pending = {pool.submit(work, job): job for job in jobs}
        while pending:
            done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                result = future.result()
                for more in follow(job, result) if follow else ():
                    pending[pool.submit(work, more)] = more
                yield job, result
    except concurrent.futures.process.BrokenProcessPool:
        _terminate(pool)
        raise cli.Failure("a worker process died (out of memory, or killed); lower --workers or the largest lag. "
                          "Previous outputs kept")
    except BaseException:  # Ctrl-C, a signal, a failed job: stop the workers now rather than wait for their jobs
        _terminate(pool)
        raise
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    pool.shutdown()


def _terminate(pool):
    processes = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
