# clausetrack - one plain Makefile. Objects go under $(BUILD) (build/ or build-asan/).
# Targets: all (default), run, test, test-asan, bench, install, clean, fuzz.

VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
SAN      ?=

CC       ?= cc
PKGS     := libevent libevent_openssl libevent_pthreads libpq libxml-2.0 yajl openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -D_GNU_SOURCE -DCT_VERSION='"$(VERSION)"' -DCT_DATADIR='"$(PREFIX)/share/clausetrack"' -Iinclude $(PKG_CFLAGS) -pthread
LDLIBS   += $(PKG_LIBS) -pthread -lm
ifneq ($(SAN),)
CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1
LDFLAGS  += -fsanitize=address,undefined
endif

LIB_SRC  := $(sort $(wildcard lib/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIBCT    := $(BUILD)/libct.a
D_SRC    := $(sort $(wildcard services/clausetrackd/*.c))
C_SRC    := $(sort $(wildcard services/clausetrack/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
IT_LIB   := $(sort $(filter-out tests/integration/test_%.c,$(wildcard tests/integration/*.c)))
# test_readyz stops the shared cluster: it runs last
IT_SRC   := $(filter-out tests/integration/test_readyz.c,$(sort $(wildcard tests/integration/test_*.c))) tests/integration/test_readyz.c
IT_BIN   := $(IT_SRC:tests/integration/%.c=$(BUILD)/tests/integration/%)
DAEMON   := $(BUILD)/clausetrackd
CLI      := $(BUILD)/clausetrack

.PHONY: all run test test-unit test-integration test-browser test-asan bench install clean deps deps-test fuzz
all: $(DAEMON) $(CLI)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# cfg.o carries PREFIX (CT_DATADIR): a stamp named after it rebuilds cfg.o when PREFIX changes
PREFIX_STAMP := $(BUILD)/prefix$(subst /,_,$(PREFIX)).stamp
$(BUILD)/lib/core/cfg.o: $(PREFIX_STAMP)
$(PREFIX_STAMP):
	@mkdir -p $(BUILD) && rm -f $(BUILD)/prefix*.stamp && touch $@

$(LIBCT): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(DAEMON): $(D_SRC:%.c=$(BUILD)/%.o) $(LIBCT)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(CLI): $(C_SRC:%.c=$(BUILD)/%.o) $(LIBCT)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIBCT)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/integration/%: $(BUILD)/tests/integration/%.o $(IT_LIB:%.c=$(BUILD)/%.o) $(LIBCT)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)

deps:
	@ops/install-deps

# the tests need a browser too (the dashboard test): chromium, nodejs, npm
deps-test:
	@ops/install-deps --with-browser

# Unit tests (pure, no database), then integration tests against a throwaway PostgreSQL
# and the real daemon (tests/integration/run), then the dashboard in a browser.
test: deps-test
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(IT_BIN)
	@$(MAKE) --no-print-directory test-unit test-integration test-browser

test-unit: $(UNIT_BIN)
	@ops/run-tests $(UNIT_BIN)

test-integration: all $(IT_BIN)
	@BUILD=$(BUILD) tests/integration/run $(IT_BIN)

# The dashboard in headless Chromium against the daemon with the demo data (tests/browser/run:
# its own throwaway PostgreSQL; npm ci of tests/browser when playwright-core is not there yet).
test-browser: all
	@BUILD=$(BUILD) tests/browser/run

test-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 test

run: deps all
	@BUILD=$(BUILD) ops/run

bench: deps all
	@BUILD=$(BUILD) ops/bench/run-all

# The programs look for migrations, the schema and the dashboard under $(PREFIX)/share/clausetrack
# when the folders are not in the working directory: build with the PREFIX you install to.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/clausetrack/migrations $(DESTDIR)$(PREFIX)/share/clausetrack/xsd
	install -m 0755 $(DAEMON) $(CLI) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 migrations/*.sql $(DESTDIR)$(PREFIX)/share/clausetrack/migrations/
	install -m 0644 $(wildcard xsd/*.xsd) $(DESTDIR)$(PREFIX)/share/clausetrack/xsd/
	install -d $(DESTDIR)$(PREFIX)/share/clausetrack/dashboard
	install -m 0644 services/clausetrackd/dashboard/* $(DESTDIR)$(PREFIX)/share/clausetrack/dashboard/

# libFuzzer targets (tests/fuzz/fuzz_*.c) built with clang, ASan and UBSan, each run for
# FUZZ_SECONDS from its seeds (fixtures); a crash stops make with the input saved in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang)"; exit 1; }
	@mkdir -p build-fuzz
	@for f in $(FUZZ_SRC); do \
	    n=$$(basename $$f .c); \
	    clang -g -O1 -std=c11 -D_GNU_SOURCE -DCT_VERSION='"$(VERSION)"' -Iinclude $(PKG_CFLAGS) -pthread \
	        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	        $$f $(LIB_SRC) -o build-fuzz/$$n $(PKG_LIBS) -pthread -lm || exit 1; \
	    case $$n in fuzz_notice) seeds=tests/fixtures/xml ;; *) seeds=tests/fuzz/seeds-json ;; esac; \
	    mkdir -p build-fuzz/$$n-corpus; \
	    echo "== $$n for $(FUZZ_SECONDS) s"; \
	    build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=build-fuzz/$$n- \
	        build-fuzz/$$n-corpus $$seeds > build-fuzz/$$n.log 2>&1; rc=$$?; tail -n 3 build-fuzz/$$n.log; \
	    [ $$rc -eq 0 ] || { echo "$$n found a crash: see build-fuzz/$$n.log"; exit 1; }; \
	done

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
