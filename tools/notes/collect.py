"""Collecting the scripts' JSON into notes/results/: the training runs of one recipe keyed by seed, a copy of one
file, several files keyed by their seed. A run's seed is read from what it recorded, never from a folder's name, and
two runs of the same seed are refused rather than one silently dropped."""
import os

from rnn_days import cli, outputs
from tools.notes.core import read_json

DAY1_FIELDS = ("test_accuracy", "test_loss", "best_epoch", "epochs_run", "train_seconds", "test_accuracy_fits_maxlen",
               "test_accuracy_longer", "test_share_fits_maxlen", "val_accuracy_per_epoch")   # any training run's


def _fields(path, data, *keys):
    try:
        for key in keys:
            data = data[key]
        return data
    except (KeyError, IndexError, TypeError):
        raise cli.Failure(f"{path}: not the JSON this command collects (no {'/'.join(keys)}); give the folders or "
                          "files the note's command names")


def _add(runs, seed, run, path):
    key = str(seed)
    if key in runs:
        raise cli.Failure(f"{path}: a second run of seed {seed}; give each seed once")
    runs[key] = run


def day1(folders, out):
    """Training runs (day1_tensorflow.py, day1_baseline.py, day3_tensorflow.py), one per seed, keyed by seed."""
    runs, settings, conditions = {}, None, None
    for folder in folders:
        path = os.path.join(folder, "metrics.json")
        m = read_json(path)
        run = {k: _fields(path, m, k) for k in DAY1_FIELDS}
        run["seconds_per_epoch"] = run["train_seconds"] / max(run["epochs_run"], 1)
        _add(runs, _fields(path, m, "settings", "seed"), run, path)
        settings, conditions = _fields(path, m, "settings"), _fields(path, m, "conditions")
    settings = {k: v for k, v in settings.items() if k not in ("seed", "out", "data_dir")}
    outputs.write_json({"runs": runs, "settings": settings, "conditions": conditions}, out)


def copy(paths, out):
    """One file as it is (one row per model, or a grid, with its conditions)."""
    if len(paths) != 1:
        raise cli.UsageError(f"copy takes one file, got {len(paths)}")
    outputs.write_json(read_json(paths[0]), out)


def many(paths, out):
    """Several runs' JSON files in one, keyed by the seed each recorded in its settings."""
    runs = {}
    for path in paths:
        run = read_json(path)
        _add(runs, f"seed {_fields(path, run, 'settings', 'seed')}", run, path)
    outputs.write_json({"runs": runs}, out)


COLLECT = {"day1": day1, "copy": copy, "many": many}
