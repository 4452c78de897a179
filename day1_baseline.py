"""Day 1 (baseline): what reading in order buys -- a bag-of-words logistic regression on Day 1's exact input.

What it shows: Day 1's pipeline (load_data, train_and_evaluate, imported from day1_tensorflow.py by name) with the
recurrent network replaced by a model that ignores word order: each review becomes a multi-hot vector over the same
10,000 words (1 where the word occurs, 0 elsewhere), and one sigmoid unit weighs the words,

    p = sigmoid(sum over the words w present in the review of v_w + b).

Same reviews, same split, same optimiser; the epochs are chosen on validation accuracy, the test set is read once.
With --full the model reads each whole review instead of its last 200 words.

    python day1_baseline.py --out runs/day1_baseline                 # Day 1's input: the last 200 words
    python day1_baseline.py --full --out runs/day1_baseline_full     # whole reviews

Result: notes/day2.md, section 6.4, beside the SimpleRNN, LSTM and GRU. Under a minute on a 2-core CPU.
Outputs (in --out, default runs/day1_baseline/): model.keras, history.png, metrics.json.
"""
import os

from day1_tensorflow import load_data, train_and_evaluate  # Day 1's pipeline, unchanged
from rnn_days import cli, imdb, outputs, training

tf, keras = cli.import_tensorflow()
OUT_OF_MEMORY = "lower --vocab-size or --batch-size"
FULL_LENGTH = 2500   # longer than the longest IMDB review (2,494 words with the start mark): --maxlen 0 keeps all


def build_model(vocab_size=10_000, maxlen=200):
    """Word indices (N, maxlen) -> multi-hot (N, vocab_size) -> Dense(1, sigmoid): logistic regression on which words
    a review contains. The padding index 0 and the start mark 1 occur in (almost) every review: the bias absorbs
    them."""
    return keras.Sequential([
        keras.Input(shape=(maxlen,), dtype="int32"),
        keras.layers.CategoryEncoding(num_tokens=vocab_size, output_mode="multi_hot"),   # order is thrown away here
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="day1_bag_of_words")


def main(argv=None):
    parser = training.make_parser(__doc__, os.path.join("runs", "day1_baseline"), epochs=10)
    parser.add_argument("--full", action="store_true",
                        help="read whole reviews (up to 2,500 words) instead of the last --maxlen words")
    args = training.parse_flags(parser, argv)
    maxlen = FULL_LENGTH if args.full else args.maxlen

    data = load_data(args.data_dir, args.vocab_size, maxlen, args.padding, args.validation_split, args.max_train)
    index_to_word = imdb.index_to_word_map(imdb.load_word_index(args.data_dir))
    training.print_sizes(data, maxlen, args.padding, args.vocab_size)

    keras.utils.set_random_seed(args.seed)
    model = build_model(args.vocab_size, maxlen)   # the one change: no recurrence, no order
    history, results = train_and_evaluate(model, data, args.learning_rate, args.schedule, args.epochs,
                                          args.batch_size, args.patience)
    training.report(model, data.test, results, index_to_word)

    with outputs.Outputs(args.out) as out:   # all files together: a failed save keeps the previous run's
        model.save(out.path("model.keras"))
        training.write_run(out, model, history, results, args, "Day 1 baseline: bag of words on IMDB")
    training.print_written(out)
    return results


if __name__ == "__main__":
    cli.run(main, out_of_memory=OUT_OF_MEMORY)
