"""Each deliberate bug below must turn the fast tier red: copy the project, plant one bug, run the tests that guard
that file, print one table row per bug. Every function whose output the notes quote has at least one bug here.

    python tools/mutants.py               # every bug: a few minutes
    python tools/mutants.py --list        # the bugs, without running anything
    python tools/mutants.py -k median     # only the bugs whose name contains "median"
"""
import os
import shutil
import subprocess
import sys
import tempfile
import typing

if __package__ in (None, ""):   # run as a path (python tools/mutants.py): the repository root is the top
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rnn_days import cli, outputs  # noqa: E402  (after the path, when run as a path)

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the repo root


class Mutant(typing.NamedTuple):
    name: str
    path: str        # the file to break
    old: str         # a piece of it, found exactly once
    new: str         # what replaces it
    tests: tuple     # the test files that must catch it (their fast tier)


BPTT, LSTM, DAY2 = "tests/test_day2_bptt_numpy.py", "tests/test_day3_lstm_numpy.py", "tests/test_day2_tensorflow.py"
INSIDE, DAY4, NOTES = "tests/test_day3_inside.py", "tests/test_day4_memory.py", "tests/test_notes.py"
MUTANTS = [
    # Day 2, NumPy: BPTT and the toy's measurements
    Mutant("dL/da_t returned one step shifted", "day2_bptt_numpy.py", '"a": da[1:].transpose(1, 0, 2)',
           '"a": da[:-1].transpose(1, 0, 2)', (BPTT,)),
    Mutant("make_batch draws y before x", "day2_bptt_numpy.py",
           "    x = rng.standard_normal((N, T, D)).astype(dtype)\n    y = rng.integers(0, 2, N).astype(dtype)\n",
           "    y = rng.integers(0, 2, N).astype(dtype)\n    x = rng.standard_normal((N, T, D)).astype(dtype)\n",
           (BPTT,)),
    Mutant("clipping share uses h_t, not h_(t-1)", "day2_bptt_numpy.py",
           'np.einsum("tni,ntj->tij", cache["h"][:-1], grads["a"])', 'np.einsum("tni,ntj->tij", cache["h"][1:], '
           'grads["a"])', (BPTT,)),
    Mutant("sigmoid as 0.5 (1 + tanh(z/2))", "day2_bptt_numpy.py",
           "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
           "    return 0.5 * (1 + np.tanh(0.5 * z))", (BPTT,)),
    Mutant("RMS tanh' computed as the mean", "day2_bptt_numpy.py",
           'np.sqrt(np.mean((1 - cache["h"][11:] ** 2) ** 2))', 'np.mean(1 - cache["h"][11:] ** 2)', (BPTT,)),
    Mutant("per-step factor over T steps, not T - 1", "day2_bptt_numpy.py", "ratio ** (1 / (T - 1))",
           "ratio ** (1 / T)", (BPTT,)),
    Mutant("clip factor from the clipped norm's square", "day2_bptt_numpy.py",
           "factor = max_norm / norm if", "factor = max_norm / norm ** 2 if", (BPTT,)),
    Mutant("the table's columns swapped", "day2_bptt_numpy.py",
           '{last:>12.3g} {first:>12.3g}', '{first:>12.3g} {last:>12.3g}', (BPTT,)),
    # Day 3, NumPy: the LSTM's two paths
    Mutant("dL/da_t returned one step shifted (LSTM)", "day3_lstm_numpy.py", '"a": da[1:].transpose(1, 0, 2)',
           '"a": da[:-1].transpose(1, 0, 2)', (LSTM,)),
    Mutant("direct-path product off by one step", "day3_lstm_numpy.py",
           "gain[:-1] = np.cumprod(f[:0:-1], axis=0)[::-1]", "gain[:-1] = np.cumprod(f[-2::-1], axis=0)[::-1]",
           (LSTM,)),
    Mutant("direct path ignores truncation", "day3_lstm_numpy.py",
           "    if window is not None and window < T:\n        gain[:T - window] = 0\n", "", (LSTM,)),
    Mutant("path 2 into c_(t-1) dropped", "day3_lstm_numpy.py",
           "dc[t - 1] += dh[t - 1] * o[t - 1] * (1 - tanh_c[t - 1] ** 2)", "dc[t - 1] += 0 * dh[t - 1]",
           (LSTM,)),
    Mutant("mean f over the first step only", "day3_lstm_numpy.py", '"mean_f": float(f.mean())',
           '"mean_f": float(f[0].mean())', (LSTM,)),
    # Day 2, Keras: the look inside trained SimpleRNNs and the memory probe
    Mutant("sigma_max read as the smallest singular value", "day2_tensorflow.py",
           '"W_hh_sigma_max": float(singular_values[0])', '"W_hh_sigma_max": float(singular_values[-1])', (DAY2,)),
    Mutant("spectral radius as the largest real part", "day2_tensorflow.py",
           "float(np.max(np.abs(np.linalg.eigvals(W_hh))))", "float(np.max(np.linalg.eigvals(W_hh).real))", (DAY2,)),
    Mutant("a median of ratios computed as a mean", "day2_tensorflow.py",
           'return {"median": float(median),', 'return {"median": float(np.mean(ratios)),', (DAY2,)),
    Mutant("the phrase effect's interval over the wrong count", "day2_tensorflow.py",
           "ci = 1.96 * e.std(axis=1, ddof=1) / np.sqrt(e.shape[1])",
           "ci = 1.96 * e.std(axis=1, ddof=1) / np.sqrt(e.shape[0])", (DAY2,)),
    Mutant("half-life against the effect at the end", "day2_tensorflow.py", "e0 = sign * mean[0]",
           "e0 = sign * mean[-1]", (DAY2,)),
    Mutant("the phrase placed one word early", "day2_tensorflow.py", "start = len(row) - n - len(phrase)",
           "start = len(row) - n - len(phrase) - 1", (DAY2,)),
    Mutant("smallest gradient counted from word 0", "day2_tensorflow.py",
           '"grad_median_smallest_at_word": smallest + 1', '"grad_median_smallest_at_word": smallest', (DAY2,)),
    Mutant("tanh' averaged from the first word", "day2_tensorflow.py",
           '"tanh_prime_mean_after_10_steps": float(tanh_prime[:, 10:].mean())',
           '"tanh_prime_mean_after_10_steps": float(tanh_prime.mean())', (DAY2,)),
    # Day 3, Keras: the look inside trained LSTMs
    Mutant("an LSTM's c-ratio divided by the other norm", "day3_inside.py",
           'ratio_stats(s["c"][:, 0] / s["c"][:, -1])', 'ratio_stats(s["c"][:, 0] / s["h"][:, -1])', (INSIDE,)),
    Mutant("per-unit forget gates over the wrong words", "day3_inside.py", "tf.stack(fs[10:])", "tf.stack(fs[:10])",
           (INSIDE,)),
    Mutant("the direct path's gain from word 1", "day3_inside.py", "for f in fs[1:]", "for f in fs", (INSIDE,)),
    Mutant("units keeping half counted above a quarter", "day3_inside.py", "np.mean(direct >= 0.5)",
           "np.mean(direct >= 0.25)", (INSIDE,)),
    # Day 4: the tasks, the statistics, what a trained model keeps
    Mutant("held-out accuracy scored on the validation stream", "day4_memory.py",
           'batch(data_rng(task, T, s, "test"), EVAL_SIZE, T)', 'batch(data_rng(task, T, s, "validation"), '
           'EVAL_SIZE, T)', (DAY4,)),
    Mutant("a median of the gradient ratios computed as a mean", "day4_memory.py",
           '"gradient_ratio_median": float(np.median(ratios))', '"gradient_ratio_median": float(np.mean(ratios))',
           (DAY4,)),
    Mutant("the horizon not contiguous", "day4_memory.py", "broken = broken or not passes", "broken = not passes",
           (DAY4,)),
    Mutant("median steps without the unsolved seeds", "day4_memory.py",
           "values = sorted(s if ok else math.inf for s, ok in zip(steps, solved))",
           "values = sorted(s for s, ok in zip(steps, solved) if ok) or [math.inf]", (DAY4,)),
    Mutant("the exact interval at 90%", "day4_memory.py", 'proportion_ci(0.95, method="exact")',
           'proportion_ci(0.9, method="exact")', (DAY4,)),
    Mutant("the adding marker anywhere in the first half", "day4_memory.py",
           "first = rng.integers(0, split, n)", "first = rng.integers(0, max(split + 1, T // 2), n)", (DAY4,)),
    Mutant("recall's label from the last step", "day4_memory.py", "(x[:, 0, 0] > 0)", "(x[:, -1, 0] > 0)", (DAY4,)),
    Mutant("the adding tolerance inclusive of its double", "day4_memory.py",
           "np.abs(output - y) < TOLERANCE", "np.abs(output - y) < 2 * TOLERANCE", (DAY4,)),
    Mutant("the latch's gradient without w_hh", "day4_memory.py", "factor = w_hh * (1 - h ** 2)",
           "factor = 1 - h ** 2", (DAY4,)),
    Mutant("the fresh readout scored on the states it was fitted on", "day4_memory.py",
           '"refit": float(correct(task, fitted(h[half:, -1]), y[half:]).mean())',
           '"refit": float(correct(task, fitted(h[:half, -1]), y[:half]).mean())', (DAY4,)),
    Mutant("x_1 never turned over in the flip test", "day4_memory.py", "for step in (1, 2, long_lag)",
           "for step in (2, 2, long_lag)", (DAY4,)),
    Mutant("the spectral radius as the largest real part", "day4_memory.py",
           "top = eigenvalues[np.argmax(np.abs(eigenvalues))]", "top = eigenvalues[np.argmax(eigenvalues.real)]",
           (DAY4,)),
    Mutant("a gate block's RMS singular value over H x H entries", "day4_memory.py",
           "np.linalg.norm(W[:, i:i + H]) / np.sqrt(H)", "np.linalg.norm(W[:, i:i + H]) / H", (DAY4,)),
    Mutant("the baseline test two-sided", "day4_memory.py", 'alternative="greater"', 'alternative="two-sided"',
           (DAY4,)),
    Mutant("the concordance counts ties as agreement", "day4_memory.py",
           "(gradient[a][T] > gradient[b][T]) == (solved[a][T] > solved[b][T])",
           "(gradient[a][T] >= gradient[b][T]) == (solved[a][T] > solved[b][T])", (DAY4,)),
    Mutant("the permutation p-value without the identity order", "day4_memory.py",
           "for order in itertools.permutations(cells)]", "for order in list(itertools.permutations(cells))[1:]]",
           (DAY4,)),
    Mutant("the AUC counts ties as wins", "day4_memory.py", "(p > q) + 0.5 * (p == q)", "(p >= q)", (DAY4,)),
    Mutant("the GRU's update bias written into the reset gate", "day4_memory.py", "bias[0, :hidden] = update",
           "bias[0, hidden:2 * hidden] = update", (DAY4,)),
    # the notes' own formats
    Mutant("a table's median as the mean", "tools/notes/core.py", '"median": float(np.median(values))',
           '"median": float(np.mean(values))', (NOTES,)),
]


def run(mutant):
    """Plant one bug in a copy of the project and run the tests that guard it. Returns pytest's last line."""
    folder = tempfile.mkdtemp()
    try:
        dst = os.path.join(folder, "copy")
        shutil.copytree(SRC, dst, ignore=shutil.ignore_patterns("runs", ".git", "__pycache__", ".pytest_cache"))
        if mutant.path:
            target = os.path.join(dst, mutant.path)
            with open(target, encoding="utf-8") as f:
                text = f.read()
            if text.count(mutant.old) != 1:
                raise cli.Failure(f"mutant {mutant.name!r}: the text to change is found {text.count(mutant.old)} "
                                  f"times in {mutant.path}, not once; update tools/mutants.py")
            with open(target, "w", encoding="utf-8") as f:
                f.write(text.replace(mutant.old, mutant.new))
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                                 "-x", *mutant.tests], cwd=dst, capture_output=True, text=True,
                                env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        lines = result.stdout.strip().splitlines()
        return result.returncode, lines[-1] if lines else result.stderr.strip()[-200:]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def make_parser():
    parser = cli.Parser(__doc__)
    parser.add_argument("--list", action="store_true", help="list the bugs and the tests that guard them; run nothing")
    parser.add_argument("-k", dest="keyword", default="", help="only the bugs whose name contains this text")
    parser.add_argument("--json", type=cli.json_file, default=None, help="also write the table to this JSON file")
    return parser


def main(argv=None):
    args = make_parser().parse_args(argv)
    chosen = [m for m in MUTANTS if args.keyword.lower() in m.name.lower()]
    if not chosen:
        raise cli.UsageError(f"argument -k: no bug's name contains {args.keyword!r} (see --list)")
    if args.list:
        for m in chosen:
            print(f"{m.path}: {m.name} ({', '.join(m.tests)})")
        return None
    survivors, rows = [], []
    print("| bug | file | the tests that guard it |\n|---|---|---|")
    for m in [Mutant("none (the intact copy)", None, None, None, (BPTT, LSTM, DAY2, INSIDE, DAY4))] + chosen:
        code, last = run(m)
        print(f"| {m.name} | {m.path or '—'} | {last} |", flush=True)
        rows.append({"bug": m.name, "file": m.path, "tests": list(m.tests), "result": last, "red": code != 0})
        if (code == 0) != (m.path is None):
            survivors.append(m.name)
    if args.json:
        from rnn_days.conditions import conditions
        outputs.write_json({"rows": rows, "conditions": conditions()}, args.json)
    if survivors:
        raise cli.Failure(f"{len(survivors)} not as expected: {'; '.join(survivors)}")
    print(f"every one of the {len(chosen)} bugs turned its tests red; the intact copy passed")
    return survivors


if __name__ == "__main__":
    cli.run(main)
