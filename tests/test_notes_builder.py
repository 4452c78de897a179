"""tools/notes: a note is rewritten whole and only when it changed; unknown markers, missing or broken notes and
results files that are not what a script wrote end in one line; the collector refuses a second run of a seed, a
FIFO, and JSON it cannot read; the command line lists what it renders and takes --help as a path too."""
import json
import os
import pathlib
import shutil

import tools.notes  # noqa: F401 -- registers every note's blocks
from helpers import assert_one_line, one_line_exit, run_script
from rnn_days import cli
from tools.notes import collect, core
from tools.notes.__main__ import main

import pytest


@pytest.fixture
def notes_copy(tmp_path, monkeypatch):
    """A copy of notes/ the builder works on."""
    folder = tmp_path / "notes"
    shutil.copytree(core.NOTES_DIR, folder)
    monkeypatch.setattr(core, "NOTES_DIR", str(folder))
    return folder


def test_tables_rewrites_only_the_notes_that_changed(notes_copy, capsys):
    before = {p.name: p.stat().st_mtime_ns for p in notes_copy.glob("*.md")}
    main(["tables"])
    assert "nothing to rewrite" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in notes_copy.glob("*.md")} == before
    day1 = notes_copy / "day1.md"
    marker = "<!-- v: day1_accuracy_median -->"
    day1.write_text(day1.read_text().replace(marker + "0.8453", marker + "9"))
    main(["tables"])
    assert capsys.readouterr().out.strip() == "rewrote notes/day1.md" and "-->0.8453<!--" in day1.read_text()


def test_a_note_that_cannot_be_written_is_left_whole(notes_copy, monkeypatch):
    day1 = notes_copy / "day1.md"
    original = day1.read_text()
    day1.write_text(original.replace("<!-- v: day1_accuracy_median -->0.8453", "<!-- v: day1_accuracy_median -->9"))
    stale = day1.read_text()
    real_replace = os.replace

    def disk_full(src, dst):
        raise OSError(27, "File too large")
    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(cli.Failure, match="the note is unchanged"):
        main(["tables"])
    monkeypatch.setattr(os, "replace", real_replace)
    assert day1.read_text() == stale and not list(notes_copy.glob("*.partial-*"))


@pytest.mark.parametrize("damage,words", [
    (lambda p: p.write_text(p.read_text() + "\n<!-- table: no_such_table -->\nx\n<!-- /table -->\n"), "no_such_table"),
    (lambda p: p.write_bytes(b"\xff\xfe not UTF-8"), "UTF-8"),
    (lambda p: p.unlink(), "missing"),
], ids=["unknown-marker", "not-utf8", "missing"])
def test_a_broken_note_is_one_line(damage, words, notes_copy, capsys):
    damage(notes_copy / "day3.md")
    code, err = one_line_exit(main, ["check"], capsys)
    assert code == 1 and words in err


def test_check_names_the_blocks_that_differ(notes_copy, capsys):
    day2 = notes_copy / "day2.md"
    day2.write_text(day2.read_text().replace("-->0.38<!-- /v -->", "-->0.39<!-- /v -->", 1))
    with pytest.raises(SystemExit) as exit_info:
        cli.run(main, ["check"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 1 and "notes/day2.md: day2_ratio_median differ" in out and len(err.splitlines()) == 1


def check_with_day1_seeds(content, tmp_path, monkeypatch, capsys):
    """`check` against a copy of notes/results/ whose day1_seeds.json holds content: (exit code, stderr)."""
    results = tmp_path / "results"
    shutil.copytree(core.RESULTS, results)
    (results / "day1_seeds.json").write_text(content)
    monkeypatch.setattr(core, "RESULTS", str(results))
    core._load.cache_clear()
    try:
        return one_line_exit(main, ["check"], capsys)
    finally:
        core._load.cache_clear()


@pytest.mark.parametrize("content,words", [
    ("{not json", "not a JSON file"), ("[" * 100_000 + "]" * 100_000, "not a JSON file"),
    ('{"runs": {}}', "has no"),
], ids=["garbage", "deep", "no-runs"])
def test_a_results_file_that_is_not_what_a_script_wrote_is_one_line(content, words, tmp_path, monkeypatch, capsys):
    code, err = check_with_day1_seeds(content, tmp_path, monkeypatch, capsys)
    assert code == 1 and ("day1_seeds.json" in err) and (words in err or "regenerate" in err)


def test_a_results_file_older_than_its_renderer_names_the_block(tmp_path, monkeypatch, capsys):
    old = json.loads((pathlib.Path(core.RESULTS) / "day1_seeds.json").read_text())
    for run in old["runs"].values():
        del run["test_accuracy"]                     # a field a newer script added
    code, err = check_with_day1_seeds(json.dumps(old), tmp_path, monkeypatch, capsys)
    assert code == 1 and "test_accuracy" in err and "regenerate" in err


def metrics(folder, seed):
    folder.mkdir(parents=True)
    run = {k: 0.5 for k in collect.DAY1_FIELDS}
    run.update(epochs_run=3, val_accuracy_per_epoch=[0.5], settings={"seed": seed, "out": str(folder)},
               conditions={"cpu": "x"})
    (folder / "metrics.json").write_text(json.dumps(run))


def test_the_collector_keys_runs_by_seed_and_refuses_a_second_run_of_one(tmp_path, capsys):
    metrics(tmp_path / "a", 0)
    metrics(tmp_path / "b", 1)
    main(["day1", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "r.json")])
    assert sorted(json.loads((tmp_path / "r.json").read_text())["runs"]) == ["0", "1"]
    metrics(tmp_path / "c", 1)
    code, err = one_line_exit(main, ["day1", str(tmp_path / "b"), str(tmp_path / "c"), "--out",
                                     str(tmp_path / "s.json")], capsys)
    assert code == 1 and "a second run of seed 1" in err and not (tmp_path / "s.json").exists()


def test_the_collector_does_not_hang_on_a_fifo(tmp_path, capsys):
    os.mkfifo(tmp_path / "fifo.json")
    code, err = one_line_exit(main, ["copy", str(tmp_path / "fifo.json"), "--out", str(tmp_path / "o.json")], capsys)
    assert code == 1 and "not a regular file" in err


@pytest.mark.parametrize("argv,code", [(["frobnicate"], 2), ([], 2), (["day1", "--out"], 2),
                                       (["copy", "x.json", "--out", "/no/such/folder/o.json"], 2)])
def test_bad_commands_are_one_line(argv, code, capsys):
    got, err = one_line_exit(main, argv, capsys)
    assert got == code


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    printed = capsys.readouterr().out
    assert exit_.value.code == 0 and "tables" in printed and "check" in printed and "day4-figures" in printed


@pytest.mark.slow
def test_it_runs_as_a_path():
    result = run_script("tools/notes/__main__.py", "--help")
    assert result.returncode == 0 and "tables" in result.stdout and "check" in result.stdout
    assert_one_line(run_script("tools/notes/__main__.py", "frobnicate"), 2, "frobnicate")


def test_list_names_every_block_and_its_note(capsys):
    main(["list"])
    printed = capsys.readouterr().out
    assert "notes/day4.md:" in printed and "table day4_recall" in printed and "value day1_accuracy_median" in printed
