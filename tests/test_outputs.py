"""rnn_days/outputs.py: a run's files replaced together or not at all -- a folder in the way, a disk that fails half
way, a signal while they move, an interrupt some library swallowed all leave the previous run's files byte for byte;
strict JSON written whole; stale staging folders removed; a folder that cannot be written found before the work."""
import json
import os
import signal
import time

from helpers import one_line_exit, snapshot
from rnn_days import cli, outputs

import pytest


def test_outputs_replace_files_only_when_all_were_written(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "keep.txt").write_text("not ours")
    with outputs.Outputs(str(tmp_path)) as out:
        open(out.path("a.txt"), "w").write("new a")
        assert (tmp_path / "a.txt").read_text() == "old a"  # nothing replaced mid-run
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "keep.txt").read_text() == "not ours"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "keep.txt"]


def test_a_file_that_cannot_be_written_into_staging_is_a_failure_and_keeps_the_previous_files(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    with pytest.raises(cli.Failure, match="No space left on device; previous outputs kept"):
        with outputs.Outputs(str(tmp_path)) as out:
            open(out.path("a.txt"), "w").write("half")
            raise OSError(28, "No space left on device")
    assert sorted(os.listdir(tmp_path)) == ["a.txt"] and (tmp_path / "a.txt").read_text() == "old a"


def test_json_files_are_written_whole(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    outputs.write_json({"a": 1}, path)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(json, "dump", disk_full)
    with pytest.raises(cli.Failure, match="No space left"):
        outputs.write_json({"a": 2}, path)
    assert json.loads(path.read_text()) == {"a": 1} and os.listdir(tmp_path) == ["r.json"]


def test_stale_staging_folders_of_dead_runs_are_removed(tmp_path):
    dead = tmp_path / ".staging-999999999-abc"   # no process has this id
    dead.mkdir()
    (dead / "model.keras").write_bytes(b"half a model")
    live = tmp_path / f".staging-{os.getppid()}-xyz"   # a running process's: left alone
    live.mkdir()
    with outputs.Outputs(str(tmp_path)) as out:
        open(out.path("a.txt"), "w").write("new")
    assert not dead.exists() and live.exists() and (tmp_path / "a.txt").read_text() == "new"


@pytest.mark.parametrize("where", ["under a file", "under a link to nothing", "a NUL byte"])
def test_an_output_folder_that_cannot_be_written_is_found_before_the_work(where, tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    folder = {"under a file": tmp_path / "file" / "out", "under a link to nothing": tmp_path / "dangling" / "out",
              "a NUL byte": str(tmp_path / "a\0b")}[where]
    with pytest.raises(cli.Failure, match="could not write"):
        outputs.check_writable(str(folder))


def test_one_file_that_cannot_be_moved_into_place_keeps_every_previous_file(tmp_path):
    (tmp_path / "a.png").write_text("old a")
    (tmp_path / "b.png").write_text("old b")
    (tmp_path / "c.json").mkdir()                      # the third name is taken by a folder
    before = snapshot(tmp_path)
    with pytest.raises(cli.Failure, match="previous outputs kept"):
        with outputs.Outputs(str(tmp_path)) as out:
            for name in ("a.png", "b.png", "c.json"):
                open(out.path(name), "w").write("new")
    assert snapshot(tmp_path) == before


def test_a_failed_move_half_way_puts_the_moved_files_back(tmp_path, monkeypatch):
    (tmp_path / "a.png").write_text("old a")
    (tmp_path / "b.png").write_text("old b")
    before = snapshot(tmp_path)
    real = os.replace
    calls = []

    def fails_on_the_fourth(src, dst):   # two moved aside, one new placed, then the disk fails
        calls.append(dst)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real(src, dst)
    with pytest.raises(cli.Failure, match="previous outputs kept"):
        with outputs.Outputs(str(tmp_path)) as out:
            for name in ("a.png", "b.png"):
                open(out.path(name), "w").write("new")
            monkeypatch.setattr(os, "replace", fails_on_the_fourth)
    monkeypatch.setattr(os, "replace", real)
    assert snapshot(tmp_path) == before


def test_a_signal_while_the_files_move_puts_the_previous_ones_back(tmp_path, monkeypatch):
    (tmp_path / "a.png").write_text("old a")
    before = snapshot(tmp_path)
    real = os.replace

    def interrupted_replace(src, dst):
        result = real(src, dst)
        os.kill(os.getpid(), signal.SIGINT)   # arrives mid-commit: recorded, then undone at the end
        return result
    with pytest.raises(KeyboardInterrupt):
        with outputs.Outputs(str(tmp_path)) as out:
            open(out.path("a.png"), "w").write("new")
            open(out.path("b.png"), "w").write("new")
            monkeypatch.setattr(os, "replace", interrupted_replace)
    monkeypatch.setattr(os, "replace", real)
    assert snapshot(tmp_path) == before


def test_an_interrupt_a_library_swallowed_still_keeps_the_previous_outputs(tmp_path, capsys):
    (tmp_path / "a.png").write_text("old a")
    before = snapshot(tmp_path)

    def main(argv):
        with outputs.Outputs(str(tmp_path)) as out:
            open(out.path("a.png"), "w").write("new")
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.1)
            except KeyboardInterrupt:
                pass   # as in a __del__, where Python ignores it
    code, err = one_line_exit(main, [], capsys)
    assert code == 130 and "previous outputs kept" in err and snapshot(tmp_path) == before


@pytest.mark.parametrize("name", [".staging-\u00b2-x", f".staging-{2 ** 80}-x", ".staging--x", ".staging-12"])
def test_odd_staging_folder_names_are_handled(name, tmp_path):
    (tmp_path / name).mkdir()
    with outputs.Outputs(str(tmp_path)) as out:
        open(out.path("a.txt"), "w").write("new")
    assert (tmp_path / "a.txt").read_text() == "new"
