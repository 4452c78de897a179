"""Helpers shared by the hand-derived BPTT tests (Day 2's RNN, Day 3's LSTM): finite differences and relative error
-- the same ones the exercises' checks use (checks/harness.py)."""
from checks.harness import numerical_gradient, rel_error  # noqa: F401 -- re-exported for the test files


def shape_id(shape):
    return "N{}-T{}-D{}-H{}".format(*shape)
