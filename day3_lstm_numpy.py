"""Day 3 (NumPy): the LSTM's Backpropagation Through Time by hand, and what its cell state does for the gradient.

What it shows: a many-to-one LSTM shaped like Day 3's Keras model, in Keras's conventions (gate order i, f, c, o;
kernel W_x (D, 4H), recurrent_kernel W_h (H, 4H), bias b (4H,)), so trained Keras weights copy straight across:

    a_t = x_t W_x + h_{t-1} W_h + b = [a_i | a_f | a_g | a_o]                                          (1)
    i_t = sigmoid(a_i),  f_t = sigmoid(a_f),  g_t = tanh(a_g),  o_t = sigmoid(a_o)                     (2)
    c_t = f_t * c_{t-1} + i_t * g_t                                                                     (3)
    h_t = o_t * tanh(c_t)                                                                               (4)
    z = h_T W_hy + b_y,  p = sigmoid(z),  L = mean binary cross-entropy                                (5)

Its gradients (notes/day3.md, equations 6-13) are checked by pytest (`pytest -k lstm`) against finite differences,
TensorFlow, and diag(f_t). The script then runs one random T = 200 batch -- the same batch as day2_bptt_numpy.py --
through LSTMs whose forget-gate bias is 0, 1 (Keras's unit_forget_bias) and 3, and draws ||dL/dc_t|| and ||dL/dh_t||
at every step beside the Day-2 vanilla RNN's ||dL/dh_t||, with the product of the forget gates along the way.

Result (seed 0, NumPy only, the same on every machine): notes/day3.md, section 3.

    python day2_bptt_numpy.py                  # optional: the vanilla RNN line of the figure comes from its JSON
    python day3_lstm_numpy.py                  # writes runs/day3_numpy/gradient_paths.png and .json

Shapes follow CS231n: N sequences, T steps, D input features, H hidden units. Inside forward/backward the arrays are
time first and counted from 1 like the notes: h[t] is h_t, h[0] is h_0, slot 0 of the per-step arrays is unused.
"""
import json
import os

from day2_bptt_numpy import make_batch, sigmoid  # Day 2's batch (the LSTM reads exactly the RNN's data), its sigmoid
from rnn_days import cli, outputs, plots
from rnn_days.conditions import conditions

import numpy as np

PARAM_NAMES = ("W_x", "W_h", "b", "W_hy", "b_y")   # Keras: kernel, recurrent_kernel, bias; Dense kernel, bias
GATES = ("i", "f", "g", "o")                       # Keras's order in the 4H columns; g is Keras's "c" (candidate)
DAY2_JSON = os.path.join("runs", "day2_numpy", "gradient_norms.json")
OUT_OF_MEMORY = "--batch x --seq-len x --hidden does not fit; lower --batch or --seq-len"


# ---------------------------------------------------------------------------------------------------------------
# 1. The model: forward and backward
# ---------------------------------------------------------------------------------------------------------------

def forward(x, y, h0, c0, params):
    """Run the LSTM over x and score its last state.

    x: (N, T, D) inputs, y: (N,) labels in {0, 1}, h0, c0: (N, H) initial states.
    Returns (loss, cache): the mean binary cross-entropy, and what backward() needs.
    """
    W_x, W_h, b, W_hy, b_y = (params[k] for k in PARAM_NAMES)
    N, T, D = x.shape
    H = h0.shape[1]
    xs = np.zeros((T + 1, N, D), x.dtype)              # xs[t] = x_t, time first
    xs[1:] = x.transpose(1, 0, 2)
    a = np.zeros((T + 1, N, 4 * H), h0.dtype)          # a[t] = a_t, the four gates' pre-activations
    i, f, g, o, c, h = (np.zeros((T + 1, N, H), h0.dtype) for _ in range(6))
    h[0], c[0] = h0, c0
    np.matmul(xs[1:].reshape(T * N, D), W_x, out=a[1:].reshape(T * N, 4 * H))  # (1), input part: all t in one
    a[1:] += b                                                                  # product, written in place
    for t in range(1, T + 1):
        a[t] += h[t - 1] @ W_h                         # (1), recurrent part: waits for step t-1
        i[t] = sigmoid(a[t, :, :H])                    # (2) input gate
        f[t] = sigmoid(a[t, :, H:2 * H])               # (2) forget gate
        g[t] = np.tanh(a[t, :, 2 * H:3 * H])           # (2) candidate
        o[t] = sigmoid(a[t, :, 3 * H:])                # (2) output gate
        c[t] = f[t] * c[t - 1] + i[t] * g[t]           # (3)
        h[t] = o[t] * np.tanh(c[t])                    # (4)
    z = h[T] @ W_hy + b_y                              # (5)  (N, 1): the logit
    p = sigmoid(z[:, 0])
    loss = np.mean(np.logaddexp(0, z[:, 0]) - y * z[:, 0])  # (5) mean of -y log p - (1-y) log(1-p), stably
    return loss, {"xs": xs, "y": y, "i": i, "f": f, "g": g, "o": o, "c": c, "h": h, "p": p, "params": params}


def backward(cache, truncate=None):
    """Backpropagation Through Time for the LSTM: the forward loop, reversed.

    truncate: carry the error back through only the last `truncate` steps; None or T = full BPTT.
    Returns {name: dL/dname}: "W_x", "W_h", "b", "W_hy", "b_y" (shaped like the parameters), "x" (N, T, D), "h0" and
    "c0" (N, H), and for every step t = 1..T the total derivatives "h" = dL/dh_t and "c" = dL/dc_t, both (N, T, H),
    and "a" = dL/da_t (N, T, 4H).
    """
    xs, y, i, f, g, o, c, h, p = (cache[k] for k in ("xs", "y", "i", "f", "g", "o", "c", "h", "p"))
    W_x, W_h, W_hy = (cache["params"][k] for k in ("W_x", "W_h", "W_hy"))
    T, N = h.shape[0] - 1, h.shape[1]
    window = T if truncate is None else min(truncate, T)
    tanh_c = np.tanh(c)
    dz = ((p - y) / N)[:, None]                       # (6)  dL/dz for sigmoid + cross-entropy: (N, 1)
    dh = np.zeros_like(h)                              # dh[t] = dL/dh_t
    dc = np.zeros_like(c)                              # dc[t] = dL/dc_t, both paths
    da = np.zeros((T + 1, N, W_h.shape[1]), h.dtype)   # da[t] = dL/da_t
    dh[T] = dz @ W_hy.T                                # (6)  the error enters at the last step only
    dc[T] = dh[T] * o[T] * (1 - tanh_c[T] ** 2)        # (7)  c_T reaches L only through h_T
    for t in range(T, T - window, -1):
        do = dh[t] * tanh_c[t]                         # (8)  h_t = o_t tanh(c_t)
        di, df, dg = dc[t] * g[t], dc[t] * c[t - 1], dc[t] * i[t]       # (9)  c_t = f_t c_{t-1} + i_t g_t
        da[t] = np.concatenate([di * i[t] * (1 - i[t]), df * f[t] * (1 - f[t]),  # (10) back through the gates'
                                dg * (1 - g[t] ** 2), do * o[t] * (1 - o[t])], axis=1)  # sigmoid / tanh
        dh[t - 1] = da[t] @ W_h.T                      # (11) h_{t-1} reaches L only through a_t
        dc[t - 1] = dc[t] * f[t]                       # (12) path 1 into c_{t-1}: directly, through f_t
        if t > 1:                                      # (h_0 and c_0 are separate inputs: no path 2 at t = 1)
            dc[t - 1] += dh[t - 1] * o[t - 1] * (1 - tanh_c[t - 1] ** 2)  # (13) path 2: through h_{t-1} -> gates
    if window < T:
        dh[T - window] = 0                             # truncated: step T-window and earlier get no error
        dc[T - window] = 0
    return {
        "W_hy": h[T].T @ dz,                                                 # (6)
        "b_y": dz.sum(axis=0),                                               # (6)
        "W_x": sum_over_t(xs[1:], da[1:]),                                   # (14) sum_t x_t^T da_t
        "W_h": sum_over_t(h[:-1], da[1:]),                                   # (14) sum_t h_{t-1}^T da_t
        "b": da[1:].sum(axis=(0, 1)),                                        # (14)
        "x": (da[1:].reshape(T * N, -1) @ W_x.T).reshape(T, N, -1).transpose(1, 0, 2),  # (14) da_t W_x^T
        "h0": dh[0], "c0": dc[0],
        "h": dh[1:].transpose(1, 0, 2), "c": dc[1:].transpose(1, 0, 2), "a": da[1:].transpose(1, 0, 2),
    }


def sum_over_t(u, v):
    """sum over t (and the batch) of u_t^T v_t, for time-first u (T, N, I) and v (T, N, J): one BLAS product."""
    return u.reshape(-1, u.shape[-1]).T @ v.reshape(-1, v.shape[-1])


def step(x_t, h_prev, c_prev, params):
    """One step of (1)-(4) on its own: (h_t, c_t). What the tests differentiate, e.g. c_t against c_{t-1}."""
    H = h_prev.shape[1]
    a = x_t @ params["W_x"] + h_prev @ params["W_h"] + params["b"]
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def direct_path_jacobian(cache, t, n=0):
    """dc_t/dc_{t-1} along the direct path (h_{t-1} held fixed) for sequence n: diag(f_t), (H, H). From (3) alone:
    with h_{t-1} fixed no gate depends on c_{t-1}, so c_t is linear in c_{t-1} with slope f_t."""
    return np.diag(cache["f"][t, n])


def step_norms(d):
    """||d_t|| for t = 1..T: the norm over the batch of each step's (N, H) gradient. d: (N, T, H)."""
    return np.sqrt(np.sum(d ** 2, axis=(0, 2)))


# ---------------------------------------------------------------------------------------------------------------
# 2. The experiment: the gradient through time for three forget-gate biases
# ---------------------------------------------------------------------------------------------------------------

def init_params(D, H, rng, forget_bias=1.0, dtype=np.float64):
    """Keras's LSTM initialisers: kernel Glorot-uniform, recurrent_kernel orthogonal, bias 0 except the forget gate's
    (unit_forget_bias: 1; here any value); the Dense output Glorot-uniform, bias 0.
    Returns {"W_x": (D, 4H), "W_h": (H, 4H), "b": (4H,), "W_hy": (H, 1), "b_y": (1,)}."""
    limit = np.sqrt(6 / (D + 4 * H))
    Q, R = np.linalg.qr(rng.standard_normal((4 * H, H)))   # orthogonal columns, as keras.initializers.Orthogonal
    b = np.zeros(4 * H)
    b[H:2 * H] = forget_bias
    return {"W_x": rng.uniform(-limit, limit, (D, 4 * H)).astype(dtype),
            "W_h": (Q * np.sign(np.diag(R))).T.astype(dtype),
            "b": b.astype(dtype),
            "W_hy": rng.uniform(-np.sqrt(6 / (H + 1)), np.sqrt(6 / (H + 1)), (H, 1)).astype(dtype),
            "b_y": np.zeros(1, dtype)}


def batch_and_params(forget_bias, seed, N, T, D, H):
    """The seed's batch and weights: the batch is drawn first, exactly as Day 2 draws it, so every bias -- and Day 2's
    vanilla RNN -- sees the same x and y; the weights come after, from the same generator. Returns x, y, h0, c0,
    params."""
    rng = np.random.default_rng(seed)
    x, y, h0 = make_batch(N, T, D, H, rng, np.float64)
    return x, y, h0, np.zeros_like(h0), init_params(D, H, rng, forget_bias)


def direct_path_gain(f, window=None):
    """prod_{s=t+1}^{T} f_s for every step t = 1..T, sequence and unit, (T, N, H): what the direct path (12) alone,
    with (13) left out, keeps of dL/dc_T on its way back to c_t. f: (T, N, H), f[t-1] = f_t. With truncated BPTT
    (window < T) the error reaches only the last `window` steps: the gain is 0 before them."""
    T = len(f)
    gain = np.ones_like(f)
    gain[:-1] = np.cumprod(f[:0:-1], axis=0)[::-1]          # gain[t-1] = f_{t+1} * ... * f_T
    if window is not None and window < T:
        gain[:T - window] = 0
    return gain


def measure(forget_bias, seed=0, N=16, T=200, D=128, H=128, truncate=None):
    """One forget-gate bias: forward and BPTT on the seed's batch; the gradient norms through time, both paths and
    the direct path alone."""
    x, y, h0, c0, params = batch_and_params(forget_bias, seed, N, T, D, H)
    loss, cache = forward(x, y, h0, c0, params)
    grads = backward(cache, truncate)
    dc, dh = step_norms(grads["c"]), step_norms(grads["h"])
    f = cache["f"][1:]                                           # (T, N, H)
    gain = direct_path_gain(f, truncate)
    direct = np.sqrt(np.sum((grads["c"][:, -1].T[None] * gain.transpose(0, 2, 1)) ** 2, axis=(1, 2)))
    return {"forget_bias": forget_bias, "loss": float(loss), "mean_f": float(f.mean()),
            "mean_f_per_step": f.mean(axis=(1, 2)).tolist(),
            "dc_norm": dc.tolist(), "dh_norm": dh.tolist(), "dc_direct_path_norm": direct.tolist(),
            "ratio_c_first_to_last": float(dc[0] / dc[-1]), "ratio_h_first_to_last": float(dh[0] / dh[-1]),
            "ratio_c_direct_path_first_to_last": float(direct[0] / direct[-1]),
            "forget_product_mean_at_1": float(gain[0].mean())}


def day2_rnn(path, shape):
    """The Day-2 vanilla RNN's ||dL/dh_t|| on the same batch, read from day2_bptt_numpy.py's JSON when it was run
    with the same batch settings (days talk through files). shape: {"seq_len", "hidden", "input_dim", "batch", "seed",
    "truncate"}. Returns (results, None), or (None, why it was left out)."""
    if not os.path.isfile(path):
        return None, f"no {path}: run `python day2_bptt_numpy.py` to add the vanilla RNN to the figure"
    try:
        with open(path, encoding="utf-8") as fh:
            saved = json.load(fh)
        if any(saved["settings"].get(k) != v for k, v in shape.items()):
            return None, f"{path} was made with other settings; vanilla RNN left out of the figure"
        rnn = [{"scale": float(r["scale"]), "dh_norm": [float(v) for v in r["dh_norm"]],
                "ratio_first_to_last": float(r["ratio_first_to_last"])}
               for r in saved["results"] if r["finite"] and r["scale"] in (0.9, 1.0)]
        if any(len(r["dh_norm"]) != shape["seq_len"] for r in rnn):
            raise ValueError("a curve of the wrong length")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None, f"{path} is not day2_bptt_numpy.py's JSON; vanilla RNN left out of the figure"
    return rnn, None


def plot(results, rnn, title, path):
    """Left: ||dL/dc_t|| and ||dL/dh_t|| per forget bias, beside the RNN. Right: both paths vs the direct path."""
    plt = plots.pyplot()
    T = len(results[0]["dc_norm"])
    t = np.arange(1, T + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    for r in results:
        name = f"forget bias {r['forget_bias']:g} (mean $f$ = {r['mean_f']:.2f})"
        line, = left.semilogy(t, r["dc_norm"], lw=2, label=f"LSTM $\\|\\partial L/\\partial c_t\\|$, {name}")
        left.semilogy(t, r["dh_norm"], ls="--", color=line.get_color(),
                      label=f"LSTM $\\|\\partial L/\\partial h_t\\|$, forget bias {r['forget_bias']:g}")
        right.semilogy(t, r["dc_norm"], lw=2, color=line.get_color(), label=f"both paths, {name}")
        right.semilogy(t, r["dc_direct_path_norm"], ls=":", color=line.get_color(),
                       label=f"direct path alone, forget bias {r['forget_bias']:g}")
    for r in rnn or []:
        left.semilogy(t, r["dh_norm"], color="k", ls=":" if r["scale"] < 1 else "-", lw=1,
                      label=f"Day-2 vanilla RNN $\\|\\partial L/\\partial h_t\\|$, $\\sigma_{{max}}$ = {r['scale']:g}")
    left.set(xlabel="step t (the loss is read at step T, on the left)", ylabel="gradient norm over the batch",
             title="Error flowing back through time", xlim=(T, 1))
    right.set(xlabel="step t", ylabel=r"$\|\partial L/\partial c_t\|$",
              title=r"Into $c_t$: both paths (12)+(13) vs the direct path alone, $\partial L/\partial c_T \odot "
                    r"\prod_{s>t} f_s$", xlim=(T, 1))
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    fig.suptitle(f"LSTM vs vanilla RNN, same random batch: {title}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# 3. The script
# ---------------------------------------------------------------------------------------------------------------

def make_parser():
    parser = cli.Parser(__doc__)
    parser.add_shape()  # --seq-len T, --hidden H, --input-dim D, --batch N of the random batch
    parser.add_argument("--forget-biases", type=cli.comma_list(cli.number_in(-20, 20), "numbers from -20 to 20"),
                        default="0,1,3",
                        help="forget-gate biases to compare, comma-separated (default %(default)s)")
    parser.add_argument("--rnn-json", default=DAY2_JSON,
                        help="day2_bptt_numpy.py's JSON, for the vanilla RNN line (default %(default)s)")
    parser.add_seed()
    parser.add_out(os.path.join("runs", "day3_numpy"))
    return parser


def main(argv=None):
    args = make_parser().parse_args(argv)
    results = [measure(b, args.seed, args.batch, args.seq_len, args.input_dim, args.hidden, args.truncate)
               for b in args.forget_biases]
    rnn, why_not = day2_rnn(args.rnn_json, {k: getattr(args, k) for k in ("seq_len", "hidden", "input_dim", "batch",
                                                                         "seed", "truncate")})
    title = f"T = {args.seq_len}, N = {args.batch}, D = {args.input_dim}, H = {args.hidden}, seed {args.seed}"
    print(f"LSTM, {title}:")
    print(f"{'forget bias':>11} {'mean f':>7} {'||dL/dc_1||/||dL/dc_T||':>24} {'direct path alone':>18} "
          f"{'||dL/dh_1||/||dL/dh_T||':>24}")
    for r in results:
        print(f"{r['forget_bias']:>11g} {r['mean_f']:>7.3f} {r['ratio_c_first_to_last']:>24.3g} "
              f"{r['ratio_c_direct_path_first_to_last']:>18.3g} {r['ratio_h_first_to_last']:>24.3g}")
    for r in rnn or []:
        print(f"Day-2 vanilla RNN, sigma_max(W_hh) = {r['scale']:g}: ||dL/dh_1||/||dL/dh_T|| = "
              f"{r['ratio_first_to_last']:.3g}")
    if why_not:
        print(why_not)
    with outputs.Outputs(args.out) as out:
        plot(results, rnn, title, out.path("gradient_paths.png"))
        settings = {k: v for k, v in vars(args).items() if k != "out"}  # the same seed gives the same bytes, anywhere
        outputs.write_json({"settings": settings, "results": results, "day2_rnn": rnn, "conditions": conditions()},
                       out.path("gradient_paths.json"))
    for path in out.written():
        print(f"wrote {path}")
    return results


if __name__ == "__main__":
    cli.run(main, out_of_memory=OUT_OF_MEMORY)
