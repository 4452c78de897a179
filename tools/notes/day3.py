"""notes/day3.md: the LSTM's gradient paths by hand (day3_lstm_numpy.py), LSTMs and GRUs on IMDB
(day3_tensorflow.py) and a look inside them beside the Day-1 SimpleRNNs (day3_inside.py), and the verdict."""
from tools.notes.core import (
    conditions_of,
    core_minutes_value,
    count,
    f3,
    f4,
    load,
    markdown_table,
    med_range,
    need,
    num,
    seeds_text,
    sig,
    signed3,
    span,
    table,
    value,
)
from tools.notes.day1 import best_val, runs
from tools.notes.day2 import NEG_IN_POS, half_life_number
from tools.notes.day2 import trained as day2_trained

import numpy as np

NOTE = "day3.md"
CELLS = ("LSTM", "GRU", "SimpleRNN")


def inside(name="day3_inside.json"):
    return need(load(name), "inside", name=f"notes/results/{name}")


def inside_models(cell):
    """The trained models of one cell: LSTMs and GRUs from Day 3's look inside, SimpleRNNs from Day 2's."""
    if cell == "SimpleRNN":
        return [dict(m, grad_h_ratio_first_to_last=m["grad_ratio_first_to_last"]) for m in day2_trained()]
    return [m for m in inside().values() if m["identity"]["trained"] and m["cell"] == cell]


def untrained_lstm():
    return next(m for m in inside("day3_inside_lstm.json").values() if not m["identity"]["trained"])


def per_step_curve(m):
    return m.get("grad_h_median_per_step") or m["grad_norm_median_per_step"]


def from_step_before_the_end(m):
    """word 1 against word T - 1, from the model's median ||dL/dh_t|| at every word: the first step back left out."""
    c = per_step_curve(m)
    return c[0] / c[-2]


def half_life(m):
    return half_life_number(m["memory"]["curves"][NEG_IN_POS])


def gradient_paths():
    return list(need(load("day3_gradient_paths.json"), "runs", name="notes/results/day3_gradient_paths.json").values())


def keras_start_paths():
    """The forget-bias-1 (Keras's start) rows of the NumPy LSTM, one per seed."""
    return [r for run in gradient_paths() for r in run["results"] if r["forget_bias"] == 1.0]


# --- section 4: the gradient paths, by hand ---------------------------------------------------------------------------

@table(NOTE)
def day3_gradient_paths():
    found = gradient_paths()
    rows = []
    for i, r0 in enumerate(found[0]["results"]):
        per = [run["results"][i] for run in found]
        rows.append([f"LSTM, forget bias {r0['forget_bias']:g}", med_range([p["mean_f"] for p in per], f3),
                     med_range([p["ratio_c_first_to_last"] for p in per]),
                     med_range([p["ratio_c_direct_path_first_to_last"] for p in per]),
                     med_range([p["ratio_h_first_to_last"] for p in per])])
    for i, r0 in enumerate(found[0]["day2_rnn"] or []):
        per = [run["day2_rnn"][i] for run in found]
        rows.append([f"Day-2 vanilla RNN, σ_max(W_hh) = {r0['scale']:g}", "", "", "",
                     med_range([p["ratio_first_to_last"] for p in per])])
    settings = found[0]["settings"]
    return (f"*T = {settings['seq_len']}, N = {settings['batch']}, D = {settings['input_dim']}, "
            f"H = {settings['hidden']}; median (range) over seeds "
            f"{', '.join(str(r['settings']['seed']) for r in found)}.*\n\n") + markdown_table(
        ["network", "mean f", "‖∂L/∂c_1‖ / ‖∂L/∂c_T‖ (both paths)", "direct path alone", "‖∂L/∂h_1‖ / ‖∂L/∂h_T‖"],
        rows)


@value(NOTE)
def day3_direct_path_keras_start():
    return sig(np.median([p["ratio_c_direct_path_first_to_last"] for p in keras_start_paths()]))


@value(NOTE)
def day3_c_ratio_fb3():
    fb3 = [r for run in gradient_paths() for r in run["results"] if r["forget_bias"] == 3.0]
    return sig(np.median([p["ratio_c_first_to_last"] for p in fb3]))


# --- section 6: on IMDB -----------------------------------------------------------------------------------------------

@table(NOTE)
def day3_imdb():
    rows = [[name, f"{len(runs(f))} ({seeds_text(runs(f))})",
             f"**{med_range([r['test_accuracy'] for r in runs(f).values()], f4)}**",
             med_range([best_val(r) for r in runs(f).values()], f3),
             med_range([r["train_seconds"] / max(r["epochs_run"], 1) for r in runs(f).values()],
                       lambda v: f"{v:.0f} s")]
            for name, f in (("SimpleRNN (Day 1)", "day1_seeds.json"), ("LSTM", "day3_lstm_seeds.json"),
                            ("GRU", "day3_gru_seeds.json"))]
    return markdown_table(["cell", "models", "test accuracy: median (min to max)", "best validation accuracy",
                           "training time per epoch"], rows)


@value(NOTE)
def day3_training_minutes():
    seconds = [r["train_seconds"] for f in ("day3_lstm_seeds.json", "day3_gru_seeds.json") for r in runs(f).values()]
    return f"{min(seconds) / 60:.1f}–{max(seconds) / 60:.1f}"


# --- section 6.1: inside the trained models ---------------------------------------------------------------------------

@table(NOTE)
def day3_inside():
    rows = []
    for cell in CELLS:
        ms = inside_models(cell)
        lstm = cell == "LSTM"
        neg = [m["memory"]["curves"][NEG_IN_POS] for m in ms]
        rows.append([f"{cell} ({len(ms)})", med_range([m["test_accuracy"] for m in ms], f4),
                     med_range([m["grad_h_ratio_first_to_last"]["median"] for m in ms]),
                     med_range([m["grad_c_ratio_first_to_last"]["median"] for m in ms]) if lstm else "—",
                     med_range([m["forget_mean_after_10_steps"] for m in ms], f3) if lstm else "—",
                     med_range([m["direct_path_gain_1_to_T_mean"] for m in ms]) if lstm else "—",
                     f"{med_range([c['mean'][0] for c in neg], signed3)}; half-life "
                     f"{med_range([half_life_number(c) for c in neg], num)}"])
    return "Median (min to max) over the trained models:\n\n" + markdown_table(
        ["cell (models)", "test accuracy", "median ‖∂L/∂h_1‖ / ‖∂L/∂h_200‖", "median ‖∂L/∂c_1‖ / ‖∂L/∂c_200‖",
         "mean f_t (t > 10)", "∏ f_t, t = 2..200: mean", "negative phrase in positive reviews: effect N = 0"], rows)


def x_ratio(m):
    return m["grad_x_ratio_first_to_last"]["median"]


@table(NOTE)
def day3_compare():
    rows = []
    for cell in CELLS:
        ms = inside_models(cell)
        neg = [m["memory"]["curves"][NEG_IN_POS] for m in ms]
        rows.append([f"{cell} ({len(ms)})", med_range([x_ratio(m) for m in ms]), med_range([half_life(m) for m in ms],
                                                                                          num),
                     med_range([c["mean"][0] for c in neg], signed3)])
    return "Median (min to max) over the trained models:\n\n" + markdown_table(
        ["cell (models)", "‖∂L/∂x_1‖ / ‖∂L/∂x_200‖", "the negative phrase: half-life (words)",
         "negative phrase in positive reviews: effect N = 0"], rows)


def median_of(cell, of):
    return float(np.median([of(m) for m in inside_models(cell)]))


def order(of, reverse):
    """The three cells in order of a per-model value's median, largest first when reverse."""
    return " > ".join(sorted(CELLS, key=lambda c: median_of(c, of), reverse=reverse))


@value("idea.md")
def day3_x_ratio_lstm():
    return sig(median_of("LSTM", x_ratio))


@value("idea.md")
def day3_x_ratio_simple():
    return sig(median_of("SimpleRNN", x_ratio))


@value("idea.md")
def day3_half_life_lstm():
    return num(median_of("LSTM", lambda m: half_life(m) or 0))


@value(NOTE)
def day3_order_of_reach():
    return order(x_ratio, True)


@value(NOTE)
def day3_order_of_half_life():
    return order(lambda m: half_life(m) or 0, True)


@table(NOTE)
def day3_forget_units():
    ms = [m for m in inside("day3_inside_lstm.json").values() if m["identity"]["trained"]]
    u = untrained_lstm()

    def units(models):
        values = [v for m in models for v in m["forget_mean_per_unit"]]
        return f"{f3(min(values))} to {f3(max(values))} ({len(values)} units)"
    rows = [[f"trained ({len(ms)})", med_range([m["forget_mean_after_10_steps"] for m in ms], f3), units(ms),
             med_range([m["direct_path_gain_1_to_T_mean"] for m in ms])],
            ["untrained (Keras's start)", f3(u["forget_mean_after_10_steps"]), units([u]),
             sig(u["direct_path_gain_1_to_T_mean"])]]
    return markdown_table(["LSTMs", "mean f_t (t > 10)", "one unit's mean f_t: lowest to highest",
                           "direct path word 1 → 200, mean"], rows)


def statements():
    rnn = inside_models("SimpleRNN")
    rnn_x = median_of("SimpleRNN", x_ratio)
    rnn_life = median_of("SimpleRNN", lambda m: half_life(m) or 0)
    start = untrained_lstm()["forget_mean_after_10_steps"]
    return [
        (f"test accuracy above every one of the {len(rnn)} SimpleRNNs",
         lambda m: m["test_accuracy"] > max(r["test_accuracy"] for r in rnn)),
        (f"mean forget gate within 0.02 of the untrained LSTM's ({f3(start)}, on the same reviews)",
         lambda m: abs(m["forget_mean_after_10_steps"] - start) < 0.02),
        ("no (review, unit) keeps half of the error along the direct path from word 200 to word 1",
         lambda m: m["direct_path_units_keeping_half"] == 0),
        ("the error reaching c_1 is more than 10⁶ times what the direct path alone carries (path 2 carries it)",
         lambda m: m["grad_c_ratio_first_to_last"]["median"] > 1e6 * m["direct_path_gain_1_to_T_mean"]),
        (f"median ‖∂L/∂x_1‖ / ‖∂L/∂x_200‖ below the SimpleRNNs' median ({sig(rnn_x)})",
         lambda m: x_ratio(m) < rnn_x),
        (f"the negative phrase's half-life longer than the SimpleRNNs' median ({rnn_life:g} words)",
         lambda m: (half_life(m) or 0) > rnn_life),
    ]


@table(NOTE)
def day3_statements():
    lstms = inside_models("LSTM")
    return markdown_table(["statement about the trained LSTMs", "holds"],
                          [[text, count(lstms, holds)] for text, holds in statements()])


# --- the verdict ------------------------------------------------------------------------------------------------------

@value(NOTE)
def day3_lstm_models():
    return str(len(inside_models("LSTM")))


@value(NOTE)
def day3_forget_range():
    return span([m["forget_mean_after_10_steps"] for m in inside_models("LSTM")], f3, "–")


@value(NOTE)
def day3_forget_untrained():
    return f3(untrained_lstm()["forget_mean_after_10_steps"])


@value(NOTE)
def day3_c_ratio_range():
    return span([m["grad_c_ratio_first_to_last"]["median"] for m in inside_models("LSTM")])


core_minutes_value(NOTE)


@table(NOTE)
def day3_conditions():
    return conditions_of("day3_lstm_seeds.json")
