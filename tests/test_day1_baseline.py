"""day1_baseline.py: the bag of words is Day 1's pipeline with the order thrown away -- a multi-hot vector and one
sigmoid unit, the same answer for any order of the same words -- and the script runs end to end and refuses bad
flags with one line. Offline, small data."""
import json

import day1_baseline as baseline
from helpers import one_line_exit

import numpy as np
import pytest


def test_the_model_is_a_logistic_regression_on_which_words_occur():
    model = baseline.build_model(vocab_size=12, maxlen=5)
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["CategoryEncoding", "Dense"] and model.count_params() == 12 + 1
    dense = model.layers[1]
    dense.set_weights([np.arange(12, dtype="float32")[:, None] / 10, np.array([-0.5], "float32")])
    x = np.array([[3, 4, 4, 0, 7]], "int32")
    # multi-hot: words 0, 3, 4, 7 present (4 twice counts once): sigmoid(0.0 + 0.3 + 0.4 + 0.7 - 0.5)
    assert float(model(x)[0, 0]) == pytest.approx(1 / (1 + np.exp(-0.9)), rel=1e-6)
    assert float(model(x[:, ::-1].copy())[0, 0]) == pytest.approx(float(model(x)[0, 0]))   # order is thrown away


@pytest.mark.slow
def test_script_trains_reports_and_writes_its_outputs(imdb_dir, tmp_path, capsys):
    results = baseline.main(["--data-dir", str(imdb_dir), "--epochs", "2", "--maxlen", "20", "--vocab-size", "100",
                             "--batch-size", "16", "--out", str(tmp_path)])
    assert 0 <= results["test_accuracy"] <= 1 and results["epochs_run"] == 2
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["model"]["name"] == "day1_bag_of_words" and metrics["settings"]["epochs"] == 2
    assert (tmp_path / "model.keras").stat().st_size > 0 and "Test accuracy" in capsys.readouterr().out


BAD_FLAGS = [("--epochs", "-1"), ("--full", "yes"), ("--vocab-size", "2"), ("--out", "")]


@pytest.mark.parametrize("flag,value", BAD_FLAGS)
def test_bad_flags_exit_2_with_one_line(flag, value, capsys):
    code, err = one_line_exit(baseline.main, [flag, value, "--data-dir", "unused"], capsys)
    assert code == 2 and (flag in err or "unrecognized" in err)
