"""Day 3, memory horizon: each task's generator makes the stated distribution and chance level, the same seed makes
the same data, and the --quick grid writes its figure and JSON and learns a short lag above chance."""
import json

import numpy as np
import pytest

from rnn_days import cli

import day3_memory as memory


def test_recall_label_is_the_first_step_and_nothing_else():
    x, y = memory.recall_batch(np.random.default_rng(0), 20_000, 30)
    assert x.shape == (20_000, 30, 1) and set(np.unique(x)) == {-1.0, 1.0}
    np.testing.assert_array_equal(y, (x[:, 0, 0] == 1).astype(np.float32))
    assert abs(y.mean() - 0.5) < 0.02                             # chance 0.5: the labels are balanced
    later = np.corrcoef(np.c_[y, x[:, 1:, 0]], rowvar=False)[0, 1:]
    assert np.max(np.abs(later)) < 0.03                           # the distractors say nothing about the label


def test_adding_target_is_the_sum_of_exactly_the_two_marked_values():
    T = 50
    x, y = memory.adding_batch(np.random.default_rng(1), 20_000, T)
    values, markers = x[..., 0], x[..., 1]
    assert x.shape == (20_000, T, 2) and np.all(np.abs(values) < 1)
    assert np.all(markers.sum(axis=1) == 2) and set(np.unique(markers)) == {0.0, 1.0}
    first, second = (np.argmax(markers, axis=1), T - 1 - np.argmax(markers[:, ::-1], axis=1))
    assert np.all(first < T // 10) and np.all((T // 10 <= second) & (second < T // 2))
    np.testing.assert_allclose(y, (values * markers).sum(axis=1), rtol=1e-6)
    assert abs(values.mean()) < 0.01 and abs(values.var() - 1 / 3) < 0.01        # uniform in (-1, 1)
    assert abs(np.mean(memory.correct("adding", np.zeros_like(y), y)) - memory.CHANCE["adding"]) < 0.01
    assert abs(np.mean(y ** 2) - 2 / 3) < 0.02                   # the constant answer 0: mean squared error 2/3


def test_adding_marks_the_first_step_when_T_is_short():
    x, _ = memory.adding_batch(np.random.default_rng(2), 1000, 5)
    assert np.all(x[:, 0, 1] == 1) and np.all(x[:, 1:, 1].sum(axis=1) == 1)


def test_correct_reads_the_sign_for_recall_and_the_tolerance_for_adding():
    np.testing.assert_array_equal(memory.correct("recall", np.array([2.0, -0.5, 0.1]), np.array([1.0, 0.0, 0.0])),
                                  [True, True, False])
    np.testing.assert_array_equal(memory.correct("adding", np.array([0.5, 0.5]), np.array([0.65, 0.7])),
                                  [True, False])


def test_same_seed_same_data_and_every_cell_sees_it():
    for task, batch in memory.BATCHES.items():
        a = batch(memory.data_rng(task, 20, 3, "train"), 8, 20)
        b = batch(memory.data_rng(task, 20, 3, "train"), 8, 20)
        c = batch(memory.data_rng(task, 20, 4, "train"), 8, 20)
        d = batch(memory.data_rng(task, 20, 3, "test"), 8, 20)
        np.testing.assert_array_equal(a[0], b[0])
        assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[0], d[0])


def test_horizon_is_the_largest_lag_whose_median_passes():
    runs = [{"task": "recall", "cell": "lstm", "T": T, "accuracy": a}
            for T, accs in ((10, (1, 1, 0.5)), (20, (0.95, 0.5, 0.92)), (50, (0.5, 0.6, 0.95))) for a in accs]
    s = memory.summarise(runs, ["recall"], ["lstm"], {"recall": [10, 20, 50]})["recall"]["lstm"]
    assert s["horizon"] == s["horizon_contiguous"] == 20 and s["points"]["50"]["median"] == 0.6
    runs += [{"task": "recall", "cell": "lstm", "T": 100, "accuracy": a} for a in (1, 1, 0.5)]
    s = memory.summarise(runs, ["recall"], ["lstm"], {"recall": [10, 20, 50, 100]})["recall"]["lstm"]
    assert s["horizon"] == 100 and s["horizon_contiguous"] == 20   # a failure at 50 comes before a success


@pytest.mark.slow
def test_quick_grid_writes_figure_and_json_and_learns_a_short_lag(tmp_path, capsys):
    summary = memory.main(["--quick", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    data = json.loads((tmp_path / "memory_horizon.json").read_text())
    assert (tmp_path / "memory_horizon.png").stat().st_size > 0
    assert f"wrote {tmp_path / 'memory_horizon.png'}" in printed
    assert len(data["runs"]) == 2 * 3 * 2 * 2                    # tasks x cells x lags x seeds
    for task in ("recall", "adding"):
        for cell in memory.CELLS:
            short = summary[task][cell]["points"][str(memory.QUICK["lags"][task][0])]
            assert short["min"] > memory.CHANCE[task] + 0.3, (task, cell, short)


@pytest.mark.parametrize("argv", [["--recall-lags", "1"], ["--adding-lags", "10,x"], ["--cells", "rnn"],
                                  ["--tasks", ""], ["--cells", "lstm,lstm"], ["--steps", "0"], ["--workers", "0"],
                                  ["--seeds", "101"], ["--workers", "17"], ["--seeds", "0"],
                                  ["--forget-bias", "nan"], ["--forget-bias", "30"]])
def test_bad_flags_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.run(memory.main, argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and argv[0] in err[0]


def test_lstm_forget_bias_sets_only_the_forget_gate_slice():
    default, three = (memory.build_model("lstm", "recall", 10, 4, b) for b in (1.0, 3.0))
    np.testing.assert_array_equal(np.asarray(default.layers[0].cell.bias), np.repeat([0, 1, 0, 0], 4))
    np.testing.assert_array_equal(np.asarray(three.layers[0].cell.bias), np.repeat([0, 3, 0, 0], 4))
    assert memory.build_model("gru", "adding", 10, 4, 3.0).layers[0].cell.bias.shape == (2, 12)  # GRU: untouched


@pytest.mark.slow
def test_ctrl_c_stops_the_workers_with_one_line_and_exit_130(tmp_path):
    """Ctrl-C during the grid: one line, exit 130, no worker left running, no output folder."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "day3_memory.py"), "--tasks", "recall",
                                "--cells", "lstm", "--recall-lags", "400", "--seeds", "1", "--steps", "5000",
                                "--out", str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    line = process.stdout.readline()   # the grid has started once this line is out
    assert "task(s)" in line
    time.sleep(8)                       # the workers are up and training
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.strip().splitlines() == ["interrupted; previous outputs kept"]
    assert not (tmp_path / "out").exists()


def test_quick_leaves_the_flags_given_beside_it_alone(tmp_path, monkeypatch):
    seen = {}

    def fake_grid(tasks, cells, lags, seeds, steps, forget_bias, workers):
        seen.update(lags=lags, seeds=seeds, steps=steps)
        raise KeyboardInterrupt   # stop before any training
    monkeypatch.setattr(memory, "run_grid", fake_grid)
    with pytest.raises(KeyboardInterrupt):
        memory.main(["--quick", "--recall-lags", "7,9", "--seeds", "1", "--out", str(tmp_path)])
    assert seen == {"lags": {"recall": [7, 9], "adding": [5, 20]}, "seeds": [0], "steps": 300}
