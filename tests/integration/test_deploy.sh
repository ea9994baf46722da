#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The deploy files agree with the daemon: the systemd unit's and the
# container's command lines and environment pass --check-config, and every
# file the Dockerfile copies exists. (Building the image needs a Docker
# engine, which these machines do not have; this is what can be checked.)
# usage: tests/integration/test_deploy.sh BUILD_DIR
BUILD=${1:-build}
H_SUITE="deploy files"
SKILLPATHD=$BUILD/skillpathd
source tests/support/harness.sh

# systemd: ExecStart and ExecStartPre run the daemon with the shipped config
unit=deploy/skillpathd.service
exec_start=$(sed -n 's/^ExecStart=[^ ]* //p' "$unit")
has "unit starts with the config file" "$exec_start" "--config /etc/skillpath/skillpathd.conf"
check "Type=notify" grep -q '^Type=notify$' "$unit"
check "reload is SIGHUP" grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$unit"
check "stop is SIGTERM" grep -q '^KillSignal=SIGTERM$' "$unit"
for opt in NoNewPrivileges=yes ProtectSystem=strict DynamicUser=yes CapabilityBoundingSet=; do
    check "unit hardening: $opt" grep -q "^$opt" "$unit"
done
out=$(OPENBLAS_NUM_THREADS=1 "$SKILLPATHD" --config deploy/skillpathd.conf \
      --catalog deploy/demo/catalog.json --no-auth --check-config 2>&1)
eq "the unit's config passes --check-config" "$?" 0

# container: its ENV and ENTRYPOINT are a valid configuration
docker=deploy/Dockerfile
for src in $(sed -n 's/^COPY \(--from=[^ ]* \)\?\([^ ]*\) .*/\2/p' "$docker" | grep -v '^/src\|^\.$'); do
    check "Dockerfile copies an existing $src" test -e "$src"
done
env_line=$(sed -n 's/^ENV //p' "$docker")
has "container listens beyond loopback on purpose" "$env_line" "SKILLPATH_LISTEN=0.0.0.0:8080"
out=$(env SKILLPATH_CATALOG=deploy/demo/catalog.json SKILLPATH_LISTEN=0.0.0.0:8080 SKILLPATH_REDIS=redis:6379 \
      "$SKILLPATHD" --config deploy/skillpathd.conf --no-auth --check-config 2>&1)
eq "the container's configuration passes --check-config" "$?" 0
has "compose points the daemon at its redis" "$(cat deploy/compose.yaml)" "SKILLPATH_REDIS: redis:6379"
h_summary
