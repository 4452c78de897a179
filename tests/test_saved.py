"""rnn_days/saved.py: saved models labelled by what they are, never merged; models the course's maths does not
describe refused with one line; what a model is read only from a regular metrics.json beside it."""
from helpers import save_model, write_identity
from rnn_days import cli, saved

import keras
import pytest


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


@pytest.mark.parametrize("layers,cells,what", [
    ([keras.layers.SimpleRNN(3, activation="relu"), keras.layers.Dense(1, activation="sigmoid")], ("SimpleRNN",),
     "activation='relu'"),
    ([keras.layers.LSTM(3, recurrent_activation="hard_sigmoid"), keras.layers.Dense(1, activation="sigmoid")],
     ("LSTM",), "recurrent_activation='hard_sigmoid'"),
    ([keras.layers.GRU(3, reset_after=False), keras.layers.Dense(1, activation="sigmoid")], ("GRU",),
     "reset_after=False"),
    ([keras.layers.LSTM(3, activation="relu"), keras.layers.Dense(1, activation="sigmoid")], ("LSTM",),
     "activation='relu'"),
], ids=["simple-rnn-relu", "lstm-hard-sigmoid", "gru-reset-before", "lstm-relu"])
def test_models_the_notes_maths_does_not_describe_are_refused(layers, cells, what, tmp_path):
    path = save_model(tmp_path / "m.keras", layers)
    with pytest.raises(cli.Failure, match=what):
        saved.load_model(path, cells)


@pytest.mark.parametrize("kind", ["fifo", "deep", "huge", "folder"])
def test_what_a_model_is_is_read_only_from_a_sane_file_beside_it(kind, tmp_path):
    """A metrics.json that is a FIFO (a read would hang), nested 100,000 deep, too large, or a folder: no identity,
    no hang, no traceback."""
    import os
    metrics = tmp_path / "metrics.json"
    if kind == "fifo":
        os.mkfifo(metrics)
    elif kind == "deep":
        metrics.write_text("[" * 100_000 + "]" * 100_000)
    elif kind == "huge":
        metrics.write_bytes(b" " * (saved.MAX_METRICS_BYTES + 1))
    else:
        metrics.mkdir()
    assert saved.model_identity(str(tmp_path / "model.keras")) is None


def test_a_model_path_that_is_not_a_file_is_one_line(tmp_path):
    import os
    os.mkfifo(tmp_path / "m.keras")
    with pytest.raises(cli.Failure, match="not a regular file"):
        saved.load_model(str(tmp_path / "m.keras"))
