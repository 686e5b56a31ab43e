"""Slurm job-array scripts for scripts/reproduce: one run per array task.

Three arrays run in order: train (one task per comparison and seed: the dense model), prune (one
task per comparison, seed and method, each from that seed's dense model), and gather (one task:
`scripts/reproduce --gather`, which builds the tables, plots and docs section from the run logs).
submit.sh chains them with --dependency=afterok.
"""
import os, shlex, stat

ARRAY = """#!/bin/bash
#SBATCH --job-name=prn-{name}
#SBATCH --array=0-{last}
#SBATCH --cpus-per-task={cpus}
#SBATCH --mem={mem}
#SBATCH --time={time}
#SBATCH --output={dir}/slurm-{name}-%A_%a.out
# {what}. Task i runs line i+1 of {tasks}.
set -euo pipefail
cd {root}
export PRN_THREADS="${{SLURM_CPUS_PER_TASK:-1}}"
export PRN_DATA="${{PRN_DATA:-{data}}}"
line="$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" {tasks})"
if [ -z "$line" ]; then echo "no task $SLURM_ARRAY_TASK_ID in {tasks}" >&2; exit 64; fi
eval "$line"
"""

GATHER = """#!/bin/bash
#SBATCH --job-name=prn-gather
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output={dir}/slurm-gather-%j.out
# Tables, plots and the results section of docs/results.md from the run logs of the prune array.
set -euo pipefail
cd {root}
export PRN_DATA="${{PRN_DATA:-{data}}}"
{command}
"""

SUBMIT = """#!/bin/bash
# Submits the train array, then the prune array once every train task succeeded, then the gather.
set -euo pipefail
cd "$(dirname "$0")"
train=$(sbatch --parsable train.sbatch)
prune=$(sbatch --parsable --dependency=afterok:${{train%%;*}} prune.sbatch)
gather=$(sbatch --parsable --dependency=afterok:${{prune%%;*}} gather.sbatch)
echo "submitted: train $train, prune $prune, gather $gather"
"""


def line(task):
    mkdir = f"mkdir -p {shlex.quote(os.path.dirname(task.log))} && " if task.log else ""
    return mkdir + " ".join(shlex.quote(c) for c in task.cmd)


def write(directory, root, train, prune, gather_command, logs, quick, data):
    d = os.path.abspath(directory)
    os.makedirs(d, exist_ok=True)
    written = []

    def put(name, text, executable=False):
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        if executable:
            os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        written.append(path)

    limits = {"train": "00:30:00" if quick else "08:00:00", "prune": "00:30:00" if quick else "12:00:00"}
    for name, tasks, what in (("train", train, "Dense models, one per comparison and seed"),
                              ("prune", prune, "Every ratio of one method from one seed's dense model")):
        if not tasks:
            raise SystemExit(f"reproduce --slurm: no {name} tasks (no usable method?)")
        tasks_file = os.path.join(d, f"tasks-{name}.txt")
        put(f"tasks-{name}.txt", "\n".join(line(t) for t in tasks) + "\n")
        put(f"{name}.sbatch", ARRAY.format(name=name, last=len(tasks) - 1, cpus=2, mem="4G", time=limits[name],
                                           dir=d, what=what, tasks=shlex.quote(tasks_file), root=shlex.quote(root), data=data))
    put("gather.sbatch", GATHER.format(dir=d, root=shlex.quote(root), data=data,
                                       command=" ".join(shlex.quote(c) for c in gather_command)))
    put("submit.sh", SUBMIT.format(), executable=True)
    return written
