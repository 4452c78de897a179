"""A run's outputs: written into a staging folder and moved into place together, or not at all; strict JSON written
whole; the output folder checked before the work starts."""
import contextlib
import json
import math
import os
import shutil
import tempfile

from rnn_days.cli import INTERRUPTED, Failure, signals_deferred


def _finite(value, path, bad):
    """`value` with every non-finite float replaced by None; the JSON path of each goes into `bad`."""
    if isinstance(value, float) and not math.isfinite(value):
        bad.append(f"{path}: {value}")
        return None
    if isinstance(value, dict):
        return {k: _finite(v, f"{path}.{k}", bad) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v, f"{path}[{i}]", bad) for i, v in enumerate(value)]
    return value


def write_json(data, path):
    """Strict JSON (no NaN/Infinity): non-finite numbers become null, listed under "non_finite" with what they were."""
    bad = []
    data = _finite(data, "$", bad)
    if bad:
        data = dict(data, non_finite=bad)
    partial = f"{path}.partial-{os.getpid()}"   # written whole, then moved into place: never half a file at `path`
    try:
        with open(partial, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, allow_nan=False)
            f.write("\n")
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise Failure(f"could not write {path}: {exc.strerror or exc}")


class Outputs:
    """A run's output files, written into a hidden staging folder beside them and moved into place together.

        with Outputs(args.out) as out:
            model.save(out.path("model.keras"))
            write_json(metrics, out.path("metrics.json"))
        # only here, after every file was written, do they replace the previous run's files

    All or nothing: if the block fails or is interrupted, or one file cannot be moved into place, or a signal
    arrives while they are moved, the previous run's files stay exactly as they were (those already replaced are
    put back) and the staging folder is removed. Files of other names are untouched.
    """

    def __init__(self, folder):
        self.folder = folder
        self.names = []

    def __enter__(self):
        try:
            os.makedirs(self.folder, exist_ok=True)
            remove_stale_staging(self.folder)
            self.staging = tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=self.folder)
        except (OSError, RecursionError) as exc:
            raise Failure(f"could not write to {self.folder}: {getattr(exc, 'strerror', None) or exc}")
        return self

    def path(self, name):
        if name not in self.names:
            self.names.append(name)
        return os.path.join(self.staging, name)

    def __exit__(self, kind, exc, tb):
        try:
            if kind is None:
                self._commit()
            elif issubclass(kind, OSError):   # a file that could not be written into staging: nothing moved yet
                raise Failure(f"could not write the run's files in {self.folder}: {exc.strerror or exc}; previous "
                              "outputs kept") from exc
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
        return False

    def _commit(self):
        with signals_deferred() as caught:
            caught.extend(INTERRUPTED)   # an interrupt swallowed earlier (in a __del__, say) still counts
            if not caught:
                try:
                    moved, placed = self._replace_all()
                except OSError as error:
                    raise Failure(f"could not write to {self.folder}: {error.strerror or error}; previous outputs "
                                  "kept")
                if caught:   # a signal while the files moved: put the previous run's back
                    self._undo(moved, placed)
        if caught:
            raise KeyboardInterrupt

    def _replace_all(self):
        """Move every staged file into place, the previous files aside first (into the staging folder). Returns
        (names moved aside, names placed); on any failure undoes what it did and raises."""
        aside = os.path.join(self.staging, ".previous")
        os.mkdir(aside)
        for name in self.names:
            target = os.path.join(self.folder, name)
            if os.path.isdir(target) and not os.path.islink(target):
                raise IsADirectoryError(21, f"{target} is a folder")
        moved, placed = [], []
        try:
            for name in self.names:
                if os.path.lexists(os.path.join(self.folder, name)):
                    os.replace(os.path.join(self.folder, name), os.path.join(aside, name))
                    moved.append(name)
            for name in self.names:
                os.replace(os.path.join(self.staging, name), os.path.join(self.folder, name))
                placed.append(name)
        except BaseException:
            self._undo(moved, placed)
            raise
        return moved, placed

    def _undo(self, moved, placed):
        aside = os.path.join(self.staging, ".previous")
        for name in placed:
            with contextlib.suppress(OSError):
                os.remove(os.path.join(self.folder, name))
        for name in moved:
            with contextlib.suppress(OSError):
                os.replace(os.path.join(aside, name), os.path.join(self.folder, name))

    def written(self):
        return [os.path.join(self.folder, name) for name in self.names]


def remove_stale_staging(folder):
    """Remove the staging folders a killed run (kill -9, power loss) left in `folder`: those whose process is gone."""
    for name in os.listdir(folder):
        parts = name.split("-")
        if not (name.startswith(".staging-") and len(parts) >= 3 and parts[1].isascii() and parts[1].isdecimal()):
            continue
        try:
            os.kill(int(parts[1]), 0)   # signal 0: only asks whether the process exists
        except (ProcessLookupError, OverflowError):   # gone, or no process ever had that number: never finished
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
        except PermissionError:         # alive, another user's
            pass


def check_writable(folder):
    """Fail now, before minutes of work, if the output folder could not be written then; creates nothing."""
    existing = os.path.abspath(folder)
    try:
        if "\0" in folder:
            raise ValueError("a path cannot hold a NUL byte")
        while not os.path.exists(existing):   # the nearest part of the path that exists must be a writable folder
            if os.path.islink(existing):       # a link to nothing: makedirs would fail on it after the work
                raise FileNotFoundError(2, f"{existing} is a link to nothing")
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing):
            raise NotADirectoryError(20, f"{existing} is a file")
        if os.path.exists(folder):
            tempfile.TemporaryFile(dir=folder).close()
        elif not os.access(existing, os.W_OK | os.X_OK):
            raise PermissionError(13, f"{existing} cannot be written")
    except (OSError, ValueError) as exc:   # ValueError: a path with a NUL byte
        raise Failure(f"could not write to {folder}: {getattr(exc, 'strerror', None) or exc}")
