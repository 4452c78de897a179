"""Plumbing shared by the day scripts, so that each script can be read as a lesson.

- `cli`: one-line errors and exit codes, checked flag values, outputs written atomically, strict JSON, Ctrl-C.
- `imdb`: IMDB as Keras's `load_data` returns it, from Keras's download or a local copy, validated.
- `training`: the training scripts' flags, report, history plot and outputs (the pipeline is Day 1's lesson).
- `saved`: opening saved models with their recorded identity, refusing the ones the course's maths does not describe.
- `plots`: pyplot drawing into files; many models of one kind drawn as their median with a band.
- `placement`: where a learner's model sits among the notes' models.
- `bridge`: the same weights under the notes' names (NumPy) and in Keras layers.
- `side_by_side`: the memory experiment's engine: several small models trained in one compiled step, and jobs
  shared by worker processes.
- `conditions`: the library versions, CPU and thread counts a measurement was made with.

Days import another day's *taught* functions by name where that reuse is the lesson (Day 3 trains with Day 1's
pipeline; Day 2's Keras look cross-checks Day 2's NumPy BPTT; Day 3's NumPy LSTM draws Day 2's batch); otherwise
they talk through saved files. The notes' tables are built by tools/notes/, outside this package.
"""
import os
import signal
import sys
import threading


def _quiet_stop(signum, frame):
    # to the terminal's stderr as it was when the script started: TensorFlow's import hides file descriptor 2 a while
    os.write(_STDERR, b"\ninterrupted while starting; nothing was written\n")
    # at once: an exception raised inside a library's import (NumPy's, say) would come out as its own long message
    os._exit(130)


# A day script run from the shell: Ctrl-C (or SIGTERM, SIGHUP) while it is still importing its libraries ends with one
# line and exit 130, not a traceback; cli.run takes the signals over once the script's main() starts.
_main_module = sys.modules.get("__main__")
_main = os.path.abspath(getattr(_main_module, "__file__", "") or "")
if (threading.current_thread() is threading.main_thread() and _main.endswith(".py")
        and getattr(_main_module, "__name__", "") == "__main__"   # not in a worker process (its main is __mp_main__)
        and _main.startswith(os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep)):
    _STDERR = os.dup(2)
    for _signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(_signal, _quiet_stop)
