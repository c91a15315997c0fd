#!/usr/bin/env python3
"""Draws chapter 5's chart: OS wakeups per message against burst size, batched and naive.

    build/release/bin/ch05-bridge-channel burst --bursts 1,2,5,10,20,50,100,200,500,1000 \\
        --json > burst.json
    python3 ch05-bridge-channel/tools/plot_burst.py burst.json ch05-bridge-channel/docs/burst.svg

Reads the table `burst --json` prints and writes an SVG (no plotting library needed): burst
size on a logarithmic x axis, wakeups per message on a logarithmic y axis, one line per
notifier. The title says what the bench said (machine, pinning) and the caption the command.
"""
import json
import math
import sys

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 150, 40, 60
COLORS = {"batched": "#1f77b4", "naive": "#d62728"}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        table = json.load(f)
    series = {}
    for row in table["rows"]:
        if row["wakeups/msg"] is None:
            continue
        series.setdefault(row["notifier"], []).append((row["burst"], row["wakeups/msg"]))
    points = [p for s in series.values() for p in s]
    if not points:
        print("plot_burst.py: no measured rows in the table", file=sys.stderr)
        return 1
    x_lo, x_hi = math.log10(min(x for x, _ in points)), math.log10(max(x for x, _ in points))
    y_values = [max(y, 1e-4) for _, y in points]
    y_lo = math.floor(math.log10(min(y_values)))
    y_hi = math.ceil(math.log10(max(y_values)) + 0.01)
    x_hi = max(x_hi, x_lo + 1)

    def sx(x):
        return LEFT + (math.log10(x) - x_lo) / (x_hi - x_lo) * (WIDTH - LEFT - RIGHT)

    def sy(y):
        return TOP + (y_hi - math.log10(max(y, 1e-4))) / (y_hi - y_lo) * (HEIGHT - TOP - BOTTOM)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="20" font-size="13">OS wakeups per message against burst size '
           f'(T2C)</text>']
    for e in range(y_lo, y_hi + 1):  # y grid: powers of ten
        y = sy(10 ** e)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                   f'stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g}</text>')
    for x in sorted({x for x, _ in points}):  # x ticks: the burst sizes measured
        out.append(f'<text x="{sx(x):.1f}" y="{HEIGHT - BOTTOM + 18}" '
                   f'text-anchor="middle">{x}</text>')
    out.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 20}" '
               f'text-anchor="middle">messages per burst</text>')
    out.append(f'<text transform="translate(18,{(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" '
               f'text-anchor="middle">OS wakeups per message</text>')
    for i, (name, pts) in enumerate(sorted(series.items())):
        pts.sort()
        color = COLORS.get(name, "#555")
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in pts:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 10}" y="{TOP + 20 + 18 * i}" fill="{color}">'
                   f'{name}</text>')
    out.append(f'<text x="{LEFT}" y="{HEIGHT - 4}" font-size="10" fill="#555">'
               f'{table["title"]}</text>')
    out.append("</svg>")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
