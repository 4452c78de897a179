"""Training on IMDB, shared by the days that train (Day 1's SimpleRNN, Day 3's LSTM and GRU): the flags, the fit with
its callbacks, Day 1's optimiser recipe (`compile_model`), the evaluation split by review length, the history plot,
the outputs. The model stays in each day's script: it is the lesson.

    run(args, model, title)  ->  trains, prints, writes model.keras, history.png, metrics.json into args.out
"""
import os
import time

import numpy as np

from rnn_days import cli, imdb
from rnn_days.conditions import conditions


def add_flags(parser, default_out, epochs=3, learning_rate=1e-3):
    """The flags every training script shares (Day 1's, with the same defaults unless given)."""
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
    parser.add_argument("--data-dir", default=os.environ.get("IMDB_DATA_DIR") or None,
                        help="folder with a local imdb.npz and imdb_word_index.json (default: $IMDB_DATA_DIR, "
                             "else Keras downloads IMDB)")
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


def check_flags(parser, args):
    if args.vocab_size <= imdb.INDEX_FROM:
        parser.error(f"argument --vocab-size: must be > {imdb.INDEX_FROM} (indices 0-2 are reserved), "
                     f"got {args.vocab_size}")


def load_data(args):
    """Train / validation / test arrays of shape (N, maxlen). imdb.pad keeps each review's *last* maxlen words and
    pads short ones in front ("pre"), so the last real word is read at the last step, right before the output."""
    return imdb.load_padded(args.data_dir, args.vocab_size, args.maxlen, args.padding, args.validation_split,
                            args.max_train)


def compile_model(model, learning_rate, decay_steps=None):
    """Day 1's optimiser, which Day 3 keeps so that the cell is what differs: Adam with gradient clipping; with
    decay_steps the learning rate falls from learning_rate to 0 along a cosine (notes/day1.md, section 4)."""
    import keras
    if decay_steps:
        # big steps while far from a good solution, small ones near it: the SimpleRNN stops bouncing between epochs
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
    # clipnorm caps each weight's gradient norm at 1. With Adam, whose step size is set by the learning rate, what
    # this protects is the moment estimates: one exploding gradient (Day 2) would otherwise swamp them for many steps.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=1.0),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def decay_steps(args, n_train):
    """Optimizer steps in the whole run, for a cosine schedule; None for a constant learning rate."""
    return args.epochs * -(-n_train // args.batch_size) if args.schedule == "cosine" else None


def fit(model, data, args):
    """Fit; EarlyStopping restores the best validation epoch's weights (with 3 epochs and patience 2 it never stops
    early -- restoring is what it is for here). TerminateOnNaN ends a diverged run at once. Returns History."""
    import keras
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=args.patience,
                                               restore_best_weights=True),
                 keras.callbacks.TerminateOnNaN()]
    return model.fit(*data.train, validation_data=data.val, epochs=args.epochs, batch_size=args.batch_size,
                     callbacks=callbacks, verbose=1 if os.isatty(1) else 2)  # one line per epoch in logs


def evaluate(model, data, maxlen):
    """Test loss and accuracy, and accuracy split by review length: reviews that fit in maxlen (and are padded)
    against longer ones (which lose their beginning)."""
    x, y = data.test
    loss, accuracy = model.evaluate(x, y, batch_size=512, verbose=0)
    p = model.predict(x, batch_size=512, verbose=0)[:, 0]
    right = (p >= 0.5) == (y == 1)
    fits = data.test_lengths <= maxlen
    return {"test_accuracy": float(accuracy), "test_loss": float(loss),
            "test_accuracy_fits_maxlen": float(right[fits].mean()) if fits.any() else None,
            "test_accuracy_longer": float(right[~fits].mean()) if (~fits).any() else None,
            "test_share_fits_maxlen": float(fits.mean())}


def plot_history(history, path, title):
    """Loss and accuracy per epoch, train vs validation, to a PNG."""
    import matplotlib.pyplot as plt
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


def show_examples(model, x, y, index_to_word, count=3, words=40):
    """Print a few test reviews as text with the model's P(positive) and the true label."""
    probabilities = model.predict(x[:count], verbose=0)[:, 0]
    for review, label, p in zip(x[:count], y[:count], probabilities):
        shown = " ".join(imdb.decode(review, index_to_word).split()[-words:])
        print(f"\n  ...{shown}\n  P(positive) = {p:.3f} -> {'positive' if p >= 0.5 else 'negative'}; "
              f"true label: {'positive' if label == 1 else 'negative'}")


def run(args, make_model, title, extra=None):
    """Load the data, build and train make_model(n_train) (a compiled model), evaluate, write the outputs atomically.

    extra(model, data, out) may add results and files to the same run (Day 3 looks inside its model there); it returns
    a dict merged into metrics.json. Returns the metrics dict."""
    import keras
    import tensorflow as tf
    try:
        data = load_data(args)
        index_to_word = imdb.index_to_word_map(imdb.load_word_index(args.data_dir))  # fail before training
        keras.utils.set_random_seed(args.seed)
        print(f"      {len(data.train[0]):,} training, {len(data.val[0]):,} validation, {len(data.test[0]):,} test "
              f"reviews, {args.maxlen} words each ({args.padding}-padded), vocabulary {args.vocab_size:,}")
        model = make_model(len(data.train[0]))
        model.summary()
        start = time.perf_counter()
        history = fit(model, data, args) if args.epochs else None
        train_seconds = time.perf_counter() - start
    except imdb.DataError as exc:
        cli.fail(str(exc))
    except (MemoryError, tf.errors.ResourceExhaustedError):
        cli.fail("out of memory: lower --vocab-size, --maxlen or --batch-size")
    h = history.history if args.epochs else {"loss": [], "val_accuracy": []}
    if not np.all(np.isfinite(h["loss"])):
        cli.fail(f"training diverged (the loss became NaN or inf in epoch {len(h['loss'])}); "
                 "lower --learning-rate. Previous outputs kept")

    results = dict(evaluate(model, data, args.maxlen),
                   epochs_run=len(h["loss"]),
                   best_epoch=int(np.argmax(h["val_accuracy"])) + 1 if args.epochs else None,
                   val_accuracy_per_epoch=[float(v) for v in h["val_accuracy"]],
                   train_seconds=round(train_seconds, 2),
                   seconds_per_epoch=round(train_seconds / len(h["loss"]), 2) if args.epochs else None,
                   n_train=len(data.train[0]), n_val=len(data.val[0]), n_test=len(data.test[0]))
    print(f"\nTest accuracy {results['test_accuracy']:.4f}, test loss {results['test_loss']:.4f} "
          f"(best epoch {results['best_epoch']} of {results['epochs_run']}, training {train_seconds:.1f} s)")
    print("\nA few test reviews (last words shown):")
    show_examples(model, *data.test, index_to_word)

    with cli.Outputs(args.out) as out:
        model.save(out.path("model.keras"))
        if history:
            plot_history(history, out.path("history.png"), title)
        if extra:
            results.update(extra(model, data, out))
        cli.write_json(dict(results, settings=vars(args), conditions=conditions()), out.path("metrics.json"))
    print()
    for path in out.written():
        print(f"wrote {path}")
    return results
