"""Command-line plumbing: one-line errors and exit statuses, checked flag values, signals, TensorFlow started quietly.
(A run's output files: rnn_days/outputs.py.)

Exit status of every script: 0 ok, 1 a data or file problem, 2 a bad flag value, 130 interrupted (Ctrl-C). Either
way the learner gets one line that says what is wrong, never a traceback.
"""
import argparse
import contextlib
import math
import os
import signal
import sys
import tempfile
import threading

EPILOG = "Exit status: 0 ok, 1 data or file problem, 2 bad flag value, 130 interrupted."


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (argparse prints the whole usage block first)."""

    def __init__(self, doc, **kwargs):
        super().__init__(description=doc.split("\n\n")[0], epilog=EPILOG, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")

    def add_out(self, default):
        self.add_argument("--out", type=out_folder, default=default,
                          help="output folder; this script's files there are replaced only when the run succeeds "
                               "(default %(default)s)")

    def add_shape(self):
        """The NumPy days' random batch and network: T, H, D, N, and truncated BPTT."""
        self.add_argument("--seq-len", type=positive_int, default=200,
                          help="T, steps per sequence (default %(default)s)")
        self.add_argument("--hidden", type=positive_int, default=128, help="H, hidden units (default %(default)s)")
        self.add_argument("--input-dim", type=positive_int, default=128, help="D, input features (default %(default)s)")
        self.add_argument("--batch", type=positive_int, default=16, help="N, sequences per batch (default %(default)s)")
        self.add_argument("--truncate", type=positive_int, default=None,
                          help="truncated BPTT: carry the error back only K steps (default: all T)")

    def add_data_dir(self):
        self.add_argument("--data-dir", default=os.environ.get("IMDB_DATA_DIR") or None,
                          help="folder with a local imdb.npz and imdb_word_index.json (default: $IMDB_DATA_DIR, "
                               "else Keras downloads IMDB)")

    def add_seed(self):
        self.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2**32-1 (default %(default)s)")


class Failure(Exception):
    """A problem the learner can fix, raised by library code; `run` prints its message as one line and exits with
    `status` (1: a data or file problem)."""
    status = 1


class UsageError(Failure):
    """A flag value that cannot work (found after parsing, e.g. a phrase word outside the model's vocabulary): exit 2.
    The message starts with the flag: "argument --phrase-positive: ..."."""
    status = 2


INTERRUPTED = []   # the signals cli.run's handler has seen: an interrupt swallowed somewhere still stops the outputs
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum, frame):
    INTERRUPTED.append(signum)
    raise KeyboardInterrupt


@contextlib.contextmanager
def signals_deferred():
    """While the block runs, Ctrl-C, SIGTERM and SIGHUP are only recorded (in the list it yields), not raised: a
    block that must finish or be undone as a whole checks the list at its end."""
    caught = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in STOP_SIGNALS}
    try:
        yield caught
    finally:
        INTERRUPTED.clear()
        for s, handler in previous.items():
            signal.signal(s, handler)


def run(main, argv=None, out_of_memory="use smaller sizes"):
    """Call main(argv) and turn what it raises into one line and an exit status, never a traceback: a Failure exits 1
    (2 for a UsageError), Ctrl-C exits 130, running out of memory exits 1 with the script's advice `out_of_memory`
    (which flags to lower). Only here does a script exit."""
    for stream in (sys.stdout, sys.stderr):   # a path or word the terminal cannot encode is escaped, never a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    INTERRUPTED.clear()
    previous = {}
    if threading.current_thread() is threading.main_thread():   # SIGTERM and SIGHUP stop a run as Ctrl-C does
        previous = {s: signal.signal(s, _interrupt) for s in STOP_SIGNALS}
    try:
        result = main(argv)
        if INTERRUPTED:   # an interrupt some library swallowed after the outputs were written
            print("\ninterrupted; this run's outputs had been written in full", file=sys.stderr)
            raise SystemExit(130)
        return result
    except UsageError as exc:
        print(f"{os.path.basename(sys.argv[0])}: error: {exc} (see --help)", file=sys.stderr)
        raise SystemExit(exc.status)
    except Failure as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.status)
    except RecursionError:   # e.g. a path thousands of folders deep
        print("error: a path or file is nested too deeply to handle; use a shorter one", file=sys.stderr)
        raise SystemExit(1)
    except Exception as exc:
        # out of memory: NumPy's MemoryError, or TensorFlow's ResourceExhaustedError (named without importing it)
        if not (isinstance(exc, MemoryError) or type(exc).__name__ == "ResourceExhaustedError"):
            raise
        print(f"error: out of memory: {out_of_memory}", file=sys.stderr)
        raise SystemExit(1)
    except KeyboardInterrupt:
        print("\ninterrupted; previous outputs kept", file=sys.stderr)
        raise SystemExit(130)
    finally:
        INTERRUPTED.clear()
        for s, handler in previous.items():
            signal.signal(s, handler)


# --- flag values -------------------------------------------------------------------------------------------------

def _number(kind, text, minimum, inclusive, maximum=None):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, got {text!r}")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    if value < minimum or (value == minimum and not inclusive):
        bound = f">= {minimum}" if inclusive else f"> {minimum}"
        raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}")
    if maximum is not None and value > maximum:
        raise argparse.ArgumentTypeError(f"must be <= {maximum:g}, got {text!r}")
    return value


def positive_int(text):
    """argparse type: an integer >= 1."""
    return _number(int, text, 1, inclusive=True)


def non_negative_int(text):
    """argparse type: an integer >= 0."""
    return _number(int, text, 0, inclusive=True)


def seed(text):
    """argparse type: a random seed NumPy and TensorFlow both accept, 0 ... 2**32 - 1."""
    return _number(int, text, 0, inclusive=True, maximum=2 ** 32 - 1)


def positive_float(text):
    """argparse type: a finite number > 0."""
    return _number(float, text, 0.0, inclusive=False)


def bounded_float(maximum):
    """argparse type: a number in (0, maximum] -- for values whose use overflows or makes no sense above it."""
    def parse(text):
        return _number(float, text, 0.0, inclusive=False, maximum=maximum)
    parse.__name__ = f"number in (0, {maximum:g}]"
    return parse


def rate(maximum):
    """argparse type: a number in [0, maximum] (a dropout rate: 0 turns it off)."""
    def parse(text):
        return _number(float, text, 0.0, inclusive=True, maximum=maximum)
    parse.__name__ = f"number in [0, {maximum:g}]"
    return parse


def integer_in(minimum, maximum):
    """argparse type: an integer from minimum to maximum."""
    def parse(text):
        return _number(int, text, minimum, inclusive=True, maximum=maximum)
    parse.__name__ = f"integer from {minimum} to {maximum}"
    return parse


def number_in(minimum, maximum):
    """argparse type: a finite number from minimum to maximum."""
    def parse(text):
        return _number(float, text, minimum, inclusive=True, maximum=maximum)
    parse.__name__ = f"number from {minimum:g} to {maximum:g}"
    return parse


def one_of(names):
    """A value parser for comma_list: one of `names`."""
    def parse(text):
        if text not in names:
            raise ValueError(text)
        return text
    return parse


def comma_list(item, what, unique=False):
    """argparse type: comma-separated values, each parsed by item(text) (an argparse type, or a function that raises
    ValueError); at least one; with unique=True none twice. `what` names the values for the one-line error:
    "expected comma-separated {what}, got '...'"."""
    def parse(text):
        try:
            values = [item(p.strip()) for p in text.split(",") if p.strip()]
        except (argparse.ArgumentTypeError, ValueError):
            values = []
        if not values or (unique and len(set(values)) != len(values)):
            raise argparse.ArgumentTypeError(f"expected comma-separated {what}{', none twice' if unique else ''}, "
                                             f"got {text!r}")
        return values
    parse.__name__ = f"comma-separated {what}"
    return parse


def fraction(text):
    """argparse type: a number strictly between 0 and 1."""
    value = positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be < 1, got {text!r}")
    return value


def out_folder(text):
    """argparse type: an output folder that is not empty text, not an existing file, not a link to nothing."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder, got an empty string")
    if "\0" in text:
        raise argparse.ArgumentTypeError("a path cannot hold a NUL byte")
    if os.path.islink(text) and not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"{text} is a link to nothing ({os.readlink(text)}); remove it or give "
                                         "another folder")
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} exists and is not a folder")
    return text


def json_file(text):
    """argparse type: a JSON file to write: named, not a folder, in a folder that exists and can be written."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a file, got an empty string")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a folder; name a file in it")
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"the folder {folder} cannot be written")
    return text


# --- TensorFlow start-up -------------------------------------------------------------------------------------------

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
        except Exception:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def import_tensorflow():
    """Import TensorFlow and Keras quietly. Returns (tf, keras).

    The scripts need Keras's TensorFlow backend: it is pinned for this process, whatever KERAS_BACKEND or
    ~/.keras/keras.json say. Ctrl-C during the import (it takes seconds) ends with one line and exit 130; a Keras
    that cannot start (a broken keras.json, say) with one line and exit 1."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow: warnings and errors only
    os.environ["KERAS_BACKEND"] = "tensorflow"
    try:
        with native_stderr_hidden():
            import keras
            import tensorflow as tf
            tf.config.list_physical_devices()  # looks for a GPU now, while its "no CUDA driver" note is hidden
    except KeyboardInterrupt:
        print("\ninterrupted while starting; nothing was written", file=sys.stderr)
        raise SystemExit(130)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"error: Keras/TensorFlow could not start ({type(exc).__name__}: {first}); "
              "check ~/.keras/keras.json (or remove it) and that requirements.txt is installed", file=sys.stderr)
        raise SystemExit(1)
    return tf, keras
