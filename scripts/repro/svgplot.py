"""Two small SVG charts for the claim studies: lines with error bars (accuracy against size) and
grouped histograms (the distribution of importances). Plain SVG, so the plots are readable in a
browser and in the repository viewer without any plotting library."""
import html

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
W, H, LEFT, RIGHT, TOP, BOTTOM = 800, 400, 64, 270, 36, 52


def _frame(title, xlabel, ylabel, xticks, yticks, sx, sy):
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2 - RIGHT / 2}" y="20" text-anchor="middle" font-size="14">{html.escape(title)}</text>',
           f'<text x="{LEFT + (W - LEFT - RIGHT) / 2}" y="{H - 12}" text-anchor="middle">{html.escape(xlabel)}</text>',
           f'<text x="16" y="{TOP + (H - TOP - BOTTOM) / 2}" text-anchor="middle" transform="rotate(-90 16 {TOP + (H - TOP - BOTTOM) / 2})">{html.escape(ylabel)}</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" fill="none" stroke="#444"/>']
    for v, label in xticks:
        out.append(f'<line x1="{sx(v):.1f}" y1="{H - BOTTOM}" x2="{sx(v):.1f}" y2="{H - BOTTOM + 5}" stroke="#444"/>')
        out.append(f'<text x="{sx(v):.1f}" y="{H - BOTTOM + 18}" text-anchor="middle">{html.escape(label)}</text>')
    for v, label in yticks:
        out.append(f'<line x1="{LEFT}" y1="{sy(v):.1f}" x2="{W - RIGHT}" y2="{sy(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{sy(v) + 4:.1f}" text-anchor="end">{html.escape(label)}</text>')
    return out


def _legend_entry(i, label, color):
    ly = TOP + 16 + 18 * i
    return [f'<line x1="{W - RIGHT + 10}" y1="{ly - 4}" x2="{W - RIGHT + 30}" y2="{ly - 4}" stroke="{color}" stroke-width="2"/>',
            f'<text x="{W - RIGHT + 36}" y="{ly}">{html.escape(label)}</text>']


def _write(path, out):
    with open(path, "w") as f:
        f.write("\n".join(out + ["</svg>"]) + "\n")


def _ticks(lo, hi, count=5):
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    step = min((s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50) if s >= raw), default=raw)
    start = int(lo / step) * step
    ticks, v = [], start
    while v <= hi + 1e-9:
        if v >= lo - 1e-9:
            ticks.append(round(v, 6))
        v += step
    return ticks


def lines(path, title, xlabel, ylabel, series):
    """series: [(label, [(x, y, sd)])]; x and y in the units shown."""
    xs = [x for _, pts in series for x, _, _ in pts]
    ys = [y + s for _, pts in series for _, y, s in pts] + [y - s for _, pts in series for _, y, s in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    pad = (y1 - y0) * 0.08 or 1
    y0, y1 = y0 - pad, y1 + pad
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    sx = lambda v: LEFT + (v - x0) / (x1 - x0) * (W - LEFT - RIGHT)
    sy = lambda v: H - BOTTOM - (v - y0) / (y1 - y0) * (H - TOP - BOTTOM)
    out = _frame(title, xlabel, ylabel, [(t, f"{t:g}") for t in _ticks(x0, x1)], [(t, f"{t:g}") for t in _ticks(y0, y1)], sx, sy)
    for i, (label, pts) in enumerate(series):
        color = COLORS[i % len(COLORS)]
        pts = sorted(pts)
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                   % (color, " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in pts)))
        for x, y, s in pts:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}"/>')
            if s > 0:
                out.append(f'<line x1="{sx(x):.1f}" y1="{sy(y - s):.1f}" x2="{sx(x):.1f}" y2="{sy(y + s):.1f}" stroke="{color}"/>')
        out += _legend_entry(i, label, color)
    _write(path, out)


def histograms(path, title, xlabel, groups):
    """groups: [(label, lo, hi, counts)], each drawn as a step outline over its own range; the
    y axis is the fraction of units per bin."""
    x0 = min(g[1] for g in groups)
    x1 = max(g[2] for g in groups)
    fractions = [[c / max(1, sum(counts)) for c in counts] for _, _, _, counts in groups]
    y1 = max(max(f) for f in fractions) * 1.1
    sx = lambda v: LEFT + (v - x0) / ((x1 - x0) or 1) * (W - LEFT - RIGHT)
    sy = lambda v: H - BOTTOM - v / y1 * (H - TOP - BOTTOM)
    out = _frame(title, xlabel, "fraction of channels", [(t, f"{t:g}") for t in _ticks(x0, x1)],
                 [(t, f"{t:g}") for t in _ticks(0, y1)], sx, sy)
    for i, ((label, lo, hi, counts), fr) in enumerate(zip(groups, fractions)):
        color = COLORS[i % len(COLORS)]
        width = (hi - lo) / len(counts)
        pts = [(lo, 0)]
        for k, v in enumerate(fr):
            pts += [(lo + k * width, v), (lo + (k + 1) * width, v)]
        pts.append((hi, 0))
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                   % (color, " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)))
        out += _legend_entry(i, label, color)
    _write(path, out)
