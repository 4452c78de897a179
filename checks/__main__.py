"""`python -m checks [FILE]`: every exercise's result (or one file's), one line each -- the same as
`python -m pytest exercises/`, without pytest."""
import sys

import checks


def main(argv):
    chosen = [e for e in checks.EXERCISES if not argv or e.file in {a.removesuffix(".py").split("/")[-1] for a in argv}]
    if not chosen:
        print(f"no exercise file {' '.join(argv)}; the files are: {', '.join(checks.FILES)}", file=sys.stderr)
        return 2
    for exercise in chosen:
        result = checks.run(exercise)
        print(f"{exercise.file}.py::{exercise.function}: {result.message if result.status != 'passed' else 'passed'}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
