"""Figures: pyplot drawing headless, and many models of one kind drawn as their median with a band."""
import numpy as np

BAND_ABOVE = 3   # a group of more models than this is drawn as its median with a min-max band, not as lines


def pyplot():
    """matplotlib.pyplot, drawing into files (no screen needed): the one way every script gets it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def untrained(m):
    """Whether a per-model result is of an untrained model (by its recorded identity)."""
    return bool(m.get("identity")) and not m["identity"]["trained"]


def group_name(label, m):
    """Models are grouped by what they are: the cell, and trained or not (one group per model without identity)."""
    identity = m.get("identity")
    if not identity:
        return label
    return f"{identity['cell']}{'' if identity['trained'] else ' untrained'}"


def plot_groups(ax, x, per_model, curve, style, log=False, label_of=None):
    """Draw curve(m) (a list over x) for every model: one line per model in small groups; the median over the models
    with a band from the smallest to the largest value in groups of more than BAND_ABOVE. style(m) -> line style;
    label_of(name, models) -> the legend text of a group (default: its name and size)."""
    groups = {}
    for label, m in per_model.items():
        groups.setdefault(group_name(label, m), []).append((label, m))
    plot = ax.semilogy if log else ax.plot
    for name, members in groups.items():
        curves = np.array([curve(m) for _, m in members], dtype=float)
        ls = style(members[0][1])
        if len(members) > BAND_ABOVE:
            text = label_of(name, [m for _, m in members]) if label_of else f"{name}: median of {len(members)}"
            line, = plot(x, np.median(curves, axis=0), ls=ls, lw=2, label=f"{text}, band = range")
            ax.fill_between(x, curves.min(axis=0), curves.max(axis=0), color=line.get_color(), alpha=0.2)
        else:
            for (label, m), c in zip(members, curves):
                plot(x, c, ls=ls, label=label_of(label, [m]) if label_of else label)


def plot_memory_panel(ax, per_model, key, linestyle, ylabel="mean change of P(positive)"):
    """One panel of a memory figure: the real-text curve `key` (mean effect against N) of every model -- or, for many
    models of one kind, their median and range."""
    ns = next(iter(per_model.values()))["memory"]["ns"]
    plot_groups(ax, ns, per_model, lambda m: m["memory"]["curves"][key]["mean"], linestyle)
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel="N, words of the real review after the phrase", ylabel=ylabel)
    ax.set_title(f"Real reviews: {key}", fontsize=10)
    ax.grid(alpha=0.3)
