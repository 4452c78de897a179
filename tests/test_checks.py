"""checks/: the exercises' checks are fair and hard to fool. Every worked solution passes (and its standard variants
do); each planted mistake -- NaN, friendly data, inputs changed in place, wrong layouts, mistakes that land in the
same place -- fails with one line that names the right quantity and equation; the harness reports a function not
started, a helper not written, a borrowed implementation, a syntax error, an os._exit and an endless loop, each in
one line. The course's tests never read the learner's exercise files: they check the worked solutions."""
import importlib
import os
import shutil
import subprocess
import sys
import types

import checks
from checks import harness
from helpers import ROOT

import pytest

SOLUTIONS = os.path.join(ROOT, "exercises", "solutions")


def solution(module, *replacements):
    """exercises/solutions/MODULE.py as a fresh module named like the learner's, with (old, new) texts planted."""
    path = os.path.join(SOLUTIONS, f"{module}.py")
    source = open(path, encoding="utf-8").read()
    for old, new in replacements:
        assert source.count(old) == 1, f"the mistake's text must occur once in {module}.py: {old!r}"
        source = source.replace(old, new)
    mod = types.ModuleType(f"exercises.{module}")
    mod.__file__ = os.path.join(ROOT, "exercises", f"{module}.py")
    exec(compile(source, mod.__file__, "exec"), mod.__dict__)
    return mod


def check_of(function):
    exercise = next(e for e in checks.EXERCISES if e.function == function)
    module, name = exercise.check.split(":")
    return getattr(importlib.import_module(module), name)


def result(module, function, *replacements):
    fn = getattr(solution(module, *replacements), function)
    return harness.run_check(check_of(function), fn)


@pytest.mark.parametrize("exercise", [e for e in checks.EXERCISES if e.function != "train"],
                         ids=lambda e: e.function)
def test_every_worked_solution_passes(exercise):
    assert result(exercise.file, exercise.function) == ("passed", f"{exercise.function}: passed")


def test_pytorchs_clip_with_its_small_epsilon_is_accepted():
    status, message = result("day2_bptt", "clip_by_global_norm",
                             ("factor = max_norm / norm if", "factor = max_norm / (norm + 1e-6) if"))
    assert status == "passed", message


# (module, function, (old, new) planted in the worked solution, words the one-line message must contain)
MISTAKES = [
    # NaN and inf fail with their own message, never pass
    ("day2_bptt", "rnn_backward", ('"b_h": da[1:].sum(axis=(0, 1))', '"b_h": da[1:].sum(axis=(0, 1)) * np.nan'),
     ["dL/db_h", "NaN or inf"]),
    ("day2_bptt", "rnn_backward", ('"h": dh[1:].transpose(1, 0, 2)', '"h": np.full_like(dh[1:].transpose(1, 0, 2), '
                                   'np.nan)'), ["dL/dh", "NaN"]),
    ("day2_bptt", "clip_by_global_norm", ("return {k: grads[k] * factor for k in PARAMS}",
                                          "return {k: grads[k] * factor / 0.0 for k in PARAMS}"), ["NaN or inf"]),
    ("day3_lstm", "lstm_step_backward", ("return da, da @ step[\"W_h\"].T, dc * f",
                                         "return da * np.inf, da @ step[\"W_h\"].T, dc * f"), ["dL/da_t", "inf"]),
    # friendly data: a nonzero h_0, several sizes, random biases, a case only global clipping catches, float32
    ("day2_bptt", "rnn_backward", ('"W_hh": np.einsum("tni,tnj->ij", h[:-1], da[1:])',
                                   '"W_hh": np.einsum("tni,tnj->ij", h[1:-1], da[2:])'), ["dL/dW_hh", "(9)"]),
    ("day2_bptt", "rnn_backward", ("T, N = h.shape[0] - 1, h.shape[1]", "T, N = 12, 3"), ["N=2, T=7", "written into"]),
    ("day2_bptt", "clip_by_global_norm",
     ("    norm = np.sqrt(sum(np.sum(grads[k] ** 2) for k in PARAMS))      # one norm over all of them together\n"
      "    factor = max_norm / norm if norm > max_norm else 1.0\n    return {k: grads[k] * factor for k in PARAMS}",
      "    return {k: grads[k] * min(1.0, max_norm / np.sqrt(np.sum(grads[k] ** 2))) for k in PARAMS}"),
     ["global norm", "all of them together"]),
    ("day2_bptt", "rnn_backward", ("dh, da = np.zeros_like(h), np.zeros_like(h)",
                                   "dh, da = np.zeros_like(h, np.float32), np.zeros_like(h, np.float32)"),
     ["float32", "float64"]),
    ("day2_keras", "grad_norms_through_time", ("z = h @ dense.kernel + dense.bias", "z = h @ dense.kernel"),
     ["||dL/dh_t||", "bias"]),
    ("day3_lstm", "gru_step_forward", ("return u * h_prev + (1 - u) * n", "return (1 - u) * n"),
     ["keras.layers.GRU", "(18)"]),
    # inputs changed in place
    ("day2_bptt", "clip_by_global_norm", ("return {k: grads[k] * factor for k in PARAMS}",
                                          "for k in PARAMS:\n        grads[k] *= factor\n    return dict(grads)"),
     ["changed its input grads", "in place"]),
    ("day2_bptt", "rnn_backward", ("dz = ((p - y) / N)[:, None]", "p -= y\n    dz = (p / N)[:, None]"),
     ["changed its input cache['p']"]),
    ("day3_lstm", "lstm_step_backward", ("tanh_c = np.tanh(c)", "tanh_c = np.tanh(c, out=c)"),
     ["changed its input step['c']"]),
    # shapes and layouts before values
    ("day2_bptt", "rnn_backward", ('"h": dh[1:].transpose(1, 0, 2)', '"h": dh[1:]'), ["first two axes swapped",
                                                                                      "(N, T, H)"]),
    ("day3_lstm", "lstm_backward", ('"a": da[1:].transpose(1, 0, 2)', '"a": da[1:]'), ["first two axes swapped"]),
    ("day2_bptt", "rnn_backward", ('"a": da[1:].transpose(1, 0, 2)', '"a": da.transpose(1, 0, 2)'),
     ["shape", "(N, T, H)"]),
    ("day2_keras", "grad_norms_through_time", ("return np.stack([tf.norm(g, axis=1).numpy() for g in dh], axis=1)",
                                               "return np.stack([tf.norm(g).numpy() for g in dh])"),
     ["shape", "(N, T)"]),
    ("day2_bptt", "clip_by_global_norm", ("return {k: grads[k] * factor for k in PARAMS}",
                                          "return [grads[k] * factor for k in PARAMS]"), ["must return a dict"]),
    # mistakes that land in the same place, told apart
    ("day2_bptt", "rnn_backward", ("        da[t], dh_prev = rnn_step_backward(dh[t], h[t], W_hh)",
                                   "        if t < T:\n            dh[t] = dh[t] + dz @ W_hy.T\n"
                                   "        da[t], dh_prev = rnn_step_backward(dh[t], h[t], W_hh)"),
     ["enters at t = T alone", "(6)"]),
    ("day2_bptt", "rnn_step_backward", ("return da, da @ W_hh.T", "return da, da @ W_hh"), ["transpose", "(8)"]),
    ("day2_bptt", "rnn_backward", ("da = dh * (1 - h ** 2)", "da = dh * (1 - np.arctanh(h) ** 2)"),
     ["slope", "a_t", "(7)"]),
    ("day2_bptt", "truncated_rnn_backward", ("window = T if k is None else min(k, T)",
                                             "window = T if k is None else min(k + 1, T)"),
     ["too long", "T-k+1"]),
    ("day2_bptt", "truncated_rnn_backward", ("if t > T - window + 1:", "if t > T - window:"),
     ["not zero at t = T-k", "edge"]),
    ("day2_bptt", "truncated_rnn_backward", ("window = T if k is None else min(k, T)", "window = T"),
     ["full BPTT", "last k steps"]),
    ("day3_lstm", "lstm_step_backward", ("dc = dc_next + dh * o * (1 - tanh_c ** 2)",
                                         "dc = dh * o * (1 - tanh_c ** 2)"), ["dL/da_t", "add dc_next", "(12)"]),
    ("day3_lstm", "lstm_step_backward", ("dc = dc_next + dh * o * (1 - tanh_c ** 2)",
                                         "dc = dc_next + 2 * dh * o * (1 - tanh_c ** 2)"), ["counted twice"]),
    ("day3_lstm", "lstm_step_backward", ("dc = dc_next + dh * o * (1 - tanh_c ** 2)", "dc = dc_next"),
     ["only dc_next", "(7)/(13)"]),
    ("day3_lstm", "lstm_step_backward", ("df * f * (1 - f)", "df * f"), ["forget gate f", "slope"]),
    ("day3_lstm", "lstm_step_backward", ("return da, da @ step[\"W_h\"].T, dc * f",
                                         "return da, da @ step[\"W_h\"].T, dc"), ["dc_prev", "(12)"]),
    ("day3_lstm", "lstm_backward", ("dc[t] = dc_next + dh[t] * step[\"o\"] * (1 - np.tanh(step[\"c\"]) ** 2)",
                                    "dc[t] = dh[t] * step[\"o\"] * (1 - np.tanh(step[\"c\"]) ** 2)"),
     ["dL/dc_t", "two paths"]),
    ("day3_lstm", "lstm_backward", ('"W_h": np.einsum("tni,tnj->ij", h[:-1], da[1:])',
                                    '"W_h": np.einsum("tni,tnj->ij", h[1:], da[1:])'), ["dL/dW_h", "(14)"]),
    ("day3_lstm", "gru_step_forward", ("hp = h_prev @ recurrent_kernel + bias[1]", "hp = h_prev @ recurrent_kernel"),
     ["both bias rows"]),
    ("day3_lstm", "gru_step_forward", ("n = np.tanh(xp[:, 2 * H:] + r * hp[:, 2 * H:])",
                                       "n = np.tanh(xp[:, 2 * H:] + (r * h_prev) @ recurrent_kernel[:, 2 * H:] + "
                                       "bias[1, 2 * H:])"), ["after the product", "(17)"]),
    ("day2_keras", "grad_norms_through_time", ("loss = tf.reduce_sum(", "loss = tf.reduce_mean("),
     ["times too large", "own loss"]),
    ("day2_keras", "grad_norms_through_time", ("return np.stack([tf.norm(g, axis=1).numpy() for g in dh], axis=1)",
                                               "return np.stack([tf.norm(g, axis=1).numpy() for g in dh[::-1]], "
                                               "axis=1)"), ["reverse order"]),
    # the capstone: the update must use the gradients passed in, and learn
    ("day2_train", "train", ("params = {k: params[k] - learning_rate * grads[k] for k in PARAM_NAMES}",
                             "params = {k: params[k] + learning_rate * grads[k] for k in PARAM_NAMES}"),
     ["the loss did not fall"]),
    ("day2_train", "train", ("grads = clip(backward(cache), max_norm)", "grads = backward(cache)"),
     ["clipping 0 times"]),
    ("day2_train", "train", ("return params, np.array(losses)", "return params, np.array(losses)[:10]"),
     ["losses", "shape"]),
]


@pytest.mark.parametrize("module,function,replace,words", MISTAKES,
                         ids=[f"{m[1]}-{i}" for i, m in enumerate(MISTAKES)])
def test_each_mistake_is_caught_and_named(module, function, replace, words):
    if function == "train":
        pytest.importorskip("exercises.solutions.day2_bptt")
        learner = solution("day2_bptt")   # the capstone uses the learner's own gradients: here, the worked ones
        sys.modules["exercises.day2_bptt"] = learner
    status, message = result(module, function, replace)
    assert status == "wrong", message
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    assert len(message) < 450 and "\n" not in message   # one short line, not a wall of arrays


def test_a_function_not_started_is_not_attempted_and_an_unwritten_helper_is_named():
    def rnn_backward(cache):
        raise NotImplementedError
    assert harness.run_check(check_of("rnn_backward"), rnn_backward)[0] == "not attempted"

    def lstm_step_backward(dh, dc_next, step):
        raise NotImplementedError

    def lstm_backward(cache):
        return lstm_step_backward(None, None, None)
    status, message = harness.run_check(check_of("lstm_backward"), lstm_backward)
    assert status == "wrong" and "calls lstm_step_backward, which is not written yet" in message


def test_a_bug_in_the_learners_code_is_one_line_with_their_line():
    def rnn_backward(cache):
        return cache["h"][999]
    status, message = harness.run_check(check_of("rnn_backward"), rnn_backward)
    assert status == "wrong" and message.startswith("rnn_backward raised IndexError")


def test_odd_return_values_are_named_not_crashes():
    strings = {k: "x" for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h", "a")}
    for value, words in (("a string", "must return a dict"), ({"W_xh": "x"}, "returned no"),
                         (strings, "not an array of numbers")):
        status, message = harness.run_check(check_of("rnn_backward"), lambda cache, v=value: v)
        assert status == "wrong" and words in message, message


def learner_folder(tmp_path, text, name="day2_bptt"):
    """A learner's exercises folder holding one file of the given text."""
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / f"{name}.py").write_text(text)
    return str(folder)


def exercise(function):
    return next(e for e in checks.EXERCISES if e.function == function)


@pytest.mark.parametrize("text,words", [
    ("def rnn_backward(cache):\n    return {\n", ["exercises/day2_bptt.py, line 2"]),
    ("import os\nos._exit(0)\n", ["process ended", "os._exit"]),
    ("import day2_bptt_numpy\ndef rnn_backward(cache):\n    return day2_bptt_numpy.backward(cache)\n",
     ["calls day2_bptt_numpy.backward", "write it yourself"]),
    ("from exercises.solutions.day2_bptt import rnn_backward\n", ["worked solution"]),
], ids=["syntax-error", "os-exit", "course-implementation", "worked-solution"])
def test_the_harness_reports_what_a_learners_file_does_in_one_line(text, words, tmp_path):
    r = checks.run(exercise("rnn_backward"), folder=learner_folder(tmp_path, text))
    assert r.status == "wrong" and "\n" not in r.message, r
    for word in words:
        assert word in r.message, r.message


@pytest.mark.slow
def test_an_endless_loop_is_stopped_with_a_message(tmp_path):
    r = checks.run(exercise("rnn_backward"), folder=learner_folder(tmp_path, "def rnn_backward(cache):\n"
                                                                           "    while True:\n        pass\n"),
                   time_limit=8)
    assert r.status == "wrong" and "no answer within 8 s" in r.message


@pytest.mark.slow
def test_pytest_checks_one_exercise_file_and_a_solved_copy_passes(tmp_path):
    """`python -m pytest exercises/day2_bptt.py` in a learner's checkout: not attempted; with the worked solution
    copied in, passed -- and the course's own tests do not read that file."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("runs", ".git", "__pycache__", ".pytest_cache"))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "exercises/day2_bptt.py"],
                         cwd=copy, capture_output=True, text=True, env=env, timeout=600)
    assert "4 skipped" in run.stdout, run.stdout[-500:]
    shutil.copy(copy / "exercises" / "solutions" / "day2_bptt.py", copy / "exercises" / "day2_bptt.py")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "exercises/day2_bptt.py"],
                         cwd=copy, capture_output=True, text=True, env=env, timeout=600)
    assert "4 passed" in run.stdout, run.stdout[-500:]
