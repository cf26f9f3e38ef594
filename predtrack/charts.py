"""Charts for the report, drawn with matplotlib into SVG text for inlining in HTML.

matplotlib is imported inside the functions (it costs a few hundred milliseconds) and only
through its object-oriented API with the Agg-free SVG canvas: no pyplot, no global figure
state, so drawing is safe in a scheduler thread.

The SVG is stable for the same data and matplotlib version: no date in the metadata, a fixed
hash salt for the element ids, text kept as text (`svg.fonttype = none`: small, searchable,
crisp on a projector). Every label is plain text (mathtext off), so a source called "$5 fund"
stays "$5 fund"; matplotlib escapes <, > and & in what it writes.
"""

from __future__ import annotations

import io
from typing import Sequence

# Readable on a projector and in grey print: dark ink, one accent, generous sizes.
INK = "#1f2933"
ACCENT = "#1d4ed8"
GRID = "#d0d7de"
DIAGONAL = "#9aa5b1"


def _rc() -> dict:
    return {
        "svg.hashsalt": "predtrack",
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.size": 11,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "text.color": INK,
    }


def calibration_svg(bins: Sequence[dict], title: str, *, size: tuple[float, float] = (4.8, 4.2)) -> str:
    """A calibration chart: observed frequency against forecast, per bin, with Wilson intervals.

    `bins` are `scoring.CalibrationBin.as_dict()` rows; empty bins are left out. Each point sits
    at the bin's mean forecast and is labelled with its count; the dashed diagonal is perfect
    calibration. No legend: it would cover points, and the report's text explains the chart.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_rc()):
        figure = Figure(figsize=size, dpi=96)
        axes = figure.add_subplot()
        axes.plot([0, 1], [0, 1], linestyle="--", color=DIAGONAL, linewidth=1)
        used = [b for b in bins if b["n"]]
        if used:
            xs = [b["mean_probability"] for b in used]
            ys = [b["observed"] for b in used]
            lower = [max(b["observed"] - b["ci_low"], 0.0) for b in used]
            upper = [max(b["ci_high"] - b["observed"], 0.0) for b in used]
            axes.errorbar(xs, ys, yerr=[lower, upper], fmt="o", color=ACCENT, ecolor=ACCENT, elinewidth=1.5, capsize=3, markersize=6)
            for x, y, b in zip(xs, ys, used):
                # Beside the point, on whichever side keeps the label inside the frame.
                offset = (6 if x < 0.93 else -36, 6 if y < 0.85 else -14)
                axes.annotate(f"n={b['n']}", (x, y), textcoords="offset points", xytext=offset, fontsize=8, parse_math=False)
        else:
            axes.text(0.5, 0.5, "nothing scored yet", ha="center", va="center", parse_math=False)
        axes.set_xlim(-0.02, 1.02)
        axes.set_ylim(-0.02, 1.02)
        axes.set_xticks([0, 0.25, 0.5, 0.75, 1])
        axes.set_xticklabels(["0%", "25%", "50%", "75%", "100%"])
        axes.set_yticks([0, 0.25, 0.5, 0.75, 1])
        axes.set_yticklabels(["0%", "25%", "50%", "75%", "100%"])
        axes.set_aspect("equal")
        axes.set_xlabel("forecast probability", parse_math=False)
        axes.set_ylabel("observed frequency", parse_math=False)
        axes.set_title(title, fontsize=12, parse_math=False)
        axes.grid(True, color=GRID, linewidth=0.6)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _inline(buffer.getvalue())


def _inline(svg: str) -> str:
    """Drop the XML prolog and DOCTYPE so the SVG can sit inside an HTML page."""
    start = svg.find("<svg")
    return svg[start:].strip() if start >= 0 else svg
