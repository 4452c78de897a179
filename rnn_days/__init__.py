"""Plumbing shared by the day scripts, so that each script can be read as a lesson.

- `cli`: one-line errors and exit codes, checked flag values, outputs written atomically, strict JSON, Ctrl-C.
- `imdb`: IMDB as Keras's `load_data` returns it, from Keras's download or a local copy, validated.
- `bridge`: the same weights under the notes' names (NumPy) and in Keras layers.
- `conditions`: the library versions, CPU and thread counts a measurement was made with.
- `results`: the medians and ranges the notes quote, and the tables built from them.

No day script imports another (except `day2_tensorflow` -> `day2_bptt_numpy`, a cross-check that is a lesson of
its own); days talk through saved files.
"""
