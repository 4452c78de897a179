"""Day 1: a SimpleRNN learns to read IMDB movie reviews.

What it shows: the whole Keras pipeline for a recurrent sentiment classifier -- IMDB word ranks, pre-padding to a
fixed length, Embedding(10000, 128) -> SimpleRNN(128, tanh) -> Dense(1, sigmoid), trained with Adam (learning rate
falling along a cosine), gradient-norm clipping and early stopping on a validation split held out from the training
set.

Result: test accuracy 0.843-0.860 (median 0.846 over seeds 0, 1, 2) after 3 epochs, about a minute of training on a
2-core CPU (notes/day1.md).

    python day1_tensorflow.py                          # downloads IMDB through Keras
    python day1_tensorflow.py --data-dir ../shared/data  # or a local copy: DIR/imdb.npz, DIR/imdb_word_index.json

Outputs (in --out, default runs/day1/): model.keras, history.png, metrics.json.
"""
import io
import json
import os
import pickle
import sys
import time
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow: warnings and errors only

import matplotlib
import numpy as np

from cli import Parser, fail, fraction, native_stderr_hidden, non_negative_int, positive_float, positive_int

with native_stderr_hidden():  # TensorFlow's C++ start-up notes (oneDNN, no GPU) would bury the script's output
    import keras
    import tensorflow as tf

    tf.config.list_physical_devices()  # looks for a GPU now, while its "no CUDA driver" note is hidden

matplotlib.use("Agg")  # headless: figures go to PNG files
import matplotlib.pyplot as plt

# Keras's IMDB conventions: 0 pads, 1 marks the start of a review, 2 stands for a word outside the vocabulary,
# and real word ranks are shifted up by 3 so they never collide with those three.
PAD, START, OOV, INDEX_FROM = 0, 1, 2, 3
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DataError(Exception):
    """The data could not be loaded; the message says what to do."""


# ---------------------------------------------------------------------------------------------------------------
# 1. Data: IMDB as word ranks
# ---------------------------------------------------------------------------------------------------------------

# The npz stores each split's reviews as an object array, i.e. a pickle. Unpickling can run any code the file
# names, so -- like Keras 3's own dataset reader -- allow only the three numpy globals that rebuild an array.
_ALLOWED_PICKLE_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        return super().find_class(module, name)


def _read_npy(stream):
    """One .npy member: numeric arrays without pickle at all, object arrays through the restricted unpickler."""
    version = np.lib.format.read_magic(stream)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    _, _, dtype = read_header(stream)
    if not dtype.hasobject:
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    array = _ArrayOnlyUnpickler(stream).load()
    if not isinstance(array, np.ndarray):
        raise ValueError("an object member is not an array")
    return array


def read_npz(path):
    """Read an .npz archive into {name: array} without ever running code stored in it."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                arrays[member[: -len(".npy")]] = _read_npy(io.BytesIO(archive.read(member)))
    return arrays


def _read_local_npz(path):
    if not os.path.isfile(path):
        raise DataError(f"{path} not found: --data-dir (or IMDB_DATA_DIR) must hold imdb.npz and imdb_word_index.json")
    try:
        arrays = read_npz(path)
    except pickle.UnpicklingError as exc:
        raise DataError(f"{path} was refused and nothing in it was run ({exc}); use an untampered copy of imdb.npz")
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, pickle.PickleError) as exc:
        raise DataError(f"{path} is not a readable IMDB npz ({type(exc).__name__}: {exc}); download imdb.npz again")
    missing = [key for key in NPZ_KEYS if key not in arrays]
    if missing:
        raise DataError(f"{path} lacks {', '.join(missing)}: an IMDB npz holds {', '.join(NPZ_KEYS)}")
    for split in ("train", "test"):
        if len(arrays[f"x_{split}"]) != len(arrays[f"y_{split}"]):
            raise DataError(f"{path}: x_{split} and y_{split} differ in length; download imdb.npz again")
    return arrays


def load_imdb(data_dir=None, num_words=None, skip_top=0, maxlen=None, seed=113, start_char=START, oov_char=OOV,
              index_from=INDEX_FROM):
    """IMDB as `keras.datasets.imdb.load_data` returns it: ((x_train, y_train), (x_test, y_test)).

    Each x is an object array of reviews, each review a list of word indices. With `data_dir` the arrays come from
    DATA_DIR/imdb.npz and go through exactly Keras's steps (seed shuffle, start_char, index_from, maxlen filter,
    num_words/skip_top -> oov_char); without it, Keras downloads and caches its own copy.
    """
    if data_dir is None:
        try:
            return keras.datasets.imdb.load_data(num_words=num_words, skip_top=skip_top, maxlen=maxlen, seed=seed,
                                                 start_char=start_char, oov_char=oov_char, index_from=index_from)
        except Exception as exc:  # offline, proxy, disk full: all end the same way for the learner
            raise DataError(f"could not download IMDB through Keras ({type(exc).__name__}: {exc}); "
                            "if you are offline, pass --data-dir DIR (or set IMDB_DATA_DIR) with a local imdb.npz")
    arrays = _read_local_npz(os.path.join(data_dir, "imdb.npz"))
    try:
        return _keras_load_steps(arrays, num_words, skip_top, maxlen, seed, start_char, oov_char, index_from)
    except (TypeError, ValueError) as exc:  # e.g. reviews that are not lists of integers
        raise DataError(f"{data_dir}/imdb.npz is not in Keras's IMDB format ({type(exc).__name__}: {exc})")


def _keras_load_steps(arrays, num_words, skip_top, maxlen, seed, start_char, oov_char, index_from):
    """The same steps, in the same order, as keras.datasets.imdb.load_data after it has read the file."""
    rng = np.random.RandomState(seed)
    splits = []
    for split in ("train", "test"):
        order = np.arange(len(arrays[f"x_{split}"]))
        rng.shuffle(order)
        x = [([start_char] if start_char is not None else []) + [w + index_from for w in review]
             for review in arrays[f"x_{split}"][order]]
        y = arrays[f"y_{split}"][order]
        if maxlen:  # Keras drops (does not cut) reviews of maxlen words or more
            keep = [i for i, review in enumerate(x) if len(review) < maxlen]
            x, y = [x[i] for i in keep], y[keep]
            if not x:
                raise DataError(f"no {split} review is shorter than maxlen={maxlen}")
        splits.append((x, y))
    (x_train, y_train), (x_test, y_test) = splits
    reviews = x_train + x_test
    if not num_words:
        num_words = max(max(r) for r in reviews)
    if oov_char is not None:
        reviews = [[w if skip_top <= w < num_words else oov_char for w in r] for r in reviews]
    else:
        reviews = [[w for w in r if skip_top <= w < num_words] for r in reviews]
    n = len(x_train)
    return (np.array(reviews[:n], dtype="object"), y_train), (np.array(reviews[n:], dtype="object"), y_test)


def load_word_index(data_dir=None):
    """word -> rank (1 = most frequent), from DATA_DIR/imdb_word_index.json or Keras's download."""
    if data_dir is None:
        try:
            return keras.datasets.imdb.get_word_index()
        except Exception as exc:
            raise DataError(f"could not download the IMDB word index ({type(exc).__name__}: {exc}); "
                            "pass --data-dir DIR with a local imdb_word_index.json")
    path = os.path.join(data_dir, "imdb_word_index.json")
    try:
        with open(path, encoding="utf-8") as f:
            word_index = json.load(f)
    except FileNotFoundError:
        raise DataError(f"{path} not found: --data-dir (or IMDB_DATA_DIR) must hold imdb_word_index.json too")
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} is not a readable word index ({type(exc).__name__}); download it again")
    if not isinstance(word_index, dict):
        raise DataError(f"{path} is not a word index (expected a JSON object word -> rank)")
    return word_index


def decode(review, index_to_word):
    """Word indices back to text; `index_to_word` maps index (rank + INDEX_FROM) to word."""
    words = []
    for i in review:
        if i not in (PAD, START):
            words.append("[?]" if i == OOV else index_to_word.get(i, "[?]"))
    return " ".join(words)


def index_to_word_map(word_index):
    return {rank + INDEX_FROM: word for word, rank in word_index.items()}


def pad(reviews, maxlen, padding="pre"):
    """Keep the *last* maxlen words; pad at the front ("pre"), so every review's final word meets the final RNN step."""
    return keras.utils.pad_sequences(reviews, maxlen=maxlen, padding=padding, truncating="pre")


def load_padded(args):
    """Train, validation and test arrays for the flags in `args`: (x, y) pairs of shape (N, maxlen) and (N,)."""
    (x_train, y_train), (x_test, y_test) = load_imdb(args.data_dir, num_words=args.vocab_size)
    if args.max_train:
        x_train, y_train = x_train[: args.max_train], y_train[: args.max_train]
    n_val = int(round(len(x_train) * args.validation_split))
    if n_val < 1 or n_val >= len(x_train):
        raise DataError(f"{len(x_train)} training reviews cannot be split {args.validation_split} for validation")
    truncated = np.mean([len(r) > args.maxlen for r in x_train])
    print(f"IMDB: {truncated:.1%} of the training reviews are longer than {args.maxlen} words and lose their beginning")
    x_train, y_train = pad(x_train, args.maxlen, args.padding), y_train.astype("float32")
    # The validation reviews are the last n_val training reviews (already shuffled): the test set stays unseen.
    return ((x_train[:-n_val], y_train[:-n_val]), (x_train[-n_val:], y_train[-n_val:]),
            (pad(x_test, args.maxlen, args.padding), y_test.astype("float32")))


# ---------------------------------------------------------------------------------------------------------------
# 2. The model: h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h),  p = sigmoid(h_T W_hy + b_y)
# ---------------------------------------------------------------------------------------------------------------

def build_model(vocab_size=10_000, maxlen=200, embed_dim=128, units=128):
    """Embedding(vocab_size, 128) -> SimpleRNN(128, tanh) -> Dense(1, sigmoid); input (N, maxlen) word indices."""
    return keras.Sequential([
        keras.Input(shape=(maxlen,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim),             # word index -> x_t, a 128-vector
        keras.layers.SimpleRNN(units, activation="tanh"),          # reads x_1..x_T, returns h_T only
        keras.layers.Dense(1, activation="sigmoid"),               # P(review is positive)
    ], name="day1_simple_rnn")


def compile_model(model, learning_rate, decay_steps=None):
    """Adam with gradient clipping; with decay_steps the learning rate falls from learning_rate to 0 along a cosine."""
    if decay_steps:
        # big steps while far from a good solution, small ones near it: the SimpleRNN stops bouncing between epochs
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
    # clipnorm caps each weight's gradient norm at 1: the exploding gradients of Day 2 cannot throw training off.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=1.0),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def train(model, train_data, val_data, epochs, batch_size, patience):
    """Fit with early stopping on validation accuracy; the best epoch's weights are restored. Returns History."""
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=patience, restore_best_weights=True)
    return model.fit(*train_data, validation_data=val_data, epochs=epochs, batch_size=batch_size,
                     callbacks=[stop], verbose=1 if sys.stdout.isatty() else 2)  # one line per epoch in logs


def plot_history(history, path):
    """Loss and accuracy per epoch, train vs validation, to a PNG."""
    h = history.history
    epochs = np.arange(1, len(h["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, title in zip(axes, ("loss", "accuracy"), ("binary cross-entropy", "accuracy")):
        ax.plot(epochs, h[key], "o-", label="train")
        ax.plot(epochs, h[f"val_{key}"], "s-", label="validation")
        ax.set(xlabel="epoch", title=title, xticks=epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Day 1: SimpleRNN on IMDB")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 3. The script
# ---------------------------------------------------------------------------------------------------------------

def make_parser(description=__doc__):
    parser = Parser(description=description.split("\n\n")[0], epilog="Exit status: 0 ok, 1 data or file problem, "
                    "2 bad flag value.")
    parser.add_argument("--epochs", type=positive_int, default=3,
                        help="epochs to train (default %(default)s)")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="reviews per step (default %(default)s)")
    parser.add_argument("--learning-rate", type=positive_float, default=1e-3,
                        help="Adam's starting learning rate (default %(default)s)")
    parser.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                        help="cosine: the learning rate falls to 0 over the epochs; constant: it stays "
                             "(default %(default)s; notes/day1.md compares them)")
    parser.add_argument("--maxlen", type=positive_int, default=200,
                        help="keep the last MAXLEN words of each review, pad shorter ones (default %(default)s)")
    parser.add_argument("--vocab-size", type=positive_int, default=10_000,
                        help="most frequent words kept; rarer ones become OOV (default %(default)s)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default %(default)s)")
    parser.add_argument("--data-dir", default=os.environ.get("IMDB_DATA_DIR") or None,
                        help="folder with a local imdb.npz and imdb_word_index.json (default: $IMDB_DATA_DIR, "
                             "else Keras downloads IMDB)")
    parser.add_argument("--out", default=os.path.join("runs", "day1"),
                        help="output folder; this script's output files there are replaced (default %(default)s)")
    parser.add_argument("--max-train", type=positive_int, default=None,
                        help="use only the first N training reviews, for quick runs (default: all 25,000)")
    parser.add_argument("--validation-split", type=fraction, default=0.2,
                        help="fraction of the training reviews held out for validation (default %(default)s)")
    parser.add_argument("--padding", choices=("pre", "post"), default="pre",
                        help="where the zeros of a short review go: in front (pre) or after it (post) "
                             "(default %(default)s; notes/day1.md measures both)")
    parser.add_argument("--patience", type=positive_int, default=2,
                        help="epochs without a better validation accuracy before stopping (default %(default)s)")
    return parser


def check_args(parser, args):
    if args.vocab_size <= INDEX_FROM:
        parser.error(f"argument --vocab-size: must be > {INDEX_FROM} (indices 0-2 are reserved), got {args.vocab_size}")
    if args.out and os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error(f"argument --out: {args.out} exists and is not a folder")
    return args


def get_trained_model(args, data=None):
    """Build, train and evaluate the Day-1 model on `data` (default: load_padded(args)).

    Returns (model, (train, validation, test) data, history, results).
    """
    keras.utils.set_random_seed(args.seed)
    train_data, val_data, test_data = data or load_padded(args)
    print(f"      {len(train_data[0]):,} training, {len(val_data[0]):,} validation, {len(test_data[0]):,} test "
          f"reviews, {args.maxlen} words each ({args.padding}-padded), vocabulary {args.vocab_size:,}")
    steps = args.epochs * int(np.ceil(len(train_data[0]) / args.batch_size)) if args.schedule == "cosine" else None
    model = compile_model(build_model(args.vocab_size, args.maxlen), args.learning_rate, steps)
    model.summary()
    start = time.perf_counter()
    history = train(model, train_data, val_data, args.epochs, args.batch_size, args.patience)
    train_seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(*test_data, batch_size=512, verbose=0)
    results = {
        "test_accuracy": float(test_accuracy), "test_loss": float(test_loss),
        "epochs_run": len(history.history["loss"]),
        "best_epoch": int(np.argmax(history.history["val_accuracy"])) + 1,
        "best_val_accuracy": float(np.max(history.history["val_accuracy"])),
        "train_seconds": round(train_seconds, 2),
        "n_train": len(train_data[0]), "n_val": len(val_data[0]), "n_test": len(test_data[0]),
    }
    print(f"\nTest accuracy {test_accuracy:.4f}, test loss {test_loss:.4f} "
          f"(best epoch {results['best_epoch']} of {results['epochs_run']}, training {train_seconds:.1f} s)")
    return model, (train_data, val_data, test_data), history, results


def show_examples(model, test_data, index_to_word, count=3, words=40):
    """Print a few test reviews as text with the model's P(positive) and the true label."""
    x, y = test_data[0][:count], test_data[1][:count]
    probabilities = model.predict(x, verbose=0)[:, 0]
    for review, label, p in zip(x, y, probabilities):
        text = decode(review, index_to_word).split()
        shown = " ".join(text[-words:])
        print(f"\n  ...{shown}\n  P(positive) = {p:.3f} -> {'positive' if p >= 0.5 else 'negative'}; "
              f"true label: {'positive' if label == 1 else 'negative'}")


def save_outputs(out, model, history, results, args):
    os.makedirs(out, exist_ok=True)
    paths = {name: os.path.join(out, name) for name in ("model.keras", "history.png", "metrics.json")}
    model.save(paths["model.keras"])
    plot_history(history, paths["history.png"])
    metrics = dict(results, settings=vars(args), versions={
        "keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__})
    with open(paths["metrics.json"], "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
    return paths


def main(argv=None):
    parser = make_parser()
    args = check_args(parser, parser.parse_args(argv))
    try:
        data = load_padded(args)
        index_to_word = index_to_word_map(load_word_index(args.data_dir))  # a missing index stops us before training
        model, (_, _, test_data), history, results = get_trained_model(args, data)
    except DataError as exc:
        fail(str(exc))
    except MemoryError:
        fail("out of memory: lower --maxlen, --vocab-size or --batch-size")
    print("\nA few test reviews (last words shown):")
    show_examples(model, test_data, index_to_word)
    try:
        paths = save_outputs(args.out, model, history, results, args)
    except OSError as exc:
        fail(f"could not write to {args.out}: {exc.strerror or exc}")
    print()
    for name, path in paths.items():
        print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
