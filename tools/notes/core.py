"""The notes builder's core: the results files, the number formats, the registry of what each note quotes, and the
rewrite of a note's marked blocks.

A note marks what is computed from notes/results/ in two ways:

    <!-- table: NAME -->
    ...a whole table (or a caption and a table), rebuilt from the JSON...
    <!-- /table -->

    ... running text with <!-- v: NAME -->0.8453<!-- /v --> a number (or a short phrase) filled in ...

Each NAME is registered once, by the note module that renders it (`@table("day1.md")`, `@value("day1.md")`), in
that note's order; the notes test rebuilds every marked block and compares it with the note.
"""
import functools
import json
import os
import re
import typing

from rnn_days import cli
from rnn_days.conditions import describe

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # tools/notes/ -> the repo
RESULTS = os.path.join(ROOT, "notes", "results")
NOTES_DIR = os.path.join(ROOT, "notes")
NOTE_NAMES = ("day1.md", "day2.md", "day3.md", "day4.md", "idea.md", "reproducing.md", "glossary.md")
TABLE = re.compile(r"<!-- table: (\w+) -->\n(.*?)<!-- /table -->", re.S)
VALUE = re.compile(r"<!-- v: (\w+) -->(.*?)<!-- /v -->", re.S)
MAX_JSON_BYTES = 50_000_000   # the largest results file is a few MB


class Block(typing.NamedTuple):
    """One computed block of a note: a table or a value (a number or short phrase in running text)."""
    kind: str        # "table" or "value"
    note: str        # the note it appears in
    render: typing.Callable[[], str]


BLOCKS = {}   # name -> Block, in the order the note modules register them


def _register(kind, note):
    def register(render):
        name = render.__name__
        if name in BLOCKS:
            raise ValueError(f"{name} is registered twice")
        BLOCKS[name] = Block(kind, note, render)
        return render
    return register


def table(note):
    """Decorator: `render() -> str` rebuilds the table named after the function, in `note`."""
    return _register("table", note)


def value(note):
    """Decorator: `render() -> str` rebuilds the value named after the function, in `note`'s running text."""
    return _register("value", note)


# --- the results files ------------------------------------------------------------------------------------------------

def read_json(path, what=None):
    """A JSON file a script wrote: a regular file of a sane size (a FIFO would hang the read), parsed; a cli.Failure
    naming the file (as `what`) otherwise."""
    what = what or path
    try:
        if not os.path.isfile(path):
            raise cli.Failure(f"{what}: {'not a regular file' if os.path.exists(path) else 'no such file'}")
        if os.path.getsize(path) > MAX_JSON_BYTES:
            raise cli.Failure(f"{what}: larger than {MAX_JSON_BYTES:,} bytes, not a results file")
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise cli.Failure(f"{what}: not a JSON file a script wrote ({type(exc).__name__})")


@functools.lru_cache(maxsize=None)
def _load(name):
    return read_json(os.path.join(RESULTS, name), f"notes/results/{name} (regenerate it: notes/reproducing.md)")


def load(name):
    """The committed results file notes/results/NAME (read once; callers must not change it)."""
    return _load(name)


def need(data, *keys, name="a results file"):
    """data[k1][k2]...: a cli.Failure naming the missing key instead of a KeyError deep inside a renderer."""
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            raise cli.Failure(f"{name} has no {'/'.join(map(str, keys))}; regenerate it (notes/reproducing.md)")
    return data


# --- number formats ---------------------------------------------------------------------------------------------------

def _finite(v):
    return v is not None and np.isfinite(v)


def f3(v):
    return f"{v:.3f}" if _finite(v) else "n/a"


def f4(v):
    return f"{v:.4f}" if _finite(v) else "n/a"


def num(v):
    return f"{v:g}" if _finite(v) else "n/a"


def sig(v):
    return f"{v:.2g}" if _finite(v) else "n/a"


def signed3(v):
    return f"{v:+.3f}" if _finite(v) else "n/a"


def spread(values):
    """{"median", "min", "max"} of the values that are not None (all None when there are none)."""
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None}
    return {"median": float(np.median(values)), "min": float(min(values)), "max": float(max(values))}


def med_range(values, fmt=sig):
    """"median (min to max)" of the values that are not None."""
    s = spread(values)
    return f"{fmt(s['median'])} ({fmt(s['min'])} to {fmt(s['max'])})"


def span(values, fmt=sig, joiner=" to "):
    """"min to max" of the values that are not None."""
    s = spread(values)
    return f"{fmt(s['min'])}{joiner}{fmt(s['max'])}"


def count(models, holds):
    """"in every model (k of n)" when a statement holds in all, else "in k of n"."""
    k = sum(bool(holds(m)) for m in models)
    return f"in every model ({k} of {len(models)})" if k == len(models) else f"in {k} of {len(models)}"


def k_of_n(models, holds):
    """"k of n": how many of the models a statement holds in."""
    return f"{sum(bool(holds(m)) for m in models)} of {len(models)}"


def seeds_text(keys):
    keys = sorted(int(k) for k in keys)
    return f"seeds {keys[0]}–{keys[-1]}" if keys == list(range(keys[0], keys[-1] + 1)) else \
        "seeds " + ", ".join(map(str, keys))


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# --- the notes --------------------------------------------------------------------------------------------------------

def note_path(name):
    return os.path.join(NOTES_DIR, name)


def read_note(name):
    path = note_path(name)
    try:
        if not os.path.isfile(path):
            raise cli.Failure(f"notes/{name} is missing or not a file")
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise cli.Failure(f"notes/{name} cannot be read as UTF-8 text ({type(exc).__name__})")


def _rendered(name, kind, note):
    block = BLOCKS.get(name)
    if block is None or block.kind != kind:
        raise cli.Failure(f"notes/{note}: unknown {kind} marker {name!r}; the registered ones are listed by "
                          "`python -m tools.notes list`")
    try:
        return block.render()
    except (KeyError, IndexError, TypeError, ValueError, StopIteration) as exc:
        # A results file older than the code that reads it: name the block and the missing piece, not a traceback.
        raise cli.Failure(f"notes/{note}: {kind} {name!r} cannot be built from notes/results/ "
                          f"({type(exc).__name__}: {exc}); regenerate its results file "
                          "(notes/reproducing.md lists the command)") from None


def rebuild(text, note):
    """The note's text with every marked table and value rebuilt from the results files."""
    text = TABLE.sub(lambda m: f"<!-- table: {m.group(1)} -->\n{_rendered(m.group(1), 'table', note)}<!-- /table -->",
                     text)
    return VALUE.sub(lambda m: f"<!-- v: {m.group(1)} -->{_rendered(m.group(1), 'value', note)}<!-- /v -->", text)


def marked(text):
    """[(kind, name, body)] of every marked block of a note's text."""
    return [("table", n, b) for n, b in TABLE.findall(text)] + [("value", n, b) for n, b in VALUE.findall(text)]


def write_note(name, text):
    """Write a note whole or not at all (a temporary file moved into place); only when its text changed. Returns
    whether it was written."""
    path = note_path(name)
    if read_note(name) == text:
        return False
    partial = f"{path}.partial-{os.getpid()}"
    try:
        with open(partial, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(partial, path)
    except OSError as exc:
        try:
            os.remove(partial)
        except OSError:
            pass
        raise cli.Failure(f"could not write notes/{name}: {exc.strerror or exc}; the note is unchanged")
    return True


# --- the conditions a results file was measured under -----------------------------------------------------------------

def file_conditions(d, name="a results file"):
    if "conditions" in d:
        return d["conditions"]
    runs = need(d, "runs", name=name)
    return need(next(iter(runs.values()), {}), "conditions", name=name)   # the files that collect several runs


def conditions_of(name):
    """A day's one conditions line, from its main results file, linked to the appendix."""
    return f"*Conditions: {describe(file_conditions(load(name), name))}; [in full](reproducing.md#conditions).*\n"


# --- a learner's hour: the core path's reading time -----------------------------------------------------------------

WORDS_PER_MINUTE = 150          # technical prose
MINUTES_PER_EQUATION = 1        # a display equation ($$ ... $$)
MINUTES_PER_TABLE = 2           # a table: one to three minutes
MINUTES_PER_FIGURE = 1
NOT_READ_AS_CORE = ("Exercises", "What to try next")   # done, not read, in the hour


def sections(text):
    """[(heading, body)] of a note's level-2 sections; the text before the first is ("", preamble)."""
    parts = re.split(r"^## ", text, flags=re.M)
    return [("", parts[0])] + [tuple(p.split("\n", 1)) if "\n" in p else (p, "") for p in parts[1:]]


def optional(heading):
    return "(optional" in heading


def reading_minutes(body):
    """An estimate of the minutes a learner needs to read a piece of a note: prose at WORDS_PER_MINUTE, plus a fixed
    time per display equation, table and figure."""
    body = re.sub(r"<!-- /?(table|v)[^>]*-->", "", body)
    tables = len(re.findall(r"(?:^\|.*\n)+", body, flags=re.M))
    body = re.sub(r"(?:^\|.*\n)+", "", body, flags=re.M)
    equations = len(re.findall(r"\$\$.*?\$\$", body, flags=re.S))
    body = re.sub(r"\$\$.*?\$\$", "", body, flags=re.S)
    figures = len(re.findall(r"!\[[^\]]*\]\([^)]*\)", body))
    body = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", body)
    words = len(body.split())
    return (words / WORDS_PER_MINUTE + equations * MINUTES_PER_EQUATION + tables * MINUTES_PER_TABLE
            + figures * MINUTES_PER_FIGURE)


def core_minutes(name):
    """The reading time of a note's core path: every section and subsection not marked optional, exercises and what
    to try next left out."""
    total = 0.0
    for heading, body in sections(read_note(name)):
        if optional(heading) or heading.startswith(NOT_READ_AS_CORE):
            continue
        parts = re.split(r"^### ", body, flags=re.M)
        total += reading_minutes(parts[0]) + sum(reading_minutes(p) for p in parts[1:]
                                                 if not optional(p.split("\n", 1)[0]))
    return total


def core_minutes_value(note):
    """Register NOTE-stem_core_minutes: the note's core reading time in whole minutes, as its "Your hour" quotes it."""
    def render():
        return f"{core_minutes(note):.0f}"
    render.__name__ = f"{note.removesuffix('.md')}_core_minutes"
    return value(note)(render)
