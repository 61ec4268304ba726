"""Container and seal numbers read from the labelled picture set, through the command line.

PYTHONPATH=. .venv/bin/python bench/ocr.py [--doors 200] [--seals 100] [--seed 21]
    [--out bench/datasets/ocr] [--show-misses]

Draws the set with bench/ocr_images.py (kept in --out, drawn again when its labels differ), then
runs `python -m portsight read-numbers` once over every picture, as a script would, and compares
each JSON line with the label. Prints, for doors: exact numbers (the proposal is the label),
wrong proposals (a number proposed that is not the label: worse than none), none proposed; per
layout too; for seals: exact numbers; and seconds per photo (p50, p95, max) as the command
measured them, model loading excluded (the first photo pays it and is left out). Appends the
figures to bench/results/ocr.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench import ocr_images  # noqa: E402

GOALS = {"containers_exact": 95.0, "containers_wrong_max": 1.0, "seals_exact": 90.0, "p95_seconds_max": 1.5}


def _labels(out: Path, args: argparse.Namespace) -> list[dict[str, str]]:
    stamp = out / "set.json"
    wanted = {"doors": args.doors, "seals": args.seals, "seed": args.seed, "version": 1}
    if not stamp.exists() or json.loads(stamp.read_text(encoding="utf-8")) != wanted:
        ocr_images.generate(out, doors=args.doors, seals=args.seals, seed=args.seed)
        stamp.write_text(json.dumps(wanted), encoding="utf-8")
    with (out / "labels.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doors", type=int, default=200)
    parser.add_argument("--seals", type=int, default=100)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "datasets" / "ocr")
    parser.add_argument("--show-misses", action="store_true", help="print every picture not read exactly")
    args = parser.parse_args()

    labels = _labels(args.out, args)
    files = [str(args.out / label["file"]) for label in labels]
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "portsight", "read-numbers", *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    if run.returncode != 0:
        sys.exit(f"read-numbers failed ({run.returncode}):\n{run.stderr}")
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    by_file = {Path(line["file"]).name: line for line in lines}

    tally: Counter[str] = Counter()
    per_layout: Counter[tuple[str, str]] = Counter()
    misses: list[str] = []
    for label in labels:
        line = by_file[label["file"]]
        key = "container_number" if label["kind"] == "container" else "seal_number"
        found = line[key]
        outcome = "exact" if found == label["number"] else "none" if found is None else "wrong"
        tally[label["kind"], outcome] += 1  # type: ignore[index]
        per_layout[label["layout"], outcome] += 1
        if outcome != "exact":
            misses.append(
                f"{label['file']} {label['layout']}: want {label['number']}, got {found}, read {line['read']!r}"
            )

    doors = sum(1 for label in labels if label["kind"] == "container")
    seals = len(labels) - doors
    seconds = [line["seconds"] for line in lines[1:]]
    figures = {
        "containers_exact": 100.0 * tally["container", "exact"] / max(1, doors),
        "containers_wrong": 100.0 * tally["container", "wrong"] / max(1, doors),
        "containers_none": 100.0 * tally["container", "none"] / max(1, doors),
        "seals_exact": 100.0 * tally["seal", "exact"] / max(1, seals),
        "seals_wrong": 100.0 * tally["seal", "wrong"] / max(1, seals),
        "p50_seconds": _percentile(seconds, 0.50),
        "p95_seconds": _percentile(seconds, 0.95),
        "max_seconds": max(seconds),
        "first_photo_seconds": lines[0]["seconds"],
        "wall_seconds": wall,
        # CPU time of the whole command per photo, model loading included: unlike the clock
        # figures it does not grow when other processes share the two cores.
        "cpu_seconds_per_photo": cpu / max(1, len(lines)),
    }
    print(f"{doors} doors, {seals} seals ({args.out}), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(
        f"containers exact  {figures['containers_exact']:5.1f} %  (goal >= {GOALS['containers_exact']:.0f} %)\n"
        f"containers wrong  {figures['containers_wrong']:5.1f} %  (goal <= {GOALS['containers_wrong_max']:.0f} %)\n"
        f"containers none   {figures['containers_none']:5.1f} %\n"
        f"seals exact       {figures['seals_exact']:5.1f} %  (goal >= {GOALS['seals_exact']:.0f} %)\n"
        f"seals wrong       {figures['seals_wrong']:5.1f} %\n"
        f"seconds per photo p50 {figures['p50_seconds']:.2f}  p95 {figures['p95_seconds']:.2f} "
        f"(goal <= {GOALS['p95_seconds_max']})  max {figures['max_seconds']:.2f}  "
        f"first (loads the model) {figures['first_photo_seconds']:.2f}\n"
        f"CPU seconds per photo {figures['cpu_seconds_per_photo']:.2f} (all threads; load average above)"
    )
    for layout in sorted({label["layout"] for label in labels}):
        counts = {o: per_layout[layout, o] for o in ("exact", "wrong", "none")}
        print(f"  {layout:<10} exact {counts['exact']:4d}  wrong {counts['wrong']:3d}  none {counts['none']:3d}")
    if args.show_misses:
        print("\n".join(misses))

    results = ROOT / "bench" / "results" / "ocr.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    history = json.loads(results.read_text(encoding="utf-8")) if results.exists() else []
    history.append({"at": datetime.now(UTC).isoformat(timespec="seconds"), "doors": doors, "seals": seals, **figures})
    results.write_text(json.dumps(history, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
