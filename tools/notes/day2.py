"""notes/day2.md: the toy RNN's vanishing and exploding gradients (day2_bptt_numpy.py), the twenty trained Day-1
SimpleRNNs looked inside (day2_tensorflow.py), the bag-of-words baseline (day1_baseline.py), and the verdicts."""
from day2_tensorflow import VALUES, curve_key
from tools.notes.core import (
    conditions_of,
    core_minutes_value,
    count,
    f3,
    f4,
    k_of_n,
    load,
    markdown_table,
    med_range,
    need,
    num,
    sig,
    signed3,
    span,
    table,
    value,
)
from tools.notes.day1 import accuracies

import numpy as np

NOTE = "day2.md"
NEG_IN_POS = curve_key("negative", "positive reviews")     # the strongest probe: the phrase against the review
POS_IN_NEG = curve_key("positive", "negative reviews")
POPCORN = curve_key("positive", "popcorn filler")          # the original's scenario: "loved", then the tangent
POPCORN_MIRROR = curve_key("negative", "popcorn filler")   # the mirror: room to move against a positive filler


# --- the models of notes/results/day2_models.json ---------------------------------------------------------------------

def models():
    return need(load("day2_models.json"), "models", name="notes/results/day2_models.json")


def trained():
    found = [m for m in models().values() if m["identity"]["trained"]]
    if not found:
        raise need({}, "trained models", name="notes/results/day2_models.json")
    return found


def untrained():
    return next(m for m in models().values() if not m["identity"]["trained"])


def effect(m, key, n):
    """The mean effect of the probe curve `key` of model m at N = n words after the phrase."""
    return m["memory"]["curves"][key]["mean"][m["memory"]["ns"].index(n)]


def beyond_zero(m, key, n):
    """Whether the effect at N = n lies outside zero's 95% confidence interval."""
    c = m["memory"]["curves"][key]
    i = m["memory"]["ns"].index(n)
    return abs(c["mean"][i]) > c["ci95"][i]


def half_life_number(curve):
    return curve["half_life"] if isinstance(curve["half_life"], int) else None


def fmt(key, v):
    return "n/a" if v is None else VALUES[key].fmt.format(v)


def toy(name):
    return {r["scale"]: r for r in need(load(name), "results", name=f"notes/results/{name}")}


# --- section 2.1: the warm-up, one unit by hand ---------------------------------------------------------------------

def warm_up():
    return need(load("day2_toy.json"), "warm_up", name="notes/results/day2_toy.json")


@table(NOTE)
def day2_warm_up():
    w = warm_up()
    rows = [[t + 1, f"{w['x'][t]:g}", f"{w['a'][t]:.4f}", f"{w['h'][t]:.4f}", f"{1 - w['h'][t] ** 2:.4f}",
             f"{w['dh'][t]:.4f}", f"{w['da'][t]:.4f}"] for t in range(3)]
    return markdown_table(["t", "x_t", "a_t", "h_t", "tanh′ = 1 − h_t²", "∂L/∂h_t", "∂L/∂a_t"], rows)


@value(NOTE)
def day2_warm_up_dw_hh():
    return f"{warm_up()['dW_hh']:.4f}"


# --- section 3: the per-step rule, (12) ----------------------------------------------------------------------------

def predicted_factor(r):
    """The per-step rule of notes/day2.md (12): σ_max(W_hh) × RMS tanh′."""
    return r["scale"] * r["tanh_prime_rms"]


@value(NOTE)
def day2_rule_saturating_worst():
    rows = toy("day2_toy.json").values()
    return f"{100 * max(abs(predicted_factor(r) / r['per_step_factor'] - 1) for r in rows):.1f}%"


@value(NOTE)
def day2_rule_mean_off():
    off = [abs(r["scale"] * r["tanh_prime_mean"] / r["per_step_factor"] - 1) for r in toy("day2_toy.json").values()]
    return f"{100 * min(off):.0f}–{100 * max(off):.0f}%"


# --- section 4: the toy RNN -------------------------------------------------------------------------------------------

@table(NOTE)
def day2_toy_table():
    rows = [[f"{r['scale']:g}", sig(r["dh_norm"][-1]), sig(r["dh_norm"][0]), sig(r["ratio_first_to_last"]),
             f3(r["per_step_factor"]), f3(r["tanh_prime_mean"]), sig(r["grad_norm"])]
            for r in toy("day2_toy.json").values()]
    return markdown_table(["σ_max(W_hh)", "‖∂L/∂h_200‖", "‖∂L/∂h_1‖", "ratio word 1 / word 200",
                           "factor per step back", "mean tanh′", "‖g‖ before clipping"], rows)


# --- section 5: the toy at two input scales, and the trained models ----------------------------------------

@table(NOTE)
def day2_toy():
    rows = []
    for scale in (0.9, 1.0, 1.5, 2.0):
        for name, inputs in (("day2_toy.json", "N(0, 1): saturating"), ("day2_toy_keras_scale.json",
                                                                         "× 0.029: Keras-sized")):
            r = toy(name)[scale]
            rows.append([f"{scale:g}", inputs, f3(r["tanh_prime_mean"]), f3(r["tanh_prime_rms"]),
                         f3(predicted_factor(r)), f3(r["per_step_factor"]), sig(r["ratio_first_to_last"])])
    return markdown_table(["σ_max(W_hh)", "inputs", "mean tanh′", "RMS tanh′", "σ_max × RMS tanh′",
                           "measured per-step factor", "‖∂L/∂h_1‖ / ‖∂L/∂h_200‖"], rows)


def rule_errors():
    """|predicted / measured - 1| of the rule (12) over every toy row."""
    return [abs(predicted_factor(r) / r["per_step_factor"] - 1)
            for name in ("day2_toy.json", "day2_toy_keras_scale.json") for r in toy(name).values()]


@value(NOTE)
def day2_rule_worst():
    return f"{100 * max(rule_errors()):.1f}%"


@value(NOTE)
def day2_untrained_ratio():
    return sig(VALUES["ratio"].of(untrained()))


@value(NOTE)
def day2_keras_toy_ratio_at_1():
    return sig(toy("day2_toy_keras_scale.json")[1.0]["ratio_first_to_last"])


@value(NOTE)
def day2_keras_toy_ratio_at_09():
    return sig(toy("day2_toy_keras_scale.json")[0.9]["ratio_first_to_last"])


@value(NOTE)
def day2_sigma_range():
    return span([VALUES["sigma_max"].of(m) for m in trained()], f3, "–")


@value(NOTE)
def day2_radius_range():
    return span([VALUES["spectral_radius"].of(m) for m in trained()], lambda v: f"{v:.2f}", "–")


@value(NOTE)
def day2_rule_trained_count():
    return k_of_n(trained(), lambda m: m["W_hh_sigma_max"] * m["tanh_prime_rms_after_10_steps"] > 1)


@value(NOTE)
def day2_factor_below_one():
    return k_of_n(trained(), lambda m: m["per_step_factor_measured"] < 1)


# --- section 6.1: the gradient through time in the trained models -----------------------------------------------------

@table(NOTE)
def day2_gradients():
    ms, u = trained(), untrained()
    rows = [[VALUES[k].notes, med_range([VALUES[k].of(m) for m in ms], lambda v, k=k: fmt(k, v)),
             fmt(k, VALUES[k].of(u))]
            for k in ("test_accuracy", "ratio", "ratio_right", "ratio_wrong", "smallest_at", "sigma_max",
                      "spectral_radius", "tanh_prime", "factor")]
    return markdown_table(["value", f"{len(ms)} trained models: median (min to max)", "untrained"], rows)


STATEMENTS = [   # (what the notes say of every trained SimpleRNN, whether it holds for one model's metrics)
    ("the median review's ‖∂L/∂h_1‖ / ‖∂L/∂h_200‖ is above 10⁻⁶ (the original: 10⁻⁹)",
     lambda m: m["grad_ratio_first_to_last"]["median"] > 1e-6),
    ("σ_max(W_hh) > 1 and spectral radius > 1 (Keras starts both at 1)",
     lambda m: m["W_hh_sigma_max"] > 1 and m["W_hh_spectral_radius"] > 1),
    ("σ_max × mean tanh′ > 1, yet the error shrinks on its way back (measured factor per step < 1)",
     lambda m: m["W_hh_sigma_max"] * m["tanh_prime_mean_after_10_steps"] > 1 and m["per_step_factor_measured"] < 1),
    ("reviews it gets wrong pass more error back to word 1 than reviews it gets right (larger median ratio)",
     lambda m: m["grad_ratio_wrong"]["median"] > m["grad_ratio_correct"]["median"]),
    ("the median ‖∂L/∂h_t‖ is smallest in the middle and rises again towards word 1",
     lambda m: 1 < m["grad_median_smallest_at_word"] < 200),
]


@table(NOTE)
def day2_statements():
    ms = trained()
    return markdown_table(["statement about the trained SimpleRNNs", "holds"],
                          [[text, count(ms, holds)] for text, holds in STATEMENTS])


@value(NOTE)
def day2_tanh_prime_start():
    return f3(np.median([np.mean(m["tanh_prime_mean_per_step"][:5]) for m in trained()]))


@value(NOTE)
def day2_tanh_prime_rest():
    return f3(np.median([m["tanh_prime_mean_after_10_steps"] for m in trained()]))


@value(NOTE)
def day2_ratio_range():
    return span([VALUES["ratio"].of(m) for m in trained()])


@value(NOTE)
def day2_ratio_median():
    return sig(np.median([VALUES["ratio"].of(m) for m in trained()]))


@value(NOTE)
def day2_factor_range():
    return span([VALUES["factor"].of(m) for m in trained()], f3)


@value(NOTE)
def day2_vanished_count():
    return count(trained(), lambda m: m["grad_ratio_first_to_last"]["median"] > 1e-6)


# --- section 6.2: memory on real text ---------------------------------------------------------------------------------

@table(NOTE)
def day2_memory():
    ms, u = trained(), untrained()
    rows = []
    for key in (POS_IN_NEG, NEG_IN_POS):
        cells = [med_range([effect(m, key, n) for m in ms], signed3) for n in (0, 50, 150, 195)]
        lives = [m["memory"]["curves"][key] for m in ms]
        undefined = sum(half_life_number(c) is None for c in lives)
        life = med_range([half_life_number(c) for c in lives], num) if undefined < len(lives) else "—"
        rows.append([key] + cells + [life + (f"; undefined in {undefined}" if undefined else "")])
        c = u["memory"]["curves"][key]
        rows.append([f"untrained: {key}"] + [signed3(effect(u, key, n)) for n in (0, 50, 150, 195)]
                    + [str(c["half_life"] if c["half_life"] is not None else "undefined")])
    return f"{len(ms)} trained models, median (min to max) of the mean effect:\n\n" + markdown_table(
        ["phrase, reviews", "effect N = 0", "N = 50", "N = 150", "N = 195 (the opening)", "half-life (words)"], rows)


@value(NOTE)
def day2_half_life_median():
    return num(np.median([half_life_number(m["memory"]["curves"][NEG_IN_POS]) for m in trained()]))


@value(NOTE)
def day2_half_life_within_20():
    return count(trained(), lambda m: (half_life_number(m["memory"]["curves"][NEG_IN_POS]) or 999) <= 20)


@value(NOTE)
def day2_neg150_range():
    return span([effect(m, NEG_IN_POS, 150) for m in trained()], signed3)


@value(NOTE)
def day2_neg150_outside():
    return count(trained(), lambda m: beyond_zero(m, NEG_IN_POS, 150))


@value(NOTE)
def day2_pos_defined():
    return count(trained(), lambda m: m["memory"]["curves"][POS_IN_NEG]["half_life"] is not None)


# --- section 6.3: the popcorn story -----------------------------------------------------------------------------------

def filler(m, key):
    return m["fillers"][key]


@table(NOTE)
def day2_fillers():
    ms = trained()
    fillers = need(load("day2_models.json"), "fillers", name="notes/results/day2_models.json")
    rows = []
    for fname in fillers:
        for phrase in ("positive", "negative"):
            per = [filler(m, curve_key(phrase, f"{fname} filler")) for m in ms]
            e = np.array([p["effect"] for p in per])
            lives = [p["half_life"] for p in per]
            undefined = sum(h is None for h in lives)
            life = med_range([h for h in lives if isinstance(h, int)], num) if undefined < len(lives) else "—"
            rows.append([fname, phrase, med_range([p["p_filler_alone"] for p in per], f3),
                         med_range(e[:, 0], signed3), med_range(e[:, 150], signed3),
                         life + (f"; undefined in {undefined}" if undefined else "")])
    return f"{len(ms)} trained models, median (min to max):\n\n" + markdown_table(
        ["filler", "phrase", "P(filler alone)", "effect N = 0", "N = 150", "half-life (words)"], rows)


@value(NOTE)
def day2_popcorn_alone():
    return span([filler(m, POPCORN)["p_filler_alone"] for m in trained()], f3)


@value(NOTE)
def day2_popcorn150():
    return span([filler(m, POPCORN)["effect"][150] for m in trained()], lambda v: f"{v:+.4f}")


@value(NOTE)
def day2_popcorn0_median():
    return signed3(np.median([filler(m, POPCORN)["effect"][0] for m in trained()]))


@value(NOTE)
def day2_popcorn0_not_up():
    return count(trained(), lambda m: filler(m, POPCORN)["effect"][0] <= 0)


@value(NOTE)
def day2_mirror0_median():
    return signed3(np.median([filler(m, POPCORN_MIRROR)["effect"][0] for m in trained()]))


@value(NOTE)
def day2_mirror150_gone():
    return count(trained(), lambda m: abs(filler(m, POPCORN_MIRROR)["effect"][150]) < 0.01)


# --- section 6.4: the bag-of-words baseline ---------------------------------------------------------------------------

BASELINE_ROWS = (("bag of words, logistic regression", "the last 200 words (Day 1's input)", "day1_baseline.json"),
                 ("bag of words, logistic regression", "whole reviews", "day1_baseline_full.json"),
                 ("SimpleRNN (Day 1)", "the last 200 words, in order", "day1_seeds.json"),
                 ("LSTM (Day 3)", "the last 200 words, in order", "day3_lstm_seeds.json"),
                 ("GRU (Day 3)", "the last 200 words, in order", "day3_gru_seeds.json"))


@table(NOTE)
def day1_baseline():
    rows = [[name, reads, str(len(accuracies(f))), f"**{med_range(accuracies(f), f4)}**"]
            for name, reads, f in BASELINE_ROWS]
    return markdown_table(["model", "reads", "models", "test accuracy: median (min to max)"], rows)


@value(NOTE)
def day2_bow():
    return f4(np.median(accuracies("day1_baseline.json")))


@value(NOTE)
def day2_bow_full():
    return f4(np.median(accuracies("day1_baseline_full.json")))


@value(NOTE)
def day2_bow_above():
    b, rnn = np.median(accuracies("day1_baseline.json")), accuracies()
    above = sum(b > v for v in rnn)
    return f"above every one of the {len(rnn)} SimpleRNNs" if above == len(rnn) else \
        f"above {above} of the {len(rnn)} SimpleRNNs"


@value(NOTE)
def day2_rnn_range():
    return span(accuracies(), f4)


@value(NOTE)
def day2_lstm_range():
    return span(accuracies("day3_lstm_seeds.json"), f4)


core_minutes_value(NOTE)


@table(NOTE)
def day2_conditions():
    return conditions_of("day2_models.json")
