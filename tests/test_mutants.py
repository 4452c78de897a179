"""tools/mutants.py: --help and --list start nothing; every bug's text is found exactly once in its file (a bug
whose text no longer matches is one line, not an AssertionError); the tests named for each bug exist."""
import os

from helpers import ROOT, one_line_exit, run_script
from tools import mutants

import pytest


def test_help_and_list_start_nothing():
    result = run_script("tools/mutants.py", "--help", timeout=60)
    assert result.returncode == 0 and "--list" in result.stdout
    result = run_script("tools/mutants.py", "--list", timeout=60)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == len(mutants.MUTANTS)


@pytest.mark.parametrize("mutant", mutants.MUTANTS, ids=lambda m: m.name[:40])
def test_every_bug_can_be_planted_and_is_guarded_by_existing_tests(mutant):
    with open(os.path.join(ROOT, mutant.path), encoding="utf-8") as f:
        assert f.read().count(mutant.old) == 1, mutant.name
    assert all(os.path.isfile(os.path.join(ROOT, t)) for t in mutant.tests)


def test_a_bug_whose_text_no_longer_matches_is_one_line(monkeypatch, capsys):
    stale = mutants.Mutant("stale", "day2_bptt_numpy.py", "no such text", "x", (mutants.BPTT,))
    monkeypatch.setattr(mutants, "MUTANTS", [stale])
    monkeypatch.setattr(mutants, "run", lambda m, real=mutants.run: (0, "1 passed") if m.path is None else real(m))
    code, err = one_line_exit(mutants.main, [], capsys)
    assert code == 1 and "the text to change is found 0 times in day2_bptt_numpy.py" in err


def test_an_unknown_keyword_is_a_bad_flag(capsys):
    code, err = one_line_exit(mutants.main, ["-k", "no bug has this name"], capsys)
    assert code == 2 and "-k" in err
