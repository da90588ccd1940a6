#!/usr/bin/env bash
# The README's first command: set up .venv, then run the most complete real job there is,
# on the shipped calendar and the real legislator directory, with no credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
R=.venv/bin/reachout
section() { printf '\n== %s ==\n' "$1"; }
section "The shipped #RecessReachOut calendar (config/calendar.yaml)"
"$R" validate
section "Florida's posts, exactly as they will go out"
"$R" preview --state FL
section "What the recess will cost on X"
"$R" cost
section "Florida's senators in the legislator directory (data/legislators.yaml)"
"$R" legislators list --state FL --chamber senate
section "Directory health"
"$R" legislators check | tail -n 4
printf '\nEvery post: .venv/bin/reachout preview   As JSON: .venv/bin/reachout preview --format json\n'
