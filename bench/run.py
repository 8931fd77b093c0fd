"""Run every benchmark, print a table and write bench/results.json (or results-quick.json).

    make bench         # full: about 7 minutes on 2 cores (3.5 with the synthetic data cached)
    make bench-quick   # smaller sizes, fewer repetitions, the same keys (about 3 minutes)

Each section runs in its own process so memory figures are its own. Figures are medians
over repeated runs; speed-ups are ratios against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTIONS = ["build_speed", "rebuild", "query", "start"]
TARGETS = {
    "build_speedup": (">=", 2.0),
    "eval_delta_recall400t": (">=", -0.01),
    "rebuild_noop_s": ("<=", 2.0),
    "rebuild_one_s": ("<=", 5.0),
    "query_p50_ms_100k": ("<=", 20.0),
    "query_p50_ms_1m": ("<=", 20.0),
    "query_p95_ms_1m": ("<=", 40.0),
    "serve_peak_rss_mb_1m": ("<=", 1500.0),
    "index_load_s_1m": ("<=", 3.0),
    "ann_recall10_100k": (">=", 0.98),
    "ann_recall10_1m": (">=", 0.98),
    "cold_start_s": ("<=", 5.0),
    "api_history8_ratio": ("<=", 2.0),
}


def machine() -> dict[str, str]:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in flags.splitlines() if line.startswith("model name")), "")
    simd = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16") if f in flags]
    return {"cpu": model, "cores": str(os.cpu_count()), "simd": " ".join(simd), "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=SECTIONS, action="append")
    args = parser.parse_args()
    results: dict[str, object] = {"mode": "quick" if args.quick else "full", "machine": machine()}
    began = time.perf_counter()
    for section in args.only or SECTIONS:
        t = time.perf_counter()
        cmd = [sys.executable, str(HERE / f"{section}.py"), *(["--quick"] if args.quick else [])]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        line = next((x for x in reversed(done.stdout.splitlines()) if x.startswith("RESULT ")), None)
        if done.returncode or line is None:
            sys.exit(f"bench {section} failed:\n{done.stderr[-2000:]}")
        results.update(json.loads(line[len("RESULT ") :]))
        print(f"{section}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
    results["bench_seconds"] = round(time.perf_counter() - began)
    print(f"\n{'key':<30}{'value':>14}  target")
    for key, value in results.items():
        if isinstance(value, float):
            op, goal = TARGETS.get(key, ("", None))
            ok = "" if goal is None else (" ok" if (value >= goal if op == ">=" else value <= goal) else " MISSED")
            target = f"{op} {goal}{ok}" if goal is not None else ""
            print(f"{key:<30}{value:>14.3f}  {target}")
    out = HERE / ("results-quick.json" if args.quick else "results.json")
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
