"""Day 3 (Keras): the LSTM on Day 1's task, and a look inside it.

What it shows: Day 1's pipeline (same data, split, pre-padding, optimiser) with the SimpleRNN replaced by LSTM(128)
-- or GRU(128) with --cell gru -- with dropout 0.2 on the cell's inputs (chosen by measurement); and then, as Day 2
did for the SimpleRNN, what the trained network does with the error and with a phrase: ||dL/dh_t|| and ||dL/dc_t||
through time on full-length test reviews, the mean forget gate f_t at every word, and the real-text memory probe,
beside a Day-1 SimpleRNN.

    python day3_tensorflow.py --seed 0 --out runs/day3_lstm_seed0                 # trains, then looks inside
    python day3_tensorflow.py --cell gru --seed 0 --out runs/day3_gru_seed0
    python day3_tensorflow.py --model runs/day3_lstm_seed{0,1,2,3,4}/model.keras --out runs/day3_inside

Result: LSTM test accuracy 0.872-0.875 over seeds 0-4 (median 0.873), GRU 0.868-0.873, SimpleRNN (Day 1)
0.840-0.857, after 3 epochs on a 2-core CPU. The five-seed tables (LSTM, GRU, SimpleRNN), the time per epoch and the
look inside: notes/day3.md, section 5.
Outputs (in --out, default runs/day3/): model.keras and history.png when it trains, inside.png, memory.png,
metrics.json.
"""
import os

import numpy as np

from rnn_days import cli, imdb, probe, training
from rnn_days.conditions import conditions

tf, keras = cli.import_tensorflow()

CELLS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
LINE_STYLE = {"LSTM": "-", "GRU": "-.", "SimpleRNN": ":"}  # in the figures


# ---------------------------------------------------------------------------------------------------------------
# 1. The model: Day 1's, with the SimpleRNN layer swapped for an LSTM (or a GRU)
# ---------------------------------------------------------------------------------------------------------------

def build_model(cell="lstm", vocab_size=10_000, maxlen=200, embed_dim=128, units=128, dropout=0.2):
    """Embedding(vocab_size, 128) -> LSTM(128) (or GRU(128)) -> Dense(1, sigmoid); input (N, maxlen) word indices.

    Keras's defaults are the textbook cells: LSTM with tanh, sigmoid gates and unit_forget_bias (b_f starts at 1, so
    f_t starts near sigmoid(1) = 0.73); GRU with reset_after=True (the cuDNN variant). dropout: the fraction of
    each x_t's entries zeroed while training (a fresh mask per review, the same at every step)."""
    return keras.Sequential([
        keras.Input(shape=(maxlen,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim),
        CELLS[cell](units, dropout=dropout),                       # reads x_1..x_T, returns h_T only
        keras.layers.Dense(1, activation="sigmoid"),
    ], name=f"day3_{cell}")


# ---------------------------------------------------------------------------------------------------------------
# 2. Inside the trained network: the error through time, the forget gates, the memory of a phrase
# ---------------------------------------------------------------------------------------------------------------

def states_through_time(model, x, y, batch_size=250):
    """Run the trained layer's own cell step by step under tf.GradientTape, for reviews x (N, T) with labels y (N,).

    Returns {"h": ||dL_n/dh_t||, "c": ||dL_n/dc_t|| (LSTM only), "f": mean over units of f_t (LSTM only)}, each
    (N, T). dL/dc_t is the total derivative -- both paths out of c_t, into h_t and into c_{t+1} -- because the tape
    sees every use of the tensor c_t. L_n is review n's cross-entropy from the logit (as in Day 2).
    """
    embedding, rnn, dense = model.layers
    cell, is_lstm = rnn.cell, isinstance(rnn, keras.layers.LSTM)
    H = cell.units
    out = {"h": [], "c": [], "f": []} if is_lstm else {"h": []}
    for start in range(0, len(x), batch_size):
        xs = embedding(x[start:start + batch_size])                            # (n, T, D)
        states = [tf.zeros((xs.shape[0], H))] * (2 if is_lstm else 1)           # h_0 = c_0 = 0, as in Keras
        hs, cs, fs = [], [], []
        with tf.GradientTape() as tape:
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
        dh, dc = tape.gradient(loss, [hs, cs])
        out["h"].append(np.stack([tf.norm(g, axis=1).numpy() for g in dh], axis=1))
        if is_lstm:
            out["c"].append(np.stack([tf.norm(g, axis=1).numpy() for g in dc], axis=1))
            out["f"].append(np.stack([tf.reduce_mean(f, axis=1).numpy() for f in fs], axis=1))
            out.setdefault("log_f_sum", []).append(tf.add_n([tf.math.log(f) for f in fs[1:]]).numpy())
    return {k: np.concatenate(v).astype(np.float64) for k, v in out.items()}


def look_inside(model, x, y, phrases):
    """Every measurement of section 2 on one model, on full-length reviews x with labels y."""
    s = states_through_time(model, x, y)
    m = {"cell": type(model.layers[1]).__name__, "reviews_used": int(len(x)),
         "grad_h_ratio_first_to_last": probe.ratio_stats(s["h"][:, 0] / s["h"][:, -1]),
         "grad_h_median_per_step": np.median(s["h"], axis=0).tolist()}
    if "c" in s:
        # the direct path from c_1 to c_T keeps prod_{t=2}^{T} f_t of the error: its mean over reviews and units
        direct = np.exp(s["log_f_sum"])
        m.update({"grad_c_ratio_first_to_last": probe.ratio_stats(s["c"][:, 0] / s["c"][:, -1]),
                  "grad_c_median_per_step": np.median(s["c"], axis=0).tolist(),
                  "forget_mean_per_step": s["f"].mean(axis=0).tolist(),
                  "forget_mean_after_10_steps": float(s["f"][:, 10:].mean()),
                  "direct_path_gain_1_to_T_mean": float(direct.mean()),
                  "direct_path_units_keeping_half": float(np.mean(direct >= 0.5))})
    m["memory"] = probe.real_text_memory(model, x, y, phrases,
                                         [n for n in probe.N_GRID if n <= x.shape[1] - 5])
    return m


def plot_inside(per_model, path):
    """Median ||dL/dh_t|| of every model; ||dL/dc_t|| and the mean forget gate of the LSTMs."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    for label, m in per_model.items():
        T = len(m["grad_h_median_per_step"])
        t = np.arange(1, T + 1)
        ls = LINE_STYLE[m["cell"]]
        axes[0].semilogy(t, m["grad_h_median_per_step"], ls=ls, label=f"{label}: median ratio "
                         f"{m['grad_h_ratio_first_to_last']['median']:.2g}")
        if "grad_c_median_per_step" in m:
            axes[1].semilogy(t, m["grad_c_median_per_step"], ls=ls, label=f"{label}: median ratio "
                             f"{m['grad_c_ratio_first_to_last']['median']:.2g}")
            axes[2].plot(t, m["forget_mean_per_step"], ls=ls,
                         label=f"{label}: mean {m['forget_mean_after_10_steps']:.2f}")
    titles = (r"median $\|\partial L/\partial h_t\|$ (ratio: word 1 / last word)",
              r"LSTM: median $\|\partial L/\partial c_t\|$", r"LSTM: mean forget gate $f_t$ over reviews and units")
    for ax, title in zip(axes, titles):
        ax.set(xlim=(T, 1), xlabel=f"word t (the loss is read after word {T}, on the left)", title=title)
        ax.grid(alpha=0.3, which="both")
        if ax.get_legend_handles_labels()[0]:  # no LSTM among the models: the two LSTM panels stay empty
            ax.legend(fontsize=7)
    axes[2].set_ylim(0, 1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_memory(per_model, path):
    """The real-text memory probe, one line per model, 95% CI bands."""
    import matplotlib.pyplot as plt
    keys = ("positive phrase, negative reviews", "negative phrase, positive reviews")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, key in zip(axes, keys):
        probe.plot_memory_panel(ax, per_model, key, lambda label, m: LINE_STYLE[m["cell"]])
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 3. The script
# ---------------------------------------------------------------------------------------------------------------

def phrases(parser, args, word_index, vocab_size, maxlen):
    """The probe's two phrases as word indices of this vocabulary, with the direction each should move P(positive)."""
    return {name: (probe.encode_text(parser, flag, text, word_index, vocab_size, maxlen - 1), sign)
            for name, flag, text, sign in (("positive", "--phrase-positive", args.phrase_positive, 1),
                                           ("negative", "--phrase-negative", args.phrase_negative, -1))}


def analyse(models, args, parser, word_index, out):
    """Look inside every model (label -> model); write inside.png and memory.png into out. Returns the metrics."""
    per_model = {}
    for label, model in models.items():
        print(f"Looking inside {label} ...", flush=True)
        vocab_size, maxlen = model.layers[0].input_dim, model.input_shape[1]
        x_test, y_test = probe.test_data(args.data_dir, vocab_size, maxlen)
        x, y = probe.full_length_reviews(x_test, y_test, args.num_reviews)
        if len(x) == 0:
            cli.fail(f"no test review fills all {maxlen} positions of {label}")
        per_model[label] = look_inside(model, x, y, phrases(parser, args, word_index, vocab_size, maxlen))
        p = probe.predict(model, x_test)
        per_model[label]["test_accuracy"] = float(np.mean((p >= 0.5) == (y_test == 1)))
        print_inside(label, per_model[label])
    plot_inside(per_model, out.path("inside.png"))
    plot_memory(per_model, out.path("memory.png"))
    return {"inside": per_model}


def print_inside(label, m):
    g = m["grad_h_ratio_first_to_last"]
    line = f"  {m['cell']}: ||dL/dh_1|| / ||dL/dh_T|| median {g['median']:.3g}"
    if "grad_c_ratio_first_to_last" in m:
        line += (f"; ||dL/dc_1|| / ||dL/dc_T|| median {m['grad_c_ratio_first_to_last']['median']:.3g}; mean f "
                 f"{m['forget_mean_after_10_steps']:.3f}; direct path c_1 -> c_T keeps on average "
                 f"{m['direct_path_gain_1_to_T_mean']:.3g}")
    print(line)
    for key, c in m["memory"]["curves"].items():
        print(f"  {key}: effect at N = 0 {c['mean'][0]:+.3f}; half-life {c['half_life']}")


# ---------------------------------------------------------------------------------------------------------------
def make_parser():
    parser = cli.Parser(__doc__)
    parser.add_argument("--cell", choices=tuple(CELLS), default="lstm",
                        help="the recurrent layer (default %(default)s)")
    training.add_flags(parser, os.path.join("runs", "day3"))
    parser.add_argument("--dropout", type=cli.rate(0.9), default=0.2,
                        help="input dropout of the cell while training, in [0, 0.9] (default %(default)s; "
                             "notes/day3.md, section 5.1, compares 0)")
    parser.add_argument("--model", nargs="+", default=None,
                        help="saved Day-3 model(s) to look inside instead of training one")
    parser.add_argument("--compare", nargs="*", default=None,
                        help=f"Day-1 SimpleRNN model(s) to look inside beside it (default {probe.DAY1_MODEL} when it "
                             "exists; --compare with no path: none)")
    parser.add_argument("--num-reviews", type=cli.positive_int, default=1000,
                        help="full-length test reviews for the look inside (default %(default)s)")
    parser.add_argument("--phrase-positive", default=probe.POSITIVE, help="the positive phrase (default %(default)r)")
    parser.add_argument("--phrase-negative", default=probe.NEGATIVE, help="the negative phrase (default %(default)r)")
    return parser


def open_models(parser, args):
    """label -> model for the saved Day-3 models (--model) and the Day-1 models to compare; all checked first."""
    models = {}
    for path in args.model or []:
        if not path.strip():
            parser.error("argument --model: must name a file, got an empty string")
        models[probe.model_label(path)] = probe.load_model(path, ("LSTM", "GRU"), "day3_tensorflow.py")
    compare = args.compare
    if compare is None:
        compare = [probe.DAY1_MODEL] if os.path.isfile(probe.DAY1_MODEL) else []
        if not compare:
            print(f"(no {probe.DAY1_MODEL}: the look inside shows no Day-1 SimpleRNN; make one with "
                  "`python day1_tensorflow.py`, or pass --compare PATH)")
    for path in compare:
        if not path.strip():
            parser.error("argument --compare: must name a file, got an empty string")
        models[probe.model_label(path)] = probe.load_model(path, ("SimpleRNN",), "day1_tensorflow.py", "--compare")
    return models


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    training.check_flags(parser, args)
    others = open_models(parser, args)
    try:  # the phrases must be words of every model's vocabulary: checked before any training or measuring
        word_index = imdb.load_word_index(args.data_dir)
    except imdb.DataError as exc:
        cli.fail(str(exc))
    shapes = [(m.layers[0].input_dim, m.input_shape[1]) for m in others.values()]
    for vocab_size, maxlen in shapes + ([] if args.model else [(args.vocab_size, args.maxlen)]):
        phrases(parser, args, word_index, vocab_size, maxlen)

    def inside(model, data, out):
        label = os.path.basename(os.path.normpath(args.out))
        try:
            return analyse({label: model, **others}, args, parser, word_index, out)
        except (MemoryError, tf.errors.ResourceExhaustedError):
            cli.fail("out of memory looking inside: lower --num-reviews")

    if args.model:  # look inside saved models, no training
        keras.utils.set_random_seed(args.seed)
        try:
            with cli.Outputs(args.out) as out:
                metrics = analyse(others, args, parser, word_index, out)
                cli.write_json(dict(metrics, model_paths=args.model, compare_paths=args.compare, settings=vars(args),
                                    conditions=conditions()), out.path("metrics.json"))
        except imdb.DataError as exc:
            cli.fail(str(exc))
        for path in out.written():
            print(f"wrote {path}")
        return metrics

    def make_model(n_train):
        # Day 1's optimiser unchanged (training.compile_model); the one addition is the dropout in build_model
        return training.compile_model(build_model(args.cell, args.vocab_size, args.maxlen, dropout=args.dropout),
                                      args.learning_rate,
                                      training.decay_steps(args, n_train))

    return training.run(args, make_model, f"Day 3: {args.cell.upper()} on IMDB", inside)


if __name__ == "__main__":
    cli.run(main)
