"""The checks behind `python -m pytest exercises/`: each exercise's function against finite differences and the
course's own implementation, run in a separate process with a time limit, so that nothing a learner writes -- an
endless loop, a crash, os._exit, a syntax error -- can hang or fool the check.

An exercise is **passed**, **not attempted** (the function itself raises NotImplementedError), or **wrong**: one
short message naming the quantity that is off, the equation of that day's note to look at, and the error measured
beside the tolerance. It lives outside exercises/, the folder the learner edits.

You do not need to read this package to do the exercises (but you may).
"""
import json
import os
import subprocess
import sys
import typing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXERCISES_DIR = os.path.join(ROOT, "exercises")
TIME_LIMIT_S = 120   # per check, TensorFlow's start included; the worked solutions need a few seconds


class Exercise(typing.NamedTuple):
    file: str        # exercises/FILE.py
    function: str
    check: str       # "module:function" of the check in this package
    day: int


EXERCISES = [
    Exercise("day2_bptt", "rnn_step_backward", "checks.day2:check_rnn_step_backward", 2),
    Exercise("day2_bptt", "rnn_backward", "checks.day2:check_rnn_backward", 2),
    Exercise("day2_bptt", "clip_by_global_norm", "checks.day2:check_clip_by_global_norm", 2),
    Exercise("day2_bptt", "truncated_rnn_backward", "checks.day2:check_truncated_rnn_backward", 2),
    Exercise("day2_train", "train", "checks.day2:check_train", 2),
    Exercise("day2_keras", "grad_norms_through_time", "checks.keras:check_grad_norms_through_time", 2),
    Exercise("day3_lstm", "lstm_step_backward", "checks.day3:check_lstm_step_backward", 3),
    Exercise("day3_lstm", "lstm_backward", "checks.day3:check_lstm_backward", 3),
    Exercise("day3_lstm", "gru_step_forward", "checks.day3:check_gru_step_forward", 3),
]
FILES = sorted({e.file for e in EXERCISES})


class Result(typing.NamedTuple):
    status: str      # "passed", "not attempted", "wrong"
    message: str


def run(exercise, folder=EXERCISES_DIR, time_limit=TIME_LIMIT_S):
    """Run one exercise's check in a fresh Python process on the learner's file in `folder`. Returns a Result."""
    command = [sys.executable, "-m", "checks.child", folder, exercise.file, exercise.function, exercise.check]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow", PYTHONDONTWRITEBYTECODE="1")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=time_limit, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return Result("wrong", f"{exercise.function}: no answer within {time_limit} s -- an endless loop? (a correct "
                               "answer takes a few seconds)")
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            status, message = json.loads(line[len("RESULT "):])
            return Result(status, message)
    tail = (done.stderr.strip().splitlines() or [""])[-1][:200]
    return Result("wrong", f"{exercise.function}: the check's process ended (exit {done.returncode}) before it could "
                           f"report -- does your file call exit() or os._exit()? {tail}".rstrip())
