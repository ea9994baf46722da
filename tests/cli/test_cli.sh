#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The skillpath CLI's contract: exit codes, where messages go, what they name.
# usage: tests/cli/test_cli.sh BUILD_DIR   (run from the repository root)
set -u
BIN=${1:-build}/skillpath
CAT=deploy/demo/catalog.json
LRN=deploy/demo/learners.json
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0

# run EXPECTED_STATUS NAME -- CMD...: captures stdout/stderr in $TMP/out, $TMP/err
run() {
    local want=$1 name=$2
    shift 3
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name: exit $got, expected $want"
        sed 's/^/    stderr: /' "$TMP/err" | head -5
    fi
}

# check NAME CONDITION...: one more assertion on the last run's output
check() {
    local name=$1
    shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name"; fi
}
stdout_empty() { [ ! -s "$TMP/out" ]; }
err_has() { grep -qF -- "$1" "$TMP/err"; }
out_has() { grep -qF -- "$1" "$TMP/out"; }
not_same() { ! cmp -s "$1" "$2"; }

run 0 "validate demo" -- "$BIN" validate "$CAT"
check "validate demo counts" out_has "28 tags, 108 courses, 11 targets"

cat >"$TMP/cycle.json" <<'J'
{"tags":[{"id":"a","module":"m","weight":0.5}],
 "courses":[{"id":"x","title":"X","module":"m","durationMin":15,"coverage":[1],"prerequisites":["y"]},
            {"id":"y","title":"Y","module":"m","durationMin":0,"coverage":[1],"prerequisites":["x","nope"]}]}
J
run 1 "validate invalid catalog" -- "$BIN" validate "$TMP/cycle.json"
check "every error, one per line" err_has "course 'y': duration is zero"
check "unknown prerequisite named" err_has "course 'y' lists unknown prerequisite 'nope'"
check "cycle printed" err_has "prerequisite cycle: 'x' -> 'y' -> 'x'"
check "error count" err_has "3 errors"
check "validate invalid: nothing on stdout" stdout_empty

echo '{"tags": [' >"$TMP/broken.json"
run 2 "validate malformed JSON" -- "$BIN" validate "$TMP/broken.json"
check "malformed names the file" err_has "$TMP/broken.json: malformed JSON"
run 2 "validate missing file" -- "$BIN" validate "$TMP/none.json"
run 2 "validate no argument" -- "$BIN" validate

run 0 "recommend table" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --learner-id nh-001 --now 1767225600
check "table shows the target" out_has "target pro-2 中级营销专员"
check "table lists 10 lessons" out_has "after 10 lessons, 150 min"
run 0 "recommend json" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --learner-id nh-001 --now 1767225600 --json --n 3
check "json items" out_has '"courseId": "'
check "json camelCase" out_has '"totalMin": 45'
run 0 "recommend budget" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --budget-min 30 --now 1767225600 --json
check "budget respected" out_has '"totalMin": 30'
run 0 "recommend modules filter" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --modules compliance --target cert-junior --now 1767225600 --json --n 2
check "module filter applied" out_has '"courseId": "lc-'

# the model's settings: from the catalog, overridden by --model, checked
run 0 "recommend says why the path ends" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --learner-id nh-001 --now 1767225600 --n 2
check "status line" out_has "in progress: a gap remains after these lessons"
run 0 "recommend --model sequencer=legacy" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --learner-id nh-001 --now 1767225600 --json --n 3 --model sequencer=legacy,continuity=0.5
cp "$TMP/out" "$TMP/legacy.json"
run 0 "recommend rules" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --learner-id nh-001 --now 1767225600 --json --n 3
check "--model changes the path" not_same "$TMP/out" "$TMP/legacy.json"
run 2 "--model out of range" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --model continuity=2
check "range named" err_has "model.continuity: 2 is outside [0, 1]"
run 2 "--model unknown setting" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --model frob=1
check "unknown setting named" err_has "unknown setting 'frob'"
run 2 "--model not a whole number" -- "$BIN" apply --catalog "$CAT" --learner "$LRN" --event /dev/null --model max_sessions=1.5
check "whole number named" err_has "max_sessions: '1.5' is not a whole number"
sed 's/"continuity": 0.3,/"continuity": 1.5,/' "$CAT" >"$TMP/model.json"
run 1 "validate a catalog with a bad model" -- "$BIN" validate "$TMP/model.json"
check "model error named" err_has "model.continuity: 1.5 is outside [0, 1]"

echo '{"id":"x","tier":"NEW_HIRE","targetId":"pro-1","capability":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"NaN"]}' >"$TMP/nan.json"
run 2 "recommend NaN capability" -- "$BIN" recommend --catalog "$CAT" --learner "$TMP/nan.json"
check "NaN names file and field" err_has "$TMP/nan.json: capability[27]: not a finite number"
check "NaN: nothing on stdout" stdout_empty
echo '{"id":"x","targetId":"pro-1","capability":[0.5]}' >"$TMP/short.json"
run 2 "recommend short vector" -- "$BIN" recommend --catalog "$CAT" --learner "$TMP/short.json"
check "short vector named" err_has "capability: has 1 values, expected 28"
run 2 "recommend unknown target" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --target ceo
check "unknown target named" err_has "targetId: unknown target 'ceo'"
run 2 "recommend unknown learner id" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --learner-id zz
run 2 "recommend bad --n" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --n 1000
check "bad --n named" err_has "--n"
run 2 "recommend invalid catalog" -- "$BIN" recommend --catalog "$TMP/cycle.json" --learner "$LRN"
run 2 "recommend missing --catalog" -- "$BIN" recommend --learner "$LRN"
run 2 "recommend unknown option" -- "$BIN" recommend --catalog "$CAT" --learner "$LRN" --frobnicate

echo '{"eventId":"e1","learnerId":"nh-001","courseId":"cc-101","kind":"ASSESSED","score":0.9,"at":"1767225600"}' >"$TMP/ev.json"
run 0 "apply" -- "$BIN" apply --catalog "$CAT" --learner "$LRN" --learner-id nh-001 --event "$TMP/ev.json"
check "apply bumps the version" out_has '"version": "1"'
check "apply records the attempt" out_has '"courseId": "cc-101"'
cp "$TMP/out" "$TMP/applied.json"
run 0 "apply output is a learner file" -- "$BIN" recommend --catalog "$CAT" --learner "$TMP/applied.json" --now 1767225600
echo '{"eventId":"e2","courseId":"cc-101","kind":"ASSESSED","score":1.5,"at":"1767225600"}' >"$TMP/bad-ev.json"
run 2 "apply bad score" -- "$BIN" apply --catalog "$CAT" --learner "$LRN" --event "$TMP/bad-ev.json"
check "bad score named" err_has "$TMP/bad-ev.json: score: 1.5 is outside [0,1]"
check "bad event: nothing on stdout" stdout_empty
echo '{"eventId":"e3","courseId":"cc-101","kind":"LEARNED","at":"1767225600"}' >"$TMP/bad-kind.json"
run 2 "apply unknown kind" -- "$BIN" apply --catalog "$CAT" --learner "$LRN" --event "$TMP/bad-kind.json"
check "unknown kind named" err_has 'kind: unknown EventKind value "LEARNED"'
echo '{"eventId":"e4","learnerId":"someone-else","courseId":"cc-101","kind":"STARTED","at":"1767225600"}' >"$TMP/other.json"
run 2 "apply other learner's event" -- "$BIN" apply --catalog "$CAT" --learner "$LRN" --event "$TMP/other.json"
run 2 "apply without --event" -- "$BIN" apply --catalog "$CAT" --learner "$LRN"

run 0 "synth" -- "$BIN" synth --courses 50 --tags 7 --seed 3
cp "$TMP/out" "$TMP/synth.json"
run 0 "synth output validates" -- "$BIN" validate "$TMP/synth.json"
check "synth sizes" out_has "7 tags, 50 courses"
run 2 "synth bad args" -- "$BIN" synth --courses 0 --tags 3
run 2 "unknown command" -- "$BIN" frobnicate
run 2 "no command" -- "$BIN"
run 0 "help" -- "$BIN" --help

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
