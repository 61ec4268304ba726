"""The printed inspection report: how long one PDF takes, and how large it is, for a long inspection.

PYTHONPATH=. .venv/bin/python bench/inspection_report.py [--steps 12] [--photos 8] [--audit 400] [--runs 3]

Lays out a report (portsight.documents.inspection_report.render_report) of an inspection with
--steps checklist steps of --photos phone photos each (4032 x 3024 JPEGs on disk, one file in
ten missing) and --audit audit entries: the layout, the photo gate's downscaling of every printed
thumbnail and the QR code; the record's reading is timed by bench/inspection_record.py. The
thumbnails stop at PHOTOS_PER_BLOCK per step and PHOTOS_PER_REPORT in all, so more photos cost
nothing more. Prints seconds per report (median and max; CPU seconds too, which a busy machine
inflates less), pages and kilobytes, and appends them to bench/results/inspection_report.json.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from portsight.documents.inspection_report import (  # noqa: E402
    Block,
    InspectionReport,
    Photo,
    Section,
    Signature,
    render_report,
)
from portsight.storage import store_media  # noqa: E402


def phone_photo(n: int) -> bytes:
    """A 12-megapixel JPEG with some detail, as a phone takes it."""
    image = Image.new("RGB", (4032, 3024), ((n * 37) % 255, 90, 140))
    draw = ImageDraw.Draw(image)
    for i in range(0, 4032, 48):
        draw.line([(i, 0), (4032 - i, 3024)], fill=((i + n * 11) % 255, 200, 60), width=5)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def synthetic_report(media_dir: Path, steps: int, photos: int, audit: int) -> InspectionReport:
    pair = ("记录值", "Recorded value")
    blocks = []
    for s in range(steps):
        files = [store_media(media_dir, phone_photo(s * photos + i), ".jpg") for i in range(photos)]
        shown = [
            Photo(sha, None if (s * photos + i) % 10 == 9 else path, ("现场拍摄", "camera"))
            for i, (sha, path) in enumerate(files)
        ]
        rows = [[("项目", "Item"), ("记录", "Recorded")]] + [[pair, (f"{v}.5 千克", f"{v}.5 kg")] for v in range(6)]
        blocks.append(Block(heading=(f"步骤 {s}", f"Step {s}"), rows=rows, widths=(0.35, 0.65), photos=shown))
    trail = [[("时间", "Time"), ("操作", "Action")]] + [
        [(f"2026-11-{1 + i % 28:02d}", f"2026-11-{1 + i % 28:02d}"), ("记录查验环节", "recorded a step")]
        for i in range(audit)
    ]
    sha = hashlib.sha256(b"receipt").hexdigest()
    return InspectionReport(
        inspection_id=1,
        title=("查验报告", "Inspection report"),
        subtitle=("查验 #1", "Inspection #1"),
        head=[(("口岸", "Port"), ("CNSGH 上海", "CNSGH Shanghai"))] * 10,
        sections=[
            Section(("查验项目", "Checklist"), blocks),
            Section(("处置", "Decision"), [Block(rows=[[pair, pair]], header=False, qr=f"RR-CNSGH-1.{sha[:24]}")]),
            Section(("审计记录", "Audit trail"), [Block(rows=trail)]),
        ],
        signatures=[Signature(("查验员", "Inspector"), "Insp.1")],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--audit", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as media:
        report = synthetic_report(Path(media), args.steps, args.photos, args.audit)
        seconds, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            pdf = render_report(report)
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "steps": args.steps,
        "photos_per_step": args.photos,
        "audit_entries": args.audit,
        "seconds_median": round(sorted(seconds)[len(seconds) // 2], 3),
        "seconds_max": round(max(seconds), 3),
        "cpu_seconds_median": round(sorted(cpu)[len(cpu) // 2], 3),
        "pages": pages,
        "kilobytes": round(len(pdf) / 1024),
    }
    print(f"{'steps x photos':<16}{'audit':>7}{'median s':>10}{'max s':>8}{'CPU s':>8}{'pages':>7}{'KB':>7}")
    print(
        f"{args.steps} x {args.photos:<11}{args.audit:>7}{result['seconds_median']:>10}"
        f"{result['seconds_max']:>8}{result['cpu_seconds_median']:>8}{pages:>7}{result['kilobytes']:>7}"
    )
    out = ROOT / "bench" / "results" / "inspection_report.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    history = json.loads(out.read_text()) if out.exists() else []
    out.write_text(json.dumps([*history, result], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
