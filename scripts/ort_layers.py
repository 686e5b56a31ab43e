#!/usr/bin/env python3
"""Where onnxruntime's time goes in one batch of an ONNX model, node by node: the counterpart of
`prn bench --model FILE --batch 1 --layers`.

    ~/.cache/prn/interop-venv/bin/python scripts/ort_layers.py model.onnx [--batch 1] [--threads 2] [--runs 300]

onnxruntime's own profiler (SessionOptions.enable_profiling) records each node's kernel time; this
runs --runs batches of random normal samples after --warmup untimed ones, and prints each node's
median time in milliseconds, its operator, and the sum. onnxruntime fuses nodes first (a conv with
its batch norm and ReLU becomes one node, named after the last), as prn's steps are fused chains,
so the two tables line up layer by layer. The profiler's JSON file is written to a temporary
directory and removed.
"""
import argparse
import collections
import json
import os
import statistics
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=50)
    a = ap.parse_args()
    if not os.path.isfile(a.model):
        sys.exit(f"ort_layers.py: {a.model}: no such file")
    if a.batch < 1 or a.runs < 1 or a.threads < 1 or a.warmup < 0:
        sys.exit("ort_layers.py: --batch, --runs and --threads are at least 1, --warmup at least 0")
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as e:
        sys.exit(f"ort_layers.py: {e}: run it with the interop environment's Python (scripts/setup-interop)")

    with tempfile.TemporaryDirectory() as tmp:
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.enable_profiling = True
        so.profile_file_prefix = os.path.join(tmp, "ort")
        try:
            session = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
        except Exception as e:
            sys.exit(f"ort_layers.py: {a.model}: onnxruntime cannot load it: {e}")
        first = session.get_inputs()[0]
        if not all(isinstance(d, int) for d in first.shape[1:]):
            sys.exit(f"ort_layers.py: {a.model}: input {first.name} has shape {first.shape}; "
                     "only the batch dimension may vary")
        x = np.random.default_rng(0).standard_normal((a.batch, *first.shape[1:])).astype(np.float32)
        for _ in range(a.warmup + a.runs):
            session.run(None, {first.name: x})
        with open(session.end_profiling()) as f:
            events = json.load(f)

    times, ops, order = collections.defaultdict(list), {}, []
    for e in events:
        name = e.get("name", "")
        if e.get("cat") != "Node" or not name.endswith("_kernel_time"):
            continue
        node = name[: -len("_kernel_time")]
        if node not in times:
            order.append(node)
        times[node].append(e["dur"] / 1000.0)
        ops[node] = e.get("args", {}).get("op_name", "")
    # Each node ran warmup + runs times; the first `warmup` of each are left out.
    medians = {n: statistics.median(times[n][a.warmup:] or times[n]) for n in order}
    width = max([4] + [len(n) for n in order])
    print(f"{os.path.basename(a.model)} batch {a.batch}, {a.threads} threads: {len(order)} nodes, "
          f"{sum(medians.values()):.3f} ms in all (median of each node over {a.runs} runs)")
    print(f"  {'node'.ljust(width)}  {'operator'.ljust(20)}        ms")
    for n in order:
        print(f"  {n.ljust(width)}  {ops[n].ljust(20)} {medians[n]:9.3f}")


if __name__ == "__main__":
    main()
