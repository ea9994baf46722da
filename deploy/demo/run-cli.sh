#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make run` until the daemon lands: validate the demo catalog and show a
# first recommendation for a new hire aiming at intermediate specialist.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
SP="$BUILD/skillpath"
CAT=deploy/demo/catalog.json
LRN=deploy/demo/learners.json

"$SP" validate "$CAT"
echo
"$SP" recommend --catalog "$CAT" --learner "$LRN" --learner-id nh-001
cat <<TRY

Try next:
  $SP recommend --catalog $CAT --learner $LRN --learner-id mg-001 --budget-min 60
  $SP recommend --catalog $CAT --learner $LRN --learner-id cs-003 --modules emerging,traffic --json
  echo '{"eventId":"e1","courseId":"cc-101","kind":"ASSESSED","score":0.9,"at":"$(date +%s)"}' > /tmp/ev.json
  $SP apply --catalog $CAT --learner $LRN --learner-id nh-001 --event /tmp/ev.json
  $SP synth --courses 100000 --tags 28 > /tmp/big.json && $SP validate /tmp/big.json
TRY
