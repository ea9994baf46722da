# skillpath — `make run`, `make test`, `make bench-core`. See README.md.
#
# Knobs: BUILD=dir (default build), SANITIZER=1 (ASan+UBSan), FUZZ=1 (clang,
# libFuzzer+ASan+UBSan: the fuzz targets), OPT=-O0, V=1.

BUILD     ?= build
OPT       ?= -O2
SANITIZER ?=

# Debian packages this project builds, tests and runs with.
DEB_PKGS := build-essential pkg-config libevent-dev libhiredis-dev libprotobuf-c-dev \
            protobuf-c-compiler libopenblas-dev libjansson-dev libcmocka-dev libssl-dev redis-server curl socat iproute2 \
            clang libclang-rt-14-dev libjs-chart.js chromium fonts-wqy-microhei nodejs

PKGS      := openblas libprotobuf-c jansson libevent hiredis libcrypto
CC        ?= cc
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
               -Wmissing-prototypes -g $(OPT) -MMD -MP -Iinclude -I$(BUILD)/gen -Itests/support -Iservice -Ibench
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
ifneq ($(SANITIZER),)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ifneq ($(FUZZ),)
CC := clang
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
CFLAGS  = $(CFLAGS_BASE) $(PKG_CFLAGS) $(SAN_FLAGS)
LDFLAGS = $(SAN_FLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

RECSYS_SRC := $(wildcard recsys/*.c)
RECSYS_OBJ := $(RECSYS_SRC:%.c=$(BUILD)/%.o)
PROTO_C    := $(BUILD)/gen/proto/skillpath.pb-c.c
PROTO_H    := $(BUILD)/gen/proto/skillpath.pb-c.h
PROTO_OBJ  := $(BUILD)/gen/proto/skillpath.pb-c.o
SVC_COMMON := service/svc_json.c service/svc_model.c service/svc_stored.c service/svc_codec.c service/svc_catalog.c \
              service/svc_recommend.c service/svc_keys.c service/svc_xapi.c service/svc_learner.c service/svc_search.c service/svc_team.c \
              service/svc_migrate.c service/svc_cluster.c
SVC_COMMON_OBJ := $(SVC_COMMON:%.c=$(BUILD)/%.o) $(PROTO_OBJ)

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SUPPORT_OBJ := $(BUILD)/tests/support/support.o
SVC_SUPPORT_OBJ := $(BUILD)/tests/support/svc_support.o

BINS := $(BUILD)/skillpath $(BUILD)/skillpathd $(BUILD)/bench_core $(BUILD)/bench_quality $(BUILD)/bench_search $(BUILD)/bench_demand $(BUILD)/skillpath-bench $(BUILD)/bench_bare \
        $(BUILD)/bench_reply $(BUILD)/bench_slowloris
DAEMON_SRC := service/svc_main.c service/svc_http.c service/svc_res_learners.c service/svc_res_events.c service/svc_res_xapi.c \
              service/svc_res_catalog.c service/svc_res_ops.c service/svc_ops.c \
              service/svc_catalog_owner.c service/svc_edge.c service/svc_res_team.c service/svc_team_builder.c service/svc_res_ui.c service/svc_ui.c \
              service/svc_store.c service/svc_log.c \
              service/svc_stats.c service/svc_conf.c service/svc_auth.c service/svc_push.c \
              service/svc_notify.c

.SECONDARY:
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60

.PHONY: all deps test check run run-cli screenshots bench bench-capacity bench-core bench-quality bench-reply bench-search bench-demand fuzz fuzzers clean
.DEFAULT_GOAL := all

all: $(BINS) $(UNIT_BIN)

# Install whatever Debian packages are missing; silent when all are there.
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing$$(echo ' '$$missing)"; \
	    if [ "$$(id -u)" != 0 ]; then echo "deps: run as root to install packages" >&2; exit 1; fi; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD)/librecsys.a: $(RECSYS_OBJ)
	$(Q)ar rcs $@ $^

$(PROTO_C) $(PROTO_H): proto/skillpath.proto
	@mkdir -p $(BUILD)/gen
	$(Q)protoc-c --c_out=$(BUILD)/gen $<

# Generated code: compiled without our warning set, which it was not written for.
$(PROTO_OBJ): $(PROTO_C)
	$(Q)$(CC) -std=c11 -g $(OPT) $(PKG_CFLAGS) $(SAN_FLAGS) -I$(BUILD)/gen -c $< -o $@

$(BUILD)/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/skillpath: $(BUILD)/service/svc_cli.o $(SVC_COMMON_OBJ) $(BUILD)/librecsys.a
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/skillpathd: $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(SVC_COMMON_OBJ) $(BUILD)/librecsys.a
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/skillpath-bench: $(BUILD)/bench/sp_bench.o $(BUILD)/bench/bench_hist.o $(BUILD)/bench/bench_seed.o $(SVC_COMMON_OBJ) $(BUILD)/librecsys.a
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/bench_bare: $(BUILD)/bench/bench_bare.o $(BUILD)/service/svc_keys.o
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/bench_slowloris: $(BUILD)/bench/bench_slowloris.o
	$(Q)$(CC) $(LDFLAGS) $^ -lpthread -o $@

$(BUILD)/bench_reply: $(BUILD)/bench/bench_reply.o $(BUILD)/bench/bench_seed.o $(SVC_COMMON_OBJ) $(BUILD)/librecsys.a
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/bench_core: $(BUILD)/bench/bench_core.o $(BUILD)/librecsys.a
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/bench_quality: $(BUILD)/bench/bench_quality.o $(SVC_COMMON_OBJ) $(BUILD)/librecsys.a
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/bench_search: $(BUILD)/bench/bench_search.o $(SVC_COMMON_OBJ) $(BUILD)/librecsys.a
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/bench_demand: $(BUILD)/bench/bench_demand.o $(BUILD)/librecsys.a
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

# The operations against a link-time fake of the store (tests/unit/fake_store.c);
# two core calls wrapped so a test can make them run out of memory.
$(BUILD)/tests/test_svc_ops: $(BUILD)/tests/unit/test_svc_ops.o $(BUILD)/tests/unit/fake_store.o \
                             $(BUILD)/service/svc_ops.o $(BUILD)/service/svc_log.o $(SUPPORT_OBJ) $(SVC_SUPPORT_OBJ) \
                             $(SVC_COMMON_OBJ) $(BUILD)/librecsys.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -Wl,--wrap=rs_path_ws_create -Wl,--wrap=rs_learner_apply $^ $(PKG_LIBS) -lcmocka -o $@

$(BUILD)/tests/test_svc_%: $(BUILD)/tests/unit/test_svc_%.o $(SUPPORT_OBJ) $(SVC_SUPPORT_OBJ) $(SVC_COMMON_OBJ) $(BUILD)/librecsys.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -lcmocka -o $@

# A fuzz target: libFuzzer's main, our code built with FUZZ=1.
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/common.o $(SVC_COMMON_OBJ) $(BUILD)/librecsys.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer $^ $(PKG_LIBS) -o $@

fuzzers: $(FUZZ_BIN)

$(BUILD)/tests/test_bench_hist: $(BUILD)/tests/unit/test_bench_hist.o $(BUILD)/bench/bench_hist.o $(SUPPORT_OBJ) $(BUILD)/librecsys.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -lcmocka -o $@

$(BUILD)/tests/test_rs_%: $(BUILD)/tests/unit/test_rs_%.o $(SUPPORT_OBJ) $(BUILD)/librecsys.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -lcmocka -o $@

# Run every test of this build: unit tests, then the CLI's.
check: all
	$(Q)tests/run.sh $(BUILD)

# The whole suite: a plain build, again under ASan+UBSan, and each fuzz target
# for a few seconds from its seeds — built on every core, the three run at the
# same time (tests/run.sh says why that is sound).
NPROC := $(shell nproc 2>/dev/null || echo 2)
test: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) all
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/asan SANITIZER=1 OPT=-O1 all
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/fuzz FUZZ=1 OPT=-O1 fuzzers
	$(Q)FUZZ_BUILD=build/fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-10} tests/run.sh build build/asan

# Fuzz every target for FUZZ_SECONDS (default 60) each; findings in build/fuzz.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/fuzz FUZZ=1 OPT=-O1 fuzzers
	$(Q)tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

run: deps all
	$(Q)BUILD=$(BUILD) deploy/run.sh

# The CLI alone on the demo catalog: no Redis, no daemon.
run-cli: all
	$(Q)deploy/demo/run-cli.sh $(BUILD)

# The web UI's screenshots, as the browser test took them, for the README.
screenshots: deps all
	$(Q)tests/integration/test_ui.sh $(BUILD) | tail -1
	$(Q)mkdir -p deploy/screenshots && cp $(BUILD)/ui/*.png deploy/screenshots/

bench-core: deps $(BUILD)/bench_core
	$(Q)$(BUILD)/bench_core

# Path quality on a simulated cohort (bench/bench_quality.c): every policy,
# step and path mode, the demo and two synthetic catalogs, 1,000 learners each.
bench-quality: deps $(BUILD)/bench_quality
	$(Q)$(BUILD)/bench_quality

# Course search on a 100,000-course catalog against a scan, same run.
bench-search: deps $(BUILD)/bench_search
	$(Q)$(BUILD)/bench_search

# Team demand for DEMAND_LEARNERS x DEMAND_COURSES against the sgemm peak.
bench-demand: deps $(BUILD)/bench_demand
	$(Q)$(BUILD)/bench_demand $(DEMAND_LEARNERS) $(DEMAND_COURSES)

# The daemon's own code per recommend request, stage by stage (no network).
bench-reply: deps $(BUILD)/bench_reply
	$(Q)$(BUILD)/bench_reply

# A learner's year in Redis, Redis CPU per request, the capacity plan, and
# the Redis Cluster row (3 primaries against one Redis, a reshard under load).
bench-capacity: deps all
	$(Q)bench/bench_capacity.sh $(BUILD)

# The service against this machine's ceilings, measured in the same run.
bench: deps all
	$(Q)bench/run_bench.sh $(BUILD) && bench/bench_capacity.sh $(BUILD)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
