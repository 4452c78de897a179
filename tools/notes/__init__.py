"""The numbers the notes quote, rebuilt from notes/results/*.json so the text cannot drift from the data.

One module per note, its tables and values in the note's order (`day1`, `day2`, `day3`, `day4`, `reproducing`); the
shared core (the results files, the number formats, the registry, the rewrite of a note) is `core`; `collect` turns
the scripts' outputs into results files. `python -m tools.notes --help` lists the commands;
`python -m tools.notes list` lists every table and value, and the note it feeds.
"""
from tools.notes import day1, day2, day3, day4, reproducing  # noqa: F401 -- importing registers their blocks
