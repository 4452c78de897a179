"""One exercise's check, in its own process: `python -m checks.child FOLDER FILE FUNCTION CHECK`. Prints one line
`RESULT ["passed" | "not attempted" | "wrong", message]`; everything the learner's code prints goes before it."""
import importlib
import importlib.util
import json
import os
import sys
import traceback

from checks import harness


def load(folder, name):
    """The learner's exercises/NAME.py (from `folder`) as the module exercises.NAME; a SyntaxError or an error while
    importing becomes a Wrong naming the learner's line."""
    path = os.path.join(folder, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"exercises.{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"exercises.{name}"] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        text = (exc.text or "").strip()
        raise harness.Wrong(f"exercises/{name}.py, line {exc.lineno}: {exc.msg}" + (f": {text}" if text else ""))
    except harness.Wrong:
        raise
    except Exception as exc:   # noqa: BLE001 -- anything the learner's file raises while it is imported
        raise harness.Wrong(f"exercises/{name}.py could not be imported: {harness.where(exc)}")
    return module


def main(folder, name, function, check):
    sys.path.insert(0, harness.ROOT)
    exercises = importlib.import_module("exercises")   # the package, then the learner's files from `folder`
    exercises.__path__.insert(0, folder)
    check_module, check_name = check.split(":")
    # before the learner's file is imported: the names it imports are the guarded ones
    harness.install_tripwires(harness.CHECKED_AGAINST.get(check_module, ()), f"exercises.solutions.{name}")
    try:
        module = load(folder, name)
        fn = getattr(module, function, None)
        if not callable(fn):
            raise harness.Wrong(f"exercises/{name}.py has no function {function}")
        result = harness.run_check(getattr(importlib.import_module(check_module), check_name), fn)
    except harness.Wrong as wrong:
        result = ("wrong", str(wrong))
    except Exception:   # noqa: BLE001 -- a bug of the check itself: say so, in one line
        result = ("wrong", f"the check itself failed ({traceback.format_exc().strip().splitlines()[-1]}); please "
                           "report it")
    sys.stdout.flush()
    print("RESULT " + json.dumps(list(result)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
