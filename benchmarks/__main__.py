from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import time
import traceback
from pathlib import Path

from benchmarks import matmul_rate, matmul_row, sample_matmul
from benchmarks.report import cpu_name, write_report

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("only", nargs="*", help="module names without bench_ (default: all)")
    parser.add_argument("--no-report", action="store_true",
                        help="leave docs/BENCHMARKS.md as it is (results.json is still written)")
    args = parser.parse_args()
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m.removeprefix("bench_") in args.only]
    results = {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
               "cpus": __import__("os").cpu_count(), "python": platform.python_version(),
               "cpu": cpu_name(), "when": time.strftime("%Y-%m-%d %H:%M"), "rows": [], "modules": {}}
    sample_matmul()  # again after each module; every floor divides by the run's best
    print(f"== numpy fp32 matmul 2048x2048: {matmul_rate() / 1e9:.0f} GFLOP/s", flush=True)
    failed = 0
    for name in modules:
        print(f"== {name}", flush=True)
        results["modules"][name] = {"when": time.strftime("%Y-%m-%d %H:%M"),
                                    "load": round(os.getloadavg()[0], 2)}
        try:  # one module failing must not lose the others' measurements
            rows = importlib.import_module(f"benchmarks.{name}").main(args)
        except Exception as exc:
            failed += 1
            traceback.print_exc()
            why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            results["modules"][name]["error"] = why
            print(f"  {name} failed: {why}", flush=True)
            continue
        finally:
            sample_matmul()
        for row in rows:
            row["module"] = name
            results["rows"].append(row)
            extra = {k: v for k, v in row.items()
                     if k not in ("name", "median", "min", "max", "n", "unit", "module")}
            print(f"  {row['name']:<50} median {row['median']:.4g} {row['unit']}"
                  f"  (n={row['n']}) {json.dumps(extra) if extra else ''}", flush=True)
    out = HERE / "results.json"
    old = json.loads(out.read_text()) if out.exists() else {"rows": []}
    rate = matmul_rate()
    results["rows"].insert(0, {**matmul_row(), "module": "rate"})
    print(f"== numpy fp32 matmul 2048x2048, best of the run: {rate / 1e9:.0f} GFLOP/s")
    for name in modules:
        results["modules"][name]["matmul_gflops"] = round(rate / 1e9, 1)
    for row in results["rows"]:
        if row.get("floor_flop") is not None:
            row["floor_s"] = row["floor_flop"] / rate
    # The rate row goes with the floors that divide by it: a run with none (audio, ui...)
    # leaves the last run's rate row in place.
    floors = any("matmul rate" in r.get("floor_how", "") for r in results["rows"])
    old_rate = [r for r in old.get("rows", []) if r.get("module") == "rate"]
    if not floors and old_rate:
        results["rows"] = [r for r in results["rows"] if r["module"] != "rate"]
    replaced = [*modules, "rate"] if floors or not old_rate else modules
    keep = [r for r in old.get("rows", []) if r.get("module") not in replaced]
    results["rows"] = keep + results["rows"]
    results["modules"] = {**{k: v for k, v in old.get("modules", {}).items() if k not in modules},
                          **results["modules"]}
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")
    if not args.no_report:
        print(f"wrote {write_report(results)}")
    if failed:
        raise SystemExit(f"{failed} benchmark module(s) failed")


if __name__ == "__main__":
    main()
