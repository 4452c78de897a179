"""Day 2 (Keras): look inside the trained Day-1 SimpleRNN -- how the error flows back through time, and how fast
the network forgets.

What it shows, on the real trained model rather than in words:
  1. Gradient through time: for test reviews that fill all 200 positions, ||dL/dh_t|| at every word t, found by
     running the trained layer's own cell step by step under tf.GradientTape. The seed text claims the gradient from
     word 200 has "functionally vanished to 0.000000001" by word 1; this measures the ratio.
  2. The amnesia probe: a 200-word "review" of neutral filler about popcorn and the theatre, with a strongly positive
     (or negative) phrase written into it so that N filler words follow the phrase. Its effect on P(positive),
     against the filler alone, is traced for every N; the memory half-life is the first N at which the effect drops
     below half of its value at N = 0.

    python day1_tensorflow.py --data-dir ../shared/data     # train once: runs/day1/model.keras
    python day2_tensorflow.py --data-dir ../shared/data     # uses that model: runs/day2/*.png, metrics.json

Result (the seed-0 Day-1 model): median ||dL/dh_1|| / ||dL/dh_200|| = 0.46, not 1e-9; half-lives of 2 words (positive
phrase) and 12 words (negative) with the default filler. Details and verdicts: notes/day2.md, "Inside the trained
model".
"""
import json
import os
import time

import day1_tensorflow as day1  # Day 1's data, model and flags: Day 2 looks inside the same network
import day2_bptt_numpy as bptt  # the hand-derived BPTT, to cross-check the Keras gradients

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from cli import fail, positive_int

DAY1_MODEL = os.path.join("runs", "day1", "model.keras")
POSITIVE = "i absolutely loved this movie"
NEGATIVE = "i absolutely hated this movie"
# Neutral filler about the popcorn and the theatre: words inside the 10,000-word vocabulary, no opinion of the film.
FILLER = (
    "we got to the theater early and bought a large box of popcorn with extra salt and two big drinks then we "
    "found our seats near the middle of the room the popcorn was hot and a little too dry so i went back to the "
    "hall for some water the line was long because the kid at the counter was new and kept dropping the ice when "
    "i came back the lights were still on and people were still walking in with their own candy and coffee a man "
    "behind us talked on his phone about his car and the woman next to him opened a bag of chocolate very slowly "
    "the floor was wet and my seat was a bit old but the room was warm and quiet and we waited for the lights to go "
    "down while the kids in front of us shared a second box of popcorn and asked their father about the parking"
)


# ---------------------------------------------------------------------------------------------------------------
# 1. The gradient through time in the trained network
# ---------------------------------------------------------------------------------------------------------------

def grad_norms_through_time(model, x, y, batch_size=500):
    """||dL_n/dh_t|| for every review n and word t = 1..T. x: (N, T) word indices, y: (N,) labels.

    Returns (norms, tanh_prime), both (N, T): the gradient norms, and the mean over units of tanh'(a_t) = 1 - h_t^2,
    how much of the error each step lets through its tanh (1: all, 0: a saturated unit passes nothing).

    L_n is review n's own cross-entropy, computed from the logit z = h_T W_hy + b_y (not from the rounded sigmoid
    output, whose clipping would zero the gradient of confident reviews). The reviews of a batch are independent,
    so one tape over the batch's summed loss gives each review's own gradient in its own row.
    """
    embedding, rnn, dense = model.layers
    norms, tanh_prime = [], []
    for start in range(0, len(x), batch_size):
        xs = embedding(x[start:start + batch_size])                 # (n, T, D): x_t for every word
        h = tf.zeros((xs.shape[0], rnn.units))                      # h_0 = 0, as in Keras's SimpleRNN
        hs = []
        with tf.GradientTape() as tape:
            for t in range(xs.shape[1]):
                h, _ = rnn.cell(xs[:, t], h)                        # h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)
                hs.append(h)
            z = h @ dense.kernel + dense.bias                      # logit of P(positive)
            labels = tf.constant(y[start:start + batch_size, None], tf.float32)
            loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels, z))
        dh = tape.gradient(loss, hs)                                # T tensors (n, H): dL/dh_t
        norms.append(np.stack([tf.norm(g, axis=1).numpy() for g in dh], axis=1))
        tanh_prime.append(np.stack([tf.reduce_mean(1 - h ** 2, axis=1).numpy() for h in hs], axis=1))
    return np.concatenate(norms).astype(np.float64), np.concatenate(tanh_prime).astype(np.float64)


def numpy_params(model):
    """The trained weights under the notes' names (W_xh, W_hh, b_h, W_hy, b_y), in float64, for day2_bptt_numpy."""
    _, rnn, dense = model.layers
    weights = [rnn.cell.kernel, rnn.cell.recurrent_kernel, rnn.cell.bias, dense.kernel, dense.bias]
    return {name: np.asarray(w, np.float64) for name, w in zip(bptt.PARAM_NAMES, weights)}


def numpy_bptt_norms(model, x, y):
    """The same ||dL_n/dh_t|| from the hand-derived NumPy BPTT (float64), one review at a time. -> (N, T)."""
    params, xs = numpy_params(model), np.asarray(model.layers[0](x), np.float64)
    h0 = np.zeros((1, model.layers[1].units))
    return np.stack([bptt.backward(bptt.forward(xs[n:n + 1], np.asarray(y[n:n + 1], np.float64), h0, params)[1])
                     ["dh_norm"] for n in range(len(x))])


def full_length_reviews(x, y, count):
    """The first `count` reviews that fill every position (no padding in front), with their labels."""
    full = np.flatnonzero(x[:, 0] != day1.PAD)[:count]
    return x[full], y[full]


def plot_grad_through_time(norms, ratio, path):
    t = np.arange(1, norms.shape[1] + 1)
    q25, median, q75 = np.percentile(norms, [25, 50, 75], axis=0)
    fig, ax = plt.subplots(figsize=(8, 4.6))
    ax.fill_between(t, q25, q75, alpha=0.3, label="quartiles (25%-75%)")
    ax.semilogy(t, median, label="median")
    ax.axhline(median[-1] * 1e-9, color="r", ls="--", label="seed's claim: 1e-9 of the last word's")
    ax.set(xlim=(len(t), 1), xlabel="word t (the loss is read after word 200, on the left)",
           ylabel=r"$\|\partial L / \partial h_t\|$",
           title=f"Trained SimpleRNN, {len(norms)} test reviews: median ratio word 1 / word {len(t)} = {ratio:.2g}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 2. The amnesia probe
# ---------------------------------------------------------------------------------------------------------------

def encode(text, word_index, vocab_size):
    """Text -> word indices as Day 1's model reads them (rank + 3). Raises ValueError naming out-of-vocabulary words."""
    words = text.lower().split()
    unknown = [w for w in words if word_index.get(w, vocab_size) + day1.INDEX_FROM >= vocab_size]
    if unknown:
        raise ValueError(f"not among the {vocab_size:,} words the model knows: {', '.join(dict.fromkeys(unknown))}")
    return [word_index[w] + day1.INDEX_FROM for w in words]


def place(phrase, filler, n, maxlen):
    """A full-length review of filler text with the phrase written over it so that exactly n filler words follow.

    The filler repeats as needed. No padding: every probe is maxlen real words, like the reviews of part 1, and it
    differs from the filler alone only in the phrase's len(phrase) words.
    """
    if len(phrase) + n > maxlen:
        raise ValueError(f"{len(phrase)} phrase words + {n} filler words do not fit in maxlen {maxlen}")
    words = [filler[i % len(filler)] for i in range(maxlen)]
    start = maxlen - n - len(phrase)
    words[start:start + len(phrase)] = phrase
    return np.array(words, dtype="int32")


def amnesia_effects(model, phrase, filler, maxlen):
    """Effect of the phrase at N = 0 .. maxlen - len(phrase): P(filler with the phrase, N words before the end)
    minus P(the same filler alone). Returns (effects, P(filler alone))."""
    ns = np.arange(maxlen - len(phrase) + 1)
    probes = np.stack([place(phrase, filler, n, maxlen) for n in ns] + [place([], filler, 0, maxlen)])
    p = model.predict(probes, batch_size=512, verbose=0)[:, 0].astype(np.float64)
    return p[:-1] - p[-1], p[-1]


def half_life(effects):
    """The smallest N at which the effect falls below half of its N = 0 value (None if it never does)."""
    below = np.flatnonzero(effects / effects[0] < 0.5) if effects[0] != 0 else []
    return int(below[0]) if len(below) else None


def plot_amnesia(metrics, phrases, path):
    fig, ax = plt.subplots(figsize=(8, 4.6))
    for name, phrase in phrases.items():
        e, hl = np.array(metrics[f"amnesia_effect_{name}"]), metrics[f"amnesia_half_life_{name}"]
        ax.plot(np.arange(len(e)), e, label=f"\"{phrase}\" (half-life {hl if hl is not None else 'not reached'})")
        if hl is not None:
            ax.plot(hl, e[hl], "ko", ms=4)
    ax.axhline(0, color="k", lw=0.8)
    ax.axvline(150, color="gray", ls=":", label="the seed's 150-word tangent")
    ax.set(xlabel="N, filler words after the phrase", ylabel="P(positive | phrase + filler) - P(positive | filler)",
           title="The amnesia probe: how long the phrase is remembered")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 3. The script
# ---------------------------------------------------------------------------------------------------------------

def make_parser():
    parser = day1.make_parser(__doc__)  # Day 1's flags, same defaults: training here trains exactly as Day 1 does
    parser.add_argument("--model", default=None,
                        help=f"a saved Day-1 model.keras (default: {DAY1_MODEL} if it exists, else train one)")
    parser.add_argument("--num-reviews", type=positive_int, default=1000,
                        help="full-length test reviews for the gradient statistics (default %(default)s)")
    parser.add_argument("--phrase-positive", default=POSITIVE, help="the positive phrase (default %(default)r)")
    parser.add_argument("--phrase-negative", default=NEGATIVE, help="the negative phrase (default %(default)r)")
    parser.add_argument("--filler", default=FILLER,
                        help="neutral filler text, repeated as needed (default: a paragraph about the popcorn)")
    parser.set_defaults(out=os.path.join("runs", "day2"))
    return parser


def load_day1_model(path, args):
    """Load a saved Day-1 model and check it fits the flags; exits 1 with one line if it does not."""
    try:
        model = keras.models.load_model(path)
    except Exception as exc:  # a missing, truncated or foreign file: keras raises many kinds
        fail(f"could not load the model {path} ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
             "; train one with day1_tensorflow.py or leave out --model")
    kinds = [type(layer).__name__ for layer in model.layers]
    if kinds != ["Embedding", "SimpleRNN", "Dense"]:
        fail(f"{path} is not a Day-1 model (layers {', '.join(kinds)}; expected Embedding, SimpleRNN, Dense)")
    if model.layers[0].input_dim != args.vocab_size or model.input_shape[1] not in (None, args.maxlen):
        fail(f"{path} was trained with --vocab-size {model.layers[0].input_dim} and --maxlen {model.input_shape[1]}; "
             "pass the same values")
    return model


def get_model(args):
    """Day 1's saved model if there is one, else train it exactly as Day 1 does. Returns (model, test data, acc)."""
    path = args.model or (DAY1_MODEL if os.path.exists(DAY1_MODEL) else None)
    if path is None:
        print(f"No saved Day-1 model ({DAY1_MODEL} or --model): training one as Day 1 does.")
        model, (_, _, test_data), _, results = day1.get_trained_model(args)
        return model, test_data, results["test_accuracy"]
    model = load_day1_model(path, args)
    print(f"Using the Day-1 model {path}")
    _, _, test_data = day1.load_padded(args)
    _, accuracy = model.evaluate(*test_data, batch_size=512, verbose=0)
    print(f"Test accuracy {accuracy:.4f}")
    return model, test_data, float(accuracy)


def encode_texts(parser, args, word_index):
    """The phrases and the filler as word indices; a word outside the vocabulary is a usage error naming it."""
    texts = {}
    for name, flag, text in (("positive", "--phrase-positive", args.phrase_positive),
                             ("negative", "--phrase-negative", args.phrase_negative),
                             ("filler", "--filler", args.filler)):
        try:
            texts[name] = encode(text, word_index, args.vocab_size)
        except ValueError as exc:
            parser.error(f"argument {flag}: {exc}")
        if not texts[name] or (name != "filler" and len(texts[name]) >= args.maxlen):
            parser.error(f"argument {flag}: needs 1 to {args.maxlen - 1} words")
    return texts


def measure_gradients(model, x_test, y_test, count):
    """Part 1 on `count` full-length test reviews: the numbers metrics.json reports about the gradient."""
    x, y = full_length_reviews(x_test, y_test, count)
    if len(x) == 0:
        fail(f"no test review fills all {x_test.shape[1]} positions; lower --maxlen")
    start = time.perf_counter()
    norms, tanh_prime = grad_norms_through_time(model, x, y)
    seconds = time.perf_counter() - start
    checked = min(5, len(x))  # the same numbers from the hand-derived BPTT, on a few reviews
    numpy_norms = numpy_bptt_norms(model, x[:checked], y[:checked])
    W_hh = numpy_params(model)["W_hh"]
    singular_values = np.linalg.svd(W_hh, compute_uv=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = norms[:, 0] / norms[:, -1]
    q25, median, q75 = np.percentile(norms, [25, 50, 75], axis=0)
    return {
        "grad_ratio_first_to_last": float(np.median(ratios)),
        "grad_ratio_first_to_last_quartiles": [float(v) for v in np.percentile(ratios, [25, 75])],
        "grad_ratio_of_medians": float(median[0] / median[-1]),
        "grad_num_reviews": len(x),
        "grad_norm_median_per_step": median.tolist(),
        "grad_norm_q25_per_step": q25.tolist(),
        "grad_norm_q75_per_step": q75.tolist(),
        "grad_seconds": round(seconds, 2),
        "grad_numpy_check_reviews": checked,
        "grad_numpy_check_max_relative_difference":
            float(np.max(np.abs(numpy_norms - norms[:checked]) / np.maximum(numpy_norms, 1e-300))),
        "units": len(singular_values),
        "embedding_std": float(np.std(np.asarray(model.layers[0].embeddings))),
        "W_hh_sigma_max": float(singular_values[0]),
        "W_hh_singular_values_above_1": int(np.sum(singular_values > 1)),
        "W_hh_spectral_radius": float(np.max(np.abs(np.linalg.eigvals(W_hh)))),
        "tanh_prime_mean_first_10_steps": float(tanh_prime[:, :10].mean()),
        "tanh_prime_mean_after_10_steps": float(tanh_prime[:, 10:].mean()),
    }, norms


def measure_amnesia(model, texts, maxlen):
    """Part 2: the effect of each phrase for every N, its half-life, and P(positive) of the filler alone."""
    results = {}
    for name in ("positive", "negative"):
        effects, p_filler = amnesia_effects(model, texts[name], texts["filler"], maxlen)
        results[f"amnesia_half_life_{name}"] = half_life(effects)
        results[f"amnesia_effect_{name}"] = effects.tolist()
    results["amnesia_p_filler_alone"] = float(p_filler)
    return results


def main(argv=None):
    parser = make_parser()
    args = day1.check_args(parser, parser.parse_args(argv))
    if args.model and not os.path.isfile(args.model):
        fail(f"--model {args.model}: no such file; train one with day1_tensorflow.py or leave out --model")
    start = time.perf_counter()
    try:
        texts = encode_texts(parser, args, day1.load_word_index(args.data_dir))
        keras.utils.set_random_seed(args.seed)
        model, (x_test, y_test), test_accuracy = get_model(args)
    except day1.DataError as exc:
        fail(str(exc))
    except MemoryError:
        fail("out of memory: lower --maxlen, --vocab-size or --batch-size")

    gradient_metrics, norms = measure_gradients(model, x_test, y_test, args.num_reviews)
    metrics = {"test_accuracy": test_accuracy, **gradient_metrics, **measure_amnesia(model, texts, args.maxlen),
               "amnesia_filler": args.filler, "seconds_total": round(time.perf_counter() - start, 2),
               "settings": vars(args)}
    phrases = {"positive": args.phrase_positive, "negative": args.phrase_negative}

    try:
        os.makedirs(args.out, exist_ok=True)
        paths = {n: os.path.join(args.out, n) for n in ("grad_through_time.png", "amnesia.png", "metrics.json")}
        plot_grad_through_time(norms, metrics["grad_ratio_first_to_last"], paths["grad_through_time.png"])
        plot_amnesia(metrics, phrases, paths["amnesia.png"])
        with open(paths["metrics.json"], "w", encoding="utf-8") as f:
            json.dump(metrics, f, indent=1)
        if args.model is None and not os.path.exists(DAY1_MODEL):  # trained here: keep it for the next run
            paths["model.keras"] = os.path.join(args.out, "model.keras")
            model.save(paths["model.keras"])
    except OSError as exc:
        fail(f"could not write to {args.out}: {exc.strerror or exc}")

    print_summary(metrics, phrases, args)
    for path in paths.values():
        print(f"wrote {path}")
    return metrics


def print_summary(m, phrases, args):
    last = args.maxlen
    print(f"\nGradient through time ({m['grad_num_reviews']} full-length test reviews, {m['grad_seconds']:.1f} s):")
    print(f"  seed's claim : ||dL/dh_1|| / ||dL/dh_{last}|| = 1e-9 ('functionally vanished')")
    print(f"  measured     : median {m['grad_ratio_first_to_last']:.3g} "
          f"(quartiles {m['grad_ratio_first_to_last_quartiles'][0]:.3g} - "
          f"{m['grad_ratio_first_to_last_quartiles'][1]:.3g})")
    print(f"  why          : sigma_max(W_hh) = {m['W_hh_sigma_max']:.3f} ({m['W_hh_singular_values_above_1']} of "
          f"{m['units']} singular values above 1), mean tanh' = {m['tanh_prime_mean_after_10_steps']:.3f} "
          "after word 10: one step back multiplies the error by about both")
    print(f"  cross-check  : the NumPy BPTT of day2_bptt_numpy.py on {m['grad_numpy_check_reviews']} of these reviews "
          f"differs by at most {m['grad_numpy_check_max_relative_difference']:.1e} (relative)")
    print(f"Amnesia probe (effect of the phrase on P(positive), against the same filler alone, whose "
          f"P(positive) is {m['amnesia_p_filler_alone']:.3f}):")
    for name, text in phrases.items():
        e, hl = m[f"amnesia_effect_{name}"], m[f"amnesia_half_life_{name}"]
        at150 = f", after 150 filler words {e[150]:+.3f}" if len(e) > 150 else ""
        print(f"  {name:8s} \"{text}\": {e[0]:+.3f} right at the end{at150}; half-life "
              f"{f'{hl} words' if hl is not None else f'not reached within {len(e) - 1} words'}")


if __name__ == "__main__":
    main()
