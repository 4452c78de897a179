"""notes/day1.md: the recipe chosen on validation (padding, schedule), twenty seeds' results, the verdict on the
original's accuracy. From day1_tensorflow.py's metrics.json files, collected into notes/results/."""
from tools.notes.core import (
    conditions_of,
    core_minutes_value,
    f3,
    f4,
    load,
    markdown_table,
    med_range,
    need,
    seeds_text,
    table,
    value,
)

import numpy as np

NOTE = "day1.md"


def runs(name):
    """The runs of a collected Day-1 (or Day-3) results file, {seed: metrics}."""
    found = need(load(name), "runs", name=f"notes/results/{name}")
    if not found:
        raise need({}, "runs", name=f"notes/results/{name} (it holds no runs)")
    return found


def accuracies(name="day1_seeds.json"):
    return [r["test_accuracy"] for r in runs(name).values()]


def best_val(run):
    return max(run["val_accuracy_per_epoch"])


@table(NOTE)
def day1_data():
    d = load("day1_data.json")
    tr, te, n = d["train"], d["test"], d["maxlen"]
    rows = [["reviews, positive share", f"{tr['reviews']:,}, {tr['positive_share']:.2f}",
             f"{te['reviews']:,}, {te['positive_share']:.2f}"],
            ["length in words (start mark included): mean, median", f"{tr['length_mean']:.1f}, "
             f"{tr['length_median']:g}", f"{te['length_mean']:.1f}, {te['length_median']:g}"],
            [f"longer than {n} words", f"{tr['longer_than_maxlen']:.1%}", f"{te['longer_than_maxlen']:.1%}"],
            ["words replaced by OOV (mean share per review)", f"{tr['oov_share_mean']:.1%}", ""]]
    return markdown_table(["", "training", "test"], rows)


@value(NOTE)
def day1_first_review():
    return ", ".join(str(i) for i in load("day1_data.json")["train"]["first_review_start"])


@table(NOTE)
def day1_post():
    pre, post = runs("day1_recipe_pre.json"), runs("day1_post.json")   # both from the same machine
    rows = [[s, f3(best_val(pre[s])), f3(best_val(post[s])),
             ", ".join(f3(v) for v in post[s]["val_accuracy_per_epoch"])] for s in post]
    rows.append(["**median**", f"**{f3(np.median([best_val(pre[s]) for s in post]))}**",
                 f"**{f3(np.median([best_val(r) for r in post.values()]))}**", ""])
    return markdown_table(["seed", "padding pre: best validation accuracy", "padding post: best validation accuracy",
                           "post: validation accuracy per epoch"], rows)


@table(NOTE)
def day1_seeds():
    found = runs("day1_seeds.json")
    rs = list(found.values())
    epochs = [r["best_epoch"] for r in rs]
    rows = [["test accuracy", f"**{med_range([r['test_accuracy'] for r in rs], f4)}**"],
            ["test loss", med_range([r["test_loss"] for r in rs], f3)],
            ["test accuracy, reviews that fit in 200 words",
             med_range([r["test_accuracy_fits_maxlen"] for r in rs], f3)],
            ["test accuracy, longer reviews (their beginning cut)",
             med_range([r["test_accuracy_longer"] for r in rs], f3)],
            ["best validation accuracy", med_range([best_val(r) for r in rs], f3)],
            ["the best validation epoch", ", ".join(f"epoch {e} in {epochs.count(e)}" for e in sorted(set(epochs)))],
            ["training time (`model.fit`)", med_range([r["train_seconds"] for r in rs], lambda v: f"{v:.0f} s")]]
    return markdown_table([f"{len(rs)} models ({seeds_text(found)})", "median (min to max)"], rows)


@table(NOTE)
def day1_schedule():
    cosine, constant = runs("day1_seeds.json"), runs("day1_constant.json")
    rows = [[s, f3(best_val(cosine[s])), ", ".join(f3(v) for v in cosine[s]["val_accuracy_per_epoch"]),
             f3(best_val(constant[s])), ", ".join(f3(v) for v in constant[s]["val_accuracy_per_epoch"])]
            for s in constant]
    rows.append(["**median**", f"**{f3(np.median([best_val(cosine[s]) for s in constant]))}**", "",
                 f"**{f3(np.median([best_val(r) for r in constant.values()]))}**", ""])
    return markdown_table(["seed", "cosine: best validation accuracy", "cosine: per epoch",
                           "constant: best validation accuracy", "constant: per epoch"], rows)


@value(NOTE)
def day1_models():
    return str(len(runs("day1_seeds.json")))


@value(NOTE)
def day1_accuracy_range():
    acc = accuracies()
    return f"{f4(min(acc))} to {f4(max(acc))}"


@value(NOTE)
def day1_accuracy_median():
    return f4(np.median(accuracies()))


@value(NOTE)
def day1_points_below():
    acc = accuracies()
    return f"{100 * (min(acc) - 0.82):.0f} to {100 * (np.median(acc) - 0.82):.0f}"


core_minutes_value(NOTE)


@table(NOTE)
def day1_conditions():
    return conditions_of("day1_seeds.json")
