"""notes/day4.md: what a recurrent network can learn to remember -- the grid of day4_memory.py (two tasks, six
cells, ten seeds a point), what the trained models keep at longer lags, the hand-set latch, and whether the gradient
at the start predicts learning."""
import os

import day4_memory as memory
from rnn_days.conditions import describe
from tools.notes.core import ROOT, core_minutes_value, f3, load, markdown_table, need, sig, table, value

import numpy as np

NOTE = "day4.md"
FILES = {"recall": "day4_recall.json", "adding": "day4_adding.json"}


def day4(task):
    return load(FILES[task])


def settings(task):
    return need(day4(task), "settings", name=f"notes/results/{FILES[task]}")


def points(task, cell):
    return need(day4(task), "summary", task, cell, "points", name=f"notes/results/{FILES[task]}")


def cells(task):
    return settings(task)["cells"]


def name(cell):
    return memory.CELLS[cell]


def steps_text(v):
    return "—" if v is None else f"{v:,.0f}"


def cap(task="recall"):
    return f"{settings(task)['steps']:,}"


core_minutes_value(NOTE)


# --- section 2: the measure -------------------------------------------------------------------------------------------

@table("reproducing.md")
def day4_intervals():
    n = settings("recall")["seeds"]
    rows = [[f"{k} of {n}", f"{k / n:.0%}", "{:.2f} to {:.2f}".format(*memory.success_interval(k, n))]
            for k in range(n + 1)]
    return markdown_table(["seeds solving", "success rate", "exact 95% interval"], rows)


# --- section 3: the cells and where they start ------------------------------------------------------------------------

def gradients(task):
    return need(day4(task), "gradients", name=f"notes/results/{FILES[task]}")


@table(NOTE)
def day4_starts():
    rows = []
    T = max(settings("recall")["lags"]["recall"])
    for cell in cells("recall"):
        g = next(g for g in gradients("recall") if g["cell"] == cell and g["T"] == T)
        blocks = np.median(np.array(g["block_rms_singular_value"]), axis=0)
        factor = float(np.median(g["ratios"])) ** (1 / (T - 1))
        rows.append([name(cell), ", ".join(f3(b) for b in blocks), f3(factor)])
    return markdown_table(["cell", "RMS singular value of each gate's block of W_h at the start",
                           f"per-step factor of ‖∂L/∂x_t‖ at the start (recall, T = {T})"], rows)


# --- section 4: the grid ----------------------------------------------------------------------------------------------

def cell_text(p):
    if "solved" not in p:
        return "not trained" if p.get("skipped") else "—"
    return f"{p['solved']}/{p['seeds']} · {steps_text(p['median_steps'])}"


def grid(task):
    st = settings(task)
    rows = [[f"T = {T}"] + [cell_text(points(task, c)[str(T)]) for c in cells(task)] for T in st["lags"][task]]
    rows.append(["**learned up to**"] + [f"**{day4(task)['summary'][task][c]['horizon'] or 'none'}**"
                                         for c in cells(task)])
    return (f"Seeds solving within {st['steps']:,} steps · median steps to solve (— : fewer than half solved), "
            f"{st['seeds']} seeds a point, from the cell's starting weights; last row: every lag up to it solved by at "
            f"least {day4(task)['horizon_share']:.0%} of the seeds.\n\n"
            + markdown_table(["lag"] + [name(c) for c in cells(task)], rows))


@table(NOTE)
def day4_recall():
    return grid("recall")


@table(NOTE)
def day4_adding():
    return grid("adding")


@table(NOTE)
def day4_adding_accuracy():
    st = settings("adding")
    rows = []
    for T in st["lags"]["adding"]:
        row = [f"T = {T}"]
        for c in cells("adding"):
            p = points("adding", c)[str(T)]
            row.append(f"{p['above_baseline']}/{p['seeds']} · {p['accuracy_median']:.2f}" if "solved" in p else
                       ("not trained" if p.get("skipped") else "—"))
        rows.append(row)
    base = day4("adding")["baseline"]["adding"]
    return (f"Seeds whose held-out accuracy beats {base:g} beyond chance (exact binomial test on "
            f"{st['eval_size']:,} sequences, p < 0.001) · median held-out accuracy; answering 0 scores "
            f"{day4('adding')['chance']['adding']:.2f}, knowing one of the two values {base:g}, solving 0.95 or "
            "more.\n\n" + markdown_table(["lag"] + [name(c) for c in cells("adding")], rows))


def learned(task, cell):
    return day4(task)["summary"][task][cell]["horizon"]


def point(task, cell, T):
    return points(task, cell)[str(T)]


@value(NOTE)
def day4_cap():
    return cap()


@value(NOTE)
def day4_long_lag():
    return f"{settings('recall')['long_lag']:,}"


def learned_text(task, cell):
    T = learned(task, cell)
    return f"T = {T}" if T else "no lag of the grid"


def _learned_value(task, cell):
    """Register day4_TASK_learned_CELL: the lag a cell learned the task up to, as the grid's last row says."""
    def render():
        return learned_text(task, cell)
    render.__name__ = f"day4_{task}_learned_{cell}"
    value(NOTE)(render)


for _task in FILES:
    for _cell in memory.FULL["cells"]:
        _learned_value(_task, _cell)


def solved_text(task, cell, T):
    p = point(task, cell, T)
    if "solved" not in p:
        return f"T = {T} not trained (two shorter lags unsolved)"
    median = p["median_steps"]
    return f"{p['solved']} of {p['seeds']} seeds" + (f" (median {median:,.0f} steps)" if median else "")


@value(NOTE)
def day4_simple_recall_100():
    return solved_text("recall", "simple_rnn", 100)


@value(NOTE)
def day4_simple_recall_gradient_100():
    return sig(point("recall", "simple_rnn", 100)["gradient_ratio_median"])


@value(NOTE)
def day4_long_start_steps_100():
    return ", ".join(f"{name(c)} {point('recall', c, 100)['median_steps']:,.0f}"
                     for c in ("gru_fb", "lstm_fb", "lstm_chrono"))


@value(NOTE)
def day4_simple_adding_30():
    return solved_text("adding", "simple_rnn", 30)


@value(NOTE)
def day4_simple_adding_30_above():
    p = point("adding", "simple_rnn", 30)
    return f"{p['above_baseline']} of {p['seeds']}"


@value(NOTE)
def day4_simple_adding_30_accuracy():
    a = p_accuracy("adding", "simple_rnn", 30)
    return f"{a['min']:.2f}–{a['max']:.2f}"


def p_accuracy(task, cell, T):
    return point(task, cell, T)["accuracy"]


# --- section 5: what the trained models keep --------------------------------------------------------------------------

def solved_runs(task, cell):
    return [r for r in need(day4(task), "runs", name=f"notes/results/{FILES[task]}")
            if r["cell"] == cell and r["solved"] and "keeps" in r]


def spread_text(values, fmt=lambda v: f"{v:.2f}"):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    return f"{fmt(np.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


@table(NOTE)
def day4_keeps_recall():
    long_lag = settings("recall")["long_lag"]
    rows = []
    for cell in cells("recall"):
        rs = solved_runs("recall", cell)
        k = [r["keeps"] for r in rs]
        rows.append([name(cell), f"{len(rs)}", spread_text([x["trained"] for x in k]),
                     spread_text([x["trained_lowest"] for x in k]), spread_text([x["refit"] for x in k]),
                     spread_text([x["flip_first"] for x in k]), spread_text([x["flip_later"] for x in k])])
    return (f"Every model that solved recall at its lag T (pooled over the lags), read at every lag up to "
            f"{long_lag:,} without retraining; median (lowest–highest) over the models.\n\n"
            + markdown_table(["cell", "solved models", f"trained readout at {long_lag:,}",
                              f"trained readout, its worst lag from T to {long_lag:,}",
                              f"fresh linear readout at {long_lag:,}", "answers changed: x_1 turned over",
                              "x_2 or the last step turned over"], rows))


def all_solved(task):
    return [r for cell in cells(task) for r in solved_runs(task, cell)]


KEPT = 0.9   # "kept": accuracy at the long lag at least this


def kept_count(runs, readout):
    """"k of n": the runs whose accuracy at the long lag with `readout` ("trained" or "refit") is at least KEPT."""
    return f"{sum(r['keeps'][readout] >= KEPT for r in runs)} of {len(runs)}"


@value(NOTE)
def day4_refit_kept():
    return kept_count(all_solved("recall"), "refit")


@value(NOTE)
def day4_trained_kept():
    return kept_count(all_solved("recall"), "trained")


@value(NOTE)
def day4_flips():
    rs = all_solved("recall")
    first, later = (np.median([r["keeps"][k] for r in rs]) for k in ("flip_first", "flip_later"))
    return f"{first:.0%} of the answers, turning over x_2 or the last input {later:.0%}"


@table(NOTE)
def day4_keeps_adding():
    long_lag = settings("adding")["long_lag"]
    rows = []
    for cell in cells("adding"):
        rs = solved_runs("adding", cell)
        rows.append([name(cell), f"{len(rs)}", spread_text([r["keeps"]["trained"] for r in rs]),
                     spread_text([r["keeps"]["refit"] for r in rs])])
    return (f"Every model that solved the adding problem at its lag T, given the problem at lag {long_lag:,} without "
            "retraining; median (lowest–highest) over the models.\n\n"
            + markdown_table(["cell", "solved models", f"trained readout at {long_lag:,}",
                              f"fresh linear readout at {long_lag:,}"], rows))


@value(NOTE)
def day4_adding_kept_best():
    """The best accuracy, either readout, of any model that solved the adding problem, read at the long lag."""
    return f"{best_kept(all_solved('adding')):.2f}"


def best_kept(runs):
    """The highest accuracy read at the long lag over runs, with the trained or the fresh readout."""
    return max(max(r["keeps"]["trained"], r["keeps"]["refit"]) for r in runs)


@table(NOTE)
def day4_latch():
    rows = [[f"{r['T']:,}", f"{r['accuracy']:.3f}", sig(r["gradient"]) if r["gradient"] else "0 (underflow)",
             f"10^{r['log10_gradient']:.0f}"] for r in need(day4("recall"), "latch", name="day4_recall.json")]
    return markdown_table(["lag T", "accuracy (1,000 sequences)", "∂h_T/∂h_1 in float64 (median)",
                           "∂h_T/∂h_1, summed in logs (median)"], rows)


def latch():
    return need(day4("recall"), "latch", name="notes/results/day4_recall.json")


@value("idea.md")
def day4_latch_accuracy():
    accuracies = {r["accuracy"] for r in latch()}
    return f"{accuracies.pop():.3f} at every lag" if len(accuracies) == 1 else ", ".join(
        f"{r['accuracy']:.3f} at T = {r['T']:,}" for r in latch())


@value("idea.md")
def day4_latch_gradient_100():
    return f"10^{next(r['log10_gradient'] for r in latch() if r['T'] == 100):.0f}"


@value("idea.md")
def day4_refit_simple():
    return f"{np.median([r['keeps']['refit'] for r in solved_runs('recall', 'simple_rnn')]):.2f}"


def simple_radius(when, angle=False):
    rs = solved_runs("recall", "simple_rnn")
    return [r["spectral_radius"]["trained_angle" if angle else when] for r in rs]


@value(NOTE)
def day4_radius_trained():
    return spread_text(simple_radius("trained"))


@value(NOTE)
def day4_radius_start():
    return spread_text(simple_radius("start"), lambda v: f"{v:.3f}")


@value(NOTE)
def day4_oscillating():
    angles = simple_radius(None, angle=True)
    k = sum(0.01 < a < np.pi - 0.01 for a in angles)
    return f"{k} of {len(angles)}"


# --- section 6: the gradient at the start -----------------------------------------------------------------------------

@table(NOTE)
def day4_gradient_recall():
    return gradient_grid("recall")


@table(NOTE)
def day4_gradient_adding():
    return gradient_grid("adding")


def gradient_grid(task):
    st = settings(task)
    rows = []
    for T in st["lags"][task]:
        row = [f"T = {T}"]
        for c in cells(task):
            p = point(task, c, T)
            row.append(sig(p["gradient_ratio_median"]) + (f" ({p['solved']}/{p['seeds']})" if "solved" in p
                                                          else " (not trained)"))
        rows.append(row)
    return (f"‖∂L/∂x_1‖ / ‖∂L/∂x_T‖ at the starting weights, median over {st['seeds']} seeds (in brackets: seeds "
            f"that then learned the lag within {st['steps']:,} steps).\n\n"
            + markdown_table(["lag"] + [name(c) for c in cells(task)], rows))


@table(NOTE)
def day4_prediction():
    rows = []
    for task in FILES:
        p = need(day4(task), "prediction", task, name=f"notes/results/{FILES[task]}")
        a, w = p["across_cells"], p["within_a_point"]
        rows.append([task, f"{a['agree']} of {a['pairs']}", f"{a['p']:.2g} ({a['permutations']:,} orders)",
                     f"{w['points']} ({w['seeds']} seeds)",
                     "—" if w["auc_mean"] is None else f"{w['auc_mean']:.2f}", "—" if w["p"] is None else
                     f"{w['p']:.2g}"])
    return markdown_table(["task", "pairs of cells at one lag: the larger gradient solved more",
                           "p, the cells' gradients permuted", "points whose seeds disagree",
                           "mean AUC of a seed's own gradient", "p, outcomes permuted"], rows)


def verdict_p(p):
    return f"p = {p:.2g}: " + ("beyond chance" if p < 0.05 else "not distinguishable from chance")


@value(NOTE)
def day4_reading_prediction():
    parts = []
    for task in FILES:
        pr = day4(task)["prediction"][task]
        a, w = pr["across_cells"], pr["within_a_point"]
        within = ("no point had seeds that disagree" if w["auc_mean"] is None else
                  f"a seed's own gradient gives a mean AUC of {w['auc_mean']:.2f} ({verdict_p(w['p'])})")
        parts.append(f"{'first-token recall' if task == 'recall' else 'the adding problem'}: across cells the larger "
                     f"gradient solved more in {a['agree']} of {a['pairs']} pairs ({verdict_p(a['p'])}); within a "
                     f"point, {within}")
    return "; ".join(parts)


# --- the conditions, the appendix's time table, the figures -----------------------------------------------------------

@table(NOTE)
def day4_conditions():
    c = day4("recall")["conditions"]
    return f"*Conditions: {describe(c)}, {workers_text(c['workers'])}; [in full](reproducing.md#conditions).*\n"


def workers_text(n):
    return f"{n} worker process" + ("" if n == 1 else "es")


def day4_speed(d):
    """Per cell: jobs, seed-steps trained, microseconds per model-step per time step (median over jobs; compile
    time left out), median compile time."""
    out = {}
    for cell in d["settings"]["cells"]:
        jobs = {}
        for r in d["runs"]:
            if r["cell"] == cell:
                jobs.setdefault(r["T"], []).append(r)
        per = [(rs[0]["job_train_seconds"] - rs[0]["job_compile_seconds"]) / (sum(r["steps"] for r in rs) * T) * 1e6
               for T, rs in jobs.items()]
        out[cell] = {"jobs": len(jobs), "seed_steps": sum(r["steps"] for rs in jobs.values() for r in rs),
                     "us": float(np.median(per)) if per else None,
                     "compile": float(np.median([rs[0]["job_compile_seconds"] for rs in jobs.values()]))
                     if jobs else None}
    return out


def figures(folder=os.path.join(ROOT, "notes", "figures")):
    """Both tasks' runs in the two figures of notes/day4.md, drawn by day4_memory.py's own plotting functions."""
    runs = {task: day4(task) for task in FILES}
    merged = dict(runs["recall"]["settings"], tasks=list(FILES),
                  lags={task: d["settings"]["lags"][task] for task, d in runs.items()})
    summary = {task: d["summary"][task] for task, d in runs.items()}
    written = []
    for fname, draw in (("day4_learning.png", memory.plot_learning),
                        ("day4_gradient_at_start.png", memory.plot_gradients)):
        draw(summary, merged, os.path.join(folder, fname))
        written.append(os.path.join(folder, fname))
    return written
