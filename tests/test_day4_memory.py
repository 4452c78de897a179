"""Day 4, steps to learn against the lag: each task's generator makes the stated distribution and chance level, the
same seed makes the same data, the cells start where their names say, the gradient at the start agrees with finite
differences, the grid stops where a cell is hopeless, and the --quick grid writes its figures and JSON."""
import json

import day4_memory as memory
from helpers import one_line_exit
from rnn_days import cli

import numpy as np
import pytest


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


def fake_runs(task, cell, solved_per_lag, steps=100):
    return [{"task": task, "cell": cell, "T": T, "seed": k, "solved": k < solved, "steps": steps, "accuracy": 0.9}
            for T, solved in solved_per_lag.items() for k in range(10)]


def test_horizon_is_contiguous_and_counts_seeds_that_solve():
    runs = fake_runs("recall", "lstm", {10: 10, 20: 8, 50: 7, 100: 10})
    s = memory.summarise(runs, [], [], ["recall"], ["lstm"], {"recall": [10, 20, 50, 100]})["recall"]["lstm"]
    assert s["horizon"] == 20 and s["first_failure"] == 50          # 100 passes, but 50 (7 of 10) came first
    assert s["points"]["20"]["solved"] == 8 and s["points"]["20"]["seeds"] == 10
    s = memory.summarise(fake_runs("recall", "lstm", {10: 7}), [], [{"task": "recall", "cell": "lstm", "T": 20}],
                         ["recall"], ["lstm"], {"recall": [10, 20]})["recall"]["lstm"]
    assert s["horizon"] is None and s["points"]["20"]["skipped"] and "solved" not in s["points"]["20"]


def test_exact_interval_and_median_steps_to_solve():
    for k, (low, high) in {0: (0, 0.3085), 8: (0.4439, 0.9748), 10: (0.6915, 1)}.items():
        assert np.allclose(memory.success_interval(k, 10), (low, high), atol=1e-4)
    assert memory.median_steps([100, 300, 200], [True, True, False]) == 300    # the unsolved one counts as never
    assert memory.median_steps([100, 300, 200, 400], [True, True, False, False]) is None   # half unsolved
    assert memory.median_steps([100, 300, 200, 400], [True, True, True, False]) == 250


def test_a_cell_stops_after_two_lags_in_a_row_that_no_seed_solves(monkeypatch):
    """The grid's order and its pruning, with the training replaced by a table of who solves where."""
    solves = {10: 10, 20: 0, 30: 3, 50: 0, 75: 0, 100: 10}

    def fake_job(task, T, cell, seeds, steps, forget_bias, chrono_max, long_lag):
        return [{"task": task, "T": T, "cell": cell, "seed": s, "solved": i < solves[T], "steps": 100,
                 "accuracy": 1.0, "job_seconds": 0} for i, s in enumerate(seeds)]

    def fake_gradient(task, T, cell, seeds, forget_bias, chrono_max):
        return {"task": task, "T": T, "cell": cell, "ratios": [0.5] * len(seeds)}

    def in_process(work, jobs, workers, first=None, follow=None):
        yield first() if first else {}
        queue = list(jobs)
        while queue:
            job = queue.pop(0)
            result = work(job)
            queue += follow(job, result)
            yield job, result
    monkeypatch.setattr(memory, "run_job", fake_job)
    monkeypatch.setattr(memory, "gradient_at_start", fake_gradient)
    monkeypatch.setattr(memory.side_by_side, "run_jobs", in_process)
    monkeypatch.setattr(memory, "conditions", lambda: {})
    runs, grads, skipped, _ = memory.run_grid(["recall"], ["gru"], {"recall": list(solves)}, [0, 1], 500, 3.0, 1)
    assert sorted({r["T"] for r in runs}) == [10, 20, 30, 50, 75]     # 50 and 75 unsolved: 100 is not trained
    assert skipped == [{"task": "recall", "cell": "gru", "T": 100}]
    assert [g["T"] for g in grads] == list(solves)                      # the gradient is measured at every lag


def test_gradient_at_start_agrees_with_finite_differences(monkeypatch):
    import keras
    import tensorflow as tf
    monkeypatch.setattr(memory, "GRAD_SIZE", 3)
    T = 6
    ratio = memory.gradient_at_start("adding", T, "gru", [4])["ratios"][0]
    keras.utils.set_random_seed(4)
    model32 = memory.build_model("gru", "adding", T, memory.HIDDEN, seed=4)
    model = memory.build_model("gru", "adding", T, memory.HIDDEN, seed=4, dtype="float64")
    model.set_weights([w.astype(np.float64) for w in model32.get_weights()])
    x, y = memory.adding_batch(memory.data_rng("adding", T, 4, "gradient"), 3, T)
    x = x.astype(np.float64)

    def L(x):
        return float(memory.loss("adding", model(tf.constant(x))[:, 0], tf.constant(y, tf.float64)))
    g = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        if index[1] in (0, T - 1):
            e = np.zeros_like(x)
            e[index] = 1e-6
            g[index] = (L(x + e) - L(x - e)) / 2e-6
    expected = np.linalg.norm(g[:, 0]) / np.linalg.norm(g[:, -1])
    assert abs(ratio - expected) < 1e-5 * expected


@pytest.mark.slow
def test_quick_grid_writes_figures_and_json_and_learns_a_short_lag(tmp_path, capsys):
    summary = memory.main(["--quick", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    data = json.loads((tmp_path / "memory.json").read_text())
    for figure in ("learning.png", "gradient_at_start.png"):
        assert (tmp_path / figure).stat().st_size > 0 and f"wrote {tmp_path / figure}" in printed
    cells = memory.QUICK["cells"]
    assert len(data["runs"]) == 2 * len(cells) * 2 * 2                    # tasks x cells x lags x seeds
    assert len(data["gradients"]) == 2 * len(cells) * 2                   # every point, trained or not
    for task in ("recall", "adding"):
        for cell in cells:
            short = summary[task][cell]["points"][str(memory.QUICK["lags"][task][0])]
            assert short["solved"] == 2 and short["accuracy_median"] > memory.CHANCE[task] + 0.3, (task, cell)
            assert 0 < short["gradient_ratio_median"] < 10


@pytest.mark.parametrize("argv", [["--recall-lags", "1"], ["--adding-lags", "10,x"], ["--cells", "rnn"],
                                  ["--recall-lags", "0"], ["--recall-lags", "-10,20"], ["--adding-lags", "20,20"],
                                  ["--steps", "-3"], ["--quick", "--full"],
                                  ["--tasks", ""], ["--cells", "lstm,lstm"], ["--steps", "0"], ["--workers", "0"],
                                  ["--seeds", "101"], ["--workers", "17"], ["--seeds", "0"],
                                  ["--forget-bias", "nan"], ["--forget-bias", "30"]])
def test_bad_flags_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.run(memory.main, argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and argv[0] in err[0]


def test_each_cell_starts_where_its_name_says():
    import keras
    bias = lambda cell, **kw: np.asarray(memory.build_model(cell, "recall", 10, 4, **kw).layers[0].cell.bias)  # noqa
    np.testing.assert_array_equal(bias("lstm"), np.repeat([0, 1, 0, 0], 4))          # Keras: forget bias 1
    np.testing.assert_array_equal(bias("lstm_fb", forget_bias=3.0), np.repeat([0, 3, 0, 0], 4))
    chrono = bias("lstm_chrono", chrono_max=400, seed=2).reshape(4, 4)                  # i, f, c, o
    assert np.all((chrono[1] >= 0) & (chrono[1] <= np.log(399))) and np.ptp(chrono[1]) > 0
    np.testing.assert_array_equal(chrono[0], -chrono[1])
    np.testing.assert_array_equal(chrono[2:], 0)
    np.testing.assert_array_equal(bias("lstm_chrono", chrono_max=400, seed=2), bias("lstm_chrono", chrono_max=400,
                                                                                       seed=2))
    keras.utils.set_random_seed(0)
    irnn = memory.build_model("irnn", "adding", 10, 4).layers[0]
    np.testing.assert_array_equal(np.asarray(irnn.cell.recurrent_kernel), np.eye(4))
    assert irnn.cell.activation.__name__ == "relu"
    assert memory.build_model("gru", "adding", 10, 4, 3.0).layers[0].cell.bias.shape == (2, 12)  # GRU: untouched


def test_the_same_seed_starts_from_the_same_weights_at_every_lag():
    import keras
    weights = []
    for T in (10, 400):
        keras.utils.set_random_seed(5)
        weights.append(memory.build_model("simple_rnn", "recall", T, 8).get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


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
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "day4_memory.py"), "--tasks", "recall",
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

    def fake_grid(tasks, cells, lags, seeds, steps, forget_bias, workers, long_lag):
        seen.update(lags=lags, seeds=seeds, steps=steps)
        raise KeyboardInterrupt   # stop before any training
    monkeypatch.setattr(memory, "run_grid", fake_grid)
    with pytest.raises(KeyboardInterrupt):
        memory.main(["--quick", "--recall-lags", "7,9", "--seeds", "1", "--out", str(tmp_path)])
    assert seen == {"lags": {"recall": [7, 9], "adding": [5, 20]}, "seeds": [0], "steps": 300}
    seen.clear()
    with pytest.raises(KeyboardInterrupt):
        memory.main(["--full", "--steps", "50", "--out", str(tmp_path)])
    assert seen["lags"] == {t: list(v) for t, v in memory.FULL["lags"].items()} and seen["steps"] == 50


def test_an_unwritable_out_stops_the_grid_before_it_starts(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(memory, "run_grid", lambda *a: pytest.fail("the grid started"))
    code, err = one_line_exit(memory.main, ["--quick", "--out", str(blocker / "sub")], capsys)
    assert code == 1 and "could not write" in err


# --- the latch, and what a trained model keeps ------------------------------------------------------------------

def test_the_hand_set_latch_recalls_at_every_lag_while_its_gradient_underflows():
    for T in (10, 100, 1000):
        r = memory.latch(T)
        assert r["accuracy"] == 1.0, T
        assert r["log10_gradient"] < -(T - 1) * 0.5   # each step back keeps at most w_hh (1 - h^2) < 1/3
    assert memory.latch(1000)["gradient"] == 0.0 and memory.latch(10)["gradient"] > 0   # float64 underflows


def test_the_latch_gradient_is_the_product_of_its_one_step_jacobians(monkeypatch):
    x = np.array([[[1.0], [-1.0], [1.0]], [[-1.0], [-1.0], [1.0]]], np.float32)

    def two_sequences(rng, n, T):
        return x, (x[:, 0, 0] > 0).astype(np.float32)
    monkeypatch.setattr(memory, "recall_batch", two_sequences)
    r = memory.latch(3, n=2)
    h = np.tanh(x[:, 0, 0].astype(float))
    product = np.ones(2)
    for t in (1, 2):
        h = np.tanh(3 * h + x[:, t, 0])
        product *= 3 * (1 - h ** 2)
    assert r["accuracy"] == 1.0 and np.isclose(r["gradient"], np.median(product), rtol=1e-12)
    assert np.isclose(r["log10_gradient"], np.median(np.log10(product)), rtol=1e-12)


def test_a_fresh_readout_is_least_squares_with_a_bias():
    h = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    target = h @ [2.0, -3.0] + 0.5                      # exactly linear: recovered exactly
    predict = memory.readout_fit(h, target)
    np.testing.assert_allclose(predict(np.array([[2.0, 2.0]])), [2 * 2 - 3 * 2 + 0.5], atol=1e-12)


def test_flip_turns_over_one_step_only_and_leaves_the_input_alone():
    x = np.ones((2, 5, 1), np.float32)
    flipped = memory.flip(x, 2)
    assert flipped[:, 1, 0].tolist() == [-1, -1] and np.all(np.delete(flipped, 1, axis=1) == 1) and np.all(x == 1)


def test_keeps_reads_a_latch_that_remembers_x1_and_forgets_the_rest():
    """A fake 'trained model' whose state after step t is (x_1, x_t) and whose trained readout reads x_1 only at
    even lags: the refit finds x_1, turning x_1 over changes every answer, x_2 and the last step none."""
    def read(x):
        h = np.stack([np.repeat(x[:, :1, 0], x.shape[1], axis=1), x[:, :, 0]], axis=-1)
        t = np.arange(1, x.shape[1] + 1)
        output = np.where(t % 2 == 0, 1.0, -1.0) * h[..., 0]      # right at even lags, wrong at odd ones
        return h, output
    x, y = memory.recall_batch(np.random.default_rng(0), 200, 12)
    k = memory.keeps(read, "recall", 4, 12, x, y)
    assert k["trained"] == 1.0 and k["trained_lowest"] == 0.0 and k["trained_highest"] == 1.0
    assert k["refit"] == 1.0 and k["flip_first"] == 1.0 and k["flip_later"] == 0.0


def test_the_fresh_readout_is_scored_on_states_it_was_not_fitted_on():
    """A state that holds nothing about x_1: 100 random units for 200 sequences. Fitted on the first half, least
    squares can match those 100 targets exactly, so scored there it would read 1.0; scored on the second half, as
    keeps does, it is a coin."""
    def read(x):
        h = np.random.default_rng(1).standard_normal((x.shape[0], x.shape[1], 100))
        return h, np.zeros(x.shape[:2])
    x, y = memory.recall_batch(np.random.default_rng(0), 200, 12)
    k = memory.keeps(read, "recall", 4, 12, x, y)
    assert 0.3 < k["refit"] < 0.7, k["refit"]


def test_leading_eigenvalue_of_a_rotation_and_the_blocks_of_a_gated_kernel():
    import keras
    model = memory.build_model("simple_rnn", "recall", 5, 2)
    angle = 0.3
    rotation = 1.5 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    model.layers[0].cell.recurrent_kernel.assign(rotation.astype(np.float32))
    radius, found = memory.leading_eigenvalue(model)
    assert np.isclose(radius, 1.5, rtol=1e-6) and np.isclose(found, angle, rtol=1e-5)
    assert memory.block_rms_singular_value(model) == pytest.approx([1.5], rel=1e-6)
    model.layers[0].cell.recurrent_kernel.assign(np.diag([-2.0, 1.0]).astype(np.float32))   # largest in size, not
    assert memory.leading_eigenvalue(model) == pytest.approx((2.0, np.pi))                 # largest real part
    keras.utils.set_random_seed(0)
    for cell, k in (("gru", 3), ("lstm", 4)):   # Keras's Orthogonal over the whole (H, kH): rows orthonormal, so the
        blocks = memory.block_rms_singular_value(memory.build_model(cell, "recall", 5, 8))   # blocks share H
        assert len(blocks) == k and np.isclose(np.sqrt(np.mean(np.square(blocks))), np.sqrt(1 / k), rtol=1e-5)
        assert max(blocks) < 0.9, (cell, blocks)                                          # none is orthogonal
    assert memory.leading_eigenvalue(memory.build_model("lstm", "recall", 5, 8)) == (None, None)


def test_each_gru_bias_starts_where_its_name_says():
    bias = np.asarray(memory.build_model("gru_fb", "recall", 10, 4, forget_bias=3.0).layers[0].cell.bias)
    np.testing.assert_array_equal(bias[0, :4], 3)           # the update gate u (Keras: z) of the input bias
    np.testing.assert_array_equal(bias[0, 4:], 0)
    np.testing.assert_array_equal(bias[1], 0)


# --- the statistics ---------------------------------------------------------------------------------------------

def test_above_the_baseline_is_an_exact_one_sided_binomial_test():
    assert memory.above_baseline(0.19, 2000, 0.16) and not memory.above_baseline(0.17, 2000, 0.16)
    assert not memory.above_baseline(0.10, 2000, 0.16)   # far below is not above
    assert memory.above_baseline(0.56, 2000, 0.5) and not memory.above_baseline(0.52, 2000, 0.5)


def test_median_and_range_of_a_point():
    assert memory.spread([1.0, 2.0, 10.0]) == {"median": 2.0, "min": 1.0, "max": 10.0}
    assert memory.spread([None]) is None


def test_concordance_counts_pairs_whose_success_differs():
    gradient = {"a": {10: 1.0, 20: 0.5}, "b": {10: 0.1, 20: 0.9}, "c": {10: 0.5, 20: 0.5}}
    solved = {"a": {10: 10, 20: 3}, "b": {10: 2, 20: 8}, "c": {10: 10}}     # c not trained at 20
    # at 10: a-b (a larger, a more: agree), a-c (same success: not counted), b-c (c larger, c more: agree)
    # at 20: a-b (b larger, b more: agree)
    assert memory.concordance(gradient, solved) == (3, 3)
    solved["b"][20] = 1                                                       # now a solved more with less
    assert memory.concordance(gradient, solved) == (2, 3)
    tie = {"a": {10: 1.0}, "b": {10: 1.0}}
    assert memory.concordance(tie, {"a": {10: 5}, "b": {10: 3}}) == (0, 1)   # equal gradients predict nothing


def test_the_permutation_test_counts_cells_and_includes_the_order_seen():
    gradient = {"a": {10: 3.0}, "b": {10: 2.0}, "c": {10: 1.0}}
    solved = {"a": {10: 9}, "b": {10: 5}, "c": {10: 1}}
    r = memory.concordance_test(gradient, solved)
    # 3 pairs all agree; of the 6 orders of 3 cells only the one seen gives 3 of 3
    assert (r["agree"], r["pairs"], r["permutations"]) == (3, 3, 6) and r["p"] == pytest.approx(1 / 6)


def test_auc_by_hand():
    assert memory.auc([3, 2, 1], [True, False, False]) == 1.0
    assert memory.auc([1, 2, 3], [True, False, False]) == 0.0
    assert memory.auc([1, 1], [True, False]) == 0.5             # a tie counts half
    assert memory.auc([1, 2], [True, True]) is None


def test_the_seed_level_test_finds_a_perfect_predictor_and_not_noise():
    perfect = [([5, 4, 1, 0], [True, True, False, False])] * 3
    r = memory.seed_level_test(perfect, permutations=2000)
    assert r["auc_mean"] == 1.0 and r["p"] < 0.01 and (r["points"], r["seeds"]) == (3, 12)
    reversed_ = [([0, 1, 4, 5], [True, True, False, False])] * 3
    assert memory.seed_level_test(reversed_, permutations=500)["p"] > 0.9
    assert memory.seed_level_test([])["auc_mean"] is None


def test_prediction_pairs_each_seed_with_its_own_gradient():
    summary = {c: {"points": {"10": {"gradient_ratio_median": g, "solved": k, "seeds": 2}}}
               for c, g, k in (("a", 1.0, 2), ("b", 0.1, 1))}
    runs = [{"task": "recall", "cell": c, "T": 10, "seed": s, "solved": ok}
            for c, s, ok in (("a", 5, True), ("a", 6, True), ("b", 5, False), ("b", 6, True))]
    grads = [{"task": "recall", "cell": "a", "T": 10, "seeds": [5, 6], "ratios": [1.0, 1.0]},
             {"task": "recall", "cell": "b", "T": 10, "seeds": [5, 6], "ratios": [0.05, 0.2]}]
    p = memory.prediction("recall", summary, runs, grads)
    assert p["across_cells"]["agree"] == 1 and p["across_cells"]["pairs"] == 1
    assert p["within_a_point"]["points"] == 1 and p["within_a_point"]["auc_mean"] == 1.0   # seed 6: larger, solved


def test_a_point_reports_its_spread_and_how_many_seeds_beat_the_baseline():
    runs = [{"task": "adding", "cell": "gru", "T": 20, "seed": k, "solved": False, "steps": 6000, "accuracy": a}
            for k, a in enumerate([0.15, 0.16, 0.30, 0.60])]
    grads = [{"task": "adding", "cell": "gru", "T": 20, "seeds": [0, 1, 2, 3], "ratios": [1.0, 2.0, 3.0, 100.0]}]
    p = memory.summarise(runs, grads, [], ["adding"], ["gru"], {"adding": [20]})["adding"]["gru"]["points"]["20"]
    assert p["above_baseline"] == 2 and p["accuracy"] == pytest.approx({"median": 0.23, "min": 0.15, "max": 0.6})
    assert p["gradient_ratio_median"] == 2.5                 # the median of 1, 2, 3, 100, not their mean


def test_the_held_out_score_reads_the_test_stream_not_validation(monkeypatch):
    """run_job with the training replaced: the sequences it scores come from the "test" stream."""
    seen = []

    def fake_train(models, optimizers, step, next_batch, validation, score, solved_at, steps, check):
        def outputs(x):
            seen.append(x.copy())
            return np.zeros(x.shape[:2])
        return memory.side_by_side.Trained(np.ones(len(models), int), np.ones(len(models), bool),
                                           [[] for _ in models], 0.0, outputs)
    monkeypatch.setattr(memory.side_by_side, "train", fake_train)
    monkeypatch.setattr(memory, "EVAL_SIZE", 8)
    memory.run_job("recall", 6, "simple_rnn", [3], 1)
    expected, _ = memory.recall_batch(memory.data_rng("recall", 6, 3, "test"), 8, 6)
    validation, _ = memory.recall_batch(memory.data_rng("recall", 6, 3, "validation"), 8, 6)
    np.testing.assert_array_equal(seen[-1][0], expected)
    assert not np.array_equal(seen[-1][0], validation)


def tiny_grid(tasks, cells, lags, seeds, steps, forget_bias, workers, long_lag):
    """run_grid's answer for one point, without training (for the tests of main's outputs)."""
    runs = [{"task": "recall", "cell": "gru", "T": 5, "seed": s, "solved": True, "steps": 100, "accuracy": 1.0,
             "job_seconds": 1.0, "job_train_seconds": 1.0, "job_compile_seconds": 0.5, "job_seeds": len(seeds)}
            for s in seeds]
    grads = [{"task": "recall", "T": 5, "cell": "gru", "seeds": list(seeds), "ratios": [0.5] * len(seeds),
              "block_rms_singular_value": [[0.5, 0.5, 0.5]] * len(seeds)}]
    return runs, grads, [], {"python": "3", "numpy": "2", "cpu": "x", "cores": 2, "blas_threads": {}}


def test_a_rerun_that_cannot_write_its_json_keeps_the_previous_figures(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(memory, "run_grid", tiny_grid)
    argv = ["--tasks", "recall", "--cells", "gru", "--recall-lags", "5", "--seeds", "2", "--out", str(tmp_path)]
    memory.main(argv)
    figures = {name: (tmp_path / name).read_bytes() for name in ("learning.png", "gradient_at_start.png")}
    (tmp_path / "memory.json").unlink()
    (tmp_path / "memory.json").mkdir()
    code, err = one_line_exit(memory.main, argv, capsys)
    assert code == 1 and "previous outputs kept" in err
    assert {name: (tmp_path / name).read_bytes() for name in figures} == figures


def test_an_out_that_is_a_link_to_nothing_is_refused_before_the_grid(tmp_path, monkeypatch, capsys):
    (tmp_path / "out").symlink_to(tmp_path / "nowhere")
    monkeypatch.setattr(memory, "run_grid", lambda *a: pytest.fail("the grid started"))
    code, err = one_line_exit(memory.main, ["--quick", "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "link to nothing" in err


def test_a_figure_names_the_bias_a_long_memory_start_was_given():
    assert memory.cell_label("gru_fb", 1.0) == "GRU b_u=1" and memory.cell_label("lstm_fb", 2.5) == "LSTM b_f=2.5"
    assert memory.cell_label("lstm_chrono", 1.0) == "LSTM chrono"
