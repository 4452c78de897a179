"""Command-line plumbing shared by the day scripts: one-line errors and checked numbers.

Usage errors (a bad flag value) exit 2; problems with data or files exit 1. Either way the learner gets
one line that says what is wrong, never a traceback.
"""
import argparse
import contextlib
import os
import sys
import tempfile


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (argparse prints the whole usage block first)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def fail(message, status=1):
    """Stop with one line on stderr and a non-zero exit status."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(status)


def _number(kind, text, minimum, inclusive):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a {kind.__name__ if kind is int else 'number'}, got {text!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    if value < minimum or (value == minimum and not inclusive):
        bound = f">= {minimum}" if inclusive else f"> {minimum}"
        raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}")
    return value


def positive_int(text):
    """argparse type: an integer >= 1."""
    return _number(int, text, 1, inclusive=True)


def non_negative_int(text):
    """argparse type: an integer >= 0."""
    return _number(int, text, 0, inclusive=True)


def positive_float(text):
    """argparse type: a finite number > 0."""
    return _number(float, text, 0.0, inclusive=False)


def fraction(text):
    """argparse type: a number strictly between 0 and 1."""
    value = positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be < 1, got {text!r}")
    return value


@contextlib.contextmanager
def native_stderr_hidden():
    """Hide what C/C++ code prints straight to file descriptor 2 while the block runs; replay it if the block fails.

    TensorFlow's import prints start-up notes (oneDNN, no CUDA driver) there before its log settings apply; they
    would bury a script's own one-line messages.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
