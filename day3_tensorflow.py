"""Day 3 (Keras): the LSTM on Day 1's task, and a look inside it.

What it shows: Day 1's pipeline (same data, split, pre-padding, optimiser recipe) with the SimpleRNN replaced by
LSTM(128) -- or GRU(128) with --cell gru -- and then, as Day 2 did for the SimpleRNN, what the trained network does
with the error and with a phrase: ||dL/dh_t|| and ||dL/dc_t|| through time on full-length test reviews, the mean
forget gate f_t at every word, and the real-text memory probe, beside a Day-1 SimpleRNN.

    python day3_tensorflow.py --seed 0 --out runs/day3_lstm_seed0                 # trains, then looks inside
    python day3_tensorflow.py --cell gru --seed 0 --out runs/day3_gru_seed0
    python day3_tensorflow.py --model runs/day3_lstm_seed{0,1,2,3,4}/model.keras --out runs/day3_inside

Result: the five-seed tables (LSTM, GRU, SimpleRNN), the time per epoch and the look inside are in notes/day3.md.
Outputs (in --out, default runs/day3/): model.keras and history.png when it trains, inside.png, memory.png,
metrics.json.
"""
import os

from rnn_days import cli, training

tf, keras = cli.import_tensorflow()

CELLS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


# ---------------------------------------------------------------------------------------------------------------
# 1. The model: Day 1's, with the SimpleRNN layer swapped for an LSTM (or a GRU)
# ---------------------------------------------------------------------------------------------------------------

def build_model(cell="lstm", vocab_size=10_000, maxlen=200, embed_dim=128, units=128):
    """Embedding(vocab_size, 128) -> LSTM(128) (or GRU(128)) -> Dense(1, sigmoid); input (N, maxlen) word indices.

    Keras's defaults are the textbook cells: LSTM with tanh, sigmoid gates and unit_forget_bias (b_f starts at 1, so
    f_t starts near sigmoid(1) = 0.73); GRU with reset_after=True (the cuDNN variant)."""
    return keras.Sequential([
        keras.Input(shape=(maxlen,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim),
        CELLS[cell](units),                                        # reads x_1..x_T, returns h_T only
        keras.layers.Dense(1, activation="sigmoid"),
    ], name=f"day3_{cell}")


def compile_model(model, learning_rate, decay_steps=None):
    """Day 1's recipe, unchanged so that the cell is the only difference: Adam, the learning rate falling along a
    cosine, each weight's gradient norm clipped at 1."""
    if decay_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=1.0),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


# ---------------------------------------------------------------------------------------------------------------
# 4. The script
# ---------------------------------------------------------------------------------------------------------------

def make_parser():
    parser = cli.Parser(__doc__)
    parser.add_argument("--cell", choices=tuple(CELLS), default="lstm", help="the recurrent layer (default %(default)s)")
    training.add_flags(parser, os.path.join("runs", "day3"))
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    training.check_flags(parser, args)

    def make_model(n_train):
        return compile_model(build_model(args.cell, args.vocab_size, args.maxlen), args.learning_rate,
                             training.decay_steps(args, n_train))

    return training.run(args, make_model, f"Day 3: {args.cell.upper()} on IMDB")


if __name__ == "__main__":
    cli.run(main)
