# Thin convenience over meson. Every target first installs missing Debian packages.
SHELL := /bin/bash
BUILD ?= build
VAR := $(CURDIR)/var
PORT ?= 7740

BUILD_DEPS := meson ninja-build pkg-config g++ liburing-dev libsdbus-c++-dev libsdbus-c++-bin \
	libtomlplusplus-dev libspdlog-dev libfmt-dev libgtest-dev libsystemd-dev libxxhash-dev
RUN_DEPS := dbus
TEST_DEPS := dbus util-linux coreutils clang-format iproute2 systemd
BENCH_RESULT := bench/results/$(shell date +%Y-%m-%d)
BENCH_DEPS := iperf3 nginx-light rsync socat curl aria2 gnuplot-nox iproute2 iputils-ping

SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)

.PHONY: all build run test bench lint clean deps-build deps-test

all: build

define install_missing
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

deps-build:
	$(call install_missing,$(BUILD_DEPS) $(RUN_DEPS))

deps-test: deps-build
	$(call install_missing,$(TEST_DEPS))

build: deps-build
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	meson compile -C $(BUILD)

# A daemon with its own bus and storage under ./var; Ctrl-C stops both.
run: build
	@mkdir -p $(VAR)/incoming
	@printf '[listen]\naddress = "127.0.0.1"\nport = $(PORT)\n\n[storage]\nincoming = "incoming"\n' \
		> $(VAR)/streamd.toml
	@rm -f $(VAR)/bus; \
	bus=$$(dbus-daemon --session --address=unix:path=$(VAR)/bus --fork --print-pid) || exit 1; \
	trap 'kill $$bus 2>/dev/null' EXIT INT TERM; \
	echo; \
	echo "streamd is starting with its own bus and storage in $(VAR)."; \
	echo "In another terminal, send a file to it:"; \
	echo; \
	echo "  DBUS_SESSION_BUS_ADDRESS=unix:path=$(VAR)/bus $(BUILD)/ctl/streamctl --user send README.md localhost:$(PORT)"; \
	echo; \
	DBUS_SESSION_BUS_ADDRESS=unix:path=$(VAR)/bus $(BUILD)/daemon/streamd --user --config $(VAR)/streamd.toml

test: deps-test build
	@set -o pipefail; meson test -C $(BUILD) --print-errorlogs 2>&1 | tee $(BUILD)/test.log; \
	status=$$?; \
	passed=$$(grep -cE '^ *[0-9]+/[0-9]+ .* OK ' $(BUILD)/test.log); \
	failed=$$(grep -cE '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR) ' $(BUILD)/test.log); \
	echo "$$passed passed, $$failed failed"; \
	exit $$status

# streamd against its peers and the machine's limits, alternating in one run, on tmpfs.
# BENCH_ARGS, e.g. "--size 256 --rounds 3 --streams 1,8" or "--only streamd".
bench: build
	$(call install_missing,$(BENCH_DEPS))
	TMPDIR=/dev/shm STREAMD_BIN=$(BUILD)/daemon/streamd STREAMCTL_BIN=$(BUILD)/ctl/streamctl \
		SPLICE_COPY_BIN=$(BUILD)/bench/splice_copy DELAY_LINE_BIN=$(BUILD)/bench/delay_line \
		$(BUILD)/bench/side_by_side \
		--json $(BENCH_RESULT).json $(BENCH_ARGS)
	gnuplot -e "data='$(BENCH_RESULT).tsv'; out='docs/benchmarks.png'" bench/chart.gp
	@if [ -f $(BENCH_RESULT).wan.tsv ]; then \
		gnuplot -e "data='$(BENCH_RESULT).wan.tsv'; out='docs/benchmarks-wan.png'" bench/chart_wan.gp; \
	fi

lint: deps-test
	@clang-format --dry-run -Werror $(SOURCES) && echo "clang-format: clean"

clean:
	rm -rf $(BUILD) $(VAR)
