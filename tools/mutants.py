"""Each deliberate bug below must turn the NumPy gradient tests red: copy the project, plant one bug, run the fast
tier of tests/test_day2_bptt_numpy.py and tests/test_day3_lstm_numpy.py, print one table row per bug.

    python tools/mutants.py
"""
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repo root
MUTANTS = {
    "dL/dz_t returned one step shifted (day3_lstm_numpy)": ("day3_lstm_numpy.py", '"z": dz[1:].transpose(1, 0, 2)', '"z": dz[:-1].transpose(1, 0, 2)'),
    "dL/da_t returned one step shifted (day2_bptt_numpy)": ("day2_bptt_numpy.py", '"a": da[1:].transpose(1, 0, 2)', '"a": da[:-1].transpose(1, 0, 2)'),
    "direct-path product off by one step": ("day3_lstm_numpy.py", "gain[:-1] = np.cumprod(f[:0:-1], axis=0)[::-1]", "gain[:-1] = np.cumprod(f[-2::-1], axis=0)[::-1]"),
    "make_batch draws y before x": ("day2_bptt_numpy.py", "    x = rng.standard_normal((N, T, D)).astype(dtype)\n    y = rng.integers(0, 2, N).astype(dtype)\n", "    y = rng.integers(0, 2, N).astype(dtype)\n    x = rng.standard_normal((N, T, D)).astype(dtype)\n"),
    "clipping share uses h_t, not h_(t-1)": ("day2_bptt_numpy.py", 'np.einsum("tni,ntj->tij", cache["h"][:-1], grads["a"])', 'np.einsum("tni,ntj->tij", cache["h"][1:], grads["a"])'),
    "direct path ignores truncation": ("day3_lstm_numpy.py", "    if window is not None and window < T:\n        gain[:T - window] = 0\n", ""),
    "sigmoid as 0.5 (1 + tanh(z/2))": ("day2_bptt_numpy.py", "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))", "    return 0.5 * (1 + np.tanh(0.5 * z))"),
}
rows = []
for name, (path, old, new) in [("none (the intact copy)", (None, None, None))] + list(MUTANTS.items()):
    dst = os.path.join(tempfile.mkdtemp(), "copy")
    shutil.copytree(SRC, dst, ignore=shutil.ignore_patterns("runs", ".git", "__pycache__", ".pytest_cache"))
    if path:
        text = open(os.path.join(dst, path)).read()
        assert text.count(old) == 1, name
        open(os.path.join(dst, path), "w").write(text.replace(old, new))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                        "tests/test_day2_bptt_numpy.py", "tests/test_day3_lstm_numpy.py"], cwd=dst,
                       capture_output=True, text=True)
    last = r.stdout.strip().splitlines()[-1]
    rows.append((name, last))
    print(f"| {name} | {last} |", flush=True)
    shutil.rmtree(os.path.dirname(dst), ignore_errors=True)
