#!/usr/bin/env bash
# The README's first command: set up .venv, then run the whole shipped #RecessReachOut recess
# in virtual time (`reachout simulate`): the worker's real jobs post on the sandbox X, collect
# the replies a seeded crowd of supporters and legislators sends back, and write a report for
# every recess week. Nothing reaches X; no credentials are needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
R=.venv/bin/reachout
section() { printf '\n== %s ==\n%s\n\n' "$1" "$2"; }
section "1. Check the calendar (config/calendar.yaml)" \
  "Every post is composed and checked against X's rules; problems would be listed as FILE:LINE:COLUMN."
"$R" validate
section "2. Run the whole recess in virtual time on the sandbox X" \
  "Posting, collection and the Monday reports run on their real schedules; X faults are injected."
"$R" simulate
cat <<'NEXT'

Nothing was posted: the sandbox X stands in for X.
Next steps:
  - open the report above in a browser (one folder per recess week)
  - every post as it will go out:  .venv/bin/reachout preview --state FL
  - what the recess will cost:     .venv/bin/reachout cost
  - edit the campaign:             config/calendar.yaml (docs/calendar.md), then .venv/bin/reachout validate
  - run the tests:                 make test
NEXT
