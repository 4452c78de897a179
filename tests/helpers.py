"""Helpers the test files share: one line and an exit code, never a traceback; small saved models; a folder's bytes;
a script run as a learner runs it."""
import json
import os
import subprocess
import sys

from rnn_days import cli

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_line_exit(main, argv, capsys, out_of_memory="use smaller sizes"):
    """Run main(argv) through cli.run as a script does; return (exit status, the one line it printed to stderr).
    Fails the test if it returns normally or prints anything but exactly one line to stderr."""
    with pytest.raises(SystemExit) as exit_info:
        cli.run(main, argv, out_of_memory=out_of_memory)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return exit_info.value.code, err[0]


def run_script(script, *args, env=None, timeout=300):
    """Run a script of the repository in a fresh Python process, as a learner would from the shell."""
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    return subprocess.run([sys.executable, os.path.join(ROOT, script), *map(str, args)], capture_output=True,
                          text=True, env=full_env, timeout=timeout, cwd=ROOT)


def assert_one_line(result, code, *words):
    """A finished process (run_script) exited with `code` and printed one line naming every word, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    for word in words:
        assert word in lines[0], (word, lines[0])


def snapshot(folder):
    """{name: bytes} of every file in a folder, hidden ones too (a staging folder left behind would show)."""
    return {name: (folder / name).read_bytes() if (folder / name).is_file() else "folder"
            for name in sorted(os.listdir(folder))}


def save_model(path, layers, maxlen=20):
    """A model Embedding(100, 4) -> layers over integer reviews of maxlen words, saved to path."""
    import keras
    path.parent.mkdir(parents=True, exist_ok=True)
    keras.Sequential([keras.Input((maxlen,), dtype="int32"), keras.layers.Embedding(100, 4)] + layers).save(path)
    return str(path)


def write_identity(folder, cell, seed, trained=True):
    (folder / "metrics.json").write_text(json.dumps({"model": {"cell": cell, "seed": seed, "trained": trained,
                                                               "command": "python day1_tensorflow.py"}}))
