"""`python -m portsight read-numbers FILE...`: container and seal numbers read from photos.

One JSON object per file, one per line, in the order given:

    {"file": "door.jpg", "container_number": "MSCU3054389", "seal_number": null,
     "confidence": 0.97, "seconds": 0.84, "read": null}

container_number is given only when all eleven characters were read and the check digit read
confirms it; read says what was read when no number is proposed (null when one is, or when
nothing was read). confidence is the container number's, else the seal number's (null when
neither). A file that cannot be read or is not a photo is named on stderr with the reason; the
others are still read and the exit status is 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from portsight.errors import InvalidInput


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("read-numbers", help="read container and seal numbers from photos, one JSON line each")
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path, help="JPEG, PNG or WebP photos")
    parser.add_argument(
        "--expect",
        choices=("any", "container", "seal"),
        default="any",
        help="what the photos show: a container door, a seal close-up, or either (default)",
    )
    parser.set_defaults(handler=cmd_read_numbers)


def cmd_read_numbers(args: argparse.Namespace) -> int:
    from portsight.ocr import read_numbers

    failed = 0
    for path in args.files:
        try:
            data = path.read_bytes()
            reading = read_numbers(data, expect=args.expect)
        except (OSError, InvalidInput) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            print(f"{path}: {reason}", file=sys.stderr)
            failed += 1
            continue
        proposal = reading.container or reading.seal
        line = {
            "file": str(path),
            "container_number": reading.container.number if reading.container else None,
            "seal_number": reading.seal.number if reading.seal else None,
            "confidence": proposal.confidence if proposal else None,
            "seconds": round(reading.seconds, 3),
            "read": reading.read or None,
        }
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 2 if failed else 0
