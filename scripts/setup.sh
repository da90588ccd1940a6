#!/usr/bin/env bash
# Create .venv (if missing) and install reachout with its dev tools into it.
# Needs only Python 3.11+ on PATH (python3, or $PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    echo "reachout needs Python 3.11 or newer; '$PY' is $("$PY" --version 2>&1 || echo missing)." >&2
    echo "Install Python 3.11+ or run: PYTHON=/path/to/python3.11 make ..." >&2
    exit 2
fi
stamp=.venv/.installed
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
# Reinstall only when the dependency list changed.
# pip's and the build backend's chatter goes to a log, shown only when the install fails.
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Setting up .venv (first run only; needs the package index)..."
    log=.venv/install.log
    if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
           .venv/bin/python -m pip install --disable-pip-version-check -e '.[dev]'; } >"$log" 2>&1
    then
        cat "$log" >&2
        echo "Installing reachout's dependencies failed (log above, also in $log)." >&2
        exit 1
    fi
    touch "$stamp"
fi
