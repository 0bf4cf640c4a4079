"""A small scatter plot as SVG, written by hand (no plotting dependency): pass rate against cost per task, one
labelled point per arm (a model in a run)."""

from __future__ import annotations

from html import escape

import math

WIDTH, HEIGHT = 820, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 300, 40, 60
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]


def _ticks(high: float, count: int = 5) -> list[float]:
    return [high * i / count for i in range(count + 1)]


def _nice_step(high: float, count: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``count`` ticks up to ``high``."""
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def scatter(points: list[tuple[str, float, float]], title: str) -> str:
    """``points``: (label, cost per task in USD, pass rate in [0, 1])."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    highest = max([cost for _, cost, _ in points] + [0.0]) or 1.0
    step = _nice_step(highest * 1.1)
    max_cost = step * math.ceil(highest * 1.1 / step)

    def x(cost: float) -> float:
        return LEFT + plot_w * cost / max_cost

    def y(rate: float) -> float:
        return TOP + plot_h * (1 - rate)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>']
    for rate in _ticks(1.0):
        out.append(f'<line x1="{LEFT}" y1="{y(rate):.1f}" x2="{LEFT + plot_w}" y2="{y(rate):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(rate) + 4:.1f}" text-anchor="end">{rate:.0%}</text>')
    for cost in [step * i for i in range(round(max_cost / step) + 1)]:
        out.append(f'<line x1="{x(cost):.1f}" y1="{TOP}" x2="{x(cost):.1f}" y2="{TOP + plot_h}" stroke="#eee"/>')
        out.append(f'<text x="{x(cost):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">${cost:.4g}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 15}" text-anchor="middle">cost per task (USD, mean)'
               '</text>')
    out.append(f'<text x="18" y="{TOP + plot_h / 2}" text-anchor="middle" '
               f'transform="rotate(-90 18 {TOP + plot_h / 2})">pass rate</text>')
    for i, (label, cost, rate) in enumerate(points):
        colour = COLOURS[i % len(COLOURS)]
        out.append(f'<circle cx="{x(cost):.1f}" cy="{y(rate):.1f}" r="6" fill="{colour}">'
                   f'<title>{escape(label)}: {rate:.0%} at ${cost:.4f}</title></circle>')
        legend_y = TOP + 10 + 18 * i
        out.append(f'<circle cx="{LEFT + plot_w + 18}" cy="{legend_y}" r="5" fill="{colour}"/>')
        out.append(f'<text x="{LEFT + plot_w + 28}" y="{legend_y + 4}">{escape(label[:44])}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
