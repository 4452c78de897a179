"""Where a learner's model sits among the models the notes measured: one line per value, and why a value outside
their range is expected now and then."""
import json
import os

from rnn_days.plots import untrained

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "notes", "results")
WHY_IT_VARIES = ("A value outside the notes' range is expected now and then: training is chaotic (the same seed on "
                 "another CPU or library build rounds differently and takes another path), and n models bound the "
                 "next one only with probability (n-1)/(n+1) per value.")


def reference_models(name, key, cell=None):
    """The trained models of a committed results file of the notes (notes/results/NAME), {label: measurements} under
    `key`, only those of `cell` if given; {} when the file is not there or not readable."""
    path = os.path.join(RESULTS, name)
    try:
        if not os.path.isfile(path):
            return {}
        with open(path, encoding="utf-8") as f:
            models = json.load(f)[key]
        return {label: m for label, m in models.items() if m.get("identity") and m["identity"]["trained"]
                and (cell is None or m["identity"]["cell"] == cell)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return {}


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


def headline(values, keys, m):
    """The headline values of one model, as print_among takes them: plain name -> (value, format). values: {key:
    Value(notes, plain, of, fmt)} as a day script defines them; keys: which of them."""
    return {values[k].plain: (values[k].of(m), values[k].fmt) for k in keys}


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
