"""rnn_days/side_by_side.py: the memory experiment's worker processes never outlive the command, and a worker
that dies is one line."""
import os
import signal
import subprocess
import sys
import time

from helpers import ROOT
from rnn_days import cli, side_by_side

import pytest


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def start_grid(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "day4_memory.py"), "--tasks", "recall", "--cells",
                                "lstm", "--recall-lags", "400,300", "--seeds", "1", "--steps", "5000", "--out",
                                str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    assert "task(s)" in process.stdout.readline()
    deadline = time.monotonic() + 60
    while len(children(process.pid)) < 3 and time.monotonic() < deadline:   # two workers, the resource tracker
        time.sleep(0.5)
    time.sleep(6)   # the workers are up and training
    return process, children(process.pid)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_killed_grid_leaves_no_worker_behind(how, tmp_path):
    process, kids = start_grid(tmp_path)
    assert kids
    process.send_signal(getattr(signal, how))
    _, err = process.communicate(timeout=60)
    if how != "SIGKILL":   # a signal it can catch: one line, exit 130
        assert process.returncode == 130 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    deadline = time.monotonic() + 15
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [k for k in kids if alive(k)], "a worker outlived the command"
    assert not (tmp_path / "out").exists()


def kill_myself(*args):
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.slow
def test_a_worker_that_dies_is_one_line(capsys):
    with pytest.raises(cli.Failure, match="worker process died"):
        list(side_by_side.run_jobs(kill_myself, [1], workers=1))
