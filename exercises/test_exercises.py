"""Your exercises, checked: `python -m pytest exercises/` (or `-k day2`, `-k day3`, `-k keras`).

An exercise you have not started is skipped as "not attempted"; a wrong one fails with one line saying which
gradient is off and where. The checks themselves are exercises/checks.py; the worked solutions, for when you are
done or stuck, are in exercises/solutions/.
"""
import importlib

import pytest

from exercises import checks

EXERCISES = [  # (file, function, its check)
    ("day2_bptt", "rnn_backward", checks.check_rnn_backward),
    ("day2_bptt", "clip_by_global_norm", checks.check_clip_by_global_norm),
    ("day2_bptt", "truncated_rnn_backward", checks.check_truncated_rnn_backward),
    ("day3_lstm", "lstm_step_backward", checks.check_lstm_step_backward),
    ("day3_lstm", "lstm_backward", checks.check_lstm_backward),
    ("day3_lstm", "gru_step_forward", checks.check_gru_step_forward),
    ("day2_keras", "grad_norms_through_time", checks.check_grad_norms_through_time),
]


def run_check(module_name, function, check):
    """Run one exercise's check: not attempted -> skipped; wrong -> one-line failure."""
    fn = getattr(importlib.import_module(module_name), function)
    try:
        check(fn)
        return
    except NotImplementedError:
        outcome = None
    except checks.Wrong as wrong:
        outcome = str(wrong)
    if outcome is None:   # outside the except blocks: one line, no chained traceback
        pytest.skip(f"not attempted: exercises/{module_name.split('.')[-1]}.py::{function}")
    pytest.fail(outcome, pytrace=False)


@pytest.mark.parametrize("module,function,check", EXERCISES, ids=[f"{m}::{f}" for m, f, _ in EXERCISES])
def test_exercise(module, function, check):
    run_check(f"exercises.{module}", function, check)
