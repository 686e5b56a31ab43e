"""The results section of docs/results.md, rewritten between its markers by scripts/reproduce,
and a note beside the tables in the results folder (mode, command, skipped methods)."""
import datetime, os, re, subprocess

MARK = "<!-- {which} RESULTS {mode}: written by scripts/reproduce; do not edit by hand -->"


def note(quick, seeds, experiments, recipes, skipped, failed, minutes, jobs, threads):
    mode = "quick" if quick else "full"
    cmd = "scripts/reproduce" + (" --quick" if quick else "") + (f" --jobs {jobs}" if jobs > 1 else "")
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
        "Recipes: " + ", ".join(f"`{recipes[e]}`" for e in experiments) + ".",
    ]
    if skipped:
        lines.append("")
        lines.append("Skipped methods:")
        lines.append("")
        for e, m, why in skipped:
            lines.append(f"- {e}: `{m}` ({why})")
    if failed:
        lines.append("")
        lines.append("Failed runs (not in the tables): " + ", ".join(f"{e} {m} seed {s}" for e, m, s in failed))
    return "\n".join(lines)


def write(out, root, quick, seeds, experiments, recipes, skipped, failed, minutes, jobs, threads, update_docs):
    text = note(quick, seeds, experiments, recipes, skipped, failed, minutes, jobs, threads)
    readme = os.path.join(out, "README.md")
    if minutes is None and os.path.exists(readme):
        # Re-gathered logs: keep how the runs themselves were made.
        made = [l for l in open(readme).read().splitlines() if l.startswith("Command: ")]
        if made:
            text = "\n".join(made[0] if l.startswith("Command: ") else l for l in text.splitlines())
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
