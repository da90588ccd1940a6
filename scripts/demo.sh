#!/usr/bin/env bash
# The README's first command: set up .venv, then run the most complete real job there is,
# on the shipped data, with no credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
R=.venv/bin/reachout
echo "== Florida's delegation in the 119th Congress (data/legislators.yaml) =="
"$R" legislators list --state FL
echo
echo "== Directory health: members without an X handle, vacancies, stale overrides =="
"$R" legislators check
