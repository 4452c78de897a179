"""The notes cannot drift from the data: every marked results table equals what rnn_days.results builds from the
committed JSON in notes/results/; and (slow, with IMDB_DATA_DIR) a fresh seed-0 run of the notes' own commands lands
inside the ranges notes/day2.md states for it."""
import os

import pytest

from tools import notes_results as results

NOTES = {os.path.basename(p): open(p, encoding="utf-8").read() for p in results.NOTES}


def marked_tables():
    return [(note, name, body) for note, text in NOTES.items() for name, body in results.MARKER.findall(text)]


def test_notes_have_the_results_tables():
    names = {name for _, name, _ in marked_tables()}
    assert names == set(results.RENDER), names


@pytest.mark.parametrize("note,name,body", marked_tables(), ids=lambda v: v if isinstance(v, str) and
                         len(v) < 20 else "")
def test_notes_table_equals_the_committed_results(note, name, body):
    assert body == results.RENDER[name](), (f"{note}: table {name} differs from notes/results/; regenerate it with "
                                            "`python -m tools.notes_results tables`")


def test_notes_table_check_fails_on_one_changed_digit():
    note, name, body = marked_tables()[0]
    digit = next(i for i, ch in enumerate(body) if ch.isdigit() and i > body.index("|"))
    changed = body[:digit] + str((int(body[digit]) + 1) % 10) + body[digit + 1:]
    assert changed != results.RENDER[name]()


REAL = os.environ.get("IMDB_DATA_DIR")


@pytest.mark.slow
@pytest.mark.skipif(not REAL, reason="IMDB_DATA_DIR is not set: the fresh-run check trains on the real IMDB")
def test_fresh_seed0_run_lands_inside_the_ranges_the_notes_state(tmp_path):
    import day1_tensorflow as day1
    import day2_tensorflow as day2

    ranges = results.parse_fresh_ranges(NOTES["day2.md"])
    assert len(ranges) == 7
    day1_metrics = day1.main(["--data-dir", REAL, "--seed", "0", "--out", str(tmp_path / "day1_seed0")])
    day2_metrics = day2.main(["--data-dir", REAL, "--model", str(tmp_path / "day1_seed0" / "model.keras"),
                              "--out", str(tmp_path / "day2")])
    fresh = results.headline_values(day1_metrics, day2_metrics["models"]["day1_seed0"])
    outside = {name: (fresh[name], lo, hi) for name, (lo, hi) in ranges.items() if not lo <= fresh[name] <= hi}
    assert not outside, f"fresh seed-0 values outside the notes' ranges (value, lo, hi): {outside}"


@pytest.mark.slow
@pytest.mark.skipif(not REAL, reason="IMDB_DATA_DIR is not set: the fresh-run check trains on the real IMDB")
def test_fresh_lstm_seed0_run_lands_inside_the_ranges_the_day3_notes_state(tmp_path):
    import day3_tensorflow as day3

    ranges = results.parse_fresh_ranges(NOTES["day3.md"], "fresh_ranges_day3")
    assert len(ranges) == 5
    metrics = day3.main(["--data-dir", REAL, "--seed", "0", "--compare", "--out", str(tmp_path / "day3_lstm_seed0")])
    fresh = results.day3_headline_values(metrics, metrics["inside"]["day3_lstm_seed0"])
    outside = {name: (fresh[name], lo, hi) for name, (lo, hi) in ranges.items() if not lo <= fresh[name] <= hi}
    assert not outside, f"fresh LSTM seed-0 values outside the notes' ranges (value, lo, hi): {outside}"
