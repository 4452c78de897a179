"""Plumbing of the scripts that train on IMDB (Day 1's SimpleRNN, Day 3's LSTM and GRU): the flags and their checks,
the printed report, the history plot, and the outputs written together. The pipeline itself -- load, pad, build,
compile, fit, evaluate, save -- is the lesson, and stays in day1_tensorflow.py.
"""
import shlex
import sys

from rnn_days import cli, imdb, outputs, plots
from rnn_days.conditions import conditions

import numpy as np


def make_parser(doc, default_out, epochs=3, learning_rate=1e-3):
    """A parser with the flags every training script shares (Day 1's, with the same defaults unless given)."""
    parser = cli.Parser(doc)
    parser.add_argument("--epochs", type=cli.non_negative_int, default=epochs,
                        help="epochs to train; 0 saves the untrained, Keras-initialised model (default %(default)s)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=64,
                        help="reviews per step (default %(default)s)")
    parser.add_argument("--learning-rate", type=cli.bounded_float(1.0), default=learning_rate,
                        help="Adam's starting learning rate, in (0, 1] (default %(default)s)")
    parser.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                        help="cosine: the learning rate falls to 0 over the epochs; constant: it stays "
                             "(default %(default)s; notes/day1.md compares them)")
    parser.add_argument("--maxlen", type=cli.positive_int, default=200,
                        help="keep the last MAXLEN words of each review, pad shorter ones (default %(default)s)")
    parser.add_argument("--vocab-size", type=cli.positive_int, default=10_000,
                        help="most frequent words kept; rarer ones become OOV (default %(default)s)")
    parser.add_seed()
    parser.add_data_dir()
    parser.add_out(default_out)
    parser.add_argument("--max-train", type=cli.positive_int, default=None,
                        help="use only the first N training reviews, for quick runs (default: all 25,000)")
    parser.add_argument("--validation-split", type=cli.fraction, default=0.2,
                        help="fraction of the training reviews held out for validation (default %(default)s)")
    parser.add_argument("--padding", choices=("pre", "post"), default="pre",
                        help="where the zeros of a short review go: in front (pre) or after it (post) "
                             "(default %(default)s; notes/day1.md measures both)")
    parser.add_argument("--patience", type=cli.positive_int, default=2,
                        help="epochs without a better validation accuracy before stopping (default %(default)s)")
    return parser


def parse_flags(parser, argv=None):
    """Parse and check the flags; `args.command` records how this run was started (it goes into metrics.json)."""
    args = parser.parse_args(argv)
    if args.vocab_size <= imdb.INDEX_FROM:
        raise cli.UsageError(f"argument --vocab-size: must be > {imdb.INDEX_FROM} (indices 0-2 are reserved), "
                             f"got {args.vocab_size}")
    args.command = shlex.join(["python", parser.prog] + list(sys.argv[1:] if argv is None else argv))
    outputs.check_writable(args.out)   # before minutes of training, not after
    return args


def print_sizes(data, maxlen, padding, vocab_size):
    print(f"      {len(data.train[0]):,} training, {len(data.val[0]):,} validation, {len(data.test[0]):,} test "
          f"reviews, {maxlen} words each ({padding}-padded), vocabulary {vocab_size:,}")


def check_finite(history):
    """A loss that became NaN or inf ends the run with one line, before anything is written."""
    losses = history.history["loss"] if history else []
    if not np.all(np.isfinite(losses)):
        raise cli.Failure(f"training diverged (the loss became NaN or inf in epoch {len(losses)}); "
                          "lower --learning-rate. Previous outputs kept")


def fit_summary(history, train_seconds, data):
    """What the fit did, for metrics.json: epochs, the best validation epoch, validation accuracy per epoch, time."""
    h = history.history if history else {"loss": [], "val_accuracy": []}
    epochs = len(h["loss"])
    return {"epochs_run": epochs,
            "best_epoch": int(np.argmax(h["val_accuracy"])) + 1 if epochs else None,
            "val_accuracy_per_epoch": [float(v) for v in h["val_accuracy"]],
            "train_seconds": round(train_seconds, 2),
            "seconds_per_epoch": round(train_seconds / epochs, 2) if epochs else None,
            "n_train": len(data.train[0]), "n_val": len(data.val[0]), "n_test": len(data.test[0])}


def report(model, test, results, index_to_word, count=3, words=40):
    """Print the test accuracy and a few test reviews as text with the model's P(positive) and the true label."""
    print(f"\nTest accuracy {results['test_accuracy']:.4f}, test loss {results['test_loss']:.4f} "
          f"(best epoch {results['best_epoch']} of {results['epochs_run']}, training {results['train_seconds']:.1f} s)")
    print("\nA few test reviews (last words shown):")
    x, y = test
    probabilities = model.predict(x[:count], verbose=0)[:, 0]
    for review, label, p in zip(x[:count], y[:count], probabilities):
        shown = " ".join(imdb.decode(review, index_to_word).split()[-words:])
        print(f"\n  ...{shown}\n  P(positive) = {p:.3f} -> {'positive' if p >= 0.5 else 'negative'}; "
              f"true label: {'positive' if label == 1 else 'negative'}")


def plot_history(history, path, title):
    """Loss and accuracy per epoch, train vs validation, to a PNG."""
    plt = plots.pyplot()
    h = history.history
    epochs = np.arange(1, len(h["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, name in zip(axes, ("loss", "accuracy"), ("binary cross-entropy", "accuracy")):
        ax.plot(epochs, h[key], "o-", label="train")
        ax.plot(epochs, h[f"val_{key}"], "s-", label="validation")
        ax.set(xlabel="epoch", title=name, xticks=epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def identity(model, args):
    """What this model is, for every later reader of metrics.json (Day 2 and Day 3 label models by it, never by their
    folder's name): its recurrent cell, seed, whether it was trained, and the command that made it."""
    import keras
    cell = next((type(layer).__name__ for layer in model.layers if isinstance(layer, keras.layers.RNN)), None)
    return {"name": model.name, "cell": cell, "seed": args.seed, "trained": args.epochs > 0, "command": args.command}


def write_run(out, model, history, results, args, title):
    """Into an open outputs.Outputs: history.png (when it trained) and metrics.json -- the results, the model's
    identity, the settings and the conditions."""
    if history:
        plot_history(history, out.path("history.png"), title)
    settings = {k: v for k, v in vars(args).items() if k != "command"}
    outputs.write_json(dict(results, model=identity(model, args), settings=settings, conditions=conditions()),
                   out.path("metrics.json"))


def print_written(out):
    print()
    for path in out.written():
        print(f"wrote {path}")
