"""The tables of scripts/bench-compare, from the raw runs it records (no timing here).

A run is one process of one round: {"round": R, "tool": T, "section": S, "records": [...]}, the
records being the JSON lines the process printed. Tools: "prn" (`prn bench --json GROUP`),
"torch" (torch_ref.py GROUP), "torch-memory" (PyTorch training alone, for its peak memory),
"prn-model" (`prn bench --model FILE --json`), "ort" (ort_ref.py FILE); and one "versions" entry
(round 0) whose records name what was compared: {"workload": "torch", "version": "2.1.0"}, ...
Every ratio is taken
within one round (the two sides ran back to back), then summarised over the rounds: median and
the lowest and highest round (the spread). A target is "met" when every round meets it, "met
on the median only" when the median does but some round does not, else "not met".
"""
import json
import re
import statistics

import placement

# prn / PyTorch samples/s, same workload.
TORCH_TARGETS = {
    "lenet300-mnist-train-epoch": 2.0,
    "lenet300-mnist-infer": 1.0,
    "lenet5-mnist-train-epoch": 1.2,
    "lenet5-mnist-infer": 1.0,
    "vggsmall-32x32-train-epoch": 1.5,
    "vggsmall-32x32-infer": 1.0,
    "vggsmall-half-width-32x32-infer": 1.0,
    "resnet20-32x32-train-epoch": 1.5,
    "resnet20-32x32-infer": 1.5,
}

# Ratios inside one `prn bench` process: (workload, against, target, what). `against` None means
# the workload's own `speedup` field (dense time / sparse time, measured alternately in-process).
INTERNAL_TARGETS = [
    ("vggsmall-pruned50-32x32-infer", "vggsmall-32x32-infer", 3.0, "50% of every conv's filters removed"),
    ("lenet300-sparse95-mnist-infer", "lenet300-mnist-infer", 3.0, "95% of weights masked, batch 256"),
    ("lenet300-sparse90-b1-mnist-infer", None, 1.0, "90% of weights masked, batch 1"),
    ("lenet300-sparse90-b256-mnist-infer", None, 1.0, "90% of weights masked, batch 256"),
    ("lenet300-sparse95-b1-mnist-infer", None, 1.0, "95% of weights masked, batch 1"),
    ("lenet300-sparse95-b256-mnist-infer", None, 5.0, "95% of weights masked, batch 256"),
]

# prn / onnxruntime samples/s on the same ONNX file: file stem -> target.
ORT_TARGETS = {"resnet18": 0.8, "resnet18-pruned": 1.0}

# prn's peak resident memory / PyTorch's, training at batch 64: at most 1.
MEMORY_TARGETS = {"vggsmall-32x32-train-epoch": 1.0, "resnet20-32x32-train-epoch": 1.0}


def ort_name(workload):
    """onnxruntime's workload name in prn's form, NAME-batchB-infer. The shared reference prints
    `ort-FILE.onnx-bB`; scripts/ort_ref.py already prints prn's form."""
    m = re.fullmatch(r"ort-(.+?)(?:\.onnx)?-b(\d+)", workload)
    return f"{m.group(1)}-batch{m.group(2)}-infer" if m else workload


def records(stdout):
    """The results a benchmark process printed: its JSON lines (`prn bench --json`, torch_ref.py,
    the shared ort_ref.py), or the text lines of scripts/ort_ref.py without --json
    ("NAME   123 samples/s  ms_per_batch=...")."""
    out = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
        else:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "samples/s":
                out.append({"workload": parts[0], "samples_per_s": float(parts[1])})
    return out


def by_round(runs, tool, field="samples_per_s", section=None):
    """{workload: {round: value}} for one tool's records that have `field` (of one section, the
    group or model file of the run, when given)."""
    out = {}
    for run in runs:
        if run["tool"] != tool or (section is not None and run["section"] != section):
            continue
        for rec in run["records"]:
            if field in rec:
                name = ort_name(rec["workload"]) if tool == "ort" else rec["workload"]
                out.setdefault(name, {})[run["round"]] = float(rec[field])
    return out


def summary(values):
    return statistics.median(values), min(values), max(values)


def verdict(values, target, at_most=False, seen=None, name=None):
    """met / met on the median only / not met; recorded in `seen[name]` for the summary."""
    ok = (lambda v: v <= target) if at_most else (lambda v: v >= target)
    if all(ok(v) for v in values):
        v = "met"
    else:
        v = "met on the median only" if ok(statistics.median(values)) else "not met"
    if seen is not None:
        seen[name] = (f"{v} (median {statistics.median(values):.2f}, rounds {spread(values)})" if len(values) > 1
                      else f"{v} ({values[0]:.2f}, one round)")
    return v


def spread(values):
    lo, hi = min(values), max(values)
    return f"{lo:.2f}-{hi:.2f}" if len(values) > 1 else f"{lo:.2f} (one round)"


def ratios(num, den):
    """Same-round ratios num/den over the rounds both have."""
    return [num[r] / den[r] for r in sorted(num) if r in den and den[r] > 0]


def torch_table(runs, seen=None):
    rows = ["| workload | prn samples/s | PyTorch samples/s | prn / PyTorch (median) | spread over rounds | target | verdict |",
            "|---|---:|---:|---:|---:|---:|---|"]
    # Each workload against the prn run of the same group (the sparse group re-measures
    # lenet300-mnist-infer its own way; that one is not the PyTorch comparison).
    pairs = []
    for section in dict.fromkeys(r["section"] for r in runs if r["tool"] == "torch"):
        prn, torch = by_round(runs, "prn", section=section), by_round(runs, "torch", section=section)
        pairs += [(w, prn[w], torch[w]) for w in torch if w in prn]
    order = list(TORCH_TARGETS)
    pairs.sort(key=lambda p: order.index(p[0]) if p[0] in order else len(order))
    for w, p, t in pairs:
        rs = ratios(p, t)
        if not rs:
            continue
        target = TORCH_TARGETS.get(w)
        rows.append(f"| {w} | {statistics.median(p.values()):,.0f} | {statistics.median(t.values()):,.0f} | "
                    f"**{statistics.median(rs):.2f}** | {spread(rs)} | "
                    + (f">= {target} | {verdict(rs, target, seen=seen, name=w)} |" if target else "— | |"))
    return rows if len(rows) > 2 else []


def internal_table(runs, seen=None):
    rows = ["| prn workload | against (same process) | median ratio | spread over rounds | target | verdict |",
            "|---|---|---:|---:|---:|---|"]
    for w, against, target, what in INTERNAL_TARGETS:
        rs = []
        for run in (r for r in runs if r["tool"] == "prn"):  # both sides from one process
            recs = {x["workload"]: x for x in run["records"]}
            if against is None and "speedup" in recs.get(w, {}):
                rs.append(float(recs[w]["speedup"]))
            elif against is not None and recs.get(w, {}).get("samples_per_s") and recs.get(against, {}).get("samples_per_s"):
                rs.append(recs[w]["samples_per_s"] / recs[against]["samples_per_s"])
        label = against or "the same masked model with dense kernels"
        if rs:
            rows.append(f"| {w} ({what}) | {label} | **{statistics.median(rs):.2f}** | {spread(rs)} | >= {target} | {verdict(rs, target, seen=seen, name=w)} |")
    return rows if len(rows) > 2 else []


def ort_table(runs, seen=None):
    prn, ort = by_round(runs, "prn-model"), by_round(runs, "ort")
    rows = ["| model, batch | prn samples/s | onnxruntime samples/s | prn / onnxruntime (median) | spread over rounds | target | verdict |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for w in sorted(prn, key=lambda w: (w.split("-batch")[0], int(w.split("-batch")[1].split("-")[0]) if "-batch" in w else 0)):
        if w not in ort:
            continue
        rs = ratios(prn[w], ort[w])
        if not rs:
            continue
        target = ORT_TARGETS.get(w.split("-batch")[0])
        rows.append(f"| {w} | {statistics.median(prn[w].values()):,.1f} | {statistics.median(ort[w].values()):,.1f} | "
                    f"**{statistics.median(rs):.2f}** | {spread(rs)} | "
                    + (f">= {target} | {verdict(rs, target, seen=seen, name=w)} |" if target else "— | |"))
    return rows if len(rows) > 2 else []


def memory_table(runs, seen=None):
    prn, torch = by_round(runs, "prn", "peak_rss_mb"), by_round(runs, "torch-memory", "peak_rss_mb")
    rows = ["| training workload (batch 64) | prn peak MB | PyTorch peak MB | prn / PyTorch (median) | spread over rounds | target | verdict |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for w, target in MEMORY_TARGETS.items():
        if w not in prn or w not in torch:
            continue
        rs = ratios(prn[w], torch[w])
        if rs:
            rows.append(f"| {w} | {statistics.median(prn[w].values()):,.0f} | {statistics.median(torch[w].values()):,.0f} | "
                        f"**{statistics.median(rs):.2f}** | {spread(rs)} | <= {target} | {verdict(rs, target, at_most=True, seen=seen, name=w + ' memory')} |")
    return rows if len(rows) > 2 else []


# The tables of a run, in the order they are printed: (key of their block in a document kept by
# --update, title).
TABLES = (("torch", "prn against PyTorch (samples/s)", torch_table),
          ("internal", "Pruned and masked models against their dense originals", internal_table),
          ("ort", "prn against onnxruntime on the same ONNX file (samples/s)", ort_table),
          ("memory", "Peak resident memory, one training epoch", memory_table))


def round_count(runs):
    return len({r["round"] for r in runs if r["tool"] != "versions"})


def sections(runs):
    """The parts of a report: the summary sentence, what was compared and where the CPUs were (or
    None), each table's rows by key (empty when the run has no data for it) and the verdict of
    every target."""
    rounds = round_count(runs)
    summary = f"{rounds} round{'s' if rounds != 1 else ''}; ratios are taken within a round, then the median and the lowest and highest round."
    versions = [f"{rec['workload']} {rec['version']}" for r in runs if r["tool"] == "versions"
                for rec in r["records"] if rec["workload"] != "date"]
    seen = {}
    tables = {key: build(runs, seen) for key, _, build in TABLES}
    verdicts = [f"- {name} {goal}: **{seen.get(name, 'not measured in this run')}**" for name, goal in all_targets()]
    compared = " ".join(([f"Compared: {', '.join(versions)}."] if versions else []) + ([where] if (where := placements(runs)) else []))
    return summary, compared or None, tables, verdicts


def placements(runs):
    """Where the two CPUs were before each group of each round ("placement" runs: the round trip
    of a cache line between them, recorded since 2026-12-05's last runs), or None."""
    seen = [(r["round"], r["section"], r["records"][0]["value"]) for r in runs if r["tool"] == "placement"]
    if not seen:
        return None
    values = [ns for _, _, ns in seen]
    across = [f"round {rnd} {section}" for rnd, section, ns in seen if ns >= placement.SHARED_CACHE_NS]
    span = f"{min(values):.0f}" if min(values) == max(values) else f"{min(values):.0f}-{max(values):.0f}"
    return (f"The two CPUs' cache-line round trip before each group: {span} ns, "
            + (f"across dies (>= {placement.SHARED_CACHE_NS} ns) before {', '.join(across)}, a shared cache before the rest."
               if across else "a shared cache before every group."))


def run_date(runs):
    """The day the run was measured (recorded since 2026-12-05's last runs), or None."""
    for r in runs:
        if r["tool"] == "versions":
            for rec in r["records"]:
                if rec["workload"] == "date":
                    return rec["version"]
    return None


def report(runs):
    """The markdown tables, one section per kind of comparison that has data."""
    summary, compared, tables, verdicts = sections(runs)
    parts = [summary] + ([compared] if compared else [])
    for key, title, _ in TABLES:
        if tables[key]:
            parts += ["", f"### {title}", ""] + tables[key]
    parts += ["", "### Targets", ""] + verdicts
    return "\n".join(parts)


class UpdateError(Exception):
    pass


def marker(key, end=False):
    return f"<!-- {'/' if end else ''}bench-compare: {key} -->"


def update(doc, runs, raw):
    """`doc` (a markdown text) with the blocks bench-compare keeps replaced by this run's: between
    `<!-- bench-compare: KEY -->` and `<!-- /bench-compare: KEY -->`, KEY "run" (how the run was
    made and every target's verdict) and the keys of TABLES. Everything outside the blocks (the
    prose, earlier measurements) is left as it is. `raw` is the saved run's path as the document
    names it, so its command prints the same tables again."""
    summary, compared, tables, verdicts = sections(runs)
    missing = [title for key, title, _ in TABLES if not tables[key]]
    if missing:
        raise UpdateError(f"this run has no data for: {'; '.join(missing)}. The document's tables would mix "
                          "runs; measure every group (the default --groups)")
    # Runs saved before the date was recorded carry it in their file's name.
    named = re.search(r"\d{4}-\d{2}-\d{2}", raw.rsplit("/", 1)[-1])
    date = run_date(runs) or (named.group(0) if named else None)
    when = f"The run of {date}" if date else "The run"
    made = (f"Measured{' ' + date if date else ''} with `PRN_DATA=../shared/data scripts/bench-compare --rounds "
            f"{round_count(runs)} --save-raw {raw}` (`OPENBLAS_CORETYPE` removed from every side's environment); "
            f"`scripts/bench-compare --from-raw {raw}` prints these tables again. {summary}"
            + (f" {compared}" if compared else "") + " Verdicts (the tables are in the sections below):")
    blocks = {"run": [made, ""] + verdicts}
    for key, _, _ in TABLES:
        blocks[key] = [f"{when} ([how it was made](#targets)):", ""] + tables[key]
    check_markers(doc)
    lines = doc.split("\n")
    for key, body in blocks.items():
        i, j = lines.index(marker(key)), lines.index(marker(key, end=True))
        lines[i + 1:j] = body
    return "\n".join(lines)


def check_markers(doc):
    """Raises unless `doc` has each block's pair of marker lines once, in order (checked before a
    run is measured, so a document that cannot take it does not cost the run)."""
    lines = doc.split("\n")
    for key in ["run"] + [k for k, _, _ in TABLES]:
        begin, end = marker(key), marker(key, end=True)
        if lines.count(begin) != 1 or lines.count(end) != 1 or lines.index(begin) > lines.index(end):
            raise UpdateError(f"needs one line `{begin}` and, after it, one line `{end}` around the block it "
                              f"rewrites; found {lines.count(begin)} and {lines.count(end)}. Add them around the "
                              "verdicts or table of that name")


def all_targets():
    """Every target, (name as the tables key it, the goal in words), in the order of the tables."""
    out = [(w, f"prn / PyTorch >= {t}") for w, t in TORCH_TARGETS.items()]
    out += [(w, f"({what}) >= {t}x {against or 'dense kernels'}" + (" (never slower)" if t == 1.0 else ""))
            for w, against, t, what in INTERNAL_TARGETS]
    out += [(f"{stem}-batch{b}-infer", f"prn / onnxruntime >= {t}") for stem, t in ORT_TARGETS.items() for b in (1, 32)]
    out += [(f"{w} memory", f"prn peak / PyTorch peak <= {t}") for w, t in MEMORY_TARGETS.items()]
    return out
