"""Charts as inline SVG, drawn on the server: the report needs no script and no network.

Every data mark carries class `mark` and a `<title>` (the browser's tooltip), so a reader can
hover for exact values and a test can count what was drawn. Text is escaped here, once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

FONT = 12
MUTED = "#6b7280"
GRID = "#e5e7eb"


@dataclass(frozen=True)
class Linear:
    """Maps [lo, hi] onto [start, end] pixels."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return self.start + (value - self.lo) / span * (self.end - self.start)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi], about `count` of them."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks: list[float] = []
    value = first
    while value <= hi + 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def fmt(value: float) -> str:
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def duration(seconds: float) -> str:
    """A duration the way people say it: 45 s, 12 min, 3.5 h, 2.1 d."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if abs(seconds) >= size * (1.5 if unit != "min" else 1):
            value = seconds / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{seconds:.0f} s"


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(label)}" '
        f'font-size="{FONT}">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


# -- line chart: one panel of dated series on a 0-1 axis --------------------------------------


@dataclass
class Series:
    name: str
    color: str
    points: list[tuple[date, float, str]] = field(default_factory=list)  # x, y, tooltip


def line_chart(
    title: str,
    series: Sequence[Series],
    days: tuple[date, date],
    y_range: tuple[float, float] = (0.0, 1.0),
    width: float = 440,
    height: float = 220,
) -> str:
    left, right, top, bottom = 40.0, 12.0, 26.0, 28.0
    first, last = days
    span = max((last - first).days, 1)
    x = Linear(0, span, left, width - right)
    y = Linear(y_range[0], y_range[1], height - bottom, top)
    body = [_text(left, 16, _clip(title, 60), font_weight="600")]
    for tick in nice_ticks(*y_range, count=4):
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y(tick) + 4, fmt(tick), "end", fill=MUTED))
    ticks = _day_ticks(span)
    for offset in ticks:
        day = first + timedelta(days=offset)
        # The outer labels hang inwards, so that none is cut at the edge.
        anchor = "start" if offset == 0 else "end" if offset == ticks[-1] else "middle"
        body.append(_text(x(offset), height - 10, day.strftime("%b %d"), anchor, fill=MUTED))
    for s in series:
        coords = [(x((d - first).days), y(v), tip) for d, v, tip in s.points]
        if len(coords) > 1:
            path = " ".join(
                f"{'M' if i == 0 else 'L'}{cx:.1f},{cy:.1f}" for i, (cx, cy, _) in enumerate(coords)
            )
            body.append(
                f'<path class="mark line" d="{path}" fill="none" stroke="{s.color}" '
                f'stroke-width="2"><title>{escape(s.name)}</title></path>'
            )
        for cx, cy, tip in coords:
            body.append(
                f'<circle class="mark point" cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{s.color}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    return _svg(width, height, title, body)


def _day_ticks(span: int, count: int = 5) -> list[int]:
    if span <= count:
        return list(range(span + 1))
    step = math.ceil(span / count)
    return list(range(0, span + 1, step))


# -- horizontal bars: ranked values, optionally diverging around zero --------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    color: str
    tooltip: str
    note: str = ""  # printed after the bar


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    width: float = 900,
    label_width: float = 300,
    value_format: str = "number",
) -> str:
    row, top = 22.0, 30.0
    height = top + row * max(len(bars), 1) + 26
    lo = min([0.0, *(b.value for b in bars)])
    hi = max([0.0, *(b.value for b in bars)])
    if lo == hi:
        hi = lo + 1
    # Room on the right for the note after the longest bar.
    x = Linear(lo, hi, label_width, width - 150)
    body = [_text(0, 16, title, font_weight="600")]
    body.append(
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top - 4}" y2="{height - 22}" '
        f'stroke="{MUTED}"/>'
    )
    for tick in nice_ticks(lo, hi, 5):
        label = duration(tick) if value_format == "duration" else fmt(tick)
        body.append(_text(x(tick), height - 6, label, "middle", fill=MUTED))
    for i, b in enumerate(bars):
        y = top + i * row
        x0, x1 = sorted((x(0), x(b.value)))
        body.append(_text(label_width - 8, y + 14, _clip(b.label, 46), "end"))
        body.append(
            f'<rect class="mark bar" x="{x0:.1f}" y="{y + 3:.1f}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{row - 6:.1f}" fill="{b.color}" rx="2">'
            f"<title>{escape(b.tooltip)}</title></rect>"
        )
        if b.note:
            body.append(_text(x1 + 6, y + 14, b.note, fill=MUTED))
    return _svg(width, height, title, body)


# -- stacked bars: parts of a whole per row -----------------------------------------------------


@dataclass(frozen=True)
class Segment:
    name: str
    value: float
    color: str


def stacked_bar_chart(
    title: str,
    rows: Sequence[tuple[str, Sequence[Segment]]],
    width: float = 900,
    label_width: float = 220,
    normalize: bool = True,
) -> str:
    """One bar per row split into its segments; as shares of the row when `normalize`."""
    row, top = 26.0, 30.0
    height = top + row * max(len(rows), 1) + 26
    totals = [sum(s.value for s in segments) for _, segments in rows]
    scale_max = 1.0 if normalize else max([1.0, *totals])
    x = Linear(0, scale_max, label_width, width - 70)
    body = [_text(0, 16, title, font_weight="600")]
    for tick in nice_ticks(0, scale_max, 4):
        label = f"{tick:.0%}" if normalize else fmt(tick)
        body.append(_text(x(tick), height - 6, label, "middle", fill=MUTED))
    for i, ((label, segments), total) in enumerate(zip(rows, totals, strict=True)):
        y = top + i * row
        body.append(_text(label_width - 8, y + 16, _clip(label, 32), "end"))
        offset = 0.0
        for s in segments:
            if s.value <= 0:
                continue
            share = s.value / total if normalize and total else s.value
            x0, x1 = x(offset), x(offset + share)
            tip = f"{label}: {s.name} {s.value:,.0f} of {total:,.0f} ({s.value / total:.1%})"
            body.append(
                f'<rect class="mark segment" x="{x0:.1f}" y="{y + 4:.1f}" '
                f'width="{max(x1 - x0, 0.5):.1f}" height="{row - 8:.1f}" fill="{s.color}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            offset += share
        body.append(_text(x(offset) + 6, y + 16, f"{total:,.0f}", fill=MUTED))
    return _svg(width, height, title, body)
