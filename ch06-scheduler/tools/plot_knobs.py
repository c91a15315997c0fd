#!/usr/bin/env python3
"""Draws chapter 6's knobs chart: each scheduler switch against the defaults.

    build/release/bin/ch06-scheduler knobs --json > knobs.json
    python3 ch06-scheduler/tools/plot_knobs.py knobs.json ch06-scheduler/docs/knobs.svg

Reads the table `knobs --json` prints and writes an SVG (no plotting library needed): three
panels of horizontal bars, one row per switch, ping-pong round trips per second (higher is
better), fan-out time (lower is better) and echo messages per second (higher is better), with
the defaults (Go's, and the direct switch) drawn as a dashed line in each, so a switch's effect reads as a bar longer or
shorter than the line. A row that measured nothing (null) has no bar.
"""
import json
import sys

ROW, TOP, LABEL, PANEL, GAP = 22, 50, 190, 260, 40
COLOR, DEFAULTS = "#1f77b4", "#d62728"


def panel(out, x0, rows, key, title, defaults):
    values = [r[key] for r in rows if r.get(key) is not None]
    if not values:
        out.append(f'<text x="{x0}" y="{TOP - 12}" font-size="12">{title}: not measured</text>')
        return
    top = max(values) * 1.1
    out.append(f'<text x="{x0}" y="{TOP - 12}" font-size="12">{title}</text>')
    for i, row in enumerate(rows):
        y = TOP + i * ROW
        value = row.get(key)
        if value is None:
            continue
        width = value / top * PANEL
        out.append(f'<rect x="{x0}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" '
                   f'fill="{COLOR}"/>')
        out.append(f'<text x="{x0 + width + 4:.1f}" y="{y + ROW - 7}" font-size="10">'
                   f'{value:g}</text>')
    if defaults is None:
        return
    x = x0 + defaults / top * PANEL
    out.append(f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{TOP + len(rows) * ROW}" '
               f'stroke="{DEFAULTS}" stroke-dasharray="4,3"/>')


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        table = json.load(f)
    rows = table["rows"]
    if not rows:
        print("plot_knobs.py: no rows in the table", file=sys.stderr)
        return 1
    width = LABEL + 3 * PANEL + 2 * GAP + 60
    height = TOP + len(rows) * ROW + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="10" y="18" font-size="13">Each scheduler switch alone, against the '
           'defaults (dashed)</text>']
    for i, row in enumerate(rows):
        label = row["knob"] if row["value"] in (None, "-") else f'{row["knob"]} = {row["value"]}'
        out.append(f'<text x="{LABEL - 8}" y="{TOP + i * ROW + ROW - 7}" '
                   f'text-anchor="end">{label}</text>')
    panel(out, LABEL, rows, "ping-pong M/s", "ping-pong, M round trips/s (higher is better)",
          rows[0]["ping-pong M/s"])
    panel(out, LABEL + PANEL + GAP, rows, "fan-out ms", "fan-out, ms (lower is better)",
          rows[0]["fan-out ms"])
    panel(out, LABEL + 2 * (PANEL + GAP), rows, "echo k msgs/s",
          "echo, k msgs/s (higher is better)", rows[0].get("echo k msgs/s"))
    out.append(f'<text x="10" y="{height - 10}" font-size="10" fill="#555">{table["title"]}'
               '</text>')
    out.append("</svg>")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
