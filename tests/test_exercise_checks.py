"""The exercises' checks (exercises/checks.py) are fair: every worked solution passes, and each typical mistake,
planted in a copy of the solution, fails with a message that names the wrong gradient and where it goes wrong."""
import os
import types

import pytest

from conftest import ROOT
from exercises import checks
from exercises.test_exercises import EXERCISES

SOLUTIONS = os.path.join(ROOT, "exercises", "solutions")


def load_solution(module, replace=None):
    """exercises/solutions/MODULE.py as a module, with one (old, new) text replacement planted first."""
    path = os.path.join(SOLUTIONS, f"{module}.py")
    source = open(path, encoding="utf-8").read()
    if replace:
        old, new = replace
        assert source.count(old) == 1, f"the mistake's text must occur once in {module}.py: {old!r}"
        source = source.replace(old, new)
    mod = types.ModuleType(f"solution_{module}")
    exec(compile(source, path, "exec"), mod.__dict__)
    return mod


@pytest.mark.parametrize("module,function,check", EXERCISES, ids=[f"{m}::{f}" for m, f, _ in EXERCISES])
def test_every_worked_solution_passes(module, function, check):
    check(getattr(load_solution(module), function))


MISTAKES = [  # (module, function, check, what the learner wrote instead, words the message must contain)
    ("day2_bptt", "rnn_backward", checks.check_rnn_backward,
     ("da[t] = dh[t] * (1 - h[t] ** 2)", "da[t] = dh[t]"), ["dL/da_t", "tanh"]),
    ("day2_bptt", "rnn_backward", checks.check_rnn_backward,
     ("dh[t - 1] = da[t] @ W_hh.T", "dh[t - 1] = da[t] @ W_hh"), ["dL/dh_t", "agrees for t ≥", "transpose"]),
    ("day2_bptt", "rnn_backward", checks.check_rnn_backward,
     ('"W_hh": np.einsum("tni,tnj->ij", h[:-1], da[1:])', '"W_hh": np.einsum("tni,tnj->ij", h[1:], da[1:])'),
     ["dL/dW_hh", "h_{t-1}"]),
    ("day2_bptt", "rnn_backward", checks.check_rnn_backward,
     ("dz = ((p - y) / N)[:, None]", "dz = (p - y)[:, None]"), ["dL/dh_T", "(p - y) / N"]),
    ("day2_bptt", "clip_by_global_norm", checks.check_clip_by_global_norm,
     ("    norm = np.sqrt(sum(np.sum(grads[k] ** 2) for k in PARAMS))      # one norm over all of them together\n"
      "    factor = max_norm / norm if norm > max_norm else 1.0\n    return {k: grads[k] * factor for k in PARAMS}",
      "    return {k: grads[k] * min(1.0, max_norm / np.sqrt(np.sum(grads[k] ** 2))) for k in PARAMS}"),
     ["direction", "not one norm per tensor"]),
    ("day2_bptt", "clip_by_global_norm", checks.check_clip_by_global_norm,
     ("if norm > max_norm else 1.0", "if norm < max_norm else 1.0"), ["already below max_norm"]),
    ("day2_bptt", "clip_by_global_norm", checks.check_clip_by_global_norm,
     ("factor = max_norm / norm if", "factor = norm / max_norm if"), ["global norm", "max_norm / norm"]),
    ("day2_bptt", "truncated_rnn_backward", checks.check_truncated_rnn_backward,
     ("if t > T - window + 1:", "if t > T - window:"), ["k=", "window's edge"]),
    ("day2_bptt", "truncated_rnn_backward", checks.check_truncated_rnn_backward,
     ("for t in range(T, T - window, -1):", "for t in range(T, T - window + 1, -1):"), ["k=", "dL/da_t"]),
    ("day2_bptt", "truncated_rnn_backward", checks.check_truncated_rnn_backward,
     ("window = T if k is None else min(k, T)", "window = T"), ["k=1", "dL/dh_t"]),
    ("day3_lstm", "lstm_step_backward", checks.check_lstm_step_backward,
     ("dc = dc_next + dh * o * (1 - tanh_c ** 2)", "dc = dh * o * (1 - tanh_c ** 2)"),
     ["dL/dz_t", "both paths", "middle"]),
    ("day3_lstm", "lstm_step_backward", checks.check_lstm_step_backward,
     ("dc = dc_next + dh * o * (1 - tanh_c ** 2)", "dc = dc_next + dh * o"), ["dL/dz_t", "both paths"]),
    ("day3_lstm", "lstm_step_backward", checks.check_lstm_step_backward,
     ("df * f * (1 - f)", "df * f"), ["forget gate f", "slope"]),
    ("day3_lstm", "lstm_step_backward", checks.check_lstm_step_backward,
     ("return dz, dz @ step[\"W_h\"].T, dc * f", "return dz, dz @ step[\"W_h\"].T, dc"), ["dc_prev", "(12)"]),
    ("day3_lstm", "lstm_backward", checks.check_lstm_backward,
     ("dc[t] = dc_next + dh[t] * step[\"o\"] * (1 - np.tanh(step[\"c\"]) ** 2)",
      "dc[t] = dh[t] * step[\"o\"] * (1 - np.tanh(step[\"c\"]) ** 2)"), ["dL/dc_t", "two paths"]),
    ("day3_lstm", "lstm_backward", checks.check_lstm_backward,
     ('"W_h": np.einsum("tni,tnj->ij", h[:-1], dz[1:])', '"W_h": np.einsum("tni,tnj->ij", h[1:], dz[1:])'),
     ["dL/dW_h", "(14)"]),
    ("day3_lstm", "lstm_backward", checks.check_lstm_backward,
     ('"z": dz[1:].transpose(1, 0, 2)', '"z": dz[:-1].transpose(1, 0, 2)'), ["dL/dz_t", "every step"]),
    ("day3_lstm", "gru_step_forward", checks.check_gru_step_forward,
     ("return z * h_prev + (1 - z) * n", "return (1 - z) * h_prev + z * n"), ["keras.layers.GRU", "convention"]),
    ("day3_lstm", "gru_step_forward", checks.check_gru_step_forward,
     ("hp = h_prev @ recurrent_kernel + bias[1]", "hp = h_prev @ recurrent_kernel"), ["both bias rows"]),
    ("day3_lstm", "gru_step_forward", checks.check_gru_step_forward,
     ("n = np.tanh(xp[:, 2 * H:] + r * hp[:, 2 * H:])",
      "n = np.tanh(xp[:, 2 * H:] + (r * h_prev) @ recurrent_kernel[:, 2 * H:] + bias[1, 2 * H:])"),
     ["after the product"]),
    ("day2_keras", "grad_norms_through_time", checks.check_grad_norms_through_time,
     ("loss = tf.reduce_sum(", "loss = tf.reduce_mean("), ["times too", "own loss"]),
    ("day2_keras", "grad_norms_through_time", checks.check_grad_norms_through_time,
     ("return np.stack([tf.norm(g, axis=1).numpy() for g in dh], axis=1)",
      "return np.stack([tf.norm(g, axis=1).numpy() for g in dh[::-1]], axis=1)"), ["reverse order"]),
    ("day2_keras", "grad_norms_through_time", checks.check_grad_norms_through_time,
     ("return np.stack([tf.norm(g, axis=1).numpy() for g in dh], axis=1)",
      "return np.stack([tf.norm(g).numpy() for g in dh])"), ["shape", "(N, T)"]),
]


@pytest.mark.parametrize("module,function,check,replace,words", MISTAKES,
                         ids=[f"{m[1]}-{i}" for i, m in enumerate(MISTAKES)])
def test_each_typical_mistake_is_caught_and_named(module, function, check, replace, words):
    with pytest.raises(checks.Wrong) as wrong:
        check(getattr(load_solution(module, replace), function))
    message = str(wrong.value)
    assert message.startswith(function) or message.startswith(function.split("_")[0]), message
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    assert len(message) < 400 and "\n" not in message   # one short line, not a wall of arrays


def test_an_exercise_not_attempted_is_skipped_not_failed():
    from exercises.test_exercises import run_check
    with pytest.raises(pytest.skip.Exception, match="not attempted: exercises/day2_bptt.py::rnn_backward"):
        run_check("exercises.day2_bptt", "rnn_backward", checks.check_rnn_backward)
