# Thin convenience over meson. Every target first installs missing Debian packages.
SHELL := /bin/bash
BUILD ?= build
VAR := $(CURDIR)/var
PORT ?= 7740

BUILD_DEPS := meson ninja-build pkg-config g++ liburing-dev libsdbus-c++-dev libsdbus-c++-bin \
	libtomlplusplus-dev libspdlog-dev libfmt-dev libgtest-dev libsystemd-dev libxxhash-dev \
	libssl-dev nlohmann-json3-dev
RUN_DEPS := dbus
TEST_DEPS := dbus util-linux coreutils clang-format iproute2 systemd curl e2fsprogs openssl testssl.sh
# The kernel TLS tests boot Debian's kernel, fetched into VM_KERNEL, under qemu (tests/vm/).
VM_DEPS := qemu-system-x86 busybox-static
VM_KERNEL := $(BUILD)/vm-kernel
BENCH_RESULT := bench/results/$(shell date +%Y-%m-%d)
BENCH_DEPS := iperf3 nginx-light rsync socat curl aria2 gnuplot-nox iproute2 iputils-ping \
	openssh-server openssh-client openssl
# clang and its runtime package (libFuzzer, the sanitizers): the fuzzers and `make sanitize`.
FUZZ_DEPS := clang libclang-rt-dev
# The web tests run on Node with packages from their lock file. Debian's nodejs and npm are
# installed only where no node or npm is on PATH, so that a newer Node stays in charge.
WEB_TESTS := tests/web
WEB_DEPS := $(if $(shell command -v node),,nodejs) $(if $(shell command -v npm),,npm)
# The browser test drives Debian's chromium with playwright-core.
WEB_BROWSER := chromium
# npm keeps this copy of the lock file in node_modules: older than the lock file means the
# packages are out of date.
WEB_PACKAGES := $(WEB_TESTS)/node_modules/.package-lock.json

# Fuzzers: clang, ASan + UBSan on everything in the build folder, libFuzzer on the fuzzers.
FUZZ_BUILD ?= build-fuzz
FUZZERS := native_frames_fuzz first_words_fuzz config_fuzz file_name_fuzz http_request_fuzz websocket_frame_fuzz web_messages_fuzz tus_headers_fuzz tree_manifest_fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 10
# The whole test suite built with ASan + UBSan, by clang: on the 2-core development
# machine it builds in 5 min, where gcc 12 took 21 (and warned falsely inside <regex>).
SANITIZE_BUILD ?= build-sanitize
# Any UBSan finding fails like an ASan one; leaks are reported at exit.
ASAN_OPTS := detect_leaks=1:halt_on_error=1:print_summary=1
UBSAN_OPTS := halt_on_error=1:print_stacktrace=1:print_summary=1
SANITIZER_ENV := ASAN_OPTIONS=$(ASAN_OPTS) UBSAN_OPTIONS=$(UBSAN_OPTS)
# The daemons and streamctl that the tests start inherit these too.

# The Debian package, built from the files on disk (packaging/build-deb); deb-check runs
# lintian on it, installs it, checks the installed units and binaries, and purges it again.
DEB_DIR := $(BUILD)/deb
DEB_DEPS := dpkg-dev debhelper lintian systemd dbus util-linux coreutils

SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)

# clang-tidy (checks in .clang-tidy) over every .cpp of streamd's own, headers included
# through them; generated sources are not in git and so not linted. It reads the compile
# database of a clang build folder of its own, configured with the fuzzers so that every
# source is in it; of that folder only the headers meson generates are built. The folder
# must sit directly in the tree (.clang-tidy's HeaderFilterRegex), and configuring it needs
# node, like any build with the tests. LINT_JOBS clang-tidy processes run at a time: on
# the 2-core development machine the whole `make lint` took 8.5 to 9.5 min with LINT_JOBS=1
# (2.7 to 3 s of CPU per file), and 8 min with the default of 2 while builds ran beside it.
# Includes are not checked: Debian's include-what-you-use (0.18) asks for libstdc++'s and
# the libraries' internal headers (<bits/chrono.h>, sdbus-c++'s .inl files), so it needs
# mapping files for each library here before its verdicts could fail a build.
LINT_BUILD ?= build-lint
LINT_JOBS ?= 2
LINT_DEPS := clang clang-tidy
LINT_SOURCES = $(shell git ls-files 'proto/*.cpp' 'daemon/*.cpp' 'ctl/*.cpp' 'tests/*.cpp' \
	'bench/*.cpp' 2>/dev/null)

.PHONY: all build run test bench lint clean deps-build deps-test deps-vm deps-fuzz deps-node deps-web \
	fuzz-build fuzz fuzz-smoke sanitize deb deb-check system-test

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

deps-vm:
	$(call install_missing,$(VM_DEPS))
	@[ -f $(VM_KERNEL)/vmlinuz ] || tests/vm/fetch-kernel $(VM_KERNEL)

deps-fuzz: deps-build
	$(call install_missing,$(FUZZ_DEPS))

deps-node:
	$(call install_missing,$(WEB_DEPS) $(WEB_BROWSER))

deps-web: deps-node $(WEB_PACKAGES)

$(WEB_PACKAGES): $(WEB_TESTS)/package-lock.json $(WEB_TESTS)/package.json | deps-node
	npm ci --prefix $(WEB_TESTS) --no-audit --no-fund
	@touch $@

build: deps-build
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	meson compile -C $(BUILD)

# A daemon with its own bus and storage under ./var; Ctrl-C stops both.
run: build
	@mkdir -p $(VAR)/incoming
	@printf '[listen]\naddress = "127.0.0.1"\nport = $(PORT)\n\n[storage]\nincoming = "incoming"\nstate = "state"\n' \
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

# meson test, then a short pass of every fuzzer over its seed corpus.
test: deps-test deps-web deps-vm build $(BUILD)/promtool fuzz-build
	@set -o pipefail; meson test -C $(BUILD) --print-errorlogs 2>&1 | tee $(BUILD)/test.log; \
	status=$$?; \
	passed=$$(grep -cE '^ *[0-9]+/[0-9]+ .* OK ' $(BUILD)/test.log); \
	failed=$$(grep -cE '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR) ' $(BUILD)/test.log); \
	echo "$$passed passed, $$failed failed"; \
	exit $$status
	@$(MAKE) --no-print-directory fuzz-smoke

# promtool, which the tests run on /metrics, from Debian's prometheus package as apt
# downloads it: nothing is installed and no Prometheus server starts.
%/promtool:
	@mkdir -p $(@D); work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
	chown _apt "$$work" 2>/dev/null; \
	(cd "$$work" && { apt-get download -qq prometheus 2>/dev/null || \
		{ apt-get update -qq && apt-get download -qq prometheus; }; }) && \
	dpkg-deb --fsys-tarfile "$$work"/prometheus_*.deb | tar -x -O ./usr/bin/promtool > $@.new && \
	chmod 755 $@.new && mv $@.new $@

fuzz-build: deps-fuzz
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CXX=clang++ meson setup $(FUZZ_BUILD) -Dfuzz=enabled \
		-Db_sanitize=address,undefined -Db_lundef=false -Dcpp_args=-fsanitize=fuzzer-no-link
	ninja -C $(FUZZ_BUILD) $(addprefix tests/fuzz/,$(FUZZERS))

# Runs each fuzzer for $(1) seconds: new inputs go to $(2)/<fuzzer>, the seeds are read
# from tests/fuzz/corpus/<fuzzer>; an input that fails is kept in $(FUZZ_BUILD)/artifacts.
define run_fuzzers
	@mkdir -p $(FUZZ_BUILD)/artifacts; passed=0; failed=0; \
	for f in $(FUZZERS); do \
		mkdir -p $(2)/$$f; \
		if env $(SANITIZER_ENV) $(FUZZ_BUILD)/tests/fuzz/$$f -max_total_time=$(1) -timeout=10 \
			-artifact_prefix=$(FUZZ_BUILD)/artifacts/$$f- $(2)/$$f tests/fuzz/corpus/$$f \
			> $(FUZZ_BUILD)/$$f.log 2>&1; then \
			echo "fuzz $$f: ok, $$(grep -oE '^Done [0-9]+ runs' $(FUZZ_BUILD)/$$f.log | cut -d' ' -f2) runs in $(1) s"; \
			passed=$$((passed + 1)); \
		else \
			tail -n 60 $(FUZZ_BUILD)/$$f.log; \
			echo "fuzz $$f: FAILED (log $(FUZZ_BUILD)/$$f.log, input in $(FUZZ_BUILD)/artifacts)"; \
			failed=$$((failed + 1)); \
		fi; \
	done; \
	echo "fuzz: $$passed passed, $$failed failed"; \
	[ $$failed -eq 0 ]
endef

fuzz-smoke: fuzz-build
	@rm -rf $(FUZZ_BUILD)/corpus-smoke
	$(call run_fuzzers,$(FUZZ_SMOKE_SECONDS),$(FUZZ_BUILD)/corpus-smoke)

# FUZZ_SECONDS per fuzzer; what it finds stays in $(FUZZ_BUILD)/corpus for the next run.
fuzz: fuzz-build
	$(call run_fuzzers,$(FUZZ_SECONDS),$(FUZZ_BUILD)/corpus)

# Every meson test (unit, integration, bench-smoke) under ASan + UBSan, built with clang.
sanitize: deps-test deps-web deps-fuzz
	@[ -f $(SANITIZE_BUILD)/build.ninja ] || CXX=clang++ meson setup $(SANITIZE_BUILD) \
		-Db_sanitize=address,undefined -Db_lundef=false
	meson compile -C $(SANITIZE_BUILD)
	@$(MAKE) --no-print-directory $(SANITIZE_BUILD)/promtool
	@set -o pipefail; env $(SANITIZER_ENV) meson test -C $(SANITIZE_BUILD) --print-errorlogs \
		--timeout-multiplier 3 2>&1 | tee $(SANITIZE_BUILD)/test.log; \
	status=$$?; \
	passed=$$(grep -cE '^ *[0-9]+/[0-9]+ .* OK ' $(SANITIZE_BUILD)/test.log); \
	failed=$$(grep -cE '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR) ' $(SANITIZE_BUILD)/test.log); \
	echo "sanitize: $$passed passed, $$failed failed"; \
	exit $$status

# streamd against its peers and the machine's limits, alternating in one run, on tmpfs.
# BENCH_ARGS, e.g. "--size 256 --rounds 3 --streams 1,8" or "--only streamd"; to measure
# this build against another, "--only streamd --reference OTHER/build/daemon/streamd".
# The WebSocket contenders run the page's client on Node, with the web tests' packages.
# Then browser uploads in headless Chromium and tus clients on Node (bench/browser_uploads.mjs),
# BROWSER_BENCH_ARGS e.g. "--size 256 --rounds 5".
bench: build deps-web
	$(call install_missing,$(BENCH_DEPS))
	TMPDIR=/dev/shm STREAMD_BIN=$(BUILD)/daemon/streamd STREAMCTL_BIN=$(BUILD)/ctl/streamctl \
		SPLICE_COPY_BIN=$(BUILD)/bench/splice_copy DELAY_LINE_BIN=$(BUILD)/bench/delay_line \
		WS_CLIENT=bench/ws_client.mjs $(BUILD)/bench/side_by_side \
		--json $(BENCH_RESULT).json $(BENCH_ARGS)
	$(call install_missing,$(WEB_BROWSER))
	STREAMD_BIN=$(BUILD)/daemon/streamd node bench/browser_uploads.mjs \
		--json $(BENCH_RESULT)-browser.json $(BROWSER_BENCH_ARGS)
	gnuplot -e "data='$(BENCH_RESULT).tsv'; out='docs/benchmarks.png'" bench/chart.gp
	@if [ -f $(BENCH_RESULT).wan.tsv ]; then \
		gnuplot -e "data='$(BENCH_RESULT).wan.tsv'; out='docs/benchmarks-wan.png'" bench/chart_wan.gp; \
	fi

deb: deps-build
	$(call install_missing,$(DEB_DEPS))
	packaging/build-deb $(DEB_DIR)

deb-check: deb
	packaging/check-deb $(DEB_DIR)

# The package under a real systemd in two containers (tests/system/system-test); their
# bookworm root is kept in SYSTEM_ROOTFS between runs.
SYSTEM_DEPS := debootstrap systemd-container iproute2
SYSTEM_ROOTFS := $(BUILD)/system-rootfs
system-test: deb
	$(call install_missing,$(SYSTEM_DEPS))
	tests/system/system-test $(DEB_DIR)/streamd_*.deb $(SYSTEM_ROOTFS)

# clang-tidy prints, for every file, how many warnings it hid in system headers: not shown.
lint: deps-test
	$(call install_missing,$(LINT_DEPS) $(WEB_DEPS))
	@clang-format --dry-run -Werror $(SOURCES) && echo "clang-format: clean"
	@[ -f $(LINT_BUILD)/build.ninja ] || CXX=clang++ meson setup $(LINT_BUILD) -Dfuzz=enabled
	@ninja -C $(LINT_BUILD) $$(ninja -C $(LINT_BUILD) -t targets all \
		| sed -n 's/\.hpp: CUSTOM_COMMAND$$/.hpp/p')
	@set -o pipefail; printf '%s\n' $(LINT_SOURCES) \
		| xargs -n 4 -P $(LINT_JOBS) nice -n 19 clang-tidy -p $(LINT_BUILD) --quiet \
			--warnings-as-errors='*' 2>&1 \
		| { grep -vE '^[0-9]+ warnings?( and [0-9]+ errors?)? generated\.$$' || true; } \
		&& echo "clang-tidy: clean"

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(SANITIZE_BUILD) $(LINT_BUILD) $(VAR)
