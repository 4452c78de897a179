"""Saved models the days analyse (Day 2, Day 3): opening one and checking it is a model the course's maths describes,
what it is (from the metrics.json its training wrote beside it), the IMDB test reviews padded for it, and phrases as
words of its vocabulary."""
import functools
import json
import os

from rnn_days import cli, imdb

DAY1_MODEL = os.path.join("runs", "day1", "model.keras")
MAX_METRICS_BYTES = 10_000_000   # a training run's metrics.json is a few kB


def encode_text(flag, text, word_index, vocab_size, most_words=None):
    """A phrase or filler as word indices. A word outside the vocabulary, or no word (or more than most_words), raises
    cli.UsageError naming the flag the text came from (exit 2)."""
    try:
        ids = imdb.encode(text, word_index, vocab_size)
    except ValueError as exc:
        raise cli.UsageError(f"argument {flag}: {exc}")
    if not ids or (most_words is not None and len(ids) > most_words):
        raise cli.UsageError(f"argument {flag}: needs 1 to {most_words} words" if most_words else
                             f"argument {flag}: needs at least one word")
    return ids


def encode_phrases(texts, word_index, vocab_size, maxlen):
    """{"positive": (ids, +1), "negative": (ids, -1)} from {name: (flag, text)}: the probe's two phrases as word indices
    of this vocabulary, with the direction each should move P(positive)."""
    return {name: (encode_text(flag, text, word_index, vocab_size, maxlen - 1), 1 if name == "positive" else -1)
            for name, (flag, text) in texts.items()}


def load_model(path, cells=("SimpleRNN",), maker="day1_tensorflow.py", flag="--model"):
    """A saved Embedding -> recurrent layer -> Dense(1, sigmoid) model whose recurrent layer is one of `cells`
    (Keras class names), checked to be one the days can analyse; raises cli.Failure saying what was expected."""
    import keras
    expected = (f"expected a model made by {maker}: an integer input of fixed length, Embedding, one "
                f"{' or '.join(cells)} returning its last state, one sigmoid unit")
    if not os.path.isfile(path):
        what = "not a regular file" if os.path.exists(path) else "no such file"
        raise cli.Failure(f"{flag} {path}: {what}; make one with `python {maker}` (or pass {flag} PATH)")
    try:
        model = keras.models.load_model(path, compile=False)  # the analyses need no optimizer, loss or metrics
    except Exception as exc:  # a truncated or foreign file: keras raises many kinds
        raise cli.Failure(f"could not load the model {path} ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else ''}); {expected}")
    layers = getattr(model, "layers", [])
    names = [type(layer).__name__ for layer in layers]
    unusual = []
    ok = len(names) == 3 and names[0] == "Embedding" and names[1] in cells and names[2] == "Dense"
    try:
        shape = model.input_shape
        ok = (ok and len(shape) == 2 and shape[1] is not None and layers[1].built and not layers[1].return_sequences
              and not layers[1].return_state and layers[2].units == 1
              and layers[2].activation.__name__ == "sigmoid" and "int" in str(model.inputs[0].dtype))
        unusual = not_described(layers[1], layers[2]) if ok else []
    except (AttributeError, ValueError, IndexError, TypeError):
        ok = False
    if not ok:
        raise cli.Failure(f"{path} cannot be analysed: {expected}")
    if unusual:
        raise cli.Failure(f"{path} cannot be analysed: its {names[1]} layer {' and '.join(unusual)}; {expected}, "
                          "reading forwards, not stateful, with biases, tanh, and the sigmoid in the gates")
    return model


def not_described(rnn, dense):
    """What about a recurrent layer (and the Dense reading it) the analyses' maths does not describe: they read the
    layer forwards from a zero state, with both biases, tanh, and the sigmoid in the gates, as the notes' equations
    and the NumPy bridge do. Empty when nothing."""
    cell = rnn.cell
    found = [what for what, bad in (("reads backwards (go_backwards=True)", rnn.go_backwards),
                                    ("stateful", rnn.stateful),
                                    ("without a bias", not cell.use_bias or not dense.use_bias)) if bad]
    if cell.activation.__name__ != "tanh":
        found.append(f"uses activation={cell.activation.__name__!r}, not tanh")
    gate = getattr(cell, "recurrent_activation", None)
    if gate is not None and gate.__name__ != "sigmoid":
        found.append(f"uses recurrent_activation={gate.__name__!r}, not sigmoid")
    if getattr(cell, "reset_after", True) is False:
        found.append("is a GRU with reset_after=False")
    return found


def model_identity(path):
    """What the model at `path` is, from the metrics.json its training run wrote beside it: {"cell", "seed",
    "trained", "command"}; None for a model made elsewhere (no such file, or one without that record)."""
    metrics = os.path.join(os.path.dirname(os.path.abspath(path)), "metrics.json")
    try:   # a regular file of a sane size only: a FIFO or a device there would hang the read
        if not os.path.isfile(metrics) or os.path.getsize(metrics) > MAX_METRICS_BYTES:
            return None
        with open(metrics, encoding="utf-8") as f:
            identity = json.load(f)["model"]
        return {k: identity[k] for k in ("cell", "seed", "trained", "command")}
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def describe_model(identity, path):
    """A name for tables and figures, from the model's identity (not from where it lies): "LSTM seed 3",
    "SimpleRNN untrained (seed 0)"; the path itself for a model without one."""
    if identity is None:
        return path
    if identity["trained"]:
        return f"{identity['cell']} seed {identity['seed']}"
    return f"{identity['cell']} untrained (seed {identity['seed']})"


def check_paths(paths, flag):
    """A usage error (exit 2) for an empty path given to `flag`."""
    if any(not p.strip() for p in paths):
        raise cli.UsageError(f"argument {flag}: must name a file, got an empty string")


def open_models(paths, cells, maker, flag):
    """[{"path", "identity", "label", "model"}] for the saved models at `paths`, each checked (cli.Failure if one
    cannot be analysed); two models that would get the same label are told apart by their paths."""
    check_paths(paths, flag)
    entries = []
    for path in paths:
        identity = model_identity(path)
        entries.append({"path": path, "identity": identity, "label": describe_model(identity, path),
                        "model": load_model(path, cells, maker, flag)})
    paths_of = {}
    for e in entries:
        paths_of.setdefault(e["label"], set()).add(e["path"])
    for e in entries:  # two different files that would get the same label: their paths tell them apart
        if len(paths_of[e["label"]]) > 1 and e["label"] != e["path"]:
            e["label"] = f"{e['label']} ({e['path']})"
    seen = {}
    for e in entries:  # the same file named twice: analysed twice, kept apart
        seen[e["label"]] = seen.get(e["label"], 0) + 1
        if seen[e["label"]] > 1:
            e["label"] = f"{e['label']} #{seen[e['label']]}"
    return entries


@functools.lru_cache(maxsize=None)  # several models of the same shape share one copy of the test set
def test_data(data_dir, vocab_size, maxlen):
    (_, _), (x_test, y_test) = imdb.load_imdb(data_dir, num_words=vocab_size)
    return imdb.pad(x_test, maxlen), y_test.astype("float32")


