"""The claim studies of scripts/reproduce: each puts one seed paper's claim to a test with its own
protocol (its own training per point, a swept hyperparameter chosen on a validation split), so
it is a `prn sweep` of its recipe over its own variables rather than a method x seed comparison.
Their logs go to OUT/<study>/logs; scripts/repro/claims.py turns them into the claim table."""
import os, subprocess, sys

# name -> (recipe, sweep arguments). `{models}` is the folder for shared dense models.
STUDIES = {
    "pat-lenet300": ("scripts/repro/pat-lenet300.prn",
                     ["--vary", "lambda=[0, 0.001, 0.01, 0.1, 1]"]),
    "mipp-lenet300": ("scripts/repro/mipp-lenet300.prn",
                      ["--vary", "confidence=[0.5, 0.8, 0.95, 0.99, 0.999, 0.9999, 0.99999]",
                       "--set", "stage=prune", "--set", 'dense_file="{models}/mipp-lenet300-s{{run_seed}}.safetensors"',
                       "--shared", "stage=train", "--shared-over", "run_seed", "--allow", "{models}"]),
    "receding-vgg": ("scripts/repro/receding-vgg.prn",
                     ["--vary", "method=[receding, slimming, uniform]"]),
    # Not a seed paper's claim: Frankle and Carbin's lottery tickets (docs/results.md, "Lottery tickets").
    "lottery-lenet300": ("scripts/repro/lottery-lenet300.prn",
                         ["--vary", "mode=[rewind, reinit]"]),
}


def sweep_command(prn, name, seeds, quick, out, models, *extra):
    recipe, args = STUDIES[name]
    args = [a.format(models=models) for a in args]
    return [prn, "sweep", recipe, *args, "--seeds", str(len(seeds)), "--set", f"quick={'true' if quick else 'false'}",
            "--out", os.path.join(out, name), *extra]


def run(prn, names, seeds, quick, jobs, out, models, env, root):
    """Sweeps every study; a rerun finishes the points left. Returns the names of studies with a
    failed point."""
    failed = []
    for name in names:
        print(f"reproduce: study {name}", flush=True)
        p = subprocess.run(sweep_command(prn, name, seeds, quick, out, models, "--jobs", str(jobs)), cwd=root, env=env)
        if p.returncode in (130, 143):
            sys.exit("reproduce: stopped; run the same command again to finish the points left")
        if p.returncode == 70:
            failed.append(name)
        elif p.returncode != 0:
            sys.exit(f"reproduce: study {name}: prn sweep exited {p.returncode}")
    return failed


def write_slurm(prn, names, seeds, quick, out, models, top, headers, env, root):
    for name in names:
        subprocess.run(sweep_command(prn, name, seeds, quick, out, models, "--slurm", os.path.join(top, name), *headers),
                       cwd=root, env=env, check=True)
    print(f"reproduce: wrote the study sweeps {', '.join(names)} in {top}; after their jobs, "
          f"'scripts/reproduce --gather --studies {','.join(names)}' writes the claim table")


def gather(out, root, quick, update_docs):
    """The claim section: into docs/results.md (full mode) or OUT/claims.md."""
    cmd = [sys.executable, os.path.join(root, "scripts", "repro", "claims.py"), "--results", out]
    if quick or not update_docs:
        cmd += ["--write", os.path.join(out, "claims.md")]
    subprocess.run(cmd, cwd=root, check=True)
