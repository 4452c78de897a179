"""rnn_days/saved.py: saved models labelled by what they are, never merged; models the course's maths does not
describe refused with one line; what a model is read only from a regular metrics.json beside it."""
import keras
import pytest

from helpers import save_model, write_identity
from rnn_days import cli, saved


def test_models_in_folders_of_the_same_name_keep_their_own_rows(tmp_path):
    paths = []
    for parent, seed in (("a", 0), ("b", 1), ("c", 1)):
        paths.append(save_model(tmp_path / parent / "run" / "model.keras",
                                [keras.layers.SimpleRNN(3), keras.layers.Dense(1, activation="sigmoid")]))
        write_identity(tmp_path / parent / "run", "SimpleRNN", seed)
    labels = [e["label"] for e in saved.open_models(paths + [paths[0]], ("SimpleRNN",), "day1_tensorflow.py",
                                                    "--model")]
    assert labels[0] == "SimpleRNN seed 0"
    assert len(set(labels)) == 4                                   # nothing overwritten, nothing merged
    assert labels[1] == f"SimpleRNN seed 1 ({paths[1]})" and labels[2] == f"SimpleRNN seed 1 ({paths[2]})"
    assert labels[3] == "SimpleRNN seed 0 #2"


def test_stateful_models_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((20,), batch_size=2, dtype="int32"), keras.layers.Embedding(100, 4),
                              keras.layers.LSTM(3, stateful=True), keras.layers.Dense(1, activation="sigmoid")])
    model.save(tmp_path / "m.keras")
    with pytest.raises(cli.Failure, match="stateful"):
        saved.load_model(str(tmp_path / "m.keras"), ("LSTM",))
