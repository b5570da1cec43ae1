"""Charts as inline SVG drawn on the server: no script, no external asset, readable without colour alone
(every chart has a title and a text alternative; values are also in tables or labels)."""

from __future__ import annotations

from collections.abc import Sequence

from lrs.dashboard.html import esc

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 44
PAD_BOTTOM = 28
PAD_TOP = 12
PAD_RIGHT = 12


def _frame(title: str, summary: str, inner: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f"<figure class='chart'><svg viewBox='0 0 {width} {height}' role='img' aria-label='{esc(title)}: "
        f"{esc(summary)}' xmlns='http://www.w3.org/2000/svg'><title>{esc(title)}</title>{inner}</svg>"
        f"<figcaption>{esc(title)}</figcaption></figure>"
    )


def _axes(top: float, width: int, height: int, label_top: str) -> str:
    x0, y0 = PAD_LEFT, height - PAD_BOTTOM
    return (
        f"<line class='axis' x1='{x0}' y1='{PAD_TOP}' x2='{x0}' y2='{y0}'/>"
        f"<line class='axis' x1='{x0}' y1='{y0}' x2='{width - PAD_RIGHT}' y2='{y0}'/>"
        f"<text class='tick' x='{x0 - 4}' y='{PAD_TOP + 8}' text-anchor='end'>{esc(label_top)}</text>"
        f"<text class='tick' x='{x0 - 4}' y='{y0}' text-anchor='end'>0</text>"
    )


def _label_every(labels: Sequence[str]) -> int:
    """Label every n-th x position so labels (about 6 px a character) do not overlap."""
    widest = max((len(label) for label in labels), default=1) * 6 + 8
    fits = max(1, int((WIDTH - PAD_LEFT - PAD_RIGHT) / widest))
    return max(1, -(-len(labels) // fits))


def _tick(x: float, label: str) -> str:
    return f"<text class='tick' x='{x:.1f}' y='{HEIGHT - 10}' text-anchor='middle'>{esc(label)}</text>"


def _short(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.2f}"


def bars(title: str, labels: Sequence[str], values: Sequence[float], *, top: float | None = None) -> str:
    """Vertical bars, one per label; `top` fixes the scale (for shares: 1.0)."""
    if not values or max(values) <= 0:
        return f"<p class='empty'>{esc(title)}: no data yet.</p>"
    peak = top if top is not None else max(values)
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / len(values)
    every = _label_every(labels)
    parts = [_axes(peak, WIDTH, HEIGHT, _short(peak))]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = 0.0 if peak <= 0 else plot_h * min(value, peak) / peak
        x = PAD_LEFT + i * step + step * 0.1
        y = PAD_TOP + plot_h - h
        parts.append(
            f"<rect class='bar' x='{x:.1f}' y='{y:.1f}' width='{step * 0.8:.1f}' height='{h:.1f}'>"
            f"<title>{esc(label)}: {esc(_short(value))}</title></rect>"
        )
        if i % every == 0:
            parts.append(_tick(x + step * 0.4, label))
    summary = ", ".join(f"{label} {_short(v)}" for label, v in list(zip(labels, values, strict=True))[:24])
    return _frame(title, summary, "".join(parts))


def lines(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, top: float | None = None
) -> str:
    """One polyline per (name, values) over shared x labels; gaps where a value is None. A legend names them."""
    known = [v for _, values in series for v in values if v is not None]
    if not labels or not known:
        return f"<p class='empty'>{esc(title)}: no data yet.</p>"
    peak = top if top is not None else max(*known, 1e-9)
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(1, len(labels) - 1)
    every = _label_every(labels)
    parts = [_axes(peak, WIDTH, HEIGHT, _short(peak))]
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(_tick(PAD_LEFT + i * step, label))
    legend = []
    for n, (name, values) in enumerate(series):
        points = []
        for i, value in enumerate(values):
            if value is None:
                continue
            x = PAD_LEFT + i * step
            y = PAD_TOP + plot_h - plot_h * min(value, peak) / peak
            points.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f"<circle class='s{n}' cx='{x:.1f}' cy='{y:.1f}' r='3'><title>{esc(name)}, {esc(labels[i])}: "
                f"{esc(_short(value))}</title></circle>"
            )
        parts.append(f"<polyline class='line s{n}' points='{' '.join(points)}'/>")
        legend.append(f"<li class='s{n}'>{esc(name)}</li>")
    summary = "; ".join(
        f"{name}: " + ", ".join(_short(v) for v in values if v is not None)[:200] for name, values in series
    )
    return _frame(title, summary, "".join(parts)).replace(
        "<figcaption>", f"<figcaption><ul class='legend'>{''.join(legend)}</ul>", 1
    )


def calibration(title: str, bins: Sequence[tuple[float, float, int]]) -> str:
    """Mean predicted risk (x) against the observed at-risk share (y) per bin, with the diagonal of perfect fit."""
    if not bins:
        return f"<p class='empty'>{esc(title)}: no hold-out predictions.</p>"
    size = 220
    plot = size - PAD_TOP - PAD_BOTTOM
    x0, y0 = PAD_LEFT, size - PAD_BOTTOM
    parts = [
        _axes(1.0, size + PAD_LEFT, size, "1"),
        f"<line class='diagonal' x1='{x0}' y1='{y0}' x2='{x0 + plot}' y2='{PAD_TOP}'/>",
        f"<text class='tick' x='{x0 + plot}' y='{size - 10}' text-anchor='end'>predicted 1</text>",
    ]
    points = []
    for predicted, observed, count in bins:
        x = x0 + plot * min(max(predicted, 0.0), 1.0)
        y = y0 - plot * min(max(observed, 0.0), 1.0)
        points.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f"<circle class='s0' cx='{x:.1f}' cy='{y:.1f}' r='4'><title>predicted {predicted:.2f}, observed "
            f"{observed:.2f} ({count} learners)</title></circle>"
        )
    parts.append(f"<polyline class='line s0' points='{' '.join(points)}'/>")
    summary = ", ".join(f"predicted {p:.2f} observed {o:.2f}" for p, o, _ in bins)
    return _frame(title, summary, "".join(parts), width=size + PAD_LEFT, height=size).replace(
        "<figure class='chart'>", "<figure class='chart square'>", 1
    )
