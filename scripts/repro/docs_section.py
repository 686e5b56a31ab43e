"""The results section of docs/results.md, rewritten between its markers by scripts/reproduce,
and a note beside the tables in the results folder (mode, command, the methods in the tables
and those excluded, with the reason)."""
import datetime, os, re, subprocess

MARK = "<!-- {which} RESULTS {mode}: written by scripts/reproduce; do not edit by hand -->"


def note(quick, seeds, experiments, recipes, ran, excluded, failed, minutes, jobs, threads, subset=False, earlier=(), earlier_lists=()):
    """`experiments`: those with run logs in the folder; `ran`: {comparison: methods with complete
    logs} of the comparisons gathered from their sweeps now; `excluded`: [(comparison, method,
    reason)] that did not run on it. `subset`: this run made only some comparisons, so `earlier`
    (the Command lines of the runs that made the rest) stay listed; `earlier_lists`: the method
    lines of an earlier README, kept for the comparisons not in `ran`."""
    mode = "quick" if quick else "full"
    cmd = "scripts/reproduce" + (" --quick" if quick else "") + (f" --jobs {jobs}" if jobs > 1 else "")
    if subset:
        cmd += " --experiments " + ",".join(subset)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    lines = [
        f"**Mode: {mode}**" + (" (small subsets and few epochs: a smoke test of the whole pipeline, not a "
                               "measurement of the methods; run `scripts/reproduce` for the full comparison)" if quick else "") + ".",
        f"Command: `{cmd}`; seeds {', '.join(map(str, seeds))}; "
        + (f"{minutes:.1f} min with {jobs} job(s) x PRN_THREADS={threads}" if minutes is not None else "gathered from existing run logs")
        + (f"; source commit {commit}" if commit else "") + f"; {datetime.date.today().isoformat()}.",
        *[l for l in earlier if subset and not l.startswith(f"Command: `{cmd}`")],
        "Recipes: " + ", ".join(f"`{recipes[e]}`" for e in experiments) + ".",
    ]
    # An earlier README's lines for the comparisons not gathered now: "- NAME: `m` (why)" are
    # excluded methods (or the skipped ones of older versions), other "- NAME: ..." the methods run.
    def earlier_of_others(excluded_line):
        return [l for l in earlier_lists if l[2:].split(":", 1)[0] not in ran
                and bool(re.match(r"- [\w-]+: `[^`]+` \(", l)) == excluded_line]
    def in_order(listed):  # comparisons in the suite's order
        order = list(recipes)
        return sorted(listed, key=lambda l: order.index(l[2:].split(":", 1)[0]) if l[2:].split(":", 1)[0] in order else len(order))
    old_excluded = earlier_of_others(True)
    listed = in_order(earlier_of_others(False) + [
        f"- {e}: " + (", ".join(f"`{m}`" for m in ms) if ms else "none") for e, ms in ran.items()])
    if listed:
        lines += ["", "Methods in the tables:", ""] + listed
    if excluded or old_excluded:
        lines += ["", "Excluded methods (not in the tables):", ""]
        lines += in_order(old_excluded + [f"- {e}: `{m}` ({why})" for e, m, why in excluded])
    if failed:
        lines.append("")
        lines.append("Failed runs (not in the tables; run the same command again to retry them): "
                     + ", ".join(f"{e} {m} seed {s}" for e, m, s in failed))
    return "\n".join(lines)


def write(out, root, quick, seeds, experiments, recipes, ran, excluded, failed, minutes, jobs, threads, update_docs, subset=False):
    readme = os.path.join(out, "README.md")
    old = open(readme).read().splitlines() if os.path.exists(readme) else []
    made = [l for l in old if l.startswith("Command: ")]
    lists = [l for l in old if re.match(r"- [\w-]+: ", l)]
    text = note(quick, seeds, experiments, recipes, ran, excluded, failed, minutes, jobs, threads, subset, made, lists)
    if minutes is None and made:
        # Re-gathered logs: keep how the runs themselves were made.
        lines = [l for l in text.splitlines() if not l.startswith("Command: ")]
        at = next(i for i, l in enumerate(lines) if l.startswith("Recipes: "))
        text = "\n".join(lines[:at] + made + lines[at:])
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("# Reproduction results\n\n" + text + "\n\nTables: [results.md](results.md), [results.csv](results.csv), "
                "[results.json](results.json).\n")
    if not update_docs:
        return ""
    with open(os.path.join(out, "results.md")) as f:
        tables = f.read()
    rel = os.path.relpath(out, os.path.join(root, "docs"))
    # Links in results.md are relative to the results folder; the doc lives in docs/.
    tables = re.sub(r"\]\(([^)/]+\.svg)\)", lambda m: f"]({rel}/{m.group(1)})", tables)
    figures = []
    for svg in sorted(os.listdir(out)):
        if svg.endswith("-accuracy.svg") or svg.endswith("-flops.svg"):
            figures.append(f"![{svg[:-4]}]({rel}/{svg})")
    mode = "quick" if quick else "full"
    body = text + "\n\n" + tables.strip() + "\n\n" + "\n\n".join(figures) + "\n"
    doc_path = os.path.join(root, "docs", "results.md")
    begin, end = MARK.format(which="BEGIN", mode=mode), MARK.format(which="END", mode=mode)
    doc = open(doc_path).read() if os.path.exists(doc_path) else "# Results\n"
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin) + len(begin)] + "\n" + body + doc[doc.index(end):]
    else:
        doc = doc.rstrip() + f"\n\n## {mode.capitalize()} mode\n\n{begin}\n{body}{end}\n"
    with open(doc_path, "w") as f:
        f.write(doc)
    return f"updated docs/results.md ({mode} section)"
