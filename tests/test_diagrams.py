"""tools/diagrams.py: the notes' diagrams are drawn into a folder together; a file or an unwritable folder in the
way is one line, and nothing there is changed."""
import os

from helpers import assert_one_line, run_script
from tools import diagrams

import pytest


def test_each_diagram_is_drawn_and_shown_by_a_note(tmp_path):
    diagrams.main(["--out", str(tmp_path)])
    assert sorted(os.listdir(tmp_path)) == sorted(diagrams.DIAGRAMS)


def test_an_out_that_is_a_file_is_a_bad_flag(tmp_path):
    (tmp_path / "file").write_text("mine")
    assert_one_line(run_script("tools/diagrams.py", "--out", tmp_path / "file"), 2, "--out")
    assert (tmp_path / "file").read_text() == "mine"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_line(tmp_path):
    (tmp_path / "ro").mkdir(mode=0o500)
    assert_one_line(run_script("tools/diagrams.py", "--out", tmp_path / "ro"), 1, "could not write")
