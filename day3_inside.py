"""Day 3 (Keras): a look inside trained LSTMs and GRUs -- what they do with the error and with a phrase.

What it shows, on saved Day-3 models (day3_tensorflow.py) beside Day-1 SimpleRNNs, as Day 2 did for the SimpleRNN:
||dL/dh_t|| and ||dL/dc_t|| through time on full-length test reviews (from the trained layer's own cell run step by
step under tf.GradientTape), the mean forget gate f_t at every word, the product of the forget gates along the
direct path c_1 -> c_T, and the real-text memory probe (a strong phrase written N words before the end).

    python day3_tensorflow.py --seed 0 --out runs/day3_lstm_seed0          # first train a model
    python day3_inside.py --model runs/day3_lstm_seed0/model.keras --compare runs/day1/model.keras

Result: it varies from model to model; the across-model table is in notes/day3.md, section 6.1.
Outputs (in --out, default runs/day3_inside/): inside.png, memory.png, forget_units.png (LSTMs), metrics.json.
"""
import os

from day2_tensorflow import (  # Day 2's probe
    N_GRID,
    NEGATIVE,
    POSITIVE,
    Value,
    curve_key,
    full_length_reviews,
    predict,
    ratio_stats,
    real_text_memory,
)
from rnn_days import cli, imdb, outputs, placement, plots, saved
from rnn_days.conditions import conditions

import numpy as np

tf, keras = cli.import_tensorflow()
OUT_OF_MEMORY = "lower --num-reviews"
MIN_LENGTH = 12   # the forget gates are averaged after the first ten words, the phrase probe needs five more
DAY3_MODEL = os.path.join("runs", "day3", "model.keras")
LINE_STYLE = {"LSTM": "-", "GRU": "-.", "SimpleRNN": ":"}  # in the figures


# ---------------------------------------------------------------------------------------------------------------
# 1. Inside the trained network: the error through time, the forget gates, the memory of a phrase
# ---------------------------------------------------------------------------------------------------------------

def states_through_time(model, x, y, batch_size=250):
    """Run the trained layer's own cell step by step under tf.GradientTape, for reviews x (N, T) with labels y (N,).

    Returns {"h": ||dL_n/dh_t||, "x": ||dL_n/dx_t|| (the gradient at word t's embedding: the same quantity in every
    cell), "c": ||dL_n/dc_t|| (LSTM only), "f": mean over units of f_t (LSTM only)}, each (N, T); for the LSTM
    also "log_f_sum" (N, H), the direct path's log gain, and "f_units" (N, H), each unit's mean f_t after the first
    ten steps. dL/dc_t is the total derivative -- both paths out of c_t, into h_t and into
    c_{t+1} -- because the tape sees every use of the tensor c_t. L_n is review n's cross-entropy from the logit.
    """
    embedding, rnn, dense = model.layers
    cell, is_lstm = rnn.cell, isinstance(rnn, keras.layers.LSTM)
    H = cell.units
    out = {"h": [], "x": [], "c": [], "f": []} if is_lstm else {"h": [], "x": []}
    for start in range(0, len(x), batch_size):
        xs = embedding(x[start:start + batch_size])                            # (n, T, D)
        states = [tf.zeros((xs.shape[0], H))] * (2 if is_lstm else 1)           # h_0 = c_0 = 0, as in Keras
        hs, cs, fs = [], [], []
        with tf.GradientTape() as tape:
            tape.watch(xs)
            for t in range(xs.shape[1]):
                if is_lstm:
                    with tape.stop_recording():                                # f_t, for the record only: (2)
                        fs.append(tf.sigmoid(xs[:, t] @ cell.kernel[:, H:2 * H]
                                             + states[0] @ cell.recurrent_kernel[:, H:2 * H] + cell.bias[H:2 * H]))
                _, states = cell(xs[:, t], states)                             # one step of (1)-(4)
                hs.append(states[0])
                cs.append(states[-1])
            z = states[0] @ dense.kernel + dense.bias                          # logit of P(positive)
            labels = tf.constant(y[start:start + batch_size, None], tf.float32)
            loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels, z))
        dh, dc, dx = tape.gradient(loss, [hs, cs, xs])
        out["h"].append(np.stack([tf.norm(g, axis=1).numpy() for g in dh], axis=1))
        out["x"].append(tf.norm(dx, axis=2).numpy())
        if is_lstm:
            out["c"].append(np.stack([tf.norm(g, axis=1).numpy() for g in dc], axis=1))
            out["f"].append(np.stack([tf.reduce_mean(f, axis=1).numpy() for f in fs], axis=1))
            out.setdefault("log_f_sum", []).append(tf.add_n([tf.math.log(f) for f in fs[1:]]).numpy())
            out.setdefault("f_units", []).append(tf.reduce_mean(tf.stack(fs[10:]), axis=0).numpy())  # (n, H)
    return {k: np.concatenate(v).astype(np.float64) for k, v in out.items()}


def look_inside(model, x, y, phrases):
    """Every measurement of section 2 on one model, on full-length reviews x with labels y."""
    s = states_through_time(model, x, y)
    m = {"cell": type(model.layers[1]).__name__, "reviews_used": int(len(x)),
         "grad_h_ratio_first_to_last": ratio_stats(s["h"][:, 0] / s["h"][:, -1]),
         "grad_h_median_per_step": np.median(s["h"], axis=0).tolist(),
         "grad_x_ratio_first_to_last": ratio_stats(s["x"][:, 0] / s["x"][:, -1]),
         "grad_x_median_per_step": np.median(s["x"], axis=0).tolist()}
    if "c" in s:
        # the direct path from c_1 to c_T keeps prod_{t=2}^{T} f_t of the error: its mean over reviews and units
        direct = np.exp(s["log_f_sum"])
        m.update({"grad_c_ratio_first_to_last": ratio_stats(s["c"][:, 0] / s["c"][:, -1]),
                  "grad_c_median_per_step": np.median(s["c"], axis=0).tolist(),
                  "forget_mean_per_step": s["f"].mean(axis=0).tolist(),
                  "forget_mean_after_10_steps": float(s["f"][:, 10:].mean()),
                  # each unit's own mean f_t (t > 10) over the reviews: a unit that holds its memory sits near 1
                  "forget_mean_per_unit": s["f_units"].mean(axis=0).tolist(),
                  "direct_path_gain_1_to_T_mean": float(direct.mean()),
                  "direct_path_units_keeping_half": float(np.mean(direct >= 0.5))})
    m["memory"] = real_text_memory(model, x, y, phrases,
                                         [n for n in N_GRID if n <= x.shape[1] - 5])
    return m


def plot_inside(per_model, path):
    """Median ||dL/dh_t|| per cell; ||dL/dc_t|| and the mean forget gate of the LSTMs (bands: the range over models)."""
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    T = len(next(iter(per_model.values()))["grad_h_median_per_step"])
    t = np.arange(1, T + 1)
    lstms = {label: m for label, m in per_model.items() if "grad_c_median_per_step" in m}

    def style(m):
        return LINE_STYLE[m["cell"]]
    plots.plot_groups(axes[0], t, per_model, lambda m: m["grad_h_median_per_step"], style, log=True)
    if lstms:
        plots.plot_groups(axes[1], t, lstms, lambda m: m["grad_c_median_per_step"], style, log=True)
        plots.plot_groups(axes[2], t, lstms, lambda m: m["forget_mean_per_step"], style)
    titles = (r"median $\|\partial L/\partial h_t\|$ over reviews", r"LSTM: median $\|\partial L/\partial c_t\|$",
              r"LSTM: mean forget gate $f_t$ over reviews and units")
    for ax, title in zip(axes, titles):
        ax.set(xlim=(T, 1), xlabel=f"word t (the loss is read after word {T}, on the left)", title=title)
        ax.grid(alpha=0.3, which="both")
        if ax.get_legend_handles_labels()[0]:  # no LSTM among the models: the two LSTM panels stay empty
            ax.legend(fontsize=7)
    axes[2].set_ylim(0, 1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_forget_units(per_model, path):
    """Each LSTM unit's mean forget gate (words 11-200): one histogram for the trained models' units together, one
    for the untrained model's -- where training moved the forget gates, and where Keras started them (sigma(1))."""
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    groups = {}
    for m in per_model.values():
        if "forget_mean_per_unit" in m:
            groups.setdefault("untrained" if plots.untrained(m) else "trained", []).append(m)
    every = np.concatenate([m["forget_mean_per_unit"] for ms in groups.values() for m in ms] + [[0.731]])
    bins = np.linspace(every.min() - 0.01, every.max() + 0.01, 41)   # zoomed: the units sit close together
    for name, models in sorted(groups.items()):
        units = np.concatenate([m["forget_mean_per_unit"] for m in models])
        ax.hist(units, bins=bins, density=True, alpha=0.55,
                label=f"{name}: {len(models)} model(s), {len(units)} units")
    ax.axvline(1 / (1 + np.exp(-1)), color="k", ls=":", label="σ(1) = 0.73, Keras's starting forget bias")
    ax.set(xlabel="a unit's mean forget gate f (words 11-200, 1,000 reviews)", ylabel="density",
           title="LSTM forget gates, unit by unit")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_memory(per_model, path):
    """The real-text memory probe, one line per model, 95% CI bands."""
    plt = plots.pyplot()
    keys = (curve_key("positive", "negative reviews"), curve_key("negative", "positive reviews"))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, key in zip(axes, keys):
        plots.plot_memory_panel(ax, per_model, key, lambda m: LINE_STYLE[m["cell"]])
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 2. Every model, then the script
# ---------------------------------------------------------------------------------------------------------------

def analyse(entries, data_dir, phrase_texts, num_reviews):
    """Look inside every model of `entries` (from saved.open_models). Returns {label: measurements}."""
    word_index = imdb.load_word_index(data_dir)
    # the phrases must be words of every model's vocabulary: encoded (and so checked) before any measuring
    phrases = [saved.encode_phrases(phrase_texts, word_index, e["model"].layers[0].input_dim, e["model"].input_shape[1])
               for e in entries]
    per_model = {}
    for e, phrase_ids in zip(entries, phrases):
        model = e["model"]
        print(f"Looking inside {e['label']} ...", flush=True)
        vocab_size, maxlen = model.layers[0].input_dim, model.input_shape[1]
        x_test, y_test = saved.test_data(data_dir, vocab_size, maxlen)
        x, y = full_length_reviews(x_test, y_test, num_reviews)
        if len(x) == 0:
            raise cli.Failure(f"no test review fills all {maxlen} positions of {e['path']}")
        m = look_inside(model, x, y, phrase_ids)
        m["test_accuracy"] = float(np.mean((predict(model, x_test) >= 0.5) == (y_test == 1)))
        per_model[e["label"]] = dict(m, identity=e["identity"], path=e["path"])
        print_inside(m)
        if m["cell"] == "LSTM":
            print_among_notes(m)
    return per_model


# The values notes/day3.md summarises over its trained LSTMs, that a learner's LSTM is placed among and that a fresh
# run is checked on -- defined once, here, where the metrics are written.
VALUES = {
    "test_accuracy": Value("test accuracy", "test accuracy", lambda m: m["test_accuracy"], "{:.4f}"),
    "ratio_h": Value("median ‖∂L/∂h_1‖ / ‖∂L/∂h_200‖", "median ||dL/dh_1|| / ||dL/dh_T||",
                     lambda m: m["grad_h_ratio_first_to_last"]["median"], "{:.2g}"),
    "ratio_c": Value("median ‖∂L/∂c_1‖ / ‖∂L/∂c_200‖", "median ||dL/dc_1|| / ||dL/dc_T||",
                     lambda m: m["grad_c_ratio_first_to_last"]["median"], "{:.2g}"),
    "forget_mean": Value("mean forget gate", "mean forget gate", lambda m: m["forget_mean_after_10_steps"], "{:.3f}"),
    "effect_0": Value("negative phrase in positive reviews, effect at N = 0",
                      "negative phrase in positive reviews, effect at N = 0",
                      lambda m: m["memory"]["curves"][curve_key("negative", "positive reviews")]["mean"][0],
                      "{:+.3f}"),
}
HEADLINE = ("test_accuracy", "ratio_h", "ratio_c", "forget_mean")   # printed beside the notes' LSTMs


def headline(m):
    """The headline values of one model, as print_among takes them."""
    return placement.headline(VALUES, HEADLINE, m)


def print_among_notes(m):
    """Where this LSTM sits among the trained LSTMs of notes/day3.md, and which conclusions do not depend on it."""
    placement.print_among(m, headline, "day3_inside.json", "inside", "LSTM", "trained LSTMs of notes/day3.md",
                          "the LSTM's error still shrinks on its way back through the review (it is not immune), "
                          "and its forget gates stay near where Keras starts them.")


def print_inside(m):
    g = m["grad_h_ratio_first_to_last"]
    line = f"  {m['cell']}: ||dL/dh_1|| / ||dL/dh_T|| median {g['median']:.3g}"
    if "grad_c_ratio_first_to_last" in m:
        line += (f"; ||dL/dc_1|| / ||dL/dc_T|| median {m['grad_c_ratio_first_to_last']['median']:.3g}; mean f "
                 f"{m['forget_mean_after_10_steps']:.3f}; direct path c_1 -> c_T keeps on average "
                 f"{m['direct_path_gain_1_to_T_mean']:.3g}")
    print(line)
    for key, c in m["memory"]["curves"].items():
        print(f"  {key}: effect at N = 0 {c['mean'][0]:+.3f}; half-life {c['half_life']}")


def make_parser():
    parser = cli.Parser(__doc__)
    parser.add_argument("--model", nargs="+", default=[DAY3_MODEL],
                        help="saved Day-3 model(s) (LSTM or GRU) to look inside (default %(default)s)")
    parser.add_argument("--compare", nargs="*", default=None,
                        help=f"Day-1 SimpleRNN model(s) to look inside beside them (default {saved.DAY1_MODEL} when "
                             "it exists; --compare with no path: none)")
    parser.add_data_dir()
    parser.add_argument("--num-reviews", type=cli.positive_int, default=1000,
                        help="full-length test reviews for the look inside (default %(default)s)")
    parser.add_argument("--phrase-positive", default=POSITIVE, help="the positive phrase (default %(default)r)")
    parser.add_argument("--phrase-negative", default=NEGATIVE, help="the negative phrase (default %(default)r)")
    parser.add_out(os.path.join("runs", "day3_inside"))
    return parser


def main(argv=None):
    args = make_parser().parse_args(argv)
    saved.check_paths(args.model, "--model")
    saved.check_paths(args.compare or [], "--compare")
    compare = args.compare
    if compare is None:
        compare = [saved.DAY1_MODEL] if os.path.isfile(saved.DAY1_MODEL) else []
        if not compare:
            print(f"(no {saved.DAY1_MODEL}: no Day-1 SimpleRNN beside it; make one with `python day1_tensorflow.py`, "
                  "or pass --compare PATH)")
    outputs.check_writable(args.out)   # before the work, not after it
    entries = (saved.open_models(args.model, ("LSTM", "GRU"), "day3_tensorflow.py", "--model")
               + saved.open_models(compare, ("SimpleRNN",), "day1_tensorflow.py", "--compare"))
    lengths = sorted({e["model"].input_shape[1] for e in entries})
    if len(lengths) > 1 or lengths[0] < MIN_LENGTH:   # one figure, one table; the forget gates after word 10
        raise cli.Failure(f"the models read reviews of {', '.join(map(str, lengths))} words; the look inside needs "
                          f"models of one length, at least {MIN_LENGTH} words (train with --maxlen)")
    phrase_texts = {"positive": ("--phrase-positive", args.phrase_positive),
                    "negative": ("--phrase-negative", args.phrase_negative)}
    per_model = analyse(entries, args.data_dir, phrase_texts, args.num_reviews)
    with outputs.Outputs(args.out) as out:
        plot_inside(per_model, out.path("inside.png"))
        plot_memory(per_model, out.path("memory.png"))
        if any("forget_mean_per_unit" in m for m in per_model.values()):
            plot_forget_units(per_model, out.path("forget_units.png"))
        outputs.write_json({"inside": per_model, "settings": vars(args), "conditions": conditions()},
                       out.path("metrics.json"))
    for path in out.written():
        print(f"wrote {path}")
    return per_model


if __name__ == "__main__":
    cli.run(main, out_of_memory=OUT_OF_MEMORY)
