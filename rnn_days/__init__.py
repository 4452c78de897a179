"""Plumbing shared by the day scripts, so that each script can be read as a lesson.

- `cli`: one-line errors and exit codes, checked flag values, outputs written atomically, strict JSON, Ctrl-C.
- `imdb`: IMDB as Keras's `load_data` returns it, from Keras's download or a local copy, validated.
- `training`: the training scripts' flags, report, history plot and outputs (the pipeline is Day 1's lesson).
- `probe`: opening saved models with their recorded identity, and the real-text memory probe (Day 2 and Day 3).
- `bridge`: the same weights under the notes' names (NumPy) and in Keras layers.
- `side_by_side`: the memory experiment's engine: several small models trained in one compiled step, and jobs
  shared by worker processes.
- `conditions`: the library versions, CPU and thread counts a measurement was made with.

Days import another day's *taught* functions by name where that reuse is the lesson (Day 3 trains with Day 1's
pipeline; Day 2's Keras look cross-checks Day 2's NumPy BPTT; Day 3's NumPy LSTM draws Day 2's batch); otherwise
they talk through saved files. The notes' tables are built by tools/notes_results.py, outside this package.
"""
