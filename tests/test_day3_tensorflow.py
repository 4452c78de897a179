"""Day 3 (Keras): the LSTM and GRU models are Day 1's with the cell swapped, trained by Day 1's pipeline; the script
end to end and its bad input. Offline, small models."""
import json

import day1_tensorflow as day1
import day3_tensorflow as day3
from rnn_days import cli

import pytest


def test_lstm_model_is_day1_with_the_cell_swapped():
    model = day3.build_model("lstm", 10_000, 200)
    assert [type(layer).__name__ for layer in model.layers] == ["Embedding", "LSTM", "Dense"]
    assert model.count_params() == 10_000 * 128 + 4 * (128 * 128 + 128 * 128 + 128) + 129
    assert model.layers[1].unit_forget_bias and model.layers[2].activation.__name__ == "sigmoid"
    gru = day3.build_model("gru", 10_000, 200)
    assert type(gru.layers[1]).__name__ == "GRU"
    assert gru.count_params() == 10_000 * 128 + 3 * (2 * 128 * 128 + 2 * 128) + 129  # reset_after: two biases


def test_training_is_day1_s_pipeline():
    """Day 3 reuses Day 1's taught functions by name, not copies of them."""
    assert day3.load_data is day1.load_data and day3.train_and_evaluate is day1.train_and_evaluate


def small_flags(data_dir, out):
    return ["--data-dir", str(data_dir), "--epochs", "1", "--maxlen", "20", "--vocab-size", "100",
            "--batch-size", "16", "--out", str(out)]


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_script_trains_reports_and_records_what_it_made(cell, imdb_dir, tmp_path, capsys):
    results = day3.main(small_flags(imdb_dir, tmp_path / cell) + ["--cell", cell, "--seed", "4"])
    printed = capsys.readouterr().out
    for name in ("model.keras", "history.png", "metrics.json"):
        assert (tmp_path / cell / name).stat().st_size > 0 and f"wrote {tmp_path / cell / name}" in printed
    saved = json.loads((tmp_path / cell / "metrics.json").read_text())
    assert saved["test_accuracy"] == results["test_accuracy"] and saved["seconds_per_epoch"] > 0
    assert saved["model"]["cell"] == cell.upper() and saved["model"]["seed"] == 4 and saved["model"]["trained"]
    assert "--cell " + cell in saved["model"]["command"] and saved["settings"]["cell"] == cell
    assert 0 <= results["test_accuracy"] <= 1


@pytest.mark.parametrize("flag,value", [("--cell", "rnn"), ("--dropout", "1.5"), ("--epochs", "-1"),
                                        ("--seed", "4294967296")])
def test_bad_flag_values_exit_2_with_one_line(flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.run(day3.main, [flag, value, "--data-dir", "unused"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2 and len(err) == 1 and flag in err[0]
