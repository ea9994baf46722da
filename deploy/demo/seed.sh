#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Seed the demo team into a running skillpathd: `skillpath team` simulates
# each learner's progress through the model; every learner is one PUT.
# usage: deploy/demo/seed.sh URL [LEARNERS]   (BUILD=build by default)
set -euo pipefail
URL=${1:?usage: seed.sh URL [LEARNERS]}
N=${2:-1200}
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
"$BUILD/skillpath" team --catalog deploy/demo/catalog.json --learners "$N" |
    xargs -d '\n' -P 8 -n 1 sh -c '
        id=${0%%	*}; body=${0#*	}
        code=$(curl -s -m 10 -o /dev/null -w "%{http_code}" -X PUT \
               -H "Content-Type: application/json" -d "$body" "'"$URL"'/v1/learners/$id")
        case $code in 200|201) ;; *) echo "seed: $id: HTTP $code" >&2; exit 255 ;; esac'
echo "seeded $N learners into $URL"
