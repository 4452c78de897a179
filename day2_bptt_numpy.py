"""Day 2 (NumPy): Backpropagation Through Time by hand, and the vanishing / exploding gradient made visible.

What it shows: a many-to-one vanilla RNN shaped like Day 1's Keras model,

    a_t = x_t W_xh + h_{t-1} W_hh + b_h,   h_t = tanh(a_t),   p = sigmoid(h_T W_hy + b_y),   L = mean cross-entropy,

with its gradients derived by hand (notes/day2.md, equations 1a-9) and checked by pytest against finite differences
and TensorFlow. The script then measures ||dL/dh_t|| at every step t of a T = 200 step random "review" for several
sizes of W_hh (all its singular values equal) and draws them on one log-scale plot, with what gradient-norm clipping
does to the exploding case beside it.

Result (seed 0, same on every machine: NumPy only): ||dL/dh_1|| / ||dL/dh_200|| = 6e-96, 1e-48, 8e-41, 2e-13 and
8e+03 for sigma_max(W_hh) = 0.5, 0.9, 1.0, 1.5 and 2.0 (notes/day2.md, section 4).

    python day2_bptt_numpy.py                  # writes runs/day2_numpy/gradient_norms.png and .json
    python day2_bptt_numpy.py --scales 0.9,1.1 --seq-len 50 --truncate 20 --out runs/day2_numpy_short

Shapes follow CS231n: N sequences in a batch, T steps, D input features, H hidden units. Inside forward/backward the
arrays are time first and counted from 1 like the notes: h[t] is h_t, h[0] is h_0, and slot 0 of xs, a and da is
unused, so every line below reads like its equation.
"""
import math
import os

from rnn_days import cli, outputs, plots
from rnn_days.conditions import conditions

import numpy as np

PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")
OUT_OF_MEMORY = "--batch x --seq-len x --hidden (and --input-dim) does not fit; lower --batch or --seq-len"


# ---------------------------------------------------------------------------------------------------------------
# 1. The model: forward and backward
# ---------------------------------------------------------------------------------------------------------------

def sigmoid(z):
    """1 / (1 + e^-z), exact over the whole float range: for z < 0 written as e^z / (1 + e^z), so e^x never
    overflows and a very negative z gives its tiny value, not 0."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def forward(x, y, h0, params):
    """Run the RNN over x and score its last state.

    x: (N, T, D) inputs, y: (N,) labels in {0, 1}, h0: (N, H) initial state.
    Returns (loss, cache): the mean binary cross-entropy, and what backward() needs.
    """
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in PARAM_NAMES)
    N, T, D = x.shape
    xs = np.zeros((T + 1, N, D), x.dtype)           # xs[t] = x_t, time first: each step reads one block
    xs[1:] = x.transpose(1, 0, 2)
    a = np.zeros((T + 1,) + h0.shape, h0.dtype)     # a[t] = a_t, the pre-activation of step t
    h = np.zeros_like(a)                            # h[t] = h_t, the state after step t
    h[0] = h0
    a[1:] = xs[1:] @ W_xh + b_h                     # (1a), input part: x_t W_xh + b_h for all t in one product
    for t in range(1, T + 1):
        a[t] += h[t - 1] @ W_hh                     # (1a), recurrent part: waits for step t-1
        h[t] = np.tanh(a[t])                        # (1b)
    z = h[T] @ W_hy + b_y                           # (2)   (N, 1) logits
    p = sigmoid(z[:, 0])                            # (3)
    loss = np.mean(np.logaddexp(0, z[:, 0]) - y * z[:, 0])  # (4)  = mean of -y log p - (1-y) log(1-p), stably
    return loss, {"xs": xs, "y": y, "h": h, "p": p, "params": params}


def backward(cache, truncate=None):
    """Backpropagation Through Time: the forward loop, reversed.

    truncate: carry the error back through only the last `truncate` steps (truncated BPTT); None or T = full BPTT.
    Returns {name: dL/dname}: "W_xh", "W_hh", "b_h", "W_hy", "b_y" (shaped like the parameters), "x" (N, T, D),
    "h0" (N, H), and for every step t = 1..T, "h" = dL/dh_t and "a" = dL/da_t, both (N, T, H).
    """
    xs, y, h, p = cache["xs"], cache["y"], cache["h"], cache["p"]
    W_xh, W_hh, W_hy = (cache["params"][k] for k in ("W_xh", "W_hh", "W_hy"))
    T, N = h.shape[0] - 1, h.shape[1]
    window = T if truncate is None else min(truncate, T)
    dz = ((p - y) / N)[:, None]                     # (5)   dL/dz for sigmoid + cross-entropy: (N, 1)
    dh = np.zeros_like(h)                           # dh[t] = dL/dh_t
    da = np.zeros_like(h)                           # da[t] = dL/da_t
    dh[T] = dz @ W_hy.T                             # (6)   the error enters at the last step only
    for t in range(T, T - window, -1):
        da[t] = dh[t] * (1 - h[t] ** 2)             # (7)   back through tanh: tanh'(a_t) = 1 - h_t^2
        dh[t - 1] = da[t] @ W_hh.T                  # (8)   back one step in time, through W_hh
    if window < T:
        dh[T - window] = 0                          # truncated: h_{T-window} and earlier get no error
    return {
        "W_hy": h[T].T @ dz,                                                 # (6)
        "b_y": dz.sum(axis=0),                                               # (6)
        # (9) every step uses the same weights, so their gradients are sums over t (each one big product)
        "W_xh": sum_over_t(xs[1:], da[1:]),                                  # (9) sum_t x_t^T da_t
        "W_hh": sum_over_t(h[:-1], da[1:]),                                  # (9) sum_t h_{t-1}^T da_t
        "b_h": da[1:].sum(axis=(0, 1)),                                      # (9) sum_t sum_n da_t
        "x": (da[1:] @ W_xh.T).transpose(1, 0, 2),                           # (9) dL/dx_t = da_t W_xh^T
        "h0": dh[0],                                                         # (8) at t = 1
        "h": dh[1:].transpose(1, 0, 2),
        "a": da[1:].transpose(1, 0, 2),
    }


def three_steps_by_hand(x=(1.0, 0.5, -1.0), w_xh=0.5, w_hh=0.8, w_hy=1.5, y=1.0):
    """The warm-up of notes/day2.md, section 2.1: one unit (D = H = 1), one review (N = 1), three steps, h_0 = 0, no
    biases -- forward and BPTT in plain numbers, one line per equation. Returns the numbers of every step t = 1..3
    and the weight gradients."""
    a, h = [None], [0.0]                               # a[t] = a_t, h[t] = h_t; h[0] = h_0 = 0
    for x_t in x:
        a.append(w_xh * x_t + w_hh * h[-1])            # (1a)
        h.append(math.tanh(a[-1]))                     # (1b)
    z = w_hy * h[3]                                    # (2)
    p = 1 / (1 + math.exp(-z))                         # (3)
    loss = math.log(1 + math.exp(z)) - y * z           # (4), one review
    dh, da = [0.0] * 4, [0.0] * 4
    dh[3] = (p - y) * w_hy                             # (5) and (6): the error enters at the last step
    for t in (3, 2, 1):
        da[t] = dh[t] * (1 - h[t] ** 2)                # (7)  through the tanh
        dh[t - 1] = da[t] * w_hh                       # (8)  one step back, through w_hh
    return {"x": list(x), "a": a[1:], "h": h[1:], "p": p, "loss": loss, "dh": dh[1:], "da": da[1:],
            "dW_hh": sum(da[t] * h[t - 1] for t in (1, 2, 3)),          # (9)
            "dW_xh": sum(da[t] * x[t - 1] for t in (1, 2, 3)),          # (9)
            "dW_hy": (p - y) * h[3], "dh0": dh[0]}


def sum_over_t(u, v):
    """sum over t (and the batch) of u_t^T v_t, for time-first u (T, N, I) and v (T, N, J): one BLAS product."""
    return np.ascontiguousarray(np.einsum("tni,tnj->ij", u, v, optimize=True))


def step_norms(dh):
    """||dL/dh_t|| for t = 1..T: the Frobenius norm over the batch of each step's (N, H) gradient. dh: (N, T, H)."""
    return np.sqrt(np.sum(dh ** 2, axis=(0, 2)))


def state_jacobian(cache, k, n=0):
    """dh_T/dh_k for sequence n, (H, H): the product (10) of the one-step Jacobians diag(1 - h_t^2) W_hh^T,
    t = T down to k + 1 (column-vector convention)."""
    h, W_hh = cache["h"], cache["params"]["W_hh"]
    T = h.shape[0] - 1
    J = np.eye(h.shape[2], dtype=h.dtype)
    for t in range(k + 1, T + 1):
        J = (1 - h[t, n] ** 2)[:, None] * W_hh.T @ J
    return J


def global_norm(grads):
    """||g||: the norm of all the parameter gradients together, as one long vector."""
    return np.sqrt(sum(np.sum(grads[k].astype(np.float64) ** 2) for k in PARAM_NAMES))


def clip_by_global_norm(grads, max_norm):
    """Pascanu et al. (2013): if ||g|| > max_norm, rescale g to length max_norm, same direction.

    A non-finite ||g|| (an overflowed gradient) has no direction to keep: the gradients come back unchanged, and the
    caller must skip that step (measure() reports it as an overflow)."""
    norm = global_norm(grads)
    factor = max_norm / norm if np.isfinite(norm) and norm > max_norm else 1.0
    return {k: grads[k] * factor for k in PARAM_NAMES}


# ---------------------------------------------------------------------------------------------------------------
# 2. The experiment: ||dL/dh_t|| for several sizes of W_hh
# ---------------------------------------------------------------------------------------------------------------

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


def make_batch(N, T, D, H, rng, dtype):
    """Random inputs x (N, T, D), labels y (N,) and h0 = 0, standing in for N embedded reviews."""
    x = rng.standard_normal((N, T, D)).astype(dtype)
    y = rng.integers(0, 2, N).astype(dtype)
    return x, y, np.zeros((N, H), dtype)


def per_step_W_hh(cache, grads):
    """Each step's own share of dL/dW_hh, h_{t-1}^T dL/da_t, (T, H, H): the terms of the sum (9)."""
    return np.einsum("tni,ntj->tij", cache["h"][:-1], grads["a"])


def measure(scale, seed=0, N=16, T=200, D=128, H=128, truncate=None, clip=1.0, input_scale=1.0):
    """One scale of W_hh: forward, BPTT and clipping. Every scale sees the same seed, so only W_hh's size differs.
    input_scale multiplies the inputs: 1 saturates tanh, about 0.03 is the size of Keras's starting embeddings."""
    rng = np.random.default_rng(seed)
    x, y, h0 = make_batch(N, T, D, H, rng, np.float64)
    x = x * input_scale
    params = init_params(D, H, rng, scale)
    with np.errstate(over="ignore", invalid="ignore"):   # the exploding case may overflow: detect, don't crash
        loss, cache = forward(x, y, h0, params)
        grads = backward(cache, truncate)
        grad_norm, clipped_norm = global_norm(grads), global_norm(clip_by_global_norm(grads, clip))
        # clipping rescales every step's share of dL/dW_hh by one factor
        per_step = np.linalg.norm(per_step_W_hh(cache, grads), axis=(1, 2))
        norms = step_norms(grads["h"])
    finite = bool(np.all(np.isfinite(norms)) and np.isfinite(grad_norm))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = float(norms[0] / norms[-1])
    ok = np.isfinite(ratio) and ratio > 0 and T > 1
    return {
        "scale": scale, "input_scale": input_scale, "loss": float(loss), "dh_norm": [float(v) for v in norms],
        # saturation: tanh'(a_t) = 1 - h_t^2, averaged over units, sequences and the steps after the first ten
        "tanh_prime_mean": float(np.mean(1 - cache["h"][11:] ** 2)) if T > 10 else None,
        # its root mean square: sigma_max x this predicts the per-step factor when W_hh is a scaled rotation (12)
        "tanh_prime_rms": float(np.sqrt(np.mean((1 - cache["h"][11:] ** 2) ** 2))) if T > 10 else None,
        "ratio_first_to_last": ratio if np.isfinite(ratio) else None,
        # the average factor one step back multiplies the error by: ratio = factor^(T-1)
        "per_step_factor": float(ratio ** (1 / (T - 1))) if ok else None,
        "finite": finite, "grad_norm": float(grad_norm) if np.isfinite(grad_norm) else None,
        "grad_norm_clipped": float(clipped_norm) if finite else None,
        "per_step_W_hh": [float(v) for v in per_step],
        "clip_factor": float(clipped_norm / grad_norm) if finite and grad_norm > 0 else 1.0,
    }


def plot(results, clip, title, path):
    """Left: ||dL/dh_t|| for every scale. Right: each step's share of dL/dW_hh, raw and clipped to norm `clip`."""
    plt = plots.pyplot()
    T = len(results[0]["dh_norm"])
    t = np.arange(1, T + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    for r in results:
        norms = np.array(r["dh_norm"], dtype=float)
        ok = np.isfinite(norms) & (norms > 0)
        label = f"$\\sigma_{{max}}(W_{{hh}})$ = {r['scale']:g}" + ("" if r["finite"] else " (overflow)")
        left.semilogy(t[ok], norms[ok], label=label)
    left.set(xlabel="step t (the loss is read at step T, on the left)", ylabel=r"$\|\partial L / \partial h_t\|$",
             title="Error flowing back through time", xlim=(T, 1))
    left.grid(alpha=0.3, which="both")
    left.legend(fontsize=8)

    largest = max(results, key=lambda r: r["grad_norm"] if r["grad_norm"] is not None else np.inf)
    raw = np.array(largest["per_step_W_hh"], dtype=float)
    ok = np.isfinite(raw) & (raw > 0)
    right.semilogy(t[ok], raw[ok], label=f"raw (total $\\|g\\|$ = {largest['grad_norm'] or float('inf'):.3g})")
    if largest["finite"]:
        right.semilogy(t[ok], raw[ok] * largest["clip_factor"], label=f"clipped to $\\|g\\|$ = {clip:g}")
    right.set(xlabel="step t", ylabel=r"$\|h_{t-1}^T \, \partial L/\partial a_t\|$",
              title=f"Clipping, $\\sigma_{{max}}$ = {largest['scale']:g}: "
                    r"each step's share of $\partial L/\partial W_{hh}$", xlim=(T, 1))
    right.grid(alpha=0.3, which="both")
    right.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 3. The script
# ---------------------------------------------------------------------------------------------------------------

def make_parser():
    parser = cli.Parser(__doc__)
    parser.add_shape()  # --seq-len T, --hidden H, --input-dim D, --batch N of the random batch
    parser.add_argument("--scales", type=cli.comma_list(cli.positive_float, "positive numbers"),
                        default="0.5,0.9,1.0,1.5,2.0",
                        help="largest singular values of W_hh to compare, comma-separated (default %(default)s)")
    parser.add_argument("--clip", type=cli.positive_float, default=1.0,
                        help="gradient-norm clipping threshold for the second panel (default %(default)s)")
    parser.add_argument("--input-scale", type=cli.positive_float, default=1.0,
                        help="standard deviation of the random inputs (default %(default)s: tanh saturates); 0.029 "
                             "is that of Keras's starting embeddings, uniform in (-0.05, 0.05)")
    parser.add_seed()
    parser.add_out(os.path.join("runs", "day2_numpy"))
    return parser


def print_table(results, title):
    print(f"||dL/dh_t|| from step T back to step 1 -- {title}:")
    print(f"{'sigma_max(W_hh)':>16} {'||dL/dh_T||':>12} {'||dL/dh_1||':>12} {'ratio 1/T':>10} {'per step':>9} "
          f"{'tanh prime':>10} {'||g|| raw':>10} {'||g|| clipped':>13}  status")
    for r in results:
        first, last = r["dh_norm"][0], r["dh_norm"][-1]
        ratio = "n/a" if r["ratio_first_to_last"] is None else f"{r['ratio_first_to_last']:.3g}"
        step = "n/a" if r["per_step_factor"] is None else f"{r['per_step_factor']:.3f}"
        raw = "inf/nan" if r["grad_norm"] is None else f"{r['grad_norm']:.3g}"
        clipped = "n/a" if r["grad_norm_clipped"] is None else f"{r['grad_norm_clipped']:.3g}"
        status = "ok" if r["finite"] else "OVERFLOW (inf/nan)"
        slope = "n/a" if r["tanh_prime_mean"] is None else f"{r['tanh_prime_mean']:.3f}"
        print(f"{r['scale']:>16g} {last:>12.3g} {first:>12.3g} {ratio:>10} {step:>9} {slope:>10} {raw:>10} "
              f"{clipped:>13}  {status}")


def main(argv=None):
    args = make_parser().parse_args(argv)
    results = [measure(s, args.seed, args.batch, args.seq_len, args.input_dim, args.hidden, args.truncate, args.clip,
                       args.input_scale) for s in args.scales]
    title = (f"vanilla RNN, T = {args.seq_len}, N = {args.batch}, H = {args.hidden}, "
             f"truncate = {args.truncate or args.seq_len}, inputs x {args.input_scale:g}, seed {args.seed}")
    print_table(results, title)
    with outputs.Outputs(args.out) as out:
        plot(results, args.clip, title, out.path("gradient_norms.png"))
        outputs.write_json({"settings": vars(args), "results": results, "warm_up": three_steps_by_hand(),
                        "conditions": conditions()}, out.path("gradient_norms.json"))
    for path in out.written():
        print(f"wrote {path}")
    return results


if __name__ == "__main__":
    cli.run(main, out_of_memory=OUT_OF_MEMORY)
