"""Day 2 (NumPy): Backpropagation Through Time by hand, and the vanishing / exploding gradient made visible.

What it shows: a many-to-one vanilla RNN shaped like Day 1's Keras model,

    h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h),   p = sigmoid(h_T W_hy + b_y),   L = mean binary cross-entropy,

with its gradients derived by hand (notes/day2.md, equations 1-9) and checked by pytest against finite differences
and TensorFlow. The script then measures ||dL/dh_t|| at every step t of a T = 200 word "review" for several sizes of
W_hh (its largest singular value) and draws them on one log-scale plot: below 1 the error fades geometrically on its
way back to word 1; above 1 it can grow instead, or still fade when the tanh units saturate. A second panel shows
what gradient-norm clipping does to the exploding case.

Result (seed 0): ||dL/dh_1|| / ||dL/dh_200|| = 6e-96, 1e-48, 8e-41, 2e-13 and 8e+03 for sigma_max(W_hh) = 0.5, 0.9,
1.0, 1.5 and 2.0 (notes/day2.md, section 4).

    python day2_bptt_numpy.py                  # writes runs/day2_numpy/gradient_norms.png and .json
    python day2_bptt_numpy.py --scales 0.9,1.1 --seq-len 50 --truncate 20

Shapes follow CS231n: N reviews in a batch, T steps, D input features, H hidden units.
"""
import argparse
import json
import os

import matplotlib
import numpy as np

matplotlib.use("Agg")  # headless: figures go to PNG files
import matplotlib.pyplot as plt

from cli import Parser, fail, non_negative_int, positive_float, positive_int

# ---------------------------------------------------------------------------------------------------------------
# 1. The model
# ---------------------------------------------------------------------------------------------------------------


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))  # the same function as 1 / (1 + e^-z), but never overflows


def init_params(D, H, rng, scale=1.0, dtype=np.float64):
    """Random weights; W_hh is a random orthogonal matrix times `scale`, so every singular value equals `scale`.

    Returns {"W_xh": (D, H), "W_hh": (H, H), "b_h": (H,), "W_hy": (H, 1), "b_y": (1,)}.
    """
    Q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    return {
        "W_xh": (rng.standard_normal((D, H)) / np.sqrt(D)).astype(dtype),
        "W_hh": (scale * Q).astype(dtype),
        "b_h": np.zeros(H, dtype),
        "W_hy": (rng.standard_normal((H, 1)) / np.sqrt(H)).astype(dtype),
        "b_y": np.zeros(1, dtype),
    }


def forward(x, y, h0, params):
    """Run the RNN over x and score its last state.

    x: (N, T, D) inputs, y: (N,) labels in {0, 1}, h0: (N, H) initial state.
    Returns (loss, cache): the mean binary cross-entropy, and what backward() needs.
    """
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    N, T, D = x.shape
    x = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, N, D): time first, so each step reads one block
    xW = x @ W_xh + b_h                             # every x_t W_xh + b_h in one product: (T, N, H)
    h = np.empty((T + 1,) + h0.shape, h0.dtype)     # h[0] = h_0, h[t] = state after word t
    h[0] = h0
    for t in range(1, T + 1):
        h[t] = np.tanh(xW[t - 1] + h[t - 1] @ W_hh)  # (1)   (xW[t-1] holds word t: arrays count from 0)
    z = h[T] @ W_hy + b_y                           # (2)   (N, 1) logits
    p = sigmoid(z[:, 0])                            # (3)
    loss = np.mean(np.logaddexp(0, z[:, 0]) - y * z[:, 0])  # (4)  = mean of -y log p - (1-y) log(1-p), stably
    return loss, (x, y, h, p, params)


def backward(cache, truncate=None):
    """Backpropagation Through Time: the forward loop, reversed.

    truncate: pass the error back through only the last `truncate` steps (truncated BPTT); None or T = full BPTT.
    Returns a dict of gradients of the loss: "W_xh", "W_hh", "b_h", "W_hy", "b_y" (shaped like the parameters),
    "x" (N, T, D), "h0" (N, H), "dh" (N, T, H) = dL/dh_t for t = 1..T, and "dh_norm" (T,) = ||dL/dh_t||, the
    Frobenius norm over the batch, at each step t = 1..T.
    """
    x, y, h, p, params = cache
    W_xh, W_hh, W_hy = params["W_xh"], params["W_hh"], params["W_hy"]
    T, N, D = x.shape
    k = T if truncate is None else min(truncate, T)
    dz = ((p - y) / N)[:, None]                     # (5)   dL/dz for sigmoid + cross-entropy: (N, 1)
    dW_hy = h[T].T @ dz
    db_y = dz.sum(axis=0)
    dh = np.zeros_like(h)                           # dh[t] = dL/dh_t
    da = np.zeros_like(h[1:])                       # da[t-1] = dL/da_t, a_t the pre-activation of step t
    dh[T] = dz @ W_hy.T                             # (6)   the error enters at the last step only
    tanh_prime = 1 - h ** 2                         #       tanh'(a_t) = 1 - h_t^2, for every step at once
    for t in range(T, T - k, -1):
        da[t - 1] = dh[t] * tanh_prime[t]           # (7)   back through tanh
        dh[t - 1] = da[t - 1] @ W_hh.T              # (8)   back one step in time, through W_hh
    if k < T:
        dh[T - k] = 0                               # truncated: the error stops here, h_{T-k} and earlier get none
    # (9) every step uses the same weights, so their gradients sum over t: one product over all (t, n) rows each.
    da_rows = da.reshape(T * N, -1)
    grads = {
        "W_xh": x.reshape(T * N, D).T @ da_rows,
        "W_hh": h[:-1].reshape(T * N, -1).T @ da_rows,
        "b_h": da_rows.sum(axis=0),
        "W_hy": dW_hy,
        "b_y": db_y,
        "x": (da_rows @ W_xh.T).reshape(T, N, D).transpose(1, 0, 2),
        "h0": dh[0],
        "dh": dh[1:].transpose(1, 0, 2),
        "dh_norm": np.sqrt(np.sum(dh[1:] ** 2, axis=(1, 2))),
    }
    return grads


def state_jacobian(cache, k, n=0):
    """dh_T/dh_k for review n: the product of the one-step Jacobians diag(1 - h_t^2) W_hh^T for t = k+1..T. (H, H)."""
    _, _, h, _, params = cache
    T = h.shape[0] - 1
    J = np.eye(h.shape[2], dtype=h.dtype)
    for t in range(k + 1, T + 1):
        J = (1 - h[t, n] ** 2)[:, None] * params["W_hh"].T @ J
    return J


PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")


def keras_twin(params, T):
    """The same network in Keras -- SimpleRNN(H) and Dense(1), float32 -- holding these weights. Returns (rnn, dense).

    Keras's names: kernel = W_xh, recurrent_kernel = W_hh, bias = b_h; the Dense layer's kernel = W_hy, bias = b_y.
    Only the checks and the benchmark use it: the lesson itself needs nothing but NumPy.
    """
    import keras

    (D, H) = params["W_xh"].shape
    rnn, dense = keras.layers.SimpleRNN(H, activation="tanh"), keras.layers.Dense(1)
    rnn.build((None, T, D))
    dense.build((None, H))
    rnn.set_weights([params["W_xh"], params["W_hh"], params["b_h"]])
    dense.set_weights([params["W_hy"], params["b_y"]])
    return rnn, dense


def global_norm(grads):
    """||g||: the norm of all the parameter gradients together, as one long vector."""
    return np.sqrt(sum(np.sum(grads[k].astype(np.float64) ** 2) for k in PARAM_NAMES))


def clip_by_global_norm(grads, max_norm):
    """Pascanu et al. (2013): if ||g|| > max_norm, rescale g to length max_norm (same direction)."""
    norm = global_norm(grads)
    factor = max_norm / norm if np.isfinite(norm) and norm > max_norm else 1.0
    return {k: grads[k] * factor for k in PARAM_NAMES}


# ---------------------------------------------------------------------------------------------------------------
# 2. The experiment: ||dL/dh_t|| for several sizes of W_hh
# ---------------------------------------------------------------------------------------------------------------


def make_batch(N, T, D, H, rng, dtype):
    """Random inputs x (N, T, D), labels y (N,) and h0 = 0, standing in for N embedded reviews."""
    x = rng.standard_normal((N, T, D)).astype(dtype)
    y = rng.integers(0, 2, N).astype(dtype)
    return x, y, np.zeros((N, H), dtype)


def measure(scale, args):
    """One scale of W_hh: forward, BPTT and clipping. Every scale sees the same seed, so only W_hh's size differs."""
    rng = np.random.default_rng(args.seed)
    x, y, h0 = make_batch(args.batch, args.seq_len, args.input_dim, args.hidden, rng, np.float64)
    params = init_params(args.input_dim, args.hidden, rng, scale)
    with np.errstate(over="ignore", invalid="ignore"):   # the exploding case may overflow: detect, don't crash
        loss, cache = forward(x, y, h0, params)
        grads = backward(cache, args.truncate)
        grad_norm, clipped_norm = global_norm(grads), global_norm(clip_by_global_norm(grads, args.clip))
        h = cache[2]
        da = grads["dh"].transpose(1, 0, 2) * (1 - h[1:] ** 2)
        # each step's own share of dL/dW_hh, h_{t-1}^T da_t: clipping rescales them all by one factor
        per_step = np.linalg.norm(np.einsum("tni,tnj->tij", h[:-1], da), axis=(1, 2))
    norms = grads["dh_norm"]
    finite = bool(np.all(np.isfinite(norms)) and np.isfinite(grad_norm))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = float(norms[0] / norms[-1])
    ok = np.isfinite(ratio) and ratio > 0 and args.seq_len > 1
    return {
        "scale": scale, "loss": float(loss), "dh_norm": [float(v) for v in norms],
        "ratio_first_to_last": ratio if np.isfinite(ratio) else None,
        # the average factor one step back multiplies the error by: ratio = factor^(T-1)
        "per_step_factor": float(ratio ** (1 / (args.seq_len - 1))) if ok else None,
        "finite": finite, "grad_norm": float(grad_norm) if np.isfinite(grad_norm) else None,
        "grad_norm_clipped": float(clipped_norm) if finite else None,
        "per_step_W_hh": [float(v) for v in per_step],
        "clip_factor": float(clipped_norm / grad_norm) if finite and grad_norm > 0 else 1.0,
    }


def plot(results, args, path):
    t = np.arange(1, args.seq_len + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    for r in results:
        norms = np.array(r["dh_norm"])
        ok = np.isfinite(norms) & (norms > 0)
        label = f"$\\sigma_{{max}}(W_{{hh}})$ = {r['scale']:g}" + ("" if r["finite"] else " (overflow)")
        left.semilogy(t[ok], norms[ok], label=label)
    left.set(xlabel="word t (the loss is read at word T, on the left)", ylabel=r"$\|\partial L / \partial h_t\|$",
             title="Error flowing back through time", xlim=(args.seq_len, 1))
    left.grid(alpha=0.3, which="both")
    left.legend(fontsize=8)

    boom = max(results, key=lambda r: r["grad_norm"] if r["grad_norm"] is not None else np.inf)
    raw = np.array(boom["per_step_W_hh"])
    ok = np.isfinite(raw) & (raw > 0)
    right.semilogy(t[ok], raw[ok], label=f"raw (total $\\|g\\|$ = {boom['grad_norm'] or float('inf'):.3g})")
    if boom["finite"]:
        right.semilogy(t[ok], raw[ok] * boom["clip_factor"], label=f"clipped to $\\|g\\|$ = {args.clip:g}")
    right.set(xlabel="word t", ylabel=r"$\|h_{t-1}^T \, \partial L/\partial a_t\|$",
              title=f"Clipping, $\\sigma_{{max}}$ = {boom['scale']:g}: "
                    r"each word's share of $\partial L/\partial W_{hh}$", xlim=(args.seq_len, 1))
    right.grid(alpha=0.3, which="both")
    right.legend(fontsize=8)
    fig.suptitle(f"Vanilla RNN, T = {args.seq_len}, H = {args.hidden}, truncate = {args.truncate or args.seq_len}, "
                 f"seed {args.seed}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def scale_list(text):
    """argparse type: comma-separated positive numbers, e.g. 0.5,0.9,1,1.5,2."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive numbers, got {text!r}")
    return [positive_float(p) for p in parts]


def make_parser():
    parser = Parser(description=__doc__.split("\n\n")[0],
                    epilog="Exit status: 0 ok, 1 could not write the outputs, 2 bad flag value.")
    parser.add_argument("--seq-len", type=positive_int, default=200, help="T, steps per sequence (default %(default)s)")
    parser.add_argument("--hidden", type=positive_int, default=128, help="H, hidden units (default %(default)s)")
    parser.add_argument("--input-dim", type=positive_int, default=128, help="D, input features (default %(default)s)")
    parser.add_argument("--batch", type=positive_int, default=16, help="N, sequences per batch (default %(default)s)")
    parser.add_argument("--scales", type=scale_list, default="0.5,0.9,1.0,1.5,2.0",
                        help="largest singular values of W_hh to compare, comma-separated (default %(default)s)")
    parser.add_argument("--clip", type=positive_float, default=1.0,
                        help="gradient-norm clipping threshold for the second panel (default %(default)s)")
    parser.add_argument("--truncate", type=positive_int, default=None,
                        help="truncated BPTT: pass the error back only K steps (default: all T)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default %(default)s)")
    parser.add_argument("--out", default=os.path.join("runs", "day2_numpy"),
                        help="output folder; gradient_norms.png/.json there are replaced (default %(default)s)")
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.out and os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error(f"argument --out: {args.out} exists and is not a folder")
    try:
        results = [measure(s, args) for s in args.scales]
    except MemoryError:
        fail(f"N x T x D = {args.batch} x {args.seq_len} x {args.input_dim} does not fit in memory; use smaller sizes")

    print(f"||dL/dh_t|| from word T = {args.seq_len} back to word 1 (N = {args.batch}, H = {args.hidden}, "
          f"seed {args.seed}, truncate = {args.truncate or args.seq_len}):")
    print(f"{'sigma_max(W_hh)':>16} {'||dL/dh_T||':>12} {'||dL/dh_1||':>12} {'ratio 1/T':>10} {'per step':>9} "
          f"{'||g|| raw':>10} {'||g|| clipped':>13}  status")
    for r in results:
        first, last = r["dh_norm"][0], r["dh_norm"][-1]
        ratio = "n/a" if r["ratio_first_to_last"] is None else f"{r['ratio_first_to_last']:.3g}"
        step = "n/a" if r["per_step_factor"] is None else f"{r['per_step_factor']:.3f}"
        raw = "inf/nan" if r["grad_norm"] is None else f"{r['grad_norm']:.3g}"
        clipped = "n/a" if r["grad_norm_clipped"] is None else f"{r['grad_norm_clipped']:.3g}"
        status = "ok" if r["finite"] else "OVERFLOW (inf/nan)"
        print(f"{r['scale']:>16g} {last:>12.3g} {first:>12.3g} {ratio:>10} {step:>9} {raw:>10} {clipped:>13}  {status}")

    try:
        os.makedirs(args.out, exist_ok=True)
        png, js = os.path.join(args.out, "gradient_norms.png"), os.path.join(args.out, "gradient_norms.json")
        plot(results, args, png)
        with open(js, "w", encoding="utf-8") as f:
            json.dump({"settings": vars(args), "results": results}, f, indent=1)
    except OSError as exc:
        fail(f"could not write to {args.out}: {exc.strerror or exc}")
    print(f"wrote {png}\nwrote {js}")
    return results


if __name__ == "__main__":
    main()
