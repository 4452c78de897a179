"""The notes' diagrams, drawn with matplotlib: an unrolled RNN with its forward and backward arrows (Day 2), an LSTM
cell with the two paths of the error into c_{t-1}, and a GRU cell with its update gate (Day 3).

    python -m tools.diagrams                    # writes rnn_unrolled.png, lstm_cell.png, gru_cell.png in notes/figures
    python -m tools.diagrams --out FOLDER       # the same files in FOLDER
"""
import os
import sys

if __package__ in (None, ""):   # run as a path (python tools/diagrams.py): the repository root is the top
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rnn_days import cli, outputs, plots  # noqa: E402

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

plt = plots.pyplot()

FIGURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "notes", "figures")
FORWARD, BACKWARD, PATH2 = "#1f4e99", "#c0392b", "#e67e22"


def box(ax, x, y, text, w=1.0, h=0.6, color="#eef3fb", edge="#333333", size=11):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor=edge, lw=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=size)


def arrow(ax, start, end, color=FORWARD, text=None, offset=(0, 0.18), style="-|>", lw=1.6, ls="-", rad=0.0,
          size=9):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=13, color=color, lw=lw, ls=ls,
                                 connectionstyle=f"arc3,rad={rad}"))
    if text:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], text, color=color,
                ha="center", va="center", fontsize=size)


def rnn_unrolled(path):
    """h_0 -> h_1 -> ... -> h_T -> p, the inputs below; the error flows back above, one Jacobian per step."""
    fig, ax = plt.subplots(figsize=(11, 4.4))
    xs = [0, 2, 4, 6.6, 8.6]
    labels = ["h_0", "h_1", "h_2", "h_{T-1}", "h_T"]
    for x, label in zip(xs, labels):
        box(ax, x, 0, f"${label}$")
    for x, t in zip(xs[1:], ["1", "2", "T-1", "T"]):
        box(ax, x, -1.5, f"$x_{{{t}}}$", color="#f4f4f4")
        arrow(ax, (x, -1.2), (x, -0.3), text="$W_{xh}$", offset=(0.35, 0))
    for a, b in zip(xs[:2], xs[1:3]):
        arrow(ax, (a + 0.5, 0), (b - 0.5, 0), text="$W_{hh}$", offset=(0, 0.2))
    ax.text(5.3, 0, "· · ·", ha="center", va="center", fontsize=16)
    arrow(ax, (xs[3] + 0.5, 0), (xs[4] - 0.5, 0), text="$W_{hh}$", offset=(0, 0.2))
    box(ax, 10.6, 0, "$p,\\ L$", color="#fdf2e9")
    arrow(ax, (xs[4] + 0.5, 0), (10.1, 0), text="$W_{hy}$", offset=(0, 0.2))
    ax.text(5.3, -2.25, "forward: $h_t = \\tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$, the same weights at every step",
            color=FORWARD, fontsize=11, ha="center", va="center")
    # the error, backwards, above the states
    y = 1.25
    arrow(ax, (10.6, 0.35), (xs[4] + 0.1, y - 0.1), color=BACKWARD, text="$\\partial L/\\partial h_T$",
          offset=(0.55, 0.15), rad=0.25)
    steps = [(xs[4], xs[3], "$J_T$"), (xs[2], xs[1], "$J_2$"), (xs[1], xs[0], "$J_1$")]
    for a, b, j in steps:
        arrow(ax, (a - 0.1, y), (b + 0.1, y), color=BACKWARD, text=j, offset=(0, 0.22))
    ax.text(5.3, y, "· · ·", ha="center", va="center", fontsize=16, color=BACKWARD)
    arrow(ax, (xs[3] - 0.1, y), (5.8, y), color=BACKWARD)
    arrow(ax, (4.8, y), (xs[2] + 0.1, y), color=BACKWARD)
    ax.text(5.3, 2.3, "backward: $\\partial L/\\partial h_{t-1} = \\partial L/\\partial h_t \\; J_t,\\quad "
            "J_t = \\mathrm{diag}(1-h_t^2)\\, W_{hh}^\\top$", color=BACKWARD, ha="center", fontsize=11)
    ax.text(5.3, 1.85, "$\\partial L/\\partial h_1 = \\partial L/\\partial h_T \\; J_T J_{T-1} \\cdots J_2$: "
            "a product of $T-1$ Jacobians, each $\\mathrm{diag}(\\tanh') \\times W_{hh}^\\top$",
            color=BACKWARD, ha="center", fontsize=10)
    ax.set(xlim=(-0.8, 11.4), ylim=(-2.5, 2.6))
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def lstm_cell(path):
    """One LSTM step: c_{t-1} -> (x f_t) -> (+ i_t g_t) -> c_t along the top (path 1); h_{t-1} into the gates and
    tanh(c_t) -> h_t below; the error's two ways back into c_{t-1}."""
    fig, ax = plt.subplots(figsize=(11, 5.6))
    top, mid, low = 2.4, 0.9, -0.6
    box(ax, 0, top, "$c_{t-1}$")
    box(ax, 0, low, "$h_{t-1}$")
    box(ax, 10, top, "$c_t$")
    box(ax, 10, low, "$h_t$")
    box(ax, 3, top, "$\\times$", w=0.5, h=0.5, color="#fff")
    box(ax, 5.6, top, "$+$", w=0.5, h=0.5, color="#fff")
    for x, name, text in ((2.2, "f", "$f_t=\\sigma$"), (4.0, "i", "$i_t=\\sigma$"), (5.4, "g", "$g_t=\\tanh$"),
                          (7.0, "o", "$o_t=\\sigma$")):
        box(ax, x, mid - 0.6, text, w=1.1, h=0.5, color="#eafaf1", size=10)
    box(ax, 4.4, -2.0, "$a_t = x_t W_x + h_{t-1} W_h + b$", w=4.0, h=0.55, color="#f4f4f4", size=10)
    box(ax, 1.2, -2.0, "$x_t$", w=0.7, color="#f4f4f4")
    arrow(ax, (1.55, -2.0), (2.4, -2.0))
    arrow(ax, (0.5, low), (2.6, -1.75), rad=-0.2)
    for x in (2.2, 4.0, 5.4, 7.0):
        arrow(ax, (4.4, -1.7), (x, mid - 0.85), lw=1.0)
    box(ax, 4.7, top - 0.9, "$\\times$", w=0.4, h=0.4, color="#fff", size=10)
    arrow(ax, (4.0, mid - 0.35), (4.6, top - 1.1), lw=1.0)
    arrow(ax, (5.4, mid - 0.35), (4.8, top - 1.1), lw=1.0)
    arrow(ax, (4.7, top - 0.7), (5.45, top - 0.2), lw=1.0)
    arrow(ax, (2.2, mid - 0.35), (3.0, top - 0.25), lw=1.0)
    arrow(ax, (0.5, top), (2.75, top), lw=2.2)
    arrow(ax, (3.25, top), (5.35, top), lw=2.2)
    arrow(ax, (5.85, top), (9.5, top), lw=2.2)
    box(ax, 8.4, mid, "$\\tanh$", w=0.8, h=0.45, color="#fff", size=10)
    box(ax, 8.4, low, "$\\times$", w=0.45, h=0.45, color="#fff", size=10)
    arrow(ax, (8.4, top), (8.4, mid + 0.23), lw=1.0)
    arrow(ax, (8.4, mid - 0.23), (8.4, low + 0.23), lw=1.0)
    arrow(ax, (7.55, mid - 0.7), (8.17, low + 0.1), lw=1.0)
    arrow(ax, (8.65, low), (9.5, low), lw=1.0)
    # the error's two ways back into c_{t-1}
    arrow(ax, (9.5, top + 0.45), (0.5, top + 0.45), color=BACKWARD, lw=2.0,
          text="path 1:  $\\partial L/\\partial c_t \\odot f_t$   (no matrix, no $\\tanh'$)", offset=(0, 0.28),
          size=10)
    arrow(ax, (-0.55, low + 0.1), (-0.55, top - 0.1), color=PATH2, lw=2.0, rad=-0.25)
    ax.text(-1.75, (top + low) / 2, "path 2:\n$\\partial L/\\partial h_{t-1}$\n$\\odot\\, o_{t-1}$\n"
            "$\\odot\\,(1-\\tanh^2 c_{t-1})$", color=PATH2, ha="center", va="center", fontsize=9)
    arrow(ax, (2.4, -2.3), (0.0, low - 0.35), color=PATH2, lw=1.6, ls="--", rad=-0.3)
    ax.text(-0.9, -2.15,
            "$\\partial L/\\partial h_{t-1} = \\partial L/\\partial a_t\\, W_h^\\top$\n(back through the gates)",
            color=PATH2, ha="center", va="center", fontsize=9)
    ax.text(5, 3.5, "$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t,\\qquad h_t = o_t \\odot \\tanh c_t$",
            ha="center", fontsize=12)
    ax.set(xlim=(-2.7, 10.8), ylim=(-2.7, 3.9))
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def gru_cell(path):
    """One GRU step in Keras's convention: h_{t-1} -> (x u_t) -> (+ (1 - u_t) candidate) -> h_t along the top; the
    reset gate r_t scaling what the candidate reads of h_{t-1}; the error's direct way back, through u_t."""
    fig, ax = plt.subplots(figsize=(11, 5.2))
    top, mid = 2.4, 0.6
    box(ax, 0, top, "$h_{t-1}$")
    box(ax, 10, top, "$h_t$")
    box(ax, 3, top, "$\\times$", w=0.5, h=0.5, color="#fff")
    box(ax, 6.6, top, "$+$", w=0.5, h=0.5, color="#fff")
    box(ax, 2.6, mid, "$u_t=\\sigma$", w=1.2, h=0.5, color="#eafaf1", size=10)
    box(ax, 4.4, mid - 0.9, "$r_t=\\sigma$", w=1.2, h=0.5, color="#eafaf1", size=10)
    box(ax, 6.2, mid, "$\\tilde h_t=\\tanh$", w=1.4, h=0.5, color="#eafaf1", size=10)
    box(ax, 4.4, mid - 2.3, "$x_t$ and $h_{t-1}$ into each gate: $x_t W + h_{t-1} U + b$", w=5.2, h=0.55,
        color="#f4f4f4", size=10)
    box(ax, 5.2, top - 0.9, "$\\times\\,(1-u_t)$", w=1.3, h=0.45, color="#fff", size=9)
    arrow(ax, (0.6, top), (2.75, top), lw=2.2)
    arrow(ax, (3.25, top), (6.35, top), lw=2.2)
    arrow(ax, (6.85, top), (9.5, top), lw=2.2)
    arrow(ax, (2.6, mid + 0.25), (3.0, top - 0.25), lw=1.0)
    arrow(ax, (6.2, mid + 0.25), (5.6, top - 1.1), lw=1.0)
    arrow(ax, (5.85, top - 0.7), (6.5, top - 0.25), lw=1.0)
    arrow(ax, (4.4, mid - 0.65), (5.7, mid - 0.2), lw=1.0)
    ax.text(5.5, mid - 0.75, "$r_t \\odot (h_{t-1} U_h + b'_h)$", fontsize=9, ha="left")
    for x in (2.6, 4.4, 6.2):
        arrow(ax, (4.4, mid - 2.0), (x, mid - 1.15 if x == 4.4 else mid - 0.25), lw=1.0)
    arrow(ax, (9.5, top + 0.45), (0.5, top + 0.45), color=BACKWARD, lw=2.0,
          text="the direct way back:  $\\partial L/\\partial h_t \\odot u_t$   (no matrix, no $\\tanh'$)",
          offset=(0, 0.28), size=10)
    ax.text(5, 3.55, "$h_t = u_t \\odot h_{t-1} + (1 - u_t) \\odot \\tilde h_t$:  "
            "$u_t$ near 1 keeps the state (Keras calls $u_t$ z)", ha="center", fontsize=12)
    ax.set(xlim=(-1.0, 11.0), ylim=(-2.4, 3.9))
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


DIAGRAMS = {"rnn_unrolled.png": rnn_unrolled, "lstm_cell.png": lstm_cell, "gru_cell.png": gru_cell}


def main(argv=None):
    parser = cli.Parser(__doc__)
    parser.add_out(FIGURES)
    args = parser.parse_args(argv)
    outputs.check_writable(args.out)
    with outputs.Outputs(args.out) as out:
        for name, draw in DIAGRAMS.items():
            draw(out.path(name))
    for path in out.written():
        print(f"wrote {path}")


if __name__ == "__main__":
    cli.run(main)
