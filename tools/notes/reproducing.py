"""notes/reproducing.md, the appendix: every results file's conditions, the Day-3 recipe choice, the verdicts a
fresh run must reproduce (their thresholds are defined here, once), and the speed measurements."""
import math
import os
import re
import typing

import day3_inside
from day2_tensorflow import VALUES as DAY2_VALUES
from rnn_days.conditions import describe
from tools.notes import day2, day3, day4
from tools.notes.core import RESULTS, f3, file_conditions, load, markdown_table, table, value
from tools.notes.day1 import best_val, runs

import numpy as np

NOTE = "reproducing.md"


@table(NOTE)
def conditions_all():
    rows = []
    for name in sorted(os.listdir(RESULTS)):
        if name.endswith(".json"):
            c = file_conditions(load(name), name)
            rows.append([f"`{name}`", c.get("cpu", "?"), c.get("cores", "?"), describe(c, threads=False).split(";")[0],
                         f"TF {c.get('tf_intra_op_threads', '—')}/{c.get('tf_inter_op_threads', '—')}, BLAS "
                         + ", ".join(str(v) for v in (c.get("blas_threads") or {}).values()),
                         c.get("workers", "—")])
    return markdown_table(["results file", "CPU", "cores", "versions", "threads (intra/inter, BLAS)",
                           "worker processes"], rows)


def same_runs(first, again):
    """How many seeds of a second run (seed -> metrics) match the first exactly: the test accuracy and the validation
    accuracy of every epoch. Returns "k of n", n the seeds run again."""
    same = sum(first[s]["test_accuracy"] == again[s]["test_accuracy"]
               and first[s]["val_accuracy_per_epoch"] == again[s]["val_accuracy_per_epoch"] for s in again)
    return f"{same} of {len(again)}"


@value(NOTE)
def retrain_day1_same():
    return same_runs(runs("day1_seeds.json"), runs("day1_seeds_rerun.json"))


@value(NOTE)
def retrain_day3_same():
    first = {f"{c} {s}": r for c in ("lstm", "gru") for s, r in runs(f"day3_{c}_seeds.json").items()}
    again = {f"{c} {s}": r for c in ("lstm", "gru") for s, r in runs(f"day3_{c}_seeds_rerun.json").items()}
    return same_runs(first, again)


@table(NOTE)
def day3_recipes():
    rows = []
    for cell in ("lstm", "gru"):
        for label, f in (("0 (Day 1's recipe unchanged)", f"day3_{cell}_recipe_nodrop.json"),
                         ("0.2 (the default)", f"day3_{cell}_recipe_drop.json")):
            found = runs(f)
            seeds = [str(s) for s in range(5)]
            rows.append([cell.upper(), label, f"**{f3(np.median([best_val(found[s]) for s in seeds]))}**",
                         ", ".join(f3(best_val(found[s])) for s in seeds)])
    return markdown_table(["cell", "input dropout", "best validation accuracy: median", "seeds 0, 1, 2, 3, 4"], rows)


@table(NOTE)
def mutants():
    rows = load("mutants.json")["rows"]
    intact, planted = rows[0], rows[1:]
    caught = sum(r["red"] for r in planted)
    body = [[r["bug"], f"`{r['file']}`", "red" if r["red"] else "**green: not caught**",
             re.sub(r" in [\d.]+s.*", "", r["result"])] for r in planted]
    return (f"The intact copy: {re.sub(r' in [0-9.]+s.*', '', intact['result'])}. Planted: {len(planted)}, caught: "
            f"{caught}.\n\n" + markdown_table(["bug", "file", "the tests", "pytest's last line"], body))


# --- what a fresh run must reproduce ----------------------------------------------------------------------------------

class Check(typing.NamedTuple):
    """A fresh run passes when its value `relation` `threshold`; log: the value is fitted on a log scale."""
    name: str
    relation: str
    threshold: float
    log: bool = False


# The thresholds the slow tests apply to a fresh seed-0 run (tests/test_notes.py), each far outside what the notes'
# models gave; defined here once, rendered into the appendix, read by the tests from here.
DAY2_CHECKS = {
    "day1_test_accuracy": Check("Day 1 test accuracy", ">", 0.8),
    "ratio": Check(DAY2_VALUES["ratio"].notes, ">", 1e-6, log=True),
    "sigma_max": Check(DAY2_VALUES["sigma_max"].notes, ">", 1.0),
    "effect_0": Check(DAY2_VALUES["effect_0"].notes, "<", -0.05),
}
DAY3_CHECKS = {
    "test_accuracy": Check("LSTM test accuracy", ">", 0.85),
    "ratio_c_falls": Check(day3_inside.VALUES["ratio_c"].notes + " (falls)", "<", 0.5, log=True),
    "ratio_c_kept": Check(day3_inside.VALUES["ratio_c"].notes + " (does not vanish)", ">", 1e-6, log=True),
    "forget_above": Check(day3_inside.VALUES["forget_mean"].notes + " (above)", ">", 0.6),
    "forget_below": Check(day3_inside.VALUES["forget_mean"].notes + " (below)", "<", 0.85),
    "effect_0": Check(day3_inside.VALUES["effect_0"].notes, "<", -0.05),
}


def day2_fresh_values(day1_metrics, m):
    """key -> value of a fresh Day-1 run (its metrics) and Day 2's look at it (m)."""
    return {"day1_test_accuracy": day1_metrics["test_accuracy"],
            **{k: DAY2_VALUES[k].of(m) for k in ("ratio", "sigma_max", "effect_0")}}


def day3_fresh_values(train_metrics, m):
    """key -> value of a fresh Day-3 LSTM run and the look inside it."""
    v = {k: day3_inside.VALUES[k].of(m) for k in ("ratio_c", "forget_mean", "effect_0")}
    return {"test_accuracy": train_metrics["test_accuracy"], "ratio_c_falls": v["ratio_c"],
            "ratio_c_kept": v["ratio_c"], "forget_above": v["forget_mean"], "forget_below": v["forget_mean"],
            "effect_0": v["effect_0"]}


def passes(value, check):
    return value > check.threshold if check.relation == ">" else value < check.threshold


def failed_checks(values, checks):
    """The checks a fresh run's values fail: key -> (value, relation, threshold)."""
    return {k: (values[k], c.relation, c.threshold) for k, c in checks.items() if not passes(values[k], c)}


def day2_fresh_table():
    day1_runs = runs("day1_seeds.json")
    return [day2_fresh_values(day1_runs[str(m["identity"]["seed"])], m) for m in day2.trained()]


def day3_fresh_table():
    lstm_runs = runs("day3_lstm_seeds.json")
    return [day3_fresh_values(lstm_runs[str(m["identity"]["seed"])], m) for m in day3.inside_models("LSTM")]


def normal_tail(values, threshold, relation, log=False):
    """P(a new value fails `relation threshold`) under a normal fit to `values` (to log10 of them if log): an
    estimate of the check's false-alarm rate."""
    v = np.log10(values) if log else np.asarray(values, float)
    t = math.log10(threshold) if log else threshold
    mu, sd = float(np.mean(v)), float(np.std(v, ddof=1))
    z = (t - mu) / sd if relation == ">" else (mu - t) / sd
    return 0.5 * math.erfc(-z / math.sqrt(2))


def fresh_checks(per_model, checks):
    rows, total = [], 0.0
    for key, c in checks.items():
        values = [v[key] for v in per_model]
        rate = normal_tail(values, c.threshold, c.relation, c.log)
        total += rate
        rows.append([c.name, f"`{c.relation} {c.threshold:g}`", f"{min(values):.3g} to {max(values):.3g}",
                     f"{sum(passes(v, c) for v in values)} of {len(values)}",
                     f"{rate:.0e}" if rate >= 1e-12 else "< 1e-12"])
    rows.append(["**the whole check (sum)**", "", "", "", f"**{total:.0e}**" if total >= 1e-12 else "**< 1e-12**"])
    return markdown_table(["value", "passes when", f"the {len(per_model)} models: min to max",
                           "pass (leave-one-out)", "estimated false-alarm rate"], rows)


@table(NOTE)
def fresh_checks_day2():
    return fresh_checks(day2_fresh_table(), DAY2_CHECKS)


@table(NOTE)
def fresh_checks_day3():
    return fresh_checks(day3_fresh_table(), DAY3_CHECKS)


@table(NOTE)
def day4_isa():
    base, other = day4.day4("recall"), load("day4_recall_avx2.json")
    rows = []
    for cell in other["settings"]["cells"]:
        for T in other["settings"]["lags"]["recall"]:
            a = base["summary"]["recall"][cell]["points"].get(str(T), {})
            b = other["summary"]["recall"][cell]["points"][str(T)]
            if "solved" not in a or "solved" not in b:
                continue
            ra = {r["seed"]: r for r in base["runs"] if (r["cell"], r["T"]) == (cell, T)}
            rb = {r["seed"]: r for r in other["runs"] if (r["cell"], r["T"]) == (cell, T)}
            flipped = sum(ra[k]["solved"] != rb[k]["solved"] for k in rb)
            moved = sum(ra[k]["steps"] != rb[k]["steps"] for k in rb)
            rows.append([day4.name(cell), T, f"{a['solved']}/{a['seeds']}", f"{b['solved']}/{b['seeds']}",
                         str(flipped), str(moved)])
    return markdown_table(["cell", "lag", "solved, AVX-512 (the notes)", "solved, AVX2", "seeds that changed outcome",
                           "seeds whose steps to solve changed"], rows)


# --- speed ------------------------------------------------------------------------------------------------------------

def race(name):
    rows = []
    for threads in (1, 2):
        d = load(f"{name}_{threads}thread.json")
        rows.append([threads, f"{d['numpy_ms']:.1f} ms", f"{d['tensorflow_ms']:.1f} ms", f"**{d['ratio']:.2f}**",
                     f"{d['largest_gradient_difference']:.1e}"])
    return f"*Conditions: {describe(d['conditions'], threads=False)}; threads per row.*\n\n" + markdown_table(
        ["threads (BLAS and TF)", "NumPy median", "TensorFlow median", "ratio numpy/tensorflow",
         "largest gradient difference"], rows)


@table(NOTE)
def bench():
    return race("bptt_speed")


@table(NOTE)
def lstm_bench():
    return race("lstm_speed")


@table(NOTE)
def day3_epoch_speed():
    d = load("epoch_speed.json")
    names = {"simple_rnn": "SimpleRNN (Day 1)", "lstm": "LSTM", "gru": "GRU"}
    rows = [[names[n], f"{d['ms_per_step'][n]:.1f} ms", f"{d['seconds_per_epoch'][n]:.1f} s",
             f"**{d['ratio_to_simple_rnn'][n]:.2f}**"] for n in names]
    return (f"*Conditions: {describe(d['conditions'])}.*\n\n"
            + markdown_table(["model", "median time per training step (N = 64, T = 200)", "per epoch (313 steps)",
                              "× SimpleRNN"], rows))


@table(NOTE)
def memory_step_speed():
    d = load("memory_step_speed.json")
    rows = [["on" if r["xla"] else "off", r["threads"], f"{r['ms_per_step']:.1f} ms",
             f"**{r['us_per_model_timestep']:.0f} µs**"] for r in d["rows"]]
    return (f"*Conditions: {describe(d['conditions'], threads=False)}; threads per row. One step: a SimpleRNN, a GRU "
            f"and an LSTM of 32 units side by side, batch 64, T = {d['settings']['seq_len']}.*\n\n" + markdown_table(
                ["XLA (`jit_compile`)", "TensorFlow threads", "median time per step", "per model and time step"],
                rows))


@table("reproducing.md")
def day4_time():
    rows = []
    for task in day4.FILES:
        for cell, v in day4.day4_speed(day4.day4(task)).items():
            rows.append([task, day4.name(cell), v["jobs"], f"{v['seed_steps']:,}",
                         "—" if v["us"] is None else f"{v['us']:.0f} µs",
                         "—" if v["compile"] is None else f"{v['compile']:.1f} s"])
    walls = "; ".join(f"{task}: {day4.day4(task)['total_seconds'] / 60:.0f} min" for task in day4.FILES)
    return (f"Wall time of the two runs, {day4.workers_text(day4.settings('recall')['workers'])} of one thread each: "
            f"{walls}.\n\n" + markdown_table(["task", "cell", "lags trained", "seed-steps trained",
                                              "per model-step per time step", "compile per job (median)"], rows))
