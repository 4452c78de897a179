"""Day 2 (Keras): look inside trained Day-1 SimpleRNNs -- how the error flows back through time, and how long a
phrase is remembered.

What it shows, on saved Day-1 models (one or several: each gets a row, so a claim can be checked on every model):
  1. Gradient through time: for full-length test reviews, ||dL/dh_t|| at every word t, from the trained layer's own
     cell run step by step under tf.GradientTape (cross-checked against day2_bptt_numpy.py's hand-written BPTT).
     The original Day-2 tutorial says the gradient reaching word 1 has "functionally vanished to 0.000000001".
  2. Memory on real text: a strong phrase written over five words of real test reviews, N words before the end;
     its mean effect on P(positive) with a 95% confidence interval, for each N, positive and negative reviews apart.
  3. The original's popcorn story as an illustration: the phrase inside neutral filler text, for several fillers.

    python day1_tensorflow.py --seed 0 --out runs/day1_seed0         # Day 2 reads the model Day 1 saved
    python day2_tensorflow.py --model runs/day1_seed0/model.keras --out runs/day2_seed0

Result: it varies from model to model; the across-model tables (twenty seeds and an untrained model) are in
notes/day2.md, section 6. Outputs (in --out, default runs/day2/): grad_through_time.png, memory.png, metrics.json.
"""
import os
import time
import typing

import day2_bptt_numpy as bptt  # the hand-derived BPTT, to cross-check the Keras gradients: itself a lesson
from rnn_days import cli, imdb, outputs, placement, plots, saved
from rnn_days.bridge import simple_rnn_params
from rnn_days.conditions import conditions

import numpy as np

tf, keras = cli.import_tensorflow()

OUT_OF_MEMORY = "lower --num-reviews"
POSITIVE = "i absolutely loved this movie"
NEGATIVE = "i absolutely hated this movie"
N_GRID = (0, 1, 2, 3, 5, 8, 12, 20, 30, 50, 75, 100, 125, 150, 175, 195)  # words after the phrase

# Fillers: words inside the 10,000-word vocabulary, no opinion of any film. The first is the original's popcorn tangent.
FILLERS = {
    "popcorn": (
        "we got to the theater early and bought a large box of popcorn with extra salt and two big drinks then we "
        "found our seats near the middle of the room the popcorn was hot and a little too dry so i went back to the "
        "hall for some water the line was long because the kid at the counter was new and kept dropping the ice when "
        "i came back the lights were still on and people were still walking in with their own candy and coffee a man "
        "behind us talked on his phone about his car and the woman next to him opened a bag of chocolate very slowly "
        "the floor was wet and my seat was a bit old but the room was warm and quiet and we waited for the lights to "
        "go down while the kids in front of us shared a second box of popcorn and asked their father about the "
        "parking"),
    "seat": "the woman next to him opened a bag of chocolate very slowly the floor was wet and my seat was a bit old",
    "trip": (
        "on saturday we drove into the city with my brother and his wife we left the car near the station and walked "
        "past the old church to the river where we had lunch at a small place with a view of the bridge"),
    "plot": (
        "the story takes place in a small town in the north during the winter of 1950 a young teacher arrives by train "
        "and takes a room above the store where the owner lives with his two daughters and their dog"),
}


# ---------------------------------------------------------------------------------------------------------------
# 1. The gradient through time in the trained network
# ---------------------------------------------------------------------------------------------------------------

def full_length_reviews(x, y, count):
    """The first `count` reviews that fill every position (no padding in front), with their labels."""
    full = np.flatnonzero(x[:, 0] != imdb.PAD)[:count]
    return x[full], y[full]


def ratio_stats(ratios):
    """Median and quartiles of per-review gradient ratios, and how many reviews they summarise."""
    q25, median, q75 = np.percentile(ratios, [25, 50, 75]) if len(ratios) else (np.nan,) * 3
    return {"median": float(median), "q25": float(q25), "q75": float(q75), "reviews": int(len(ratios))}


def grad_norms_through_time(model, x, y, batch_size=500):
    """The error through time for every review n and word t = 1..T. x: (N, T) word indices, y: (N,) labels.

    Returns {"h": ||dL_n/dh_t||; "x": ||dL_n/dx_t||, the gradient at word t's embedding -- what the loss feels of
    word t itself, a quantity that means the same in every cell (Day 3 compares cells with it); "tanh_prime": the
    mean over units of tanh'(a_t) = 1 - h_t^2, how much of the error each step lets through its tanh (1: all, 0: a
    saturated unit passes nothing); "tanh_prime_square": the mean over units of tanh'(a_t)^2}, each (N, T).

    L_n is review n's own cross-entropy, computed from the logit z = h_T W_hy + b_y (not from the rounded sigmoid
    output, whose clipping would zero the gradient of confident reviews). The reviews of a batch are independent,
    so one tape over the batch's summed loss gives each review's own gradient in its own row.
    """
    embedding, rnn, dense = model.layers
    out = {"h": [], "x": [], "tanh_prime": [], "tanh_prime_square": []}
    for start in range(0, len(x), batch_size):
        xs = embedding(x[start:start + batch_size])                 # (n, T, D): x_t for every word
        h = tf.zeros((xs.shape[0], rnn.units))                      # h_0 = 0, as in Keras's SimpleRNN
        hs = []
        with tf.GradientTape() as tape:
            tape.watch(xs)
            for t in range(xs.shape[1]):
                h, _ = rnn.cell(xs[:, t], h)                        # h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)
                hs.append(h)
            z = h @ dense.kernel + dense.bias                      # logit of P(positive)
            labels = tf.constant(y[start:start + batch_size, None], tf.float32)
            loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels, z))
        dh, dx = tape.gradient(loss, [hs, xs])                     # T tensors (n, H): dL/dh_t; (n, T, D): dL/dx_t
        slopes = 1 - tf.stack(hs, axis=1) ** 2                     # (n, T, H): tanh'(a_t) = 1 - h_t^2
        out["h"].append(np.stack([tf.norm(g, axis=1).numpy() for g in dh], axis=1))
        out["x"].append(tf.norm(dx, axis=2).numpy())
        out["tanh_prime"].append(tf.reduce_mean(slopes, axis=2).numpy())
        out["tanh_prime_square"].append(tf.reduce_mean(slopes ** 2, axis=2).numpy())
    return {k: np.concatenate(v).astype(np.float64) for k, v in out.items()}


def numpy_params(model):
    """The trained weights under the notes' names (W_xh, W_hh, b_h, W_hy, b_y), in float64, for day2_bptt_numpy."""
    return simple_rnn_params(model.layers[1], model.layers[2])


def numpy_bptt_norms(model, x, y):
    """The same ||dL_n/dh_t|| from the hand-derived NumPy BPTT (float64), one review at a time. -> (N, T)."""
    params, xs = numpy_params(model), np.asarray(model.layers[0](x), np.float64)
    h0 = np.zeros((1, model.layers[1].units))
    return np.stack([bptt.step_norms(bptt.backward(bptt.forward(
        xs[n:n + 1], np.asarray(y[n:n + 1], np.float64), h0, params)[1])["h"]) for n in range(len(x))])


def measure_gradients(model, x, y, p):
    """Part 1 on full-length reviews x (labels y, the model's P(positive) p): the numbers about the gradient."""
    s = grad_norms_through_time(model, x, y)
    norms, tanh_prime, x_norms = s["h"], s["tanh_prime"], s["x"]
    checked = min(5, len(x))  # the same numbers from the hand-derived BPTT, on a few reviews
    numpy_norms = numpy_bptt_norms(model, x[:checked], y[:checked])
    W_hh = numpy_params(model)["W_hh"]
    singular_values = np.linalg.svd(W_hh, compute_uv=False)
    ratios = norms[:, 0] / norms[:, -1]
    right = (p >= 0.5) == (y == 1)
    median = np.median(norms, axis=0)
    smallest = int(np.argmin(median))
    return {
        "grad_ratio_first_to_last": ratio_stats(ratios),
        "grad_x_ratio_first_to_last": ratio_stats(x_norms[:, 0] / x_norms[:, -1]),
        "grad_x_median_per_step": np.median(x_norms, axis=0).tolist(),
        "grad_ratio_correct": ratio_stats(ratios[right]),
        "grad_ratio_wrong": ratio_stats(ratios[~right]),
        "grad_median_smallest_at_word": smallest + 1,
        "grad_median_smallest_factor_below_last": float(median[-1] / median[smallest]),
        "grad_norm_median_per_step": median.tolist(),
        "grad_numpy_check_max_relative_difference":
            float(np.max(np.abs(numpy_norms - norms[:checked]) / np.maximum(numpy_norms, 1e-300))),
        "W_hh_sigma_max": float(singular_values[0]),
        "W_hh_singular_values_above_1": int(np.sum(singular_values > 1)),
        "W_hh_spectral_radius": float(np.max(np.abs(np.linalg.eigvals(W_hh)))),
        "tanh_prime_mean_after_10_steps": float(tanh_prime[:, 10:].mean()),
        "tanh_prime_mean_per_step": tanh_prime.mean(axis=0).tolist(),
        # sigma_max x RMS tanh' is the per-step rule (12) of notes/day2.md for a W_hh that is a scaled rotation
        "tanh_prime_rms_after_10_steps": float(np.sqrt(s["tanh_prime_square"][:, 10:].mean())),
        "per_step_factor_measured": float(np.median(ratios) ** (1 / (x.shape[1] - 1))),
    }


# ---------------------------------------------------------------------------------------------------------------
# 2. Memory on real text, and the popcorn illustration
# ---------------------------------------------------------------------------------------------------------------

def curve_key(phrase, where):
    """The name of one memory curve: "negative phrase, positive reviews", "positive phrase, popcorn filler"."""
    return f"{phrase} phrase, {where}"


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
            results[curve_key(name, label)] = {
                "mean": mean.tolist(), "ci95": ci.tolist(), "reviews": int(e.shape[1]),
                "half_life": half_life(ns, mean, ci, sign)}
    return {"ns": list(ns), "curves": results}


def filler_memory(model, phrases, fillers, maxlen):
    """The popcorn illustration: the phrase N words before the end of a maxlen-word filler text (repeated as needed),
    against the filler alone, for every N."""
    results = {}
    for fname, filler in fillers.items():
        words = [filler[i % len(filler)] for i in range(maxlen)]
        p_alone = predict(model, [words])[0]
        for name, (phrase, sign) in phrases.items():
            ns = np.arange(maxlen - len(phrase) + 1)
            e = predict(model, [place(phrase, words, n) for n in ns]) - p_alone
            hl = half_life(ns, e, np.zeros_like(e), sign)
            results[curve_key(name, f"{fname} filler")] = {"p_filler_alone": float(p_alone), "effect": e.tolist(),
                                                         "half_life": hl}
    return results


def read_word_by_word(model, review):
    """P(positive) after each word of one review (T,): the trained readout on h_t at every t -- what the model would
    answer had the review stopped at word t."""
    embedding, rnn, dense = model.layers
    xs = embedding(np.asarray(review, "int32")[None])
    h, p = tf.zeros((1, rnn.units)), []
    for t in range(xs.shape[1]):
        h, _ = rnn.cell(xs[:, t], h)
        p.append(float(tf.sigmoid(h @ dense.kernel + dense.bias)[0, 0]))
    return np.array(p)


def phrase_at_every_word(model, review, phrase):
    """P(positive) at the end of the review with the phrase written over it so that it ends at word t, for every t
    (T,; NaN where the phrase does not fit): how much of the phrase the final verdict keeps, by where it stood."""
    T, k = len(review), len(phrase)
    ends = np.full(T, np.nan)
    ns = np.arange(T - k + 1)                                   # n words follow the phrase: it ends at word T - n
    ends[T - 1 - ns] = predict(model, [place(phrase, review, n) for n in ns])
    return ends


def one_review(model, x, y, phrases, index, to_word):
    """Review `index` of the full-length reviews read word by word, beside the phrase against its label written at
    every position (Day 2's picture of memory on one real sequence)."""
    review, label = x[index], int(y[index])
    name = "negative" if label == 1 else "positive"             # the phrase against the review: room to move
    return {"index": int(index), "label": label, "phrase": name, "words": imdb.decode(review, to_word).split(),
            "p_review": float(predict(model, [review])[0]), "p_after_word": read_word_by_word(model, review).tolist(),
            "p_end_with_phrase_ending_at": phrase_at_every_word(model, review, phrases[name][0]).tolist()}


# ---------------------------------------------------------------------------------------------------------------
# 3. Figures
# ---------------------------------------------------------------------------------------------------------------

def plot_grad_through_time(per_model, path):
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.6))
    T = len(next(iter(per_model.values()))["grad_norm_median_per_step"])

    def label_of(name, models):
        ratios = [m["grad_ratio_first_to_last"]["median"] for m in models]
        return (f"{name}: median ratio {ratios[0]:.2g}" if len(models) == 1 else
                f"{name}: median of {len(models)} models (ratios {min(ratios):.2g} to {max(ratios):.2g})")
    plots.plot_groups(ax, np.arange(1, T + 1), per_model, lambda m: m["grad_norm_median_per_step"],
                      lambda m: "--" if plots.untrained(m) else "-", log=True, label_of=label_of)
    ax.set(xlim=(T, 1), xlabel=f"word t (the loss is read after word {T}, on the left)",
           ylabel=r"median $\|\partial L / \partial h_t\|$ over reviews",
           title=r"The error at each word, $\|\partial L / \partial h_t\|$ (legend: the ratio word 1 / last word)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_review(label, r, path):
    """One review: P(positive) after each word, and the verdict at the end with the phrase at each position."""
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(11, 4.4))
    t = np.arange(1, len(r["p_after_word"]) + 1)
    ax.plot(t, r["p_after_word"], lw=1.5, label="P(positive) after word t (the review read up to t)")
    ax.plot(t, r["p_end_with_phrase_ending_at"], lw=1.5,
            label=f"P(positive) after the last word, the {r['phrase']} phrase ending at word t")
    ax.axhline(r["p_review"], color="gray", ls=":", label=f"the review as it is: {r['p_review']:.2f}")
    ax.axhline(0.5, color="k", lw=0.6)
    step = max(1, len(t) // 10)
    ax.set_xticks(t[::step], [f"{i}\n{r['words'][i - 1][:10]}" for i in t[::step]], fontsize=7)
    ax.set(ylim=(-0.02, 1.02), xlabel="word t of the review", ylabel="P(positive)",
           title=f"{label}: test review {r['index']} (a {'positive' if r['label'] else 'negative'} review), "
                 "read word by word")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_memory(per_model, path):
    plt = plots.pyplot()
    keys = (curve_key("positive", "negative reviews"), curve_key("negative", "positive reviews"))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    for ax, key in zip(axes, keys):
        plots.plot_memory_panel(ax, per_model, key, lambda m: "--" if plots.untrained(m) else "-")
    axes[0].legend(fontsize=7)
    fillers = next(iter(per_model.values()))["fillers"]
    if not fillers:   # no filler fits this model's vocabulary: the third panel stays empty
        axes[2].set_title("(no filler fits this model's vocabulary)", fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return
    filler = next(iter(fillers)).split(", ")[1]  # the first: popcorn by default
    key = curve_key("positive", filler)   # the original's scenario: "loved", then the tangent
    having = {label: m for label, m in per_model.items() if key in m["fillers"]}   # a smaller vocabulary: left out
    n = len(next(iter(having.values()))["fillers"][key]["effect"])
    plots.plot_groups(axes[2], np.arange(n), having, lambda m: m["fillers"][key]["effect"],
                      lambda m: "--" if plots.untrained(m) else "-")
    axes[2].axvline(150, color="gray", ls=":", label="the original's 150-word tangent")
    axes[2].axhline(0, color="k", lw=0.8)
    axes[2].set(xlabel="N, filler words after the phrase", ylabel="P(with phrase) - P(filler alone)")
    axes[2].set_title(f"the {filler.replace(' filler', '')} text: positive phrase, then N words of it", fontsize=10)
    axes[2].grid(alpha=0.3)
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 4. The script
# ---------------------------------------------------------------------------------------------------------------

def analyse(model, x_test, y_test, phrases, fillers, num_reviews, review=0, to_word=None):
    """Every measurement of this script on one model: x_test (N, maxlen) padded test reviews with labels y_test;
    phrases {name: (word indices, +1/-1)}; fillers {name: word indices}; num_reviews full-length reviews to use;
    review: which of them to read word by word (to_word: index -> word, for its text)."""
    maxlen = model.input_shape[1]
    p_test = predict(model, x_test)
    x, y = full_length_reviews(x_test, y_test, num_reviews)
    if len(x) == 0:
        raise cli.Failure(f"no test review fills all {maxlen} positions of this model")
    p = p_test[np.flatnonzero(x_test[:, 0] != imdb.PAD)[:len(x)]]
    return {"test_accuracy": float(np.mean((p_test >= 0.5) == (y_test == 1))),
            "vocab_size": int(model.layers[0].input_dim), "maxlen": int(maxlen), "reviews_used": int(len(x)),
            "full_length_accuracy": float(np.mean((p >= 0.5) == (y == 1))),
            **measure_gradients(model, x, y, p),
            "memory": real_text_memory(model, x, y, phrases, [n for n in N_GRID if n <= maxlen - 5]),
            "fillers": filler_memory(model, phrases, fillers, maxlen),
            "review": one_review(model, x, y, phrases, review, to_word or {}) if review < len(x) else None}


def make_parser():
    parser = cli.Parser(__doc__)
    parser.add_argument("--model", nargs="+", default=[saved.DAY1_MODEL],
                        help="saved Day-1 model(s), each analysed in turn (default %(default)s)")
    parser.add_data_dir()
    parser.add_argument("--num-reviews", type=cli.positive_int, default=1000,
                        help="full-length test reviews for the gradient and memory measurements (default %(default)s)")
    parser.add_argument("--phrase-positive", default=POSITIVE, help="the positive phrase (default %(default)r)")
    parser.add_argument("--phrase-negative", default=NEGATIVE, help="the negative phrase (default %(default)r)")
    parser.add_argument("--filler", default=None,
                        help="your own neutral filler text, repeated as needed (default: four built-in fillers)")
    parser.add_argument("--review", type=cli.non_negative_int, default=0,
                        help="which full-length test review to read word by word into review.png, counted from 0 "
                             "(default %(default)s)")
    parser.add_out(os.path.join("runs", "day2"))
    return parser


def main(argv=None):
    args = make_parser().parse_args(argv)
    fillers = {"yours": ("--filler", args.filler)} if args.filler is not None else \
        {name: (None, text) for name, text in FILLERS.items()}
    phrase_texts = {"positive": ("--phrase-positive", args.phrase_positive),
                    "negative": ("--phrase-negative", args.phrase_negative)}
    outputs.check_writable(args.out)   # before the work, not after it
    start = time.perf_counter()
    entries = saved.open_models(args.model, ("SimpleRNN",), "day1_tensorflow.py", "--model")  # all checked first
    lengths = sorted({e["model"].input_shape[1] for e in entries})
    if len(lengths) > 1:   # their curves share one figure and one table: one review length
        raise cli.UsageError(f"argument --model: the models read reviews of different lengths "
                             f"({', '.join(map(str, lengths))} words); give models of one length, or run them apart")
    word_index = imdb.load_word_index(args.data_dir)
    to_word = imdb.index_to_word_map(word_index)
    texts = [encode_texts(phrase_texts, fillers, word_index, e["model"]) for e in entries]    # before any work
    if args.review >= args.num_reviews:
        raise cli.UsageError(f"argument --review: must be below --num-reviews ({args.num_reviews}), got "
                             f"{args.review}")
    per_model = {}
    for e, (phrases, filler_ids) in zip(entries, texts):
        print(f"Analysing {e['label']} ...", flush=True)
        x_test, y_test = saved.test_data(args.data_dir, e["model"].layers[0].input_dim, e["model"].input_shape[1])
        per_model[e["label"]] = dict(analyse(e["model"], x_test, y_test, phrases, filler_ids, args.num_reviews,
                                             args.review, to_word), identity=e["identity"], path=e["path"])
        print_summary(per_model[e["label"]])
        print_among_notes(per_model[e["label"]])
    metrics = {"models": per_model, "fillers": {name: text for name, (_, text) in fillers.items()},
               "seconds_total": round(time.perf_counter() - start, 2), "settings": vars(args),
               "conditions": conditions()}
    first = next(iter(per_model))
    with outputs.Outputs(args.out) as out:
        plot_grad_through_time(per_model, out.path("grad_through_time.png"))
        plot_memory(per_model, out.path("memory.png"))
        if per_model[first]["review"]:
            plot_review(first, per_model[first]["review"], out.path("review.png"))
        else:
            print(f"(no review.png: --review {args.review} is not among the {per_model[first]['reviews_used']} "
                  "full-length reviews)")
        outputs.write_json(metrics, out.path("metrics.json"))
    for path in out.written():
        print(f"wrote {path}")
    return metrics


def encode_texts(phrase_texts, fillers, word_index, model):
    """The phrases and fillers as word indices of this model's vocabulary. A word outside it is a usage error naming
    the flag it came from; a built-in filler that does not fit a smaller vocabulary is left out."""
    vocab_size, maxlen = model.layers[0].input_dim, model.input_shape[1]
    phrases = saved.encode_phrases(phrase_texts, word_index, vocab_size, maxlen)
    filler_ids = {}
    for name, (flag, text) in fillers.items():
        if flag is None:   # built-in: fine for Day 1's 10,000 words; a model with fewer may not know them all
            try:
                filler_ids[name] = saved.encode_text("--filler", text, word_index, vocab_size)
            except cli.UsageError:
                print(f"(the built-in filler {name!r} has words outside this model's {vocab_size:,}; left out)")
        else:
            filler_ids[name] = saved.encode_text(flag, text, word_index, vocab_size)
    return phrases, filler_ids


class Value(typing.NamedTuple):
    """One number of one model's measurements: its name in the notes, its name as the script prints it, how to read
    it from the model's metrics, and its format."""
    notes: str
    plain: str
    of: typing.Callable
    fmt: str


def _effect(m, phrase, reviews, n):
    memory = m["memory"]
    return memory["curves"][curve_key(phrase, reviews)]["mean"][memory["ns"].index(n)]


# The values notes/day2.md summarises over its twenty trained models, that a learner's model is placed among and
# that a fresh run is checked on -- defined once, here, where the metrics are written.
VALUES = {
    "test_accuracy": Value("test accuracy", "test accuracy", lambda m: m["test_accuracy"], "{:.4f}"),
    "ratio": Value("median ‖∂L/∂h_1‖ / ‖∂L/∂h_200‖", "median ||dL/dh_1|| / ||dL/dh_T||",
                   lambda m: m["grad_ratio_first_to_last"]["median"], "{:.2g}"),
    "ratio_right": Value("the same, reviews it gets right", "the same, reviews it gets right",
                         lambda m: m["grad_ratio_correct"]["median"], "{:.2g}"),
    "ratio_wrong": Value("the same, reviews it gets wrong", "the same, reviews it gets wrong",
                         lambda m: m["grad_ratio_wrong"]["median"], "{:.2g}"),
    "smallest_at": Value("word t where the median ‖∂L/∂h_t‖ is smallest", "word t where the median ||dL/dh_t|| is "
                         "smallest", lambda m: m["grad_median_smallest_at_word"], "{:g}"),
    "sigma_max": Value("σ_max(W_hh)", "sigma_max(W_hh)", lambda m: m["W_hh_sigma_max"], "{:.3f}"),
    "spectral_radius": Value("spectral radius of W_hh", "spectral radius of W_hh",
                             lambda m: m["W_hh_spectral_radius"], "{:.3f}"),
    "tanh_prime": Value("mean tanh′ (words 11–200)", "mean tanh' (words 11-200)",
                        lambda m: m["tanh_prime_mean_after_10_steps"], "{:.3f}"),
    "factor": Value("measured factor per step (median ratio^(1/199))", "measured factor per step",
                    lambda m: m["per_step_factor_measured"], "{:.3f}"),
    "effect_0": Value("negative phrase in positive reviews, effect at N = 0",
                      "negative phrase in positive reviews, effect at N = 0",
                      lambda m: _effect(m, "negative", "positive reviews", 0), "{:+.3f}"),
}
HEADLINE = ("test_accuracy", "ratio", "sigma_max", "tanh_prime", "effect_0")   # printed beside the notes' models


def headline(m):
    """The headline values of one model, as print_among takes them."""
    return placement.headline(VALUES, HEADLINE, m)


def print_among_notes(m):
    """Where this model sits among the trained models of notes/day2.md, and which conclusions do not depend on it."""
    placement.print_among(m, headline, "day2_models.json", "models", "SimpleRNN", "trained models of notes/day2.md",
                          "the error reaching word 1 is nowhere near the original's 1e-9, and a phrase's effect "
                          "fades within tens of words yet stays measurable.")


def print_summary(m):
    g = m["grad_ratio_first_to_last"]
    print(f"  test accuracy {m['test_accuracy']:.4f}; ||dL/dh_1|| / ||dL/dh_{m['maxlen']}|| median {g['median']:.3g} "
          f"(quartiles {g['q25']:.3g} - {g['q75']:.3g}; the original tutorial: 1e-9) over {g['reviews']} reviews")
    print(f"  sigma_max(W_hh) {m['W_hh_sigma_max']:.3f}, spectral radius {m['W_hh_spectral_radius']:.3f}, mean tanh' "
          f"{m['tanh_prime_mean_after_10_steps']:.3f}; NumPy BPTT cross-check: largest relative difference "
          f"{m['grad_numpy_check_max_relative_difference']:.1e}")
    ns = m["memory"]["ns"]
    for key, c in m["memory"]["curves"].items():
        at = {n: f"{c['mean'][i]:+.3f}" for i, n in enumerate(ns) if n in (0, 150)}
        print(f"  {key}: effect at N = 0 {at.get(0)}, N = 150 {at.get(150, 'n/a')}; half-life {c['half_life']}")


if __name__ == "__main__":
    cli.run(main, out_of_memory=OUT_OF_MEMORY)
