from __future__ import annotations

import argparse
import importlib
import json
import platform
import time
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("only", nargs="*", help="module names without bench_ (default: all)")
    args = parser.parse_args()
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m.removeprefix("bench_") in args.only]
    results = {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
               "cpus": __import__("os").cpu_count(), "python": platform.python_version(),
               "when": time.strftime("%Y-%m-%d %H:%M"), "rows": []}
    for name in modules:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}", flush=True)
        for row in module.main(args):
            row["module"] = name
            results["rows"].append(row)
            extra = {k: v for k, v in row.items()
                     if k not in ("name", "median", "min", "max", "n", "unit", "module")}
            print(f"  {row['name']:<50} median {row['median']:.4g} {row['unit']}"
                  f"  (n={row['n']}) {json.dumps(extra) if extra else ''}", flush=True)
    out = HERE / "results.json"
    old = json.loads(out.read_text()) if out.exists() else {"rows": []}
    keep = [r for r in old.get("rows", []) if r.get("module") not in modules]
    results["rows"] = keep + results["rows"]
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
