"""The notes cannot drift from the data, and a learner can finish a day in an hour.

Every marked table and value equals what tools/notes builds from the committed JSON in notes/results/; every note
renders cleanly as CommonMark (no heading inside a paragraph, no stray backtick, every image and link resolves);
each day opens with key ideas and a core path of at most 35 minutes of reading and ends with what we learned, the
verdicts, exercises that say their kind, time, difficulty and what to see, and what to try next; no lesson command
writes into notes/; the fresh-run checks pass every committed model; and (slow, with IMDB_DATA_DIR) a fresh seed-0
run of the notes' own commands reproduces the notes' verdicts."""
import os
import re

import tools.notes  # noqa: F401 -- registers every note's blocks
from tools.notes import core, reproducing
from tools.notes import day4 as notes_day4

import pytest

NOTES = {name: core.read_note(name) for name in core.NOTE_NAMES + ("idea.md",)}
DAYS = ("day1.md", "day2.md", "day3.md", "day4.md")


def marked_blocks():
    return [(note, kind, name, body) for note, text in NOTES.items() for kind, name, body in core.marked(text)]


def test_every_registered_block_is_in_a_note_and_every_marker_is_registered():
    found = {(kind, name) for _, kind, name, _ in marked_blocks()}
    registered = {(b.kind, name) for name, b in core.BLOCKS.items()}
    assert found == registered, (sorted(found - registered), sorted(registered - found))
    for name, block in core.BLOCKS.items():   # and in the note it says it feeds
        assert name in "".join(n for _, _, n, _ in [b for b in marked_blocks() if b[0] == block.note]), name


@pytest.mark.parametrize("note,kind,name,body", marked_blocks(), ids=lambda v: v if isinstance(v, str) and len(v) < 30
                         else "")
def test_every_marked_block_equals_the_committed_results(note, kind, name, body):
    assert body == core.BLOCKS[name].render(), (f"{note}: {kind} {name} differs from notes/results/; regenerate it "
                                                "with `python -m tools.notes tables`")


def test_the_check_fails_on_one_changed_digit():
    note, kind, name, body = next(b for b in marked_blocks() if b[1] == "table" and "|" in b[3])
    digit = next(i for i, ch in enumerate(body) if ch.isdigit() and i > body.index("|"))
    changed = body[:digit] + str((int(body[digit]) + 1) % 10) + body[digit + 1:]
    assert changed != core.BLOCKS[name].render()


def tables_in(text):
    """Every markdown table of a note, as its header row's cells (the row above a |---|---| line)."""
    lines = text.splitlines()
    return [[c.strip() for c in lines[i - 1].strip().strip("|").split("|")]
            for i in range(1, len(lines)) if re.fullmatch(r"\|(---\|)+", lines[i].strip())]


@pytest.mark.parametrize("note", sorted(NOTES))
def test_no_table_in_the_notes_has_more_than_seven_columns(note):
    widths = [len(header) for header in tables_in(NOTES[note])]
    assert not widths or max(widths) <= 7, (note, widths)


@pytest.mark.parametrize("note", sorted(NOTES) + ["../README.md"])
def test_no_project_language_in_the_notes(note):
    with open(os.path.join(core.NOTES_DIR, note), encoding="utf-8") as f:
        text = f.read().lower()
    for phrase in ("goal met", "stretch goal", "the issue", "when the issue", "this round", "a reading, not a finding"):
        assert phrase not in text, (note, phrase)


# --- rendering ---------------------------------------------------------------------------------------------------

def render_problems(text, note):
    """What a CommonMark renderer would show wrongly: a heading that interrupts a paragraph, a backtick left over
    (unmatched), an image or link to a file or anchor that is not there."""
    from markdown_it import MarkdownIt
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    lines = text.splitlines()
    problems = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map and tok.map[0] > 0 and lines[tok.map[0] - 1].strip():
            problems.append(f"line {tok.map[0] + 1}: a heading right after a line of text: {lines[tok.map[0]]!r}")
        for child in tok.children or []:
            if child.type == "text" and "`" in child.content:
                problems.append(f"an unmatched backtick near {child.content[:40]!r}")
            target = child.attrs.get("src") or child.attrs.get("href") if child.type in ("image", "link_open") else None
            if target and not target.startswith(("http://", "https://", "mailto:")):
                path, _, anchor = target.partition("#")
                file = os.path.normpath(os.path.join(core.NOTES_DIR, path)) if path else os.path.join(core.NOTES_DIR,
                                                                                                       note)
                if not os.path.exists(file):
                    problems.append(f"{target}: no such file")
                elif anchor and file.endswith(".md") and anchor not in anchors(open(file, encoding="utf-8").read()):
                    problems.append(f"{target}: no such section")
    return problems


def anchors(text):
    """GitHub's anchors of a markdown text's headings."""
    out = set()
    for line in text.splitlines():
        m = re.match(r"#+ (.*)", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            out.add(slug)
    return out


@pytest.mark.parametrize("note", sorted(NOTES))
def test_every_note_renders_cleanly(note):
    assert render_problems(NOTES[note], note) == []


def test_the_rendering_check_fails_on_a_heading_inside_a_paragraph_and_a_stray_backtick():
    assert render_problems("In the loop `da[t] = dh[t] * (1 - h[t]**2)\n# (7)`, and\n", "day2.md")
    assert render_problems("see ![a figure](figures/none.png)\n", "day2.md")
    assert render_problems("see [there](day2.md#no-such-section)\n", "day1.md")


# --- a learner's hour -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("day", DAYS)
def test_every_day_opens_with_key_ideas_and_a_core_path_and_ends_with_verdicts_and_exercises(day):
    text = NOTES[day]
    order = [text.find(h) for h in ("**Key ideas**", "**Your hour.**", "## What we learned", "## The original",
                                    "## Exercises", "## What to try next", "*Conditions:")]
    assert -1 not in order and order == sorted(order), (day, order)
    assert core.core_minutes(day) <= 35, (day, core.core_minutes(day))
    ideas = text[text.find("**Key ideas**"):text.find("**Your hour.**")]
    assert 3 <= len(re.findall(r"^\d+\. ", ideas, re.M)) <= 5


EXERCISE = re.compile(r"^\d+\. \*\*(Write|Run|Edit)\*\* · [^·]*\bmin\b[^·]* · ★{1,3} — ", re.M)


@pytest.mark.parametrize("day", DAYS)
def test_every_exercise_says_its_kind_time_difficulty_and_what_to_see(day):
    text = NOTES[day]
    exercises = text[text.find("## Exercises"):text.find("## What to try next")]
    items = re.split(r"\n(?=\d+\. )", exercises)[1:]
    assert len(items) >= 6, day
    for item in items:
        assert EXERCISE.match(item) and "**You should see:**" in item, item[:120]


def test_the_exercise_check_can_fail():
    assert not EXERCISE.match("1. Run the script and look at the figure.")


@pytest.mark.parametrize("day", DAYS)
def test_no_command_in_a_lesson_writes_into_notes(day):
    commands = re.findall(r"```.*?```", NOTES[day], re.S) + re.findall(r"`[^`\n]+`", NOTES[day])
    for command in commands:
        assert not re.search(r"(--out|--json)\s+notes/|cp .* notes/|tools\.notes (tables|copy|day1|many)", command), (
            day, command)


def test_each_day_links_to_the_idea_that_ties_them_together():
    for day in ("day2.md", "day3.md", "day4.md"):
        assert "(idea.md)" in NOTES[day], day


# --- Day 4's grid and the fresh-run checks ----------------------------------------------------------------------------

def test_every_day4_point_rests_on_ten_seeds_and_states_its_cap():
    for task in notes_day4.FILES:
        d = notes_day4.day4(task)
        assert d["settings"]["steps"] >= 6000 and d["settings"]["seeds"] >= 10
        for cell, s in d["summary"][task].items():
            for T, p in s["points"].items():
                assert ("solved" in p and p["seeds"] >= 10) or p.get("skipped"), (task, cell, T)
                assert p["gradient_ratio_median"] is not None, (task, cell, T)   # measured even where not trained
        assert {"lstm_fb", "lstm_chrono", "gru_fb"} <= set(d["settings"]["cells"])


def test_the_diagrams_are_drawn_by_the_committed_script(tmp_path):
    from tools import diagrams
    diagrams.main(["--out", str(tmp_path)])
    for name in diagrams.DIAGRAMS:
        assert (tmp_path / name).stat().st_size > 10_000
        assert f"figures/{name}" in "".join(NOTES.values())       # and a note shows it


def test_fresh_checks_pass_a_model_from_another_machine_and_fail_a_vanished_gradient():
    """A model a second machine gave (outside the committed models' ranges) passes the Day-2 checks; a model whose
    gradient did vanish to 1e-9 does not."""
    sixth = {"day1_test_accuracy": 0.8471, "ratio": 0.957, "sigma_max": 1.719, "effect_0": -0.174}
    assert set(reproducing.DAY2_CHECKS) == set(sixth) and not reproducing.failed_checks(sixth,
                                                                                         reproducing.DAY2_CHECKS)
    assert reproducing.failed_checks(dict(sixth, ratio=1e-9), reproducing.DAY2_CHECKS)


def test_every_notes_model_passes_the_fresh_checks():
    """Each committed model, treated as the fresh run, passes the checks the notes state (no false alarm on them)."""
    for table, checks in ((reproducing.day2_fresh_table, reproducing.DAY2_CHECKS),
                          (reproducing.day3_fresh_table, reproducing.DAY3_CHECKS)):
        per_model = table()
        assert len(checks) >= 4 and len(per_model) >= 10
        assert not [reproducing.failed_checks(v, checks) for v in per_model if reproducing.failed_checks(v, checks)]


REAL = os.environ.get("IMDB_DATA_DIR")


@pytest.mark.slow
@pytest.mark.skipif(not REAL, reason="IMDB_DATA_DIR is not set: the fresh-run check trains on the real IMDB")
def test_fresh_seed0_run_reproduces_the_day2_verdicts(tmp_path):
    """Seed 0 trained afresh, then Day 2 on it, checked against the thresholds of tools/notes/reproducing.py (the
    appendix states their false-alarm rate on a correct install)."""
    import day1_tensorflow as day1
    import day2_tensorflow as day2

    day1_metrics = day1.main(["--data-dir", REAL, "--seed", "0", "--out", str(tmp_path / "day1_seed0")])
    day2_metrics = day2.main(["--data-dir", REAL, "--model", str(tmp_path / "day1_seed0" / "model.keras"),
                              "--out", str(tmp_path / "day2")])
    fresh = reproducing.day2_fresh_values(day1_metrics, day2_metrics["models"]["SimpleRNN seed 0"])
    assert not reproducing.failed_checks(fresh, reproducing.DAY2_CHECKS), "a fresh seed-0 model contradicts the notes"


@pytest.mark.slow
@pytest.mark.skipif(not REAL, reason="IMDB_DATA_DIR is not set: the fresh-run check trains on the real IMDB")
def test_fresh_lstm_seed0_run_reproduces_the_day3_verdicts(tmp_path):
    import day3_inside
    import day3_tensorflow as day3

    metrics = day3.main(["--data-dir", REAL, "--seed", "0", "--out", str(tmp_path / "day3_lstm_seed0")])
    inside = day3_inside.main(["--data-dir", REAL, "--model", str(tmp_path / "day3_lstm_seed0" / "model.keras"),
                               "--compare", "--out", str(tmp_path / "inside")])
    fresh = reproducing.day3_fresh_values(metrics, inside["LSTM seed 0"])
    assert not reproducing.failed_checks(fresh, reproducing.DAY3_CHECKS), "a fresh seed-0 LSTM contradicts the notes"


def test_a_learners_model_is_placed_among_the_notes_models(capsys):
    """Day 2 prints where a model sits among the notes' twenty, and why a value outside their range is expected."""
    import copy

    import day2_tensorflow as day2
    from tools.notes import day2 as notes_day2
    trained = notes_day2.trained()
    mine = copy.deepcopy(trained[0])
    mine["W_hh_sigma_max"] = 9.0
    day2.print_among_notes(mine)
    printed = capsys.readouterr().out
    assert f"sigma_max(W_hh) 9.000: above all {len(trained)} models of the notes" in printed
    assert "expected now and then" in printed and "nowhere near the original's 1e-9" in printed


ORIGINAL = os.path.join(core.ROOT, "..", "shared", "seeds", "000_4a8672d7ca813359.txt")


@pytest.mark.skipif(not os.path.isfile(ORIGINAL), reason="the original Day-2 tutorial is not beside the checkout")
def test_every_verdict_quotes_whole_sentences_of_the_original():
    """The first cell of every verdict row quotes the original: a whole sentence (or a whole line of its code), as
    it stands there, whitespace aside."""
    original = open(ORIGINAL, encoding="utf-8").read()
    quotes = [row.split(" | ")[0][3:-1] for note in DAYS for row in NOTES[note].splitlines()
              if row.startswith('| "') and " | **" in row]
    assert len(quotes) >= 6
    for quote in quotes:
        found = re.search(r"\s+".join(map(re.escape, quote.split())), original)
        assert found, f"not in the original: {quote[:80]}"
        before = original[:found.start()]
        assert not before.strip() or before.endswith("\n") or before.rstrip()[-1] in ".!?", f"not whole: {quote[:60]}"
        assert quote.rstrip()[-1] in ".!?)", f"not a sentence's end: {quote[-60:]}"


def test_same_runs_counts_seeds_equal_in_test_accuracy_and_every_epoch():
    first = {"0": {"test_accuracy": 0.8, "val_accuracy_per_epoch": [0.7, 0.8]},
             "1": {"test_accuracy": 0.9, "val_accuracy_per_epoch": [0.8, 0.9]},
             "2": {"test_accuracy": 0.5, "val_accuracy_per_epoch": [0.5]}}
    again = {"0": {"test_accuracy": 0.8, "val_accuracy_per_epoch": [0.7, 0.8]},      # the same
             "1": {"test_accuracy": 0.9, "val_accuracy_per_epoch": [0.8, 0.91]}}     # one epoch differs
    assert reproducing.same_runs(first, again) == "1 of 2"
    again["0"] = dict(again["0"], test_accuracy=0.81)                                 # the test accuracy differs
    assert reproducing.same_runs(first, again) == "0 of 2"


def test_best_kept_takes_either_readout_of_any_run():
    runs = [{"keeps": {"trained": 0.1, "refit": 0.3}}, {"keeps": {"trained": 0.4, "refit": 0.2}}]
    assert notes_day4.best_kept(runs) == 0.4 and notes_day4.best_kept(runs[:1]) == 0.3


def test_kept_counts_the_runs_at_or_above_the_bar_with_one_readout():
    runs = [{"keeps": {"trained": 0.9, "refit": 0.89}}, {"keeps": {"trained": 0.2, "refit": 1.0}},
            {"keeps": {"trained": 0.95, "refit": 0.5}}]
    assert notes_day4.kept_count(runs, "trained") == "2 of 3" and notes_day4.kept_count(runs, "refit") == "1 of 3"


def test_a_p_value_is_beyond_chance_only_below_five_percent_and_workers_are_counted():
    assert notes_day4.verdict_p(0.019) == "p = 0.019: beyond chance"
    assert notes_day4.verdict_p(0.05) == "p = 0.05: not distinguishable from chance"
    assert notes_day4.workers_text(1) == "1 worker process" and notes_day4.workers_text(2) == "2 worker processes"
