#!/usr/bin/env bash
# The README's first command: set up .venv, then a dry run of the shipped #RecessReachOut
# campaign on the real legislator directory. Nothing is posted; no credentials are needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
R=.venv/bin/reachout
section() { printf '\n== %s ==\n%s\n\n' "$1" "$2"; }
section "1. Check the calendar (config/calendar.yaml)" \
  "Every post is composed and checked against X's rules; problems would be listed as FILE:LINE:COLUMN."
"$R" validate
section "2. Florida's posts, exactly as they will go out" \
  "NNN/280 is X's weighted length. 'intent' posts carry a one-tap link: each supporter tags their own members.
'!' lines are notes for staff, e.g. a member with no X account, left out of the link."
"$R" preview --state FL
section "3. What the recess will cost on X" \
  "Pay-per-use prices, expected traffic and the monthly budget come from config/settings.yaml."
"$R" cost
section "4. The legislator directory (data/legislators.yaml)" \
  "Every current member of Congress with chamber, state, district, committees and X account."
"$R" legislators list --state FL --chamber senate
"$R" legislators check | grep -E '^(members without|X handles or ids|vacant|overrides)'
cat <<'NEXT'

Nothing was posted: this was a dry run.
Next steps:
  - see every post:           .venv/bin/reachout preview   (or --format json)
  - edit the campaign:        config/calendar.yaml (format: docs/calendar.md), then .venv/bin/reachout validate
  - fix a legislator's handle: data/legislators-overrides.yaml
  - run the tests:            make test
NEXT
