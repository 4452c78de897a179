"""What every check shares: one-line verdicts, the learner's function guarded (the course's own implementation and
the worked solutions are off limits while it runs, its inputs must come back unchanged), arrays checked for type,
shape, layout and finiteness before their values, and the error measured beside the tolerance."""
import contextlib
import copy
import importlib
import os
import traceback
import typing

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOL = 1e-7          # relative, float64 on both sides
FLOAT32_TOL = 1e-4  # an answer computed in float32 somewhere lands around 1e-7 .. 1e-5


class Wrong(AssertionError):
    """What an exercise got wrong, in one short message."""


class Borrowed(Exception):
    """The learner's function called the course's implementation or a worked solution."""


# --- the learner's function, guarded -------------------------------------------------------------------------------

INSIDE = []   # non-empty while the learner's function runs
COURSE = {"day2_bptt_numpy": ("backward", "clip_by_global_norm"), "day3_lstm_numpy": ("backward",),
          "day2_tensorflow": ("grad_norms_through_time",)}
CHECKED_AGAINST = {"checks.day2": ("day2_bptt_numpy",), "checks.day3": ("day3_lstm_numpy",),
                   "checks.keras": ("day2_bptt_numpy", "day2_tensorflow")}   # what each check's learner might borrow


def _tripwire(function, name):
    def wrapper(*args, **kwargs):
        if INSIDE:
            raise Borrowed(name)
        return function(*args, **kwargs)
    wrapper.__wrapped__ = function
    return wrapper


def install_tripwires(course_modules, solution):
    """Wrap the course's implementations (of `course_modules`) and the worked solution `solution` (a module name):
    while the learner's function runs, calling one raises Borrowed. Call before the learner's file is imported (so
    that the names it imports are the wrapped ones)."""
    for module_name in course_modules:
        names = COURSE.get(module_name, ())
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in names:
            if not hasattr(getattr(module, name), "__wrapped__"):
                setattr(module, name, _tripwire(getattr(module, name), f"{module_name}.{name}"))
    for module_name in (solution,):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name, value in list(vars(module).items()):
            if callable(value) and getattr(value, "__module__", None) == module_name:
                setattr(module, name, _tripwire(value, f"the worked solution {module_name}.{name}"))


@contextlib.contextmanager
def learner():
    """While the block runs, the code running is the learner's."""
    INSIDE.append(True)
    try:
        yield
    finally:
        INSIDE.pop()


def call(fn, *args, names=None):
    """fn(*args) on private copies of the arguments, as the learner's code; raises Wrong when it changed an input
    (in place; `names` name the arguments in the message), when it raised, or when it borrowed the course's
    implementation."""
    private = copy.deepcopy(args)
    try:
        with learner(), np.errstate(all="ignore"):   # a NaN or inf is reported as such, not as a warning
            result = fn(*private)
    except (Borrowed, NotImplementedError, Wrong):
        raise
    except Exception as exc:   # noqa: BLE001 -- whatever the learner's code raises: one line, their line
        raise Wrong(f"{fn.__name__} raised {where(exc)}")
    changed = changed_inputs(args, private, names=names)
    if changed:
        raise Wrong(f"{fn.__name__} changed its input {changed} in place -- work on copies (or new arrays): the caller "
                    "still needs it")
    return result


def changed_inputs(original, private, path="", names=None):
    """The first input that differs from its private copy after the call, as a path like cache['p']; None."""
    if isinstance(original, dict):
        for key in original:
            found = changed_inputs(original[key], private.get(key) if isinstance(private, dict) else None,
                                   f"{path}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(original, (tuple, list)):
        if path == "":
            names = names or ("the first argument", "the second argument", "the third argument")
        for i, (a, b) in enumerate(zip(original, private)):
            found = changed_inputs(a, b, names[i] if path == "" and i < len(names) else f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(original, np.ndarray):
        same = isinstance(private, np.ndarray) and private.shape == original.shape and np.array_equal(
            private, original, equal_nan=True)
        return None if same else (path or "an array")
    return None


def where(exc):
    """'TypeError: ... (exercises/day2_bptt.py, line 40)': the exception and the learner's line that raised it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.sep + "exercises" + os.sep in f.filename]
    at = f" (exercises/{os.path.basename(frames[-1].filename)}, line {frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}{at}"


def run_check(check, fn):
    """Run check(fn). Returns (status, message): "passed", "not attempted" (fn itself raises NotImplementedError),
    or "wrong" with the reason."""
    name = fn.__name__
    try:
        check(fn)
    except NotImplementedError as exc:
        tb = exc.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        if tb.tb_frame.f_code is getattr(fn, "__code__", None):
            return "not attempted", f"not attempted: {name}"
        return "wrong", (f"{name} calls {tb.tb_frame.f_code.co_name}, which is not written yet (it raises "
                         f"NotImplementedError): write {tb.tb_frame.f_code.co_name} first")
    except Borrowed as borrowed:
        return "wrong", (f"{name} calls {borrowed}: write it yourself (the worked solutions, in exercises/solutions/, "
                         "are for when you are done or stuck)")
    except Wrong as wrong:
        return "wrong", str(wrong)
    return "passed", f"{name}: passed"


# --- arrays: type, shape, layout, finiteness, then values ----------------------------------------------------------

def array(fn, value, what, shape, layout=None):
    """value as a float array of exactly `shape`, or Wrong saying what is off: not numbers, NaN or inf, the wrong
    shape (`layout` names the axes, e.g. "(N, T, H)"; the two first axes swapped is named as such), float32."""
    name = fn.__name__
    try:
        a = np.asarray(value)
    except Exception:   # noqa: BLE001 -- a ragged list, say
        raise Wrong(f"{name}: {what} is not an array of numbers")
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise Wrong(f"{name}: {what} is not an array of numbers (got {type(value).__name__} of {a.dtype})")
    if a.shape != tuple(shape):
        if a.ndim >= 2 and len(shape) == a.ndim and a.shape == (shape[1], shape[0]) + tuple(shape[2:]):
            raise Wrong(f"{name}: {what} has shape {a.shape}, its first two axes swapped -- expected {tuple(shape)}"
                        + (f" = {layout}" if layout else "") + ", batch first (the cache is time first; transpose)")
        raise Wrong(f"{name}: {what} has shape {a.shape}, expected {tuple(shape)}" + (f" = {layout}" if layout else ""))
    if not np.all(np.isfinite(a)):
        bad = int(np.sum(~np.isfinite(a)))
        raise Wrong(f"{name}: {what} holds {bad} NaN or inf value{'s' if bad > 1 else ''} -- a division by zero, an "
                    "overflow, or an uninitialised array (np.empty)?")
    if a.dtype == np.float32 or a.dtype == np.float16:
        raise Wrong(f"{name}: {what} is {a.dtype}; the check (and the cache) work in float64 -- keep the cache's "
                    "dtype (np.zeros_like, not np.zeros(..., np.float32))")
    return a.astype(np.float64)


def rel_error(a, b):
    """Largest element-wise difference, relative to the larger of the two arrays' largest magnitude."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b), initial=0.0) / max(np.max(np.abs(a), initial=0.0),
                                                         np.max(np.abs(b), initial=0.0), 1e-300))


def measured(err, tol=TOL):
    """The measured error beside the tolerance, and a word when it looks like float32 precision."""
    note = ("; about float32's precision -- was something computed in float32?" if 1e-8 < err < FLOAT32_TOL and
            tol <= TOL else "")
    return f"(largest relative difference {err:.1e}, tolerance {tol:.0e}{note})"


def steps_text(bad, T):
    """Where a per-step gradient goes wrong, in words: 'at every step', 'for t <= 7 (it agrees for t >= 8)', ..."""
    if len(bad) == T:
        return "at every step"
    if bad == list(range(1, len(bad) + 1)):
        return f"for t ≤ {bad[-1]} (it agrees for t ≥ {bad[-1] + 1})"
    shown = ", ".join(map(str, bad[:6])) + (", …" if len(bad) > 6 else "")
    return f"at t = {shown} (of 1..{T})"


def wrong_steps(ours, reference, tol=TOL):
    """Steps t = 1..T where the (N, T, ...) per-step arrays differ."""
    return [t + 1 for t in range(reference.shape[1]) if rel_error(ours[:, t], reference[:, t]) > tol]


def keys(fn, result, names, what="a dict"):
    if not isinstance(result, dict):
        raise Wrong(f"{fn.__name__} must return {what}, got {type(result).__name__}")
    missing = [k for k in names if k not in result]
    if missing:
        raise Wrong(f"{fn.__name__} returned no {', '.join(missing)}")


def numerical_gradient(f, array_, eps=1e-5):
    """Centred finite differences of the scalar f() with respect to every entry of `array_` (changed in place, then
    restored)."""
    grad = np.zeros_like(array_)
    for i in np.ndindex(array_.shape):
        old = array_[i]
        array_[i] = old + eps
        plus = f()
        array_[i] = old - eps
        minus = f()
        array_[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


class Problem(typing.NamedTuple):
    """One size and seed a check runs on: N sequences, T steps, D inputs, H units."""
    name: str
    N: int
    T: int
    D: int
    H: int
    seed: int


def on_every_problem(fn, problems, check_one):
    """check_one(problem) for each problem (sizes and seeds); a failure after the first problem passed says so."""
    for k, problem in enumerate(problems):
        try:
            check_one(problem)
        except Wrong as wrong:
            if k == 0:
                raise
            raise Wrong(f"{wrong} [with {problem.name}; it passed with {problems[0].name}: is a size or a seed "
                        "written into your code?]")
