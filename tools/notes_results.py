"""The numbers the notes quote: collected from the scripts' JSON into notes/results/, and the notes' tables built
from them, so the text cannot drift from the data.

    python -m tools.notes_results day1 runs/day1_seed{0,1,2,3,4} --out notes/results/day1_seeds.json
    python -m tools.notes_results day1 runs/day1_post_seed{0,1,2,3,4} --out notes/results/day1_post.json
    python -m tools.notes_results day2 runs/day2_models/metrics.json --out notes/results/day2_models.json
    python -m tools.notes_results day1 runs/day3_lstm_seed{0,1,2,3,4} --out notes/results/day3_lstm_seeds.json
    python -m tools.notes_results day1 runs/day3_gru_seed{0,1,2,3,4} --out notes/results/day3_gru_seeds.json
    (notes/day3.md gives the commands of every other Day-3 file)
    python -m tools.notes_results many runs/day3_numpy_seed{0,1,2,3,4}/gradient_paths.json \
        --out notes/results/day3_gradient_paths.json
    python -m tools.notes_results copy runs/day3_inside/metrics.json --out notes/results/day3_inside.json
    python -m tools.notes_results tables        # rewrite every table between <!-- table: NAME --> markers in notes/

tests/test_notes.py checks that every marked table in the notes equals what `render` builds from the committed
files, and (slow, with IMDB_DATA_DIR) that a fresh seed-0 run lands inside the ranges the notes state.
"""
import json
import math
import os
import re
import shutil
import sys

import numpy as np

from rnn_days import cli
from rnn_days.conditions import describe

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tools/ sits in the repo root
RESULTS = os.path.join(ROOT, "notes", "results")
NOTES = [os.path.join(ROOT, "notes", name) for name in ("day1.md", "day2.md", "day3.md")]
MARKER = re.compile(r"<!-- table: (\w+) -->\n(.*?)<!-- /table -->", re.S)


def load(name):
    with open(os.path.join(RESULTS, name), encoding="utf-8") as f:
        return json.load(f)


def spread(values):
    values = [v for v in values if v is not None]
    return {"median": float(np.median(values)), "min": float(min(values)), "max": float(max(values))}


# --- collecting -----------------------------------------------------------------------------------------------------

DAY1_FIELDS = ("test_accuracy", "test_loss", "best_epoch", "epochs_run", "train_seconds", "test_accuracy_fits_maxlen",
               "test_accuracy_longer", "test_share_fits_maxlen", "val_accuracy_per_epoch")  # any training run's


def collect_day1(folders, out):
    runs = {}
    for folder in folders:
        with open(os.path.join(folder, "metrics.json"), encoding="utf-8") as f:
            m = json.load(f)
        runs[str(m["settings"]["seed"])] = {k: m[k] for k in DAY1_FIELDS}
        runs[str(m["settings"]["seed"])]["seconds_per_epoch"] = m["train_seconds"] / max(m["epochs_run"], 1)
        settings, conditions = m["settings"], m["conditions"]
    summary = {k: spread([r[k] for r in runs.values()]) for k in DAY1_FIELDS + ("seconds_per_epoch",)
               if k != "val_accuracy_per_epoch"}
    settings = {k: v for k, v in settings.items() if k not in ("seed", "out", "data_dir")}
    cli.write_json({"runs": runs, "summary": summary, "settings": settings, "conditions": conditions}, out)


def collect_day2(path, out):
    shutil.copyfile(path, out)  # already one row per model, with its conditions


def collect_many(paths, out):
    """Several runs' JSON files in one, keyed by folder name (runs/day3_numpy_seed0/x.json -> day3_numpy_seed0)."""
    runs = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            runs[os.path.basename(os.path.dirname(os.path.abspath(path)))] = json.load(f)
    cli.write_json({"runs": runs}, out)


# --- tables -----------------------------------------------------------------------------------------------------

def conditions_line(data):
    return f"*Conditions: {describe(data['conditions'])}.*\n"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def f3(v):
    return "n/a" if v is None else f"{v:.3f}"


def f4(v):
    return "n/a" if v is None else f"{v:.4f}"


def sig(v):
    return "n/a" if v is None else f"{v:.2g}"


def render_day1_seeds():
    d = load("day1_seeds.json")
    rows = [[s, f4(r["test_accuracy"]), f3(r["test_loss"]), f"{r['best_epoch']} of {r['epochs_run']}",
             ", ".join(f3(v) for v in r["val_accuracy_per_epoch"]), f"{r['train_seconds']:.1f} s"]
            for s, r in d["runs"].items()]
    s = d["summary"]
    rows.append(["**median (range)**", f"**{f4(s['test_accuracy']['median'])}** ({f4(s['test_accuracy']['min'])}–"
                 f"{f4(s['test_accuracy']['max'])})", f"{f3(s['test_loss']['median'])}", "", "",
                 f"{s['train_seconds']['median']:.1f} s ({s['train_seconds']['min']:.1f}–"
                 f"{s['train_seconds']['max']:.1f})"])
    return conditions_line(d) + "\n" + table(
        ["seed", "test accuracy", "test loss", "best epoch", "validation accuracy per epoch", "training time"], rows)


def render_day1_post():
    pre, post = load("day1_seeds.json"), load("day1_post.json")
    rows = []
    for s in post["runs"]:
        a, b = pre["runs"][s], post["runs"][s]
        rows.append([s, f4(a["test_accuracy"]), f4(b["test_accuracy"]), f3(a["test_accuracy_fits_maxlen"]),
                     f3(b["test_accuracy_fits_maxlen"]), f3(a["test_accuracy_longer"]), f3(b["test_accuracy_longer"])])
    med = [f"**{f4(pre['summary']['test_accuracy']['median'])}**", f"**{f4(post['summary']['test_accuracy']['median'])}**"]
    med += [f3(x["summary"][k]["median"]) for k in ("test_accuracy_fits_maxlen", "test_accuracy_longer")
            for x in (pre, post)]
    rows.append(["**median**"] + med)
    share = post["runs"][next(iter(post["runs"]))]["test_share_fits_maxlen"]
    return conditions_line(post) + "\n" + table(
        ["seed", "pre: all", "post: all", f"pre: ≤ 200 words ({share:.0%})", "post: ≤ 200 words",
         "pre: longer", "post: longer"], rows)


def _trained(models):
    return {k: v for k, v in models.items() if "untrained" not in k}


def render_day2_gradients():
    d = load("day2_models.json")
    rows = []
    for label, m in d["models"].items():
        g, c, w = m["grad_ratio_first_to_last"], m["grad_ratio_correct"], m["grad_ratio_wrong"]
        rows.append([label, f4(m["test_accuracy"]), f"{sig(g['median'])} ({sig(g['q25'])}–{sig(g['q75'])})",
                     f"{sig(c['median'])} / {sig(w['median'])} ({w['reviews']} wrong)",
                     f"{m['grad_median_smallest_at_word']} ({m['grad_median_smallest_factor_below_last']:.0f}×)",
                     f3(m["W_hh_sigma_max"]), f3(m["W_hh_spectral_radius"]), m["W_hh_singular_values_above_1"],
                     f3(m["tanh_prime_mean_after_10_steps"]),
                     f3(m["W_hh_sigma_max"] * m["tanh_prime_mean_after_10_steps"]), f3(m["per_step_factor_measured"])])
    return conditions_line(d) + "\n" + table(
        ["model", "test accuracy", "median ‖∂L/∂h_1‖ / ‖∂L/∂h_200‖ (quartiles)", "median ratio: right / wrong",
         "smallest median at word (× below word 200)", "σ_max(W_hh)", "spectral radius", "singular values > 1",
         "mean tanh′", "σ_max × mean tanh′", "measured factor per step"], rows)


MEMORY_KEYS = ("positive phrase, negative reviews", "negative phrase, positive reviews")


def effect_at(curve, ns, n):
    i = ns.index(n)
    return f"{curve['mean'][i]:+.3f} ± {curve['ci95'][i]:.3f}"


def render_day2_memory():
    d = load("day2_models.json")
    rows = []
    for label, m in d["models"].items():
        ns = m["memory"]["ns"]
        for key in MEMORY_KEYS:
            c = m["memory"]["curves"][key]
            hl = c["half_life"]
            rows.append([label, key, c["reviews"], effect_at(c, ns, 0), effect_at(c, ns, 50), effect_at(c, ns, 150),
                         effect_at(c, ns, 195), "undefined" if hl is None else hl])
    return conditions_line(d) + "\n" + table(
        ["model", "phrase, reviews", "reviews", "effect N = 0", "N = 50", "N = 150", "N = 195 (the opening)",
         "half-life (words)"], rows)


def render_day2_fillers():
    d = load("day2_models.json")
    trained = _trained(d["models"])
    rows = []
    for fname in d["fillers"]:
        for phrase in ("positive", "negative"):
            key = f"{phrase} phrase, {fname} filler"
            per = [m["fillers"][key] for m in trained.values()]
            e = np.array([p["effect"] for p in per])

            def rng(values, fmt="{:+.3f}"):
                return f"{fmt.format(min(values))} to {fmt.format(max(values))}"
            hls = [p["half_life"] for p in per]
            rows.append([fname, phrase, rng([p["p_filler_alone"] for p in per], "{:.3f}"), rng(e[:, 0]),
                         rng(e[:, 150]), rng(e[:, 195]), ", ".join("undef." if h is None else str(h) for h in hls)])
    return conditions_line(d) + "\n" + table(
        ["filler", "phrase", "P(filler alone)", "effect N = 0", "N = 150", "N = 195",
         "half-life per model (seeds in order)"], rows)


def widened(lo, hi, log=False):
    """The five models' range widened by half its width on each side (in log space for ratios)."""
    if log:
        a, b = math.log10(lo), math.log10(hi)
        w = (b - a) / 2
        return 10 ** (a - w), 10 ** (b + w)
    w = (hi - lo) / 2
    return lo - w, hi + w


def headline_values(day1_metrics, day2_model):
    """The values a fresh seed-0 run is checked on: name -> value (None where not measured)."""
    m = day2_model
    ns = m["memory"]["ns"]
    values = {"day1 test accuracy": day1_metrics["test_accuracy"],
              "day2 median gradient ratio word 1 / word 200": m["grad_ratio_first_to_last"]["median"],
              "day2 sigma_max(W_hh)": m["W_hh_sigma_max"]}
    for key in MEMORY_KEYS:
        for n in (0, 150):
            values[f"day2 effect, {key}, N = {n}"] = m["memory"]["curves"][key]["mean"][ns.index(n)]
    return values


def fresh_ranges():
    """name -> (observed min, observed max, check lo, check hi) over the five trained seeds."""
    day1, day2 = load("day1_seeds.json"), load("day2_models.json")
    return ranges_of([headline_values(day1["runs"][s], day2["models"][f"day1_seed{s}"]) for s in day1["runs"]])


def ranges_of(per_seed):
    out = {}
    for name in per_seed[0]:
        vals = [v[name] for v in per_seed]
        lo, hi = min(vals), max(vals)
        out[name] = (lo, hi) + widened(lo, hi, log="ratio" in name)
    return out


def render_fresh_ranges(ranges=None):
    rows = [[f"`{name}`", f"{lo:.4g} to {hi:.4g}", f"{clo:.4g} to {chi:.4g}"]
            for name, (lo, hi, clo, chi) in (ranges or fresh_ranges()).items()]
    return table(["value", "five seeds (0–4): min to max", "a fresh seed-0 run must land in"], rows)


def parse_fresh_ranges(text, marker="fresh_ranges"):
    """name -> (lo, hi) from the notes' own fresh-range table (the slow test checks a new run against these)."""
    body = dict((name, content) for name, content in MARKER.findall(text))[marker]
    ranges = {}
    for line in body.splitlines():
        m = re.match(r"\| `(.+?)` \| .+? \| (\S+) to (\S+) \|", line)
        if m:
            ranges[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return ranges


def render_bench(name="bptt_speed"):
    rows = []
    for threads in (1, 2):
        d = load(f"{name}_{threads}thread.json")
        rows.append([threads, f"{d['numpy_ms']:.1f} ms", f"{d['tensorflow_ms']:.1f} ms", f"**{d['ratio']:.2f}**",
                     f"{d['largest_gradient_difference']:.1e}"])
    return f"*Conditions: {describe(d['conditions'], threads=False)}; threads per row.*\n\n" + table(
        ["threads (BLAS and TF)", "NumPy median", "TensorFlow median", "ratio numpy/tensorflow",
         "largest gradient difference"], rows)


# --- Day 3 ----------------------------------------------------------------------------------------------------------

def med_range(values, fmt=sig):
    s = spread(values)
    return f"{fmt(s['median'])} ({fmt(s['min'])} to {fmt(s['max'])})"


def render_day3_gradient_paths():
    runs = list(load("day3_gradient_paths.json")["runs"].values())
    rows = []
    for i, r0 in enumerate(runs[0]["results"]):
        per = [run["results"][i] for run in runs]
        rows.append([f"LSTM, forget bias {r0['forget_bias']:g}", med_range([p["mean_f"] for p in per], f3),
                     med_range([p["ratio_c_first_to_last"] for p in per]),
                     med_range([p["ratio_c_direct_path_first_to_last"] for p in per]),
                     med_range([p["ratio_h_first_to_last"] for p in per])])
    for i, r0 in enumerate(runs[0]["day2_rnn"] or []):
        per = [run["day2_rnn"][i] for run in runs]
        rows.append([f"Day-2 vanilla RNN, σ_max(W_hh) = {r0['scale']:g}", "", "", "",
                     med_range([p["ratio_first_to_last"] for p in per])])
    settings = runs[0]["settings"]
    return (f"*Conditions: {describe(runs[0]['conditions'])}. T = {settings['seq_len']}, N = {settings['batch']}, "
            f"D = {settings['input_dim']}, H = {settings['hidden']}; median (range) over seeds "
            f"{', '.join(str(r['settings']['seed']) for r in runs)}.*\n\n") + table(
        ["network", "mean f", "‖∂L/∂c_1‖ / ‖∂L/∂c_T‖ (both paths)", "direct path alone", "‖∂L/∂h_1‖ / ‖∂L/∂h_T‖"],
        rows)


def render_day3_imdb():
    cells = {"SimpleRNN (Day 1)": load("day1_seeds.json"), "LSTM": load("day3_lstm_seeds.json"),
             "GRU": load("day3_gru_seeds.json")}
    seeds = list(cells["LSTM"]["runs"])
    rows = [[s] + [f4(d["runs"][s]["test_accuracy"]) for d in cells.values()] for s in seeds]
    rows.append(["**median (range)**"] + [f"**{f4(d['summary']['test_accuracy']['median'])}** "
                                          f"({f4(d['summary']['test_accuracy']['min'])}–"
                                          f"{f4(d['summary']['test_accuracy']['max'])})" for d in cells.values()])
    per_epoch = [[r["train_seconds"] / max(r["epochs_run"], 1) for r in d["runs"].values()] for d in cells.values()]
    rows.append(["training time per epoch, median (range)"] + [med_range(v, lambda x: f"{x:.0f} s")
                                                              for v in per_epoch])
    return conditions_line(cells["LSTM"]) + "\n" + table(["seed"] + list(cells), rows)


def render_day3_recipes():
    rows = []
    for name, files in (("input dropout 0 (Day 1's recipe unchanged)", ("day3_lstm_nodrop_seeds.json",
                                                                         "day3_gru_nodrop_seeds.json")),
                        ("input dropout 0.2 (the default)", ("day3_lstm_seeds.json", "day3_gru_seeds.json"))):
        cells = []
        for f in files:
            d = load(f)
            acc = d["summary"]["test_accuracy"]
            cells.append(f"{f4(acc['median'])} ({f4(acc['min'])}–{f4(acc['max'])}); "
                         + ", ".join(f4(r["test_accuracy"]) for r in d["runs"].values()))
        rows.append([name] + cells)
    return conditions_line(load("day3_lstm_seeds.json")) + "\n" + table(
        ["recipe", "LSTM: median (range); seeds 0–4", "GRU: median (range); seeds 0–4"], rows)


def render_day3_epoch_speed():
    d = load("epoch_speed.json")
    names = {"simple_rnn": "SimpleRNN (Day 1)", "lstm": "LSTM", "gru": "GRU"}
    rows = [[names[n], f"{d['ms_per_step'][n]:.1f} ms", f"{d['seconds_per_epoch'][n]:.1f} s",
             f"**{d['ratio_to_simple_rnn'][n]:.2f}**"] for n in names]
    return conditions_line(d) + "\n" + table(["model", "median time per training step (N = 64, T = 200)",
                                              "per epoch (313 steps)", "× SimpleRNN"], rows)


def render_lstm_bench():
    return render_bench("lstm_speed")


def half_life_text(c):
    return "undefined" if c["half_life"] is None else str(c["half_life"])


def render_day3_inside():
    d = load("day3_inside.json")
    rows = []
    for label, m in d["inside"].items():
        g = m["grad_h_ratio_first_to_last"]
        c = m.get("grad_c_ratio_first_to_last")
        neg, pos = (m["memory"]["curves"][k] for k in ("negative phrase, positive reviews",
                                                       "positive phrase, negative reviews"))
        ns = m["memory"]["ns"]
        rows.append([label, m["cell"], f4(m["test_accuracy"]),
                     f"{sig(g['median'])} ({sig(g['q25'])}–{sig(g['q75'])})",
                     f"{sig(c['median'])} ({sig(c['q25'])}–{sig(c['q75'])})" if c else "—",
                     f3(m["forget_mean_after_10_steps"]) if c else "—",
                     (f"{sig(m['direct_path_gain_1_to_T_mean'])}; {m['direct_path_units_keeping_half']:.1%} keep ≥ ½"
                      if c else "—"),
                     effect_at(neg, ns, 0), effect_at(neg, ns, 150), half_life_text(neg), half_life_text(pos)])
    return conditions_line(d) + "\n" + table(
        ["model", "cell", "test accuracy", "median ‖∂L/∂h_1‖ / ‖∂L/∂h_200‖ (quartiles)",
         "median ‖∂L/∂c_1‖ / ‖∂L/∂c_200‖ (quartiles)", "mean f_t (t > 10)",
         "∏ f_t, t = 2..200: mean; share of (review, unit) ≥ ½",
         "negative phrase in positive reviews: effect N = 0", "N = 150", "half-life (words)",
         "positive phrase in negative reviews: half-life"], rows)


def day3_headline_values(train_metrics, inside):
    """The Day-3 values a fresh LSTM seed-0 run is checked on."""
    neg = inside["memory"]["curves"]["negative phrase, positive reviews"]
    return {"day3 LSTM test accuracy": train_metrics["test_accuracy"],
            "day3 LSTM median gradient ratio h word 1 / word 200": inside["grad_h_ratio_first_to_last"]["median"],
            "day3 LSTM median gradient ratio c word 1 / word 200": inside["grad_c_ratio_first_to_last"]["median"],
            "day3 LSTM mean forget gate": inside["forget_mean_after_10_steps"],
            "day3 LSTM effect, negative phrase, positive reviews, N = 0": neg["mean"][0]}


def fresh_ranges_day3():
    lstm, inside = load("day3_lstm_seeds.json"), load("day3_inside.json")["inside"]
    return ranges_of([day3_headline_values(lstm["runs"][s], inside[f"day3_lstm_seed{s}"]) for s in lstm["runs"]])


def render_fresh_ranges_day3():
    return render_fresh_ranges(fresh_ranges_day3())


CELL_NAMES = {"simple_rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}


def render_memory_grid(name):
    d = load(name)
    out = []
    for task, per_cell in d["summary"].items():
        lags = list(next(iter(per_cell.values()))["points"])
        rows = []
        for cell, s in per_cell.items():
            cells = []
            for T in lags:
                p = s["points"][T]
                spread_text = "" if p["min"] == p["max"] else f" ({p['min']:.2f}–{p['max']:.2f})"
                cells.append(f"{p['median']:.2f}{spread_text}")
            horizon = "none" if s["horizon"] is None else str(s["horizon"])
            if s["horizon_contiguous"] != s["horizon"]:
                horizon += (f" (every lag up to {s['horizon_contiguous']})" if s["horizon_contiguous"]
                            else " (a shorter lag fails)")
            rows.append([CELL_NAMES[cell], f"**{horizon}**"] + cells)
        out.append(f"**{'First-token recall' if task == 'recall' else 'Adding problem'}** (chance "
                   f"{d['chance'][task]:.2f}; horizon: median ≥ {d['horizon_threshold'][task]})\n\n"
                   + table(["cell", "horizon"] + [f"T = {T}" for T in lags], rows))
    st = d["settings"]
    bias = f", LSTM forget bias {st['forget_bias']:g}" if st.get("forget_bias", 1) != 1 else ""
    return (f"*Conditions: {describe(d['conditions'])}, {d['conditions']['workers']} worker processes. "
            f"{st['hidden']} units{bias}, Adam {st['learning_rate']:g}, global clipnorm 1, batch {st['batch']}, "
            f"at most "
            f"{st['steps']} steps, {st['seeds']} seeds (median (range) of held-out accuracy over "
            f"{st['eval_size']:,} sequences).*\n\n" + "\n".join(out))


def render_day3_memory():
    return render_memory_grid("day3_memory.json")


def render_day3_memory_long():
    return render_memory_grid("day3_memory_long.json")


def render_day3_memory_fb3():
    return render_memory_grid("day3_memory_lstm_fb3.json")


def render_memory_step_speed():
    d = load("memory_step_speed.json")
    rows = [["on" if r["xla"] else "off", r["threads"], f"{r['ms_per_step']:.1f} ms",
             f"**{r['us_per_model_timestep']:.0f} µs**"] for r in d["rows"]]
    return (f"*Conditions: {describe(d['conditions'], threads=False)}; threads per row. One step: a SimpleRNN, a GRU "
            f"and an LSTM of 32 units side by side, batch 64, T = {d['settings']['seq_len']}.*\n\n" + table(
                ["XLA (`jit_compile`)", "TensorFlow threads", "median time per step",
                 "per model and time step"], rows))


def render_day3_memory_time():
    runs = {name: load(name) for name in ("day3_memory.json", "day3_memory_run2.json")}
    same = [r["accuracy"] for r in runs["day3_memory.json"]["runs"]] == [
        r["accuracy"] for r in runs["day3_memory_run2.json"]["runs"]]
    rows = [[label, f"{d['total_seconds']:.0f} s ({d['total_seconds'] / 60:.1f} min)"]
            for label, d in zip(("first", "second"), runs.values())]
    totals = [d["total_seconds"] for d in runs.values()]
    rows.append(["**median of the two**", f"**{np.median(totals):.0f} s ({np.median(totals) / 60:.1f} min)**"])
    d = runs["day3_memory.json"]
    jobs = {}  # (task, T, cell) -> its seeds' runs; each run also carries its job's times
    for r in d["runs"]:
        jobs.setdefault((r["task"], r["T"], r["cell"]), []).append(r)
    cost = []
    for cell in CELL_NAMES:
        js = [seeds for key, seeds in jobs.items() if key[2] == cell]
        if not js:
            continue
        steps = [sum(r["steps"] for r in seeds) for seeds in js]     # model-steps: seeds side by side
        train = [seeds[0]["job_seconds"] - seeds[0]["job_compile_seconds"] for seeds in js]
        per_step_us = [1e6 * s / max(n, 1) / seeds[0]["T"] for s, n, seeds in zip(train, steps, js)]
        cost.append([CELL_NAMES[cell], len(js), f"{sum(seeds[0]['job_seconds'] for seeds in js):.0f} s",
                     f"{np.median([seeds[0]['job_compile_seconds'] for seeds in js]):.1f} s",
                     f"{np.median(per_step_us):.0f} µs",
                     f"{sum(steps):,} of {len(js) * d['settings']['seeds'] * d['settings']['steps']:,}"])
    note = ("both runs gave the same accuracy for every run, to the last digit" if same
            else "the two runs' accuracies differ")
    return (f"*Conditions: {describe(d['conditions'])}, {d['conditions']['workers']} worker processes.*\n\n"
            + table(["run of the default grid", "total wall time"], rows) + f"\n({note})\n\n" + table(
        ["cell", "jobs", "job time, summed (both workers)", "median compile time per job",
         "median time per model-step per time step", "training steps used (early stop) of the budget"], cost))


RENDER = {"day1_seeds": render_day1_seeds, "day1_post": render_day1_post, "day2_gradients": render_day2_gradients,
          "day2_memory": render_day2_memory, "day2_fillers": render_day2_fillers,
          "fresh_ranges": render_fresh_ranges, "bench": render_bench,
          "day3_gradient_paths": render_day3_gradient_paths, "day3_imdb": render_day3_imdb,
          "day3_epoch_speed": render_day3_epoch_speed, "lstm_bench": render_lstm_bench,
          "day3_inside": render_day3_inside, "fresh_ranges_day3": render_fresh_ranges_day3,
          "day3_memory": render_day3_memory, "day3_memory_long": render_day3_memory_long,
          "day3_memory_fb3": render_day3_memory_fb3, "day3_memory_time": render_day3_memory_time,
          "memory_step_speed": render_memory_step_speed, "day3_recipes": render_day3_recipes}


def rewrite_tables(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    new = MARKER.sub(lambda m: f"<!-- table: {m.group(1)} -->\n{RENDER[m.group(1)]()}<!-- /table -->", text)
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["tables"]:
        for path in NOTES:
            rewrite_tables(path)
            print(f"rewrote the tables of {path}")
    elif argv[:1] in (["day1"], ["day2"], ["copy"], ["many"]) and "--out" in argv and argv.index("--out") > 1:
        i = argv.index("--out")
        inputs, out = argv[1:i], argv[i + 1]
        {"day1": collect_day1, "day2": lambda p, o: collect_day2(p[0], o), "copy": lambda p, o: collect_day2(p[0], o),
         "many": collect_many}[argv[0]](inputs, out)
        print(f"wrote {out}")
    else:
        raise cli.UsageError("usage: python -m tools.notes_results day1 FOLDER... --out FILE | day2 METRICS --out FILE | "
                             "copy FILE --out FILE | many FILE... --out FILE | tables")


if __name__ == "__main__":
    cli.run(main)
