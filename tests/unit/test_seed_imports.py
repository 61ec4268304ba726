"""The seed's three processes start without the read side's libraries: pandas alone takes about half a second
to import, paid once by every process the seed starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_seeds_processes_do_not_import_pandas():
    modules = ("portsight.demo.seed", "portsight.demo.follow_up", "portsight.demo.writer")
    probe = f"import sys; import {', '.join(modules)}; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
