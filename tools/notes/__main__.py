"""Rebuild, check and list the notes' computed tables and values; collect the scripts' JSON into notes/results/.

    python -m tools.notes tables              # rewrite every marked table and value in notes/*.md that changed
    python -m tools.notes check               # exit 1 naming each marked block that differs from notes/results/
    python -m tools.notes list                # every registered table and value, and the note it feeds
    python -m tools.notes day1 runs/day1_seed{0..19} --out notes/results/day1_seeds.json
    python -m tools.notes copy runs/day2_models/metrics.json --out notes/results/day2_models.json
    python -m tools.notes many runs/day3_numpy_seed{0..4}/gradient_paths.json \
        --out notes/results/day3_gradient_paths.json
    python -m tools.notes imdb-statistics --out notes/results/day1_data.json   # the data table of notes/day1.md
    python -m tools.notes day4-figures        # notes/day4.md's two figures, from the two committed grid files
"""
import argparse
import os
import sys

if __package__ in (None, ""):   # run as a path (python tools/notes/__main__.py): the repository root is the top
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from rnn_days import cli, outputs  # noqa: E402  (after the path, when run as a path)
from tools.notes import core  # noqa: E402
from tools.notes.collect import COLLECT  # noqa: E402


def make_parser():
    parser = cli.Parser(__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=argparse.ArgumentParser)
    commands.add_parser("tables", help="rewrite the marked tables and values of every note that changed")
    commands.add_parser("check", help="compare every marked table and value with what notes/results/ gives")
    commands.add_parser("list", help="list every registered table and value, and the note it feeds")
    for name, what in (("day1", "training runs' folders (their metrics.json), keyed by seed"),
                       ("copy", "one JSON file, as it is"), ("many", "several JSON files, keyed by their seed")):
        sub = commands.add_parser(name, help=f"collect {what} into a results file")
        sub.add_argument("inputs", nargs="+")
        sub.add_argument("--out", type=cli.json_file, required=True, help="the results file to write")
    stats = commands.add_parser("imdb-statistics", help="notes/day1.md's data table, from the IMDB copy")
    stats.add_argument("--data-dir", default=os.environ.get("IMDB_DATA_DIR") or None,
                       help="folder with imdb.npz and imdb_word_index.json (default: $IMDB_DATA_DIR, else Keras's "
                            "download)")
    stats.add_argument("--out", type=cli.json_file, required=True, help="the results file to write")
    figures = commands.add_parser("day4-figures", help="draw notes/day4.md's two figures from the committed grids")
    figures.add_argument("--out", type=cli.out_folder, default=os.path.join(core.NOTES_DIR, "figures"),
                         help="folder for the two figures (default notes/figures)")
    for sub in commands.choices.values():   # one-line usage errors in the subcommands too
        sub.error = parser.error
    return parser


def main(argv=None):
    import tools.notes  # noqa: F401 -- registers every note's blocks
    args = make_parser().parse_args(argv)
    if args.command == "list":
        for note in core.NOTE_NAMES:
            names = [f"{b.kind} {n}" for n, b in core.BLOCKS.items() if b.note == note]
            if names:
                print(f"notes/{note}: " + ", ".join(names))
    elif args.command in ("tables", "check"):
        texts = {note: core.read_note(note) for note in core.NOTE_NAMES}
        rebuilt = {note: core.rebuild(text, note) for note, text in texts.items()}   # all, before writing any
        differ = [note for note in texts if rebuilt[note] != texts[note]]
        if args.command == "check":
            for note in differ:
                names = [n for (k, n, b), (_, _, b2) in zip(core.marked(texts[note]), core.marked(rebuilt[note]))
                         if b != b2]
                print(f"notes/{note}: {', '.join(names)} differ from notes/results/")
            if differ:
                raise cli.Failure("the notes differ from their results files; `python -m tools.notes tables` "
                                  "rewrites them")
            print("every marked table and value equals what notes/results/ gives")
        else:
            for note in differ:
                core.write_note(note, rebuilt[note])
                print(f"rewrote notes/{note}")
            if not differ:
                print("nothing to rewrite: every note is up to date")
    elif args.command == "imdb-statistics":
        from rnn_days import imdb
        from rnn_days.conditions import conditions
        train, test = imdb.load_imdb(args.data_dir, num_words=10_000)
        outputs.write_json(dict(imdb.statistics(train, test), num_words=10_000, conditions=conditions()), args.out)
        print(f"wrote {args.out}")
    elif args.command == "day4-figures":
        from tools.notes import day4
        outputs.check_writable(args.out)
        for path in day4.figures(args.out):
            print(f"wrote {path}")
    else:
        COLLECT[args.command](args.inputs, args.out)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    cli.run(main)
