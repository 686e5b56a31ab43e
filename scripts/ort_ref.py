#!/usr/bin/env python3
"""onnxruntime's inference time for an ONNX model, in the format of `prn bench --model`.

    scripts/ort_ref.py model.onnx --batch 1,32 --threads 2 [--json]

Run it with the interop environment's Python (scripts/setup-interop prepares it:
~/.cache/prn/interop-venv/bin/python). For each batch size: one warm-up run, then up to --runs
timed runs of a batch of random normal samples (fewer once --max-seconds have passed), and the
median. The workload names match prn's (`NAME-batchB-infer`), so the two outputs line up; compare
with `PRN_THREADS=2 prn bench --model model.onnx --batch 1,32`.
"""
import argparse
import json
import os
import statistics
import sys
import time


def parse_batches(text):
    try:
        sizes = [int(b) for b in text.split(",") if b.strip()]
    except ValueError:
        sys.exit(f"ort_ref.py: --batch {text!r}: give sizes separated by commas, e.g. --batch 1,32")
    if not sizes or any(b < 1 or b > 65536 for b in sizes):
        sys.exit(f"ort_ref.py: --batch {text!r}: sizes go from 1 to 65536, e.g. --batch 1,32")
    return sizes


def line(workload, samples_per_s, ms, as_json):
    if as_json:
        return json.dumps({"workload": workload, "samples_per_s": int(round(samples_per_s)), "ms_per_batch": round(ms, 4)})
    return f"{workload:<40}{samples_per_s:12.0f} samples/s  ms_per_batch={ms:.4f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="an .onnx file")
    p.add_argument("--batch", default="1,32", help="batch sizes, comma-separated (default 1,32)")
    p.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads (default 2)")
    p.add_argument("--runs", type=int, default=10, help="timed runs per batch size (default 10)")
    p.add_argument("--max-seconds", type=float, default=10, help="stop timing a batch size after this long (default 10)")
    p.add_argument("--json", action="store_true", help="one JSON object per line, as prn bench --json")
    a = p.parse_args()
    batches = parse_batches(a.batch)
    if a.threads < 1 or a.runs < 1:
        sys.exit("ort_ref.py: --threads and --runs must be at least 1")
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as e:
        sys.exit(f"ort_ref.py: {e}; run scripts/setup-interop and use its Python (~/.cache/prn/interop-venv/bin/python)")
    if not os.path.isfile(a.model):
        sys.exit(f"ort_ref.py: {a.model}: file not found")

    options = ort.SessionOptions()
    options.intra_op_num_threads = a.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(a.model, options, providers=["CPUExecutionProvider"])
    (inp,) = session.get_inputs()
    sample = inp.shape[1:]
    if not all(isinstance(d, int) for d in sample):
        sys.exit(f"ort_ref.py: {a.model}: input {inp.name} has shape {inp.shape}; only the batch dimension may vary")
    name = os.path.splitext(os.path.basename(a.model))[0]
    rng = np.random.default_rng(0)
    for b in batches:
        x = rng.standard_normal((b, *sample)).astype(np.float32)
        session.run(None, {inp.name: x})  # warm-up
        times, began = [], time.perf_counter()
        for _ in range(a.runs):
            t0 = time.perf_counter()
            session.run(None, {inp.name: x})
            times.append((time.perf_counter() - t0) * 1000)
            if time.perf_counter() - began >= a.max_seconds:
                break
        ms = statistics.median(times)
        print(line(f"{name}-batch{b}-infer", b / (ms / 1000), ms, a.json), flush=True)


if __name__ == "__main__":
    main()
