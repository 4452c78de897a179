"""Lets pytest check the exercise files themselves: `python -m pytest exercises/` (every exercise) or
`python -m pytest exercises/day2_bptt.py` (one file). Each function is one test: passed, skipped as "not attempted",
or failed with one line saying what is off. The checks are in checks/ (outside this folder); each runs in its own
process with a time limit. You do not need to edit this file."""
import os

import checks

import pytest


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".py" and file_path.stem in checks.FILES and file_path.parent.name == "exercises":
        return ExerciseFile.from_parent(parent, path=file_path)
    return None


class ExerciseFile(pytest.File):
    def collect(self):
        for exercise in checks.EXERCISES:
            if exercise.file == self.path.stem:
                yield ExerciseItem.from_parent(self, name=exercise.function, exercise=exercise)


class ExerciseItem(pytest.Item):
    def __init__(self, *, exercise, **kwargs):
        super().__init__(**kwargs)
        self.exercise = exercise

    def runtest(self):
        result = checks.run(self.exercise, folder=os.path.dirname(str(self.path)))
        if result.status == "not attempted":
            pytest.skip(f"not attempted: exercises/{self.exercise.file}.py::{self.exercise.function}")
        if result.status != "passed":
            pytest.fail(result.message, pytrace=False)

    def reportinfo(self):
        return self.path, None, f"exercises/{self.exercise.file}.py::{self.exercise.function}"
