# sup — one non-recursive Makefile. Objects go to $(BUILD)/obj, binaries to
# $(BUILD)/bin, examples to $(BUILD)/examples, tests to $(BUILD)/tests.
#
#   make            supd, supctl, examples, tests
#   make test       builds and runs every test; ends with "N passed, N failed"
#   make asan-test  the same suite built with ASan + UBSan (in build-asan/)
#   make demo       a real supervision tree of example workers, foreground
#   make bench      benchmarks, each beside its physical floor
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       installs the Debian packages (as root) or prints how

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=

WARN := -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
ifeq ($(CI),true)
WARN += -Werror
endif
CPPFLAGS_SUP := -I. -Iinclude -D_GNU_SOURCE -MMD -MP
# Every object can go into libsup.so; only SUP_API symbols are exported.
ALL_CFLAGS = $(WARN) $(CPPFLAGS_SUP) -fPIC -fvisibility=hidden $(CPPFLAGS) \
	$(CFLAGS)

OBJ := $(BUILD)/obj
BIN := $(BUILD)/bin

COMMON_SRC := $(wildcard common/*.c)
IPC_SRC := $(wildcard ipc/*.c)
STATE_SRC := $(wildcard state/*.c)
WORKER_SRC := $(wildcard worker/*.c)
# Each program from its folder; shared/ is what supd and supctl both read.
SHARED_SRC := $(wildcard shared/*.c)
SUPD_SRC := $(wildcard supervisor/*.c)
SUPCTL_SRC := $(wildcard supctl/*.c)
# supd's pure decisions and decoders, linked alone by unit tests and
# fuzzers: no fork, no nng, no SQLite in them.
PURE_SRC := $(addprefix supervisor/,engine.c dlheap.c restart.c sdnotify.c relay.c \
	logline.c \
	cfgdiff.c)

objs = $(patsubst %.c,$(OBJ)/%.o,$(1))
COMMON_OBJ := $(call objs,$(COMMON_SRC))
IPC_OBJ := $(call objs,$(IPC_SRC))
STATE_OBJ := $(call objs,$(STATE_SRC))
WORKER_OBJ := $(call objs,$(WORKER_SRC))
LIBSUP_OBJ := $(WORKER_OBJ) $(IPC_OBJ) $(STATE_OBJ) $(COMMON_OBJ)
LIBSUP_A := $(BUILD)/lib/libsup.a
LIBSUP_SO := $(BUILD)/lib/libsup.so.0
LIBS_LIBSUP := -lnng -lsqlite3 -lpthread
SHARED_OBJ := $(call objs,$(SHARED_SRC))
PURE_OBJ := $(call objs,$(PURE_SRC))
SUPD_OBJ := $(call objs,$(SUPD_SRC))
SUPCTL_OBJ := $(call objs,$(SUPCTL_SRC))

# supd and supctl take nng from its static archive: Debian's libnng.so
# drags in three mbedtls libraries for its TLS transport, which sup never
# uses, and mapping them cost supd 0.4 MB of its PSS (bench/restart.c) and
# each start their loading. Only what nng references is linked; SQLite,
# which reads files, stays shared and updated with the system. A package
# that wants the shared nng: make NNG_LIBS=-lnng (for the workers built
# here too, LIBS_WORKER below).
NNG_LIBS ?= -Wl,-Bstatic -lnng -lmbedtls -lmbedx509 -lmbedcrypto \
	-Wl,-Bdynamic
LIBS_SUPD := $(NNG_LIBS) -lsqlite3 -linih -ljansson -lpthread
# The workers built here (examples, helpers, benchmarks) link libsup.a and
# nng the same way: a restarted worker loads four libraries fewer, and
# is back serving calls about 0.6 ms sooner (bench/calls.c). libsup.so
# itself keeps the shared nng (LIBS_LIBSUP) for the programs of others.
LIBS_WORKER := $(NNG_LIBS) -lsqlite3 -lpthread

EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRC))

UNIT_SRC := $(wildcard tests/unit/*/*_test.c)
UNIT_BIN := $(patsubst tests/unit/%_test.c,$(BUILD)/tests/unit/%, $(UNIT_SRC))
SCEN_SRC := $(wildcard tests/scenario/*_test.c)
SCEN_BIN := $(patsubst tests/scenario/%_test.c,$(BUILD)/tests/scenario/%, \
	$(SCEN_SRC))
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%, \
	$(HELPER_SRC))
T_OBJ := $(OBJ)/tests/t.o

BENCH_SRC := $(wildcard bench/*.c)
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

MAN_PAGES := $(wildcard man/*.[1-8])

.PHONY: all test asan-test demo bench install clean deps man-lint check-deps \
	fuzz fuzz-run
.DEFAULT_GOAL := all

all: $(BUILD)/.deps-ok $(BIN)/supd $(BIN)/supctl $(LIBSUP_A) $(LIBSUP_SO) \
	$(EXAMPLES) tests

# A build only checks; make deps installs (make test and make demo run it).
$(BUILD)/.deps-ok: mk/deps.sh
	@mk/deps.sh --check || { echo "sup: run 'make deps' (as root) first" \
		>&2; exit 1; }
	@mkdir -p $(BUILD) && touch $@

deps:
	@mk/deps.sh

$(OBJ)/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BIN)/supd: $(SUPD_OBJ) $(SHARED_OBJ) $(IPC_OBJ) $(STATE_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS_SUPD) -o $@

$(BIN)/supctl: $(SUPCTL_OBJ) $(SHARED_OBJ) $(LIBSUP_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS_SUPD) -o $@

# libsup: the worker runtime and the client calls (include/sup/sup.h).
$(LIBSUP_A): $(LIBSUP_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBSUP_SO): $(LIBSUP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libsup.so.0 $(CFLAGS) $(LDFLAGS) $^ \
		$(LIBS_LIBSUP) -o $@
	ln -sf libsup.so.0 $(BUILD)/lib/libsup.so

# Examples link libsup statically: they run from the build tree as is.
$(BUILD)/examples/%: examples/%.c $(LIBSUP_A) | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIBSUP_A) $(LIBS_WORKER) -o $@

# --- tests ------------------------------------------------------------------
# Criterion takes its IPC from nanomsg and libnng exports the same nn_*
# symbols (DESIGN.md section 8): no test binary links nng. Scenario tests
# drive the built supd and supctl as a user would; nng stays inside them.

.PHONY: tests
tests: $(UNIT_BIN) $(SCEN_BIN) $(HELPERS) $(BIN)/supd $(BIN)/supctl $(EXAMPLES)

TEST_DEFS = -DSUP_BUILD_DIR='"$(abspath $(BUILD))"' \
	-DSUP_SOURCE_DIR='"$(abspath .)"'

$(T_OBJ): tests/t.c tests/t.h | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_DEFS) -c $< -o $@

# The engine alone, with the restart math and signal names: it links
# without spawn, nng, SQLite or the config parser (engine.h).
ENGINE_OBJ := $(call objs,supervisor/engine.c supervisor/dlheap.c \
	supervisor/restart.c common/sig.c)

$(BUILD)/tests/unit/supervisor/engine: tests/unit/supervisor/engine_test.c \
		$(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_DEFS) $(LDFLAGS) $^ -lcriterion -o $@

# What supd tells its own service manager: a socket, the clock, the log.
$(BUILD)/tests/unit/supervisor/manager: tests/unit/supervisor/manager_test.c \
		$(call objs,supervisor/manager.c) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_DEFS) $(LDFLAGS) $^ -lcriterion -o $@

$(BUILD)/tests/unit/%: tests/unit/%_test.c $(T_OBJ) $(SHARED_OBJ) \
		$(PURE_OBJ) $(STATE_OBJ) $(COMMON_OBJ) $(OBJ)/ipc/frame.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_DEFS) $(LDFLAGS) $^ -lcriterion -linih \
		-ljansson -lsqlite3 -o $@

$(BUILD)/tests/scenario/%: tests/scenario/%_test.c $(T_OBJ) $(COMMON_OBJ) \
		tests/noleak.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_DEFS) $(LDFLAGS) $^ -lcriterion -ljansson \
		-lsqlite3 -o $@

# Helpers are the processes scenario tests supervise; t-sdnotify proves a
# program using libsystemd's sd_notify works unmodified (t-watchdog, its
# watchdog). t-ctlpoke talks raw bytes to sup's sockets through ipc/ and
# state/, from libsup.a like the other helpers.
$(BUILD)/tests/helpers/t-sdnotify: tests/helpers/t-sdnotify.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< -lsystemd -o $@

# t-watchdog: a program written for systemd's WatchdogSec, unmodified.
$(BUILD)/tests/helpers/t-watchdog: tests/helpers/t-watchdog.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< -lsystemd -o $@

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(LIBSUP_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIBSUP_A) $(LIBS_WORKER) -o $@

test:
	@mk/deps.sh
	@$(MAKE) --no-print-directory all man-lint
	@tests/run.sh $(BUILD)

asan-test:
	$(MAKE) BUILD=build-asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" test

# Every page is linted by mandoc, then rendered by groff as Debian's
# man(1) renders it (tbl, -mandoc): groff says nothing of a page that
# renders well, so any word on its stderr (a line it cannot break, an
# unknown macro or character) fails the page.
man-lint: $(BUILD)/.deps-ok
	@for m in $(MAN_PAGES); do \
		mandoc -Tlint -Wwarning $$m || exit 1; \
		w=$$(groff -t -mandoc -Tutf8 -ww -z $$m 2>&1) || w="$$w (groff failed)"; \
		if [ -n "$$w" ]; then \
			printf '%s\n' "$$w"; echo "man-lint: groff: $$m"; exit 1; \
		fi; \
	done; echo "man-lint: $(words $(MAN_PAGES)) pages clean"

# --- fuzzing ----------------------------------------------------------------
# make fuzz FUZZ_SECONDS=N: every libFuzzer harness of tests/fuzz/ for N
# seconds, built with clang under ASan and UBSan in build-fuzz/. Seeds are
# in tests/fuzz/corpus/NAME; what the runs learn stays in build-fuzz/;
# a finding fails the run and is kept in build-fuzz/findings/.

FUZZ_SECONDS ?= 10
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_OBJ := $(COMMON_OBJ) $(SHARED_OBJ) $(PURE_OBJ) \
	$(call objs,ipc/frame.c worker/frame.c)

fuzz:
	@mk/deps.sh --fuzz
	$(MAKE) BUILD=build-fuzz CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
		fuzz-run

fuzz-run: $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_NAMES))
	@tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJ) \
		-linih -ljansson -lpthread -o $@

# --- demo, bench, install ---------------------------------------------------

demo:
	@mk/deps.sh
	@$(MAKE) --no-print-directory all
	@examples/demo.sh $(BUILD)

bench: all $(BENCHES) $(BUILD)/bench/child/bench-stamp \
		$(BUILD)/bench/child/bench-worker
	@for b in $(BENCHES); do $$b || exit 1; done

$(BUILD)/bench/child/bench-worker: bench/child/bench-worker.c $(LIBSUP_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIBSUP_A) $(LIBS_WORKER) -o $@

# Static: no dynamic loader runs before its first instruction.
$(BUILD)/bench/child/bench-stamp: bench/child/bench-stamp.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -static $< -o $@

# --as-needed: a benchmark maps only the libraries it calls, so that
# supd's PSS (bench/restart.c) counts its own pages in full, not halves
# shared with the benchmark's process.
$(BUILD)/bench/%: bench/%.c $(LIBSUP_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_DEFS) $(LDFLAGS) $^ -Wl,--as-needed \
		$(LIBS_WORKER) -o $@

# The version is sup.h's: libsup.pc says what the header says.
SUP_VERSION := $(shell sed -n 's/^\#define SUP_VERSION_STRING "\(.*\)"$$/\1/p' \
	include/sup/sup.h)

install: $(BIN)/supd $(BIN)/supctl $(LIBSUP_A) $(LIBSUP_SO)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/sup
	install -m 755 $(BIN)/supd $(BIN)/supctl $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBSUP_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBSUP_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libsup.so.0 $(DESTDIR)$(PREFIX)/lib/libsup.so
	install -m 644 include/sup/*.h $(DESTDIR)$(PREFIX)/include/sup/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(SUP_VERSION)|' \
		mk/libsup.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libsup.pc
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
		install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; \
	done
	@# Every name in a page's NAME section is a page of its own: a link
	@# page, ".so man3/PAGE.3", for each name that has no file (man sup_cast
	@# shows sup_call(3)).
	for m in $(MAN_PAGES); do \
		p=$${m##*/}; s=$${p##*.}; \
		for n in $$(sed -n '/^\.Sh NAME/,/^\.Nd/s/^\.Nm \([A-Za-z0-9_.]*\).*/\1/p' $$m); do \
			[ -e man/$$n.$$s ] || printf '.so man%s/%s\n' $$s $$p \
				> $(DESTDIR)$(PREFIX)/share/man/man$$s/$$n.$$s; \
		done; \
	done

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
