#!/usr/bin/env bash
# The demo: import + train (if needed), start the four services, hold a short
# scripted conversation through the dialogue service, stop everything cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
export STORE_DIR=${STORE_DIR:-var}
trap 'scripts/services.sh down' EXIT
scripts/services.sh up
echo
echo "=== a new user ==="
printf '%s\n' \
  "hi there" \
  "I'd like a comedy from the 90s" \
  "something with Tom Hanks" \
  "I've already seen Forrest Gump" \
  "who directed it?" \
  "I loved Fargo" \
  "no comedies, something scary from the 80s" \
  "why the first one?" \
  "I'll watch the first one" | build/bin/chatrec chat --user "demo-$(date +%s)"
echo
echo "=== MovieLens user 196, who has a rating history ==="
printf '%s\n' "what should I watch tonight?" "something more recent" | build/bin/chatrec chat --user 196
echo
echo "=== the same turn as JSON (what a frontend gets) ==="
echo "I'd like a western" | build/bin/chatrec chat --user demo-json --json --k 2
