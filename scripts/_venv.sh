# Sourced by scripts/run and scripts/test: make .venv exist and hold the given requirements file.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "PortSight needs Python 3.11 or newer; found: $("$PYTHON" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi

ensure_venv() {
  local requirements="$1"
  if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
      # Debian and Ubuntu ship venv separately.
      rm -rf .venv
      echo "Installing python3-venv (Debian/Ubuntu) ..."
      as_root apt-get update -q && as_root apt-get install -y -q python3-venv \
        || { echo "Could not create a virtual environment: install python3-venv and run again." >&2; exit 1; }
      "$PYTHON" -m venv .venv
    fi
  fi
  # Reinstall only when the requirements changed since the last successful install.
  local stamp=".venv/.installed-$(basename "$requirements")"
  local digest
  digest="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r "$requirements"
    echo "$digest" > "$stamp"
  fi
}
