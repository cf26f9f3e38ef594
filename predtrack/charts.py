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


def _draw_calibration(axes, bins: Sequence[dict], title: str, *, title_size: int = 12, labels: tuple[bool, bool] = (True, True)) -> None:
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
    ticks = [0, 0.25, 0.5, 0.75, 1]
    tick_labels = ["0%", "25%", "50%", "75%", "100%"]
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(-0.02, 1.02)
    axes.set_xticks(ticks)
    axes.set_yticks(ticks)
    # Inner panels of a grid leave the scale to the outer ones: less ink, and much less to lay out.
    axes.set_xticklabels(tick_labels if labels[0] else [])
    axes.set_yticklabels(tick_labels if labels[1] else [])
    axes.set_aspect("equal")
    if labels[0]:
        axes.set_xlabel("forecast probability", parse_math=False)
    if labels[1]:
        axes.set_ylabel("observed frequency", parse_math=False)
    axes.set_title(title, fontsize=title_size, parse_math=False)
    axes.grid(True, color=GRID, linewidth=0.6)


def _figure():
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return matplotlib, Figure


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _inline(buffer.getvalue())


def calibration_svg(bins: Sequence[dict], title: str, *, size: tuple[float, float] = (4.8, 4.2)) -> str:
    """A calibration chart: observed frequency against forecast, per bin, with Wilson intervals.

    `bins` are `scoring.CalibrationBin.as_dict()` rows; empty bins are left out. Each point sits
    at the bin's mean forecast and is labelled with its count; the dashed diagonal is perfect
    calibration. No legend: it would cover points, and the report's text explains the chart.
    """
    matplotlib, Figure = _figure()
    with matplotlib.rc_context(_rc()):
        figure = Figure(figsize=size, dpi=96)
        # Fixed margins instead of tight_layout, which measures every text: a third of the time.
        figure.subplots_adjust(left=0.16, right=0.97, bottom=0.14, top=0.91)
        _draw_calibration(figure.add_subplot(), bins, title)
        return _svg(figure)


def calibration_grid_svg(panels: Sequence[tuple[str, Sequence[dict]]], *, columns: int = 3) -> str:
    """Small multiples: one calibration panel per (title, bins), `columns` to a row, in one SVG.

    One figure for a dozen sources draws in a fraction of the time of a dozen figures, and
    keeps the panels aligned on screen and on paper.
    """
    matplotlib, Figure = _figure()
    rows = max(1, -(-len(panels) // columns))
    columns = min(columns, max(len(panels), 1))
    with matplotlib.rc_context(_rc()):
        width, height = 0.7 + 3.1 * columns, 0.6 + 3.3 * rows
        figure = Figure(figsize=(width, height), dpi=96)
        figure.subplots_adjust(left=0.75 / width, right=1 - 0.15 / width, bottom=0.6 / height, top=1 - 0.35 / height, wspace=0.12, hspace=0.25)
        grid = figure.subplots(rows, columns, squeeze=False)
        for index, axes in enumerate(grid.flat):
            row, column = divmod(index, columns)
            if index < len(panels):
                title, bins = panels[index]
                # x labels on each column's lowest panel, y labels on the first column.
                lowest = index + columns >= len(panels)
                _draw_calibration(axes, bins, title, title_size=10, labels=(lowest, column == 0))
            else:
                axes.set_axis_off()
        return _svg(figure)


def _inline(svg: str) -> str:
    """Drop the XML prolog and DOCTYPE so the SVG can sit inside an HTML page."""
    start = svg.find("<svg")
    return svg[start:].strip() if start >= 0 else svg
