# civicare - build, run, test.
#
#   make            build build/civicare
#   make run        install what is missing, build, create the demo county,
#                   serve it on http://127.0.0.1:8080 and print the logins
#   make test       every test: unit (cmocka), API (node:test), then both
#                   again against an ASan+UBSan build
#   make deps       only install the Debian packages that are missing
#   make bench      the monitoring benchmark: civicare vs DuckDB vs sqlite3

CC      ?= gcc
PKGS    := libmicrohttpd jansson sqlite3 libsodium xlsxwriter zlib
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARN    := -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
           -Wformat=2 -Wno-format-nonliteral -Wvla
BASEFLAGS = -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -g \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS  ?= -O2
LIBS     = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
SANFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS     := $(sort $(wildcard src/*/*.c))
MAIN     := src/cli/main.c
LIBSRCS  := $(filter-out $(MAIN),$(SRCS))
OBJS     := $(LIBSRCS:%.c=build/obj/%.o)
ASANOBJS := $(LIBSRCS:%.c=build/asan/obj/%.o)
UNITSRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITS    := $(UNITSRCS:tests/unit/%.c=build/tests/%)
ASANUNITS:= $(UNITSRCS:tests/unit/%.c=build/asan/tests/%)

# Debian packages the build and the tests need (installed by `make deps`).
DEB_PKGS := gcc make pkg-config git curl sqlite3 libmicrohttpd-dev libjansson-dev \
            libsqlite3-dev libsodium-dev libcmocka-dev libxlsxwriter-dev \
            chromium fonts-noto-cjk time clang python3-openpyxl zlib1g-dev
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DB       ?= civicare.db
PERSONS  ?= 100000

.PHONY: all deps run test unit api e2e asan-test fuzz bench clean web check-banned FORCE

all: build/civicare web

deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "all Debian packages present"; fi

build/obj/%.o: %.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -c $< -o $@

build/asan/obj/%.o: %.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(SANFLAGS) -c $< -o $@

build/libcivicare.a: $(OBJS)
	@rm -f $@; ar rcs $@ $^

build/asan/libcivicare.a: $(ASANOBJS)
	@rm -f $@; ar rcs $@ $^

build/civicare: $(MAIN) build/libcivicare.a FORCE
	$(CC) $(BASEFLAGS) $(CFLAGS) -DCIVICARE_COMMIT='"$(COMMIT)"' \
	  $(MAIN) build/libcivicare.a $(LIBS) -o $@

build/asan/civicare: $(MAIN) build/asan/libcivicare.a FORCE
	$(CC) $(BASEFLAGS) $(SANFLAGS) -DCIVICARE_COMMIT='"$(COMMIT)"' \
	  $(MAIN) build/asan/libcivicare.a $(LIBS) -o $@

build/tests/%: tests/unit/%.c build/libcivicare.a
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) $< build/libcivicare.a $(LIBS) -lcmocka -o $@

build/asan/tests/%: tests/unit/%.c build/asan/libcivicare.a
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(SANFLAGS) $< build/asan/libcivicare.a $(LIBS) -lcmocka -o $@

# The browser app (web/, Vue 3 + Vite): npm ci when the lockfile changes,
# vite build into web/dist when a source changes.
WEB_SRCS := $(shell find web/src web/scripts web/index.html web/vite.config.ts \
              web/package.json -type f 2>/dev/null)
web: web/dist/index.html
web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@
web/dist/index.html: web/node_modules/.installed $(WEB_SRCS)
	cd web && npm run build

check-banned:
	@bad=$$(for f in $(SRCS); do grep -q 'core/banned.h"' $$f || echo $$f; done); \
	if [ -n "$$bad" ]; then echo "missing #include of core/banned.h:"; echo "$$bad"; exit 1; fi

unit: $(UNITS)
	@set -e; for t in $(UNITS); do echo "== $$t"; CIVICARE_TEST_TMP=$$(mktemp -d) $$t; done

api: build/civicare web
	CIVICARE_BIN=$(CURDIR)/build/civicare node --test --test-concurrency=1 tests/api/

# libFuzzer drivers for the parsers that meet outside input (tests/fuzz/):
# the library again, built with clang and coverage, and a short smoke run of
# each driver from its stored corpus (new finds go to a temp dir).
FUZZOBJS := $(LIBSRCS:%.c=build/fuzz/obj/%.o)
FUZZERS  := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZFLAGS := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_SECONDS ?= 10

build/fuzz/obj/%.o: %.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

build/fuzz/libcivicare.a: $(FUZZOBJS)
	@rm -f $@; ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libcivicare.a
	clang $(FUZZFLAGS) -fsanitize=fuzzer,address,undefined $< build/fuzz/libcivicare.a $(LIBS) -o $@

fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do name=$${f##*/fuzz_}; new=$$(mktemp -d); \
	  echo "== $$f ($(FUZZ_SECONDS) s)"; \
	  if ! $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $$new tests/fuzz/corpus/$$name \
	       > $$new.log 2>&1; then tail -n 40 $$new.log; exit 1; fi; \
	  tail -n 1 $$new.log; rm -rf $$new $$new.log; done

# Browser tests: Debian's chromium driven by playwright-core (web/node_modules).
e2e: build/civicare web
	CIVICARE_BIN=$(CURDIR)/build/civicare node --test --test-concurrency=1 tests/e2e/

asan-test: build/asan/civicare $(ASANUNITS) web
	@set -e; for t in $(ASANUNITS); do echo "== $$t (asan)"; CIVICARE_TEST_TMP=$$(mktemp -d) $$t; done
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  CIVICARE_BIN=$(CURDIR)/build/asan/civicare node --test --test-concurrency=1 tests/api/

test: deps check-banned all
	$(MAKE) unit
	$(MAKE) api
	$(if $(wildcard tests/e2e/*.test.mjs),$(MAKE) e2e)
	$(MAKE) asan-test
	$(MAKE) fuzz

bench: build/civicare
	bash bench/run.sh

run: deps all
	rm -rf $(DB) $(DB)-wal $(DB)-shm $(DB)-data
	./build/civicare demo --db $(DB) --persons $(PERSONS) --seed 1
	./build/civicare serve --db $(DB) --listen 127.0.0.1:8080

clean:
	rm -rf build web/dist web/node_modules

FORCE:
