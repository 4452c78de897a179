"""Day 1: a SimpleRNN learns to read IMDB movie reviews.

What it shows: the whole Keras pipeline for a recurrent sentiment classifier, top to bottom -- load the IMDB word
indices, pad every review to 200 words, build Embedding(10000, 128) -> SimpleRNN(128, tanh) -> Dense(1, sigmoid),
compile it with Adam (learning rate falling along a cosine, gradient norms clipped), fit it with a validation split
held out of the training set, evaluate it once on the test set (overall and by review length), save it.

Result: test accuracy 0.831-0.860 over seeds 0-19 (median 0.845) after 3 epochs, one to two minutes of training on a
2-core CPU; your run will land near that range, not on a given number (training is chaotic). The table, with
versions, CPU and threads: notes/day1.md, section 5.

    python day1_tensorflow.py                            # downloads IMDB through Keras (about 17 MB, once)
    python day1_tensorflow.py --data-dir "$IMDB_DATA_DIR"  # or a local copy: DIR/imdb.npz, DIR/imdb_word_index.json

Outputs (in --out, default runs/day1/): model.keras (what Day 2 opens), history.png, metrics.json.
"""
import os
import time
from collections import namedtuple

from rnn_days import cli, imdb, outputs, training

import numpy as np

tf, keras = cli.import_tensorflow()
OUT_OF_MEMORY = "lower --vocab-size, --maxlen or --batch-size"   # cli.run's advice if memory runs out

Data = namedtuple("Data", "train val test test_lengths")   # (x, y) pairs; each test review's length before padding


# ---------------------------------------------------------------------------------------------------------------
# 1. Load and pad (notes/day1.md, sections 1 and 2)
# ---------------------------------------------------------------------------------------------------------------

def load_data(data_dir, vocab_size=10_000, maxlen=200, padding="pre", validation_split=0.2, max_train=None):
    """IMDB as word indices, every review cut or padded to maxlen. Returns Data: train, val, test as (x, y) with x
    (N, maxlen) int32 and y (N,) float32, and the test reviews' lengths before padding.

    The validation reviews are the last `validation_split` of the (already shuffled) training reviews: recipes are
    chosen on them, and the test set is read once, at the end."""
    # what keras.datasets.imdb.load_data returns: lists of word indices (1 = start, 2 = a word outside the vocabulary)
    (x_train, y_train), (x_test, y_test) = imdb.load_imdb(data_dir, num_words=vocab_size)
    if max_train:
        x_train, y_train = x_train[:max_train], y_train[:max_train]
    n_val = int(round(len(x_train) * validation_split))
    if n_val < 1 or n_val >= len(x_train):
        raise imdb.DataError(f"{len(x_train)} training reviews cannot be split {validation_split} for validation")
    print(f"IMDB: {np.mean([len(r) > maxlen for r in x_train]):.1%} of the training reviews are longer than "
          f"{maxlen} words and lose their beginning")
    test_lengths = np.array([len(r) for r in x_test])
    # keep each review's *last* maxlen words (truncating="pre") and put the zeros in front (padding="pre"), so the
    # last real word is read at the last step, right before the output layer
    x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen, padding=padding, truncating="pre")
    x_test = keras.utils.pad_sequences(x_test, maxlen=maxlen, padding=padding, truncating="pre")
    y_train, y_test = y_train.astype("float32"), y_test.astype("float32")
    return Data((x_train[:-n_val], y_train[:-n_val]), (x_train[-n_val:], y_train[-n_val:]), (x_test, y_test),
                test_lengths)


# ---------------------------------------------------------------------------------------------------------------
# 2. Build: h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h),  p = sigmoid(h_T W_hy + b_y)   (notes/day1.md, section 3)
# ---------------------------------------------------------------------------------------------------------------

def build_model(vocab_size=10_000, maxlen=200, embed_dim=128, units=128):
    """Embedding(vocab_size, 128) -> SimpleRNN(128, tanh) -> Dense(1, sigmoid); input (N, maxlen) word indices."""
    return keras.Sequential([
        keras.Input(shape=(maxlen,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim),             # word index -> x_t, a 128-vector
        keras.layers.SimpleRNN(units, activation="tanh"),          # reads x_1..x_T, returns h_T only
        keras.layers.Dense(1, activation="sigmoid"),               # P(review is positive)
    ], name="day1_simple_rnn")


# ---------------------------------------------------------------------------------------------------------------
# 3. Compile: the optimiser (notes/day1.md, section 4)
# ---------------------------------------------------------------------------------------------------------------

def compile_model(model, learning_rate=1e-3, decay_steps=None):
    """Adam with gradient clipping; with decay_steps the learning rate falls from learning_rate to 0 along a cosine."""
    if decay_steps:
        # big steps while far from a good solution, small ones near it: the SimpleRNN stops bouncing between epochs
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
    # clipnorm caps each weight's gradient norm at 1. With Adam, whose step size is set by the learning rate, what
    # this protects is the moment estimates: one exploding gradient (Day 2) would otherwise swamp them for many steps.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=1.0),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


# ---------------------------------------------------------------------------------------------------------------
# 4. Fit (notes/day1.md, section 4)
# ---------------------------------------------------------------------------------------------------------------

def fit(model, data, epochs=3, batch_size=64, patience=2):
    """model.fit on data.train, scored on data.val after every epoch. EarlyStopping keeps the best validation epoch's
    weights (with 3 epochs and patience 2 it never stops early: restoring is what it is for here); TerminateOnNaN
    ends a diverged run at once. Returns Keras's History."""
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=patience, restore_best_weights=True),
                 keras.callbacks.TerminateOnNaN()]
    return model.fit(*data.train, validation_data=data.val, epochs=epochs, batch_size=batch_size,
                     callbacks=callbacks, verbose=1 if os.isatty(1) else 2)  # one line per epoch in logs


# ---------------------------------------------------------------------------------------------------------------
# 5. Evaluate, once, on the test set (notes/day1.md, section 5)
# ---------------------------------------------------------------------------------------------------------------

def evaluate(model, data, maxlen):
    """Test loss and accuracy, and accuracy split by review length: reviews that fit in maxlen (and are padded)
    against longer ones (which lose their beginning)."""
    x, y = data.test
    loss, accuracy = model.evaluate(x, y, batch_size=512, verbose=0)
    right = (model.predict(x, batch_size=512, verbose=0)[:, 0] >= 0.5) == (y == 1)
    fits = data.test_lengths <= maxlen
    return {"test_accuracy": float(accuracy), "test_loss": float(loss),
            "test_accuracy_fits_maxlen": float(right[fits].mean()) if fits.any() else None,
            "test_accuracy_longer": float(right[~fits].mean()) if (~fits).any() else None,
            "test_share_fits_maxlen": float(fits.mean())}


# ---------------------------------------------------------------------------------------------------------------
# 6. Everything after the model: compile, fit, evaluate (Day 3 reuses this with another cell)
# ---------------------------------------------------------------------------------------------------------------

def train_and_evaluate(model, data, learning_rate=1e-3, schedule="cosine", epochs=3, batch_size=64, patience=2):
    """Compile `model`, fit it on data.train (validated on data.val), evaluate it once on data.test.
    Returns (History or None when epochs is 0, the results dict that goes into metrics.json)."""
    steps = epochs * -(-len(data.train[0]) // batch_size)   # optimizer steps in the whole run
    compile_model(model, learning_rate, decay_steps=steps if schedule == "cosine" else None)
    model.summary()

    start = time.perf_counter()
    history = fit(model, data, epochs, batch_size, patience) if epochs else None
    train_seconds = time.perf_counter() - start
    training.check_finite(history)   # a diverged run stops here, with one line; the previous outputs stay

    results = evaluate(model, data, maxlen=data.train[0].shape[1])
    results.update(training.fit_summary(history, train_seconds, data))
    return history, results


# ---------------------------------------------------------------------------------------------------------------
# 7. The script: the pipeline as statements
# ---------------------------------------------------------------------------------------------------------------

def main(argv=None):
    args = training.parse_flags(training.make_parser(__doc__, os.path.join("runs", "day1")), argv)

    data = load_data(args.data_dir, args.vocab_size, args.maxlen, args.padding, args.validation_split, args.max_train)
    index_to_word = imdb.index_to_word_map(imdb.load_word_index(args.data_dir))   # fails before training, not after
    training.print_sizes(data, args.maxlen, args.padding, args.vocab_size)

    keras.utils.set_random_seed(args.seed)   # the initial weights, the batch order: one seed, the same run
    model = build_model(args.vocab_size, args.maxlen)
    history, results = train_and_evaluate(model, data, args.learning_rate, args.schedule, args.epochs,
                                          args.batch_size, args.patience)
    training.report(model, data.test, results, index_to_word)

    with outputs.Outputs(args.out) as out:   # all files together: a failed save keeps the previous run's
        model.save(out.path("model.keras"))
        training.write_run(out, model, history, results, args, "Day 1: SimpleRNN on IMDB")
    training.print_written(out)
    return results


if __name__ == "__main__":
    cli.run(main, out_of_memory=OUT_OF_MEMORY)
