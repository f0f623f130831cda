"""Small line charts as server-rendered SVG (no script, no CDN): one series per line, values in
[0, 1] or None (a gap), every label escaped."""

from __future__ import annotations

from typing import Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f5f8b", "#b3541e", "#2e7d32", "#6a1b9a", "#8d6e63", "#c62828")


def line_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    width: int = 640,
    height: int = 200,
    ymax: float = 1.0,
    percent: bool = True,
) -> Markup:
    left, right, top, bottom = 44, 12, 24, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (1 - min(max(v / ymax, 0.0), 1.0))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" class="chart-title" font-size="12">{escape(title)}</text>',
    ]
    for frac in (0.0, 0.5, 1.0):
        yy = y(frac * ymax)
        label = f"{frac * ymax:.0%}" if percent else f"{frac * ymax:g}"
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ccc" stroke-width="1"/>'
        )
        parts.append(f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end" font-size="10">{label}</text>')
    if labels:
        for i in sorted({0, len(labels) // 2, len(labels) - 1}):
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="10">{escape(labels[i])}</text>'
            )
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
            elif run:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(run)}"/>')
        parts.append(
            f'<text x="{width - right - 4}" y="{top + 12 + 12 * k}" text-anchor="end" font-size="10" '
            f'fill="{colour}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 - every text piece above went through escape(); the rest are numbers
