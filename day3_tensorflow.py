"""Day 3 (Keras): the LSTM on Day 1's task -- Day 1's pipeline with the cell swapped.

What it shows: Day 1's load, pad, compile, fit and evaluate, imported from day1_tensorflow.py by name (that reuse is
the lesson: only the recurrent layer changes), with the SimpleRNN replaced by LSTM(128) -- or GRU(128) with
--cell gru -- and dropout 0.2 on the cell's inputs (chosen on validation accuracy, notes/day3.md). To look inside the
trained network afterwards (the error through time, the forget gates, the memory of a phrase): day3_inside.py.

    python day3_tensorflow.py --seed 0 --out runs/day3_lstm_seed0
    python day3_tensorflow.py --cell gru --seed 0 --out runs/day3_gru_seed0
    python day3_inside.py --model runs/day3_lstm_seed0/model.keras --out runs/day3_inside

Result: LSTM test accuracy 0.867-0.875 over seeds 0-9 (median 0.873), GRU 0.865-0.873 (median 0.868), against the
SimpleRNN's 0.831-0.860 over twenty seeds (Day 1), after 3 epochs on a 2-core CPU. The tables and the time per epoch:
notes/day3.md, section 6.
Outputs (in --out, default runs/day3/): model.keras, history.png, metrics.json.
"""
import os

from day1_tensorflow import load_data, train_and_evaluate  # Day 1's pipeline, unchanged
from rnn_days import cli, imdb, outputs, training

tf, keras = cli.import_tensorflow()
OUT_OF_MEMORY = "lower --vocab-size, --maxlen or --batch-size"

CELLS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


# ---------------------------------------------------------------------------------------------------------------
# The model: Day 1's, with the SimpleRNN layer swapped for an LSTM (or a GRU)
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
# The script: Day 1's statements, one line different
# ---------------------------------------------------------------------------------------------------------------

def make_parser():
    parser = training.make_parser(__doc__, os.path.join("runs", "day3"))
    parser.add_argument("--cell", choices=tuple(CELLS), default="lstm",
                        help="the recurrent layer (default %(default)s)")
    parser.add_argument("--dropout", type=cli.rate(0.9), default=0.2,
                        help="input dropout of the cell while training, in [0, 0.9] (default %(default)s; "
                             "notes/day3.md, section 6, compares 0)")
    return parser


def main(argv=None):
    args = training.parse_flags(make_parser(), argv)

    data = load_data(args.data_dir, args.vocab_size, args.maxlen, args.padding, args.validation_split, args.max_train)
    index_to_word = imdb.index_to_word_map(imdb.load_word_index(args.data_dir))
    training.print_sizes(data, args.maxlen, args.padding, args.vocab_size)

    keras.utils.set_random_seed(args.seed)
    model = build_model(args.cell, args.vocab_size, args.maxlen, dropout=args.dropout)   # the one change
    history, results = train_and_evaluate(model, data, args.learning_rate, args.schedule, args.epochs,
                                          args.batch_size, args.patience)
    training.report(model, data.test, results, index_to_word)

    with outputs.Outputs(args.out) as out:   # all files together: a failed save keeps the previous run's
        model.save(out.path("model.keras"))
        training.write_run(out, model, history, results, args, f"Day 3: {args.cell.upper()} on IMDB")
    training.print_written(out)
    return results


if __name__ == "__main__":
    cli.run(main, out_of_memory=OUT_OF_MEMORY)
