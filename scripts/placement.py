"""Where the machine put CPUs 0 and 1, as the round trip of one cache line between them
(scripts/core_round_trip.c): short when they share a last-level cache, several times longer when
the line crosses between dies. On a virtual machine the host moves the CPUs between the two, and
prn's two-thread inference at batch 1 slows across dies (docs/benchmarks.md, "What the slow
stretches are"); scripts/swing-probe and scripts/bench-compare record it beside their timings."""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SHARED_CACHE_NS = 250  # between the two placements' round trips


def program():
    """.build/core-round-trip, compiled from scripts/core_round_trip.c when missing or older; None
    (with the reason) when it cannot be compiled."""
    source, binary = os.path.join(HERE, "core_round_trip.c"), os.path.join(ROOT, ".build", "core-round-trip")
    if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(source):
        os.makedirs(os.path.dirname(binary), exist_ok=True)
        try:
            p = subprocess.run(["cc", "-O2", "-pthread", source, "-o", binary], capture_output=True, text=True)
        except OSError as e:
            return None, f"no C compiler ({e})"
        if p.returncode != 0:
            return None, f"cc -O2 -pthread {source} failed: {p.stderr.strip()}"
    return binary, None


def round_trip_ns(binary):
    """The round trip in ns, or None when the probe cannot run (fewer than two CPUs)."""
    p = subprocess.run([binary], capture_output=True, text=True)
    return float(p.stdout.strip()) if p.returncode == 0 else None
