"""Probing saved models (Day 2 and Day 3): loading and checking a saved model, the test reviews that fill every
position, and the real-text memory probe -- a strong phrase written over real test reviews N words before the end,
its mean effect on P(positive) with a 95% confidence interval, and its half-life."""
import functools
import json
import os

import numpy as np

from rnn_days import cli, imdb

DAY1_MODEL = os.path.join("runs", "day1", "model.keras")
POSITIVE = "i absolutely loved this movie"
NEGATIVE = "i absolutely hated this movie"
N_GRID = (0, 1, 2, 3, 5, 8, 12, 20, 30, 50, 75, 100, 125, 150, 175, 195)  # words after the phrase


def full_length_reviews(x, y, count):
    """The first `count` reviews that fill every position (no padding in front), with their labels."""
    full = np.flatnonzero(x[:, 0] != imdb.PAD)[:count]
    return x[full], y[full]


def ratio_stats(ratios):
    """Median and quartiles of per-review gradient ratios, and how many reviews they summarise."""
    q25, median, q75 = np.percentile(ratios, [25, 50, 75]) if len(ratios) else (np.nan,) * 3
    return {"median": float(median), "q25": float(q25), "q75": float(q75), "reviews": int(len(ratios))}


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


def place(phrase, words, n):
    """A copy of the review `words` (maxlen indices) with `phrase` written over it so that exactly n words follow."""
    if len(phrase) + n > len(words):
        raise ValueError(f"{len(phrase)} phrase words + {n} words after it do not fit in {len(words)}")
    row = np.array(words, dtype="int32")
    start = len(row) - n - len(phrase)
    row[start:start + len(phrase)] = phrase
    return row


def predict(model, x):
    return model.predict(np.asarray(x, "int32"), batch_size=1000, verbose=0)[:, 0].astype(np.float64)


def half_life(ns, mean, ci, sign):
    """The first N of the grid where the mean effect, in the phrase's direction (sign +1 / -1), falls below half its
    N = 0 value. None ("undefined") when the N = 0 effect is not in the phrase's direction or not larger than its
    95% confidence interval; "beyond" when it never falls below half."""
    e0 = sign * mean[0]
    if e0 <= 0 or e0 <= ci[0]:
        return None
    below = [n for n, m in zip(ns, mean) if sign * m < e0 / 2]
    return int(below[0]) if below else "beyond"


def real_text_memory(model, x, y, phrases, ns=N_GRID):
    """Effect of each phrase written N words before the end of real reviews x: mean and 95% CI over reviews, for
    positive and negative reviews apart. P(positive) of the review with the phrase minus that of the review itself."""
    p_own = predict(model, x)
    results = {}
    for name, (phrase, sign) in phrases.items():
        probes = np.stack([place(phrase, row, n) for n in ns for row in x])         # (len(ns) * N, T)
        effect = (predict(model, probes).reshape(len(ns), len(x)) - p_own)          # (len(ns), N)
        for label, which in (("positive reviews", y == 1), ("negative reviews", y == 0)):
            e = effect[:, which]
            mean = e.mean(axis=1)
            ci = 1.96 * e.std(axis=1, ddof=1) / np.sqrt(e.shape[1])
            results[f"{name} phrase, {label}"] = {
                "mean": mean.tolist(), "ci95": ci.tolist(), "reviews": int(e.shape[1]),
                "half_life": half_life(ns, mean, ci, sign)}
    return {"ns": list(ns), "curves": results}


def load_model(path, cells=("SimpleRNN",), maker="day1_tensorflow.py", flag="--model"):
    """A saved Embedding -> recurrent layer -> Dense(1, sigmoid) model whose recurrent layer is one of `cells`
    (Keras class names), checked to be one the days can analyse; raises cli.Failure saying what was expected."""
    import keras
    expected = (f"expected a model made by {maker}: an integer input of fixed length, Embedding, one "
                f"{' or '.join(cells)} returning its last state, one sigmoid unit")
    if not os.path.isfile(path):
        raise cli.Failure(f"{flag} {path}: no such file; make one with `python {maker}` (or pass {flag} PATH)")
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
        # the analyses read the layer forwards, from a zero state, with both biases (as the days build it)
        unusual = [what for what, bad in (("reads backwards (go_backwards=True)", layers[1].go_backwards),
                                          ("stateful", layers[1].stateful),
                                          ("without a bias", not layers[1].cell.use_bias or not layers[2].use_bias))
                   if bad] if ok else []
    except (AttributeError, ValueError, IndexError):
        ok = False
    if not ok:
        raise cli.Failure(f"{path} cannot be analysed: {expected}")
    if unusual:
        raise cli.Failure(f"{path} cannot be analysed: its {names[1]} layer {' and '.join(unusual)}; {expected}, "
                          "reading forwards, not stateful, with biases")
    return model


def model_identity(path):
    """What the model at `path` is, from the metrics.json its training run wrote beside it: {"cell", "seed",
    "trained", "command"}; None for a model made elsewhere (no such file, or one without that record)."""
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(path)), "metrics.json"), encoding="utf-8") as f:
            identity = json.load(f)["model"]
        return {k: identity[k] for k in ("cell", "seed", "trained", "command")}
    except (OSError, ValueError, KeyError, TypeError):
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


def untrained(m):
    """Whether a per-model result is of an untrained model (by its recorded identity)."""
    return bool(m.get("identity")) and not m["identity"]["trained"]


BAND_ABOVE = 3   # a group of more models than this is drawn as its median with a min-max band, not as lines


def group_name(label, m):
    """Models are grouped by what they are: the cell, and trained or not (one group per model without identity)."""
    identity = m.get("identity")
    if not identity:
        return label
    return f"{identity['cell']}{'' if identity['trained'] else ' untrained'}"


def plot_groups(ax, x, per_model, curve, style, log=False, label_of=None):
    """Draw curve(m) (a list over x) for every model: one line per model in small groups; the median over the models
    with a band from the smallest to the largest value in groups of more than BAND_ABOVE. style(m) -> line style;
    label_of(name, models) -> the legend text of a group (default: its name and size)."""
    groups = {}
    for label, m in per_model.items():
        groups.setdefault(group_name(label, m), []).append((label, m))
    plot = ax.semilogy if log else ax.plot
    for name, members in groups.items():
        curves = np.array([curve(m) for _, m in members], dtype=float)
        ls = style(members[0][1])
        if len(members) > BAND_ABOVE:
            text = label_of(name, [m for _, m in members]) if label_of else f"{name}: median of {len(members)}"
            line, = plot(x, np.median(curves, axis=0), ls=ls, lw=2, label=f"{text}, band = range")
            ax.fill_between(x, curves.min(axis=0), curves.max(axis=0), color=line.get_color(), alpha=0.2)
        else:
            for (label, m), c in zip(members, curves):
                plot(x, c, ls=ls, label=label_of(label, [m]) if label_of else label)


def plot_memory_panel(ax, per_model, key, linestyle, ylabel="mean change of P(positive)"):
    """One panel of a memory figure: the real-text curve `key` (mean effect against N) of every model -- or, for many
    models of one kind, their median and range."""
    ns = next(iter(per_model.values()))["memory"]["ns"]
    plot_groups(ax, ns, per_model, lambda m: m["memory"]["curves"][key]["mean"], linestyle)
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel="N, words of the real review after the phrase", ylabel=ylabel)
    ax.set_title(f"Real reviews: {key}", fontsize=10)
    ax.grid(alpha=0.3)


# --- the learner's model among the notes' models ---------------------------------------------------------------------

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "notes", "results")
WHY_IT_VARIES = ("A value outside the notes' range is expected now and then: training is chaotic (the same seed on "
                 "another CPU or library build rounds differently and takes another path), and n models bound the "
                 "next one only with probability (n-1)/(n+1) per value.")


def reference_models(name, key, cell=None):
    """The trained models of a committed results file of the notes (notes/results/NAME), {label: measurements} under
    `key`, only those of `cell` if given; {} when the file is not there."""
    try:
        with open(os.path.join(RESULTS, name), encoding="utf-8") as f:
            models = json.load(f)[key]
    except (OSError, ValueError, KeyError):
        return {}
    return {label: m for label, m in models.items() if m.get("identity") and m["identity"]["trained"]
            and (cell is None or m["identity"]["cell"] == cell)}


def among(name, value, references, fmt="{:.3g}"):
    """One line saying where `value` sits among the same value of the notes' models (a list)."""
    values = sorted(v for v in references if v is not None)
    if value is None or not values:
        return f"{name}: no reference"
    n, text = len(values), fmt.format(value)
    lower = sum(v < value for v in values)
    where = (f"below all {n} models of the notes" if lower == 0 and value < values[0] else
             f"above all {n} models of the notes" if lower == n else f"above {lower} of the notes' {n} models")
    return f"{name} {text}: {where} (their range: {fmt.format(values[0])} to {fmt.format(values[-1])})"


def print_among(m, headline, results_file, key, cell, what, stays):
    """Print where model m sits among the trained models of one results file of the notes: headline(m) -> {name:
    (value, format)}; what: "trained models of notes/day2.md"; stays: the conclusions that do not depend on it."""
    references = reference_models(results_file, key, cell)
    if not references or untrained(m):
        return
    print(f"  Beside the {len(references)} {what}:")
    for name, (value, fmt) in headline(m).items():
        print("    " + among(name, value, [headline(r)[name][0] for r in references.values()], fmt))
    print(f"  {WHY_IT_VARIES} What does not depend on it: {stays}")
