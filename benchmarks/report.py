"""docs/BENCHMARKS.md from benchmarks/results.json: one table, every row with the
command that measured it, its median and spread, and its floor or its peer from the
same run; short prose under it. `python -m benchmarks` calls write_report() after
each run; `python -m benchmarks.report` rewrites the page from the last results.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

HERE = Path(__file__).parent
DOC = HERE.parent / "docs" / "BENCHMARKS.md"
ORDER = ["rate", "bench_gan", "bench_arcnn", "bench_transformer", "bench_audio", "bench_app",
         "bench_ui", "bench_midi_input"]
TO_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def fmt(value: float, unit: str) -> str:
    """A value in its unit; times in s, ms or us, whichever reads best."""
    if unit in TO_SECONDS:
        v = value * TO_SECONDS[unit]
        if abs(v) >= 1:
            return f"{v:.2f} s"
        if abs(v) >= 1e-3:
            return f"{v * 1e3:.3g} ms"
        return f"{v * 1e6:.3g} µs"
    if unit == "x":
        return f"{value:.0f}x"
    return f"{value:.0f} {unit}"


def spread(row: dict) -> str:
    return f"{fmt(row['min'], row['unit'])} – {fmt(row['max'], row['unit'])}, n={row['n']}"


def command(row: dict) -> str:
    module = row["module"].removeprefix("bench_")
    if row.get("command"):
        return f"`{row['command']}` (in `make bench ARGS={module}`)"
    if module == "rate":
        return "`make bench` (every run)"
    return f"`make bench ARGS={module}`"


def _name(row: dict) -> str:
    name = row["name"]
    for suffix in (" (s)", " (ms)", " (us)", " (x real time)"):
        name = name.removesuffix(suffix)
    if "speed_x" in row:
        name += f" = {row['speed_x']}x real time"
    if "frames_median" in row:
        name += f" ({row['frames_median']:.0f} frames, a period is {row.get('period_frames', 128)})"
    return name.replace("->", "→")


def compare(row: dict, rows: dict[tuple[str, str], dict]) -> tuple[str, str]:
    """(the floor or peer cell, the ratio cell)."""
    if row.get("reference"):
        return row.get("floor_how", "reference"), ""
    if row.get("floor_s") is not None:
        floor = row["floor_s"]
        ratio = row["median"] * TO_SECONDS.get(row["unit"], 1.0) / floor if floor else float("nan")
        return f"floor {fmt(floor, 's')}: {row.get('floor_how', '')}", f"{ratio:.1f}x floor"
    if row.get("peer_missing"):
        return f"peer: {row['peer_missing']}", ""
    peer = rows.get((row["module"], row.get("peer") or ""))
    if peer is None:
        return "", ""
    cell = f"peer: {_name(peer)}, {fmt(peer['median'], peer['unit'])} ({spread(peer)})"
    if peer.get("command"):
        cell += f", `{peer['command']}`"
    if row.get("peer_note"):
        cell += f"; {row['peer_note']}"
    a = row["median"] * TO_SECONDS.get(row["unit"], 1.0)
    b = peer["median"] * TO_SECONDS.get(peer["unit"], 1.0)
    if row["unit"] == "MB":
        return cell, f"+{a - b:.0f} MB over peer"
    return cell, (f"{a / b:.2f}x peer" if b else "")


def render(results: dict) -> str:
    rows = sorted(results["rows"], key=lambda r: ORDER.index(r["module"])
                  if r["module"] in ORDER else len(ORDER))
    by_name = {(r["module"], r["name"]): r for r in rows}
    shown, other = [], []
    for row in rows:
        if row.get("peer_only"):
            continue
        cell, ratio = compare(row, by_name)
        (shown if cell else other).append((row, cell, ratio))
    modules = results.get("modules", {})
    rate = next((r for r in rows if r["module"] == "rate"), None)
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks [NAME ...]`, then benchmarks/report.py)"
        " from benchmarks/results.json; not edited by hand. Each row: what was measured, the"
        " command that measured it, the median and spread of its repetitions, and a floor or a"
        " peer measured in the same run.",
        "",
        "| measure | command | median | spread (min – max, n) | floor or peer (same run) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for row, cell, ratio in shown:
        lines.append(f"| {_name(row)} | {command(row)} | **{fmt(row['median'], row['unit'])}** "
                     f"| {spread(row)} | {cell} | {ratio} |")
    lines.append("")
    machine = results.get("cpu") or results.get("machine", "")
    runs = ", ".join(f"{k.removeprefix('bench_')} {v['when']} (load {v['load']})"
                     for k, v in sorted(modules.items(), key=lambda kv: ORDER.index(kv[0])
                                        if kv[0] in ORDER else len(ORDER)))
    lines += [
        f"Machine: {machine}, {results.get('cpus')} CPUs, Python {results.get('python')}."
        f" Runs and the load average at each one's start: {runs}. The machine is shared, so a"
        " figure moves with the load; a floor or peer measured in the same run moves with it.",
    ]
    uses_rate = {r["module"] for r in rows if "matmul rate" in r.get("floor_how", "")}
    rates = {v.get("matmul_gflops") for k, v in modules.items() if k in uses_rate}
    if rate is not None and len(rates) > 1:
        lines[-1] += (" The modules with FLOP floors ran at different times, each with its own rate"
                      f" ({', '.join(f'{x:.0f}' for x in sorted(r for r in rates if r))} GFLOP/s).")
    lines += [
        "",
        "- **Floors** are FLOPs divided by the best fp32 2048² matrix-product rate numpy reaches"
        " in the run: no network pass can beat them. Small convolutions and one-token steps run"
        " far below that rate, so a model's ratio says how much is overhead (onnxruntime's per-call"
        " cost, numpy and Python around the network: decoding, sampling, notes).",
        "- **Render**: the in-process row excludes the SoundFont load (the app keeps the synth"
        " loaded); the whole-command row and the `fluidsynth` renderer both start a process, load"
        " the SoundFont, read the MIDI file and write a 16-bit WAV, so that pair is like for like.",
        "- **Note-on** latency is counted in frames, buffer by buffer as an audio driver renders"
        " (no sound card here); the peer is pyfluidsynth alone, so the difference is the app's"
        " Synth (one lock). A live device adds its queue: 4 periods of 128 frames.",
        "- **Start** is a new process until the window's first paint, offscreen, page cache warm"
        " (the first start is left out); **peak memory** is the process's maximum resident set.",
    ]
    errors = {k.removeprefix("bench_"): v["error"] for k, v in modules.items() if v.get("error")}
    if errors:
        lines += ["", "**Not measured in this run** (the module failed): "
                  + "; ".join(f"`make bench ARGS={k}`: {why}" for k, why in errors.items()) + "."]
    if other:
        lines += ["", "Measured too, without a floor or peer (benchmarks/results.json): "
                  + "; ".join(f"{_name(r)} {fmt(r['median'], r['unit'])}" for r, _c, _r in other)
                  + "."]
    return "\n".join(lines) + "\n"


def write_report(results: dict, path: Path = DOC) -> Path:
    text = render(results)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    print(write_report(json.loads((HERE / "results.json").read_text())))
