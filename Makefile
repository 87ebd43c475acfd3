# memtui: build, test and demo.
#   make          build ./memtui
#   make check    install what is missing, build with ASan+UBSan, run every test
#   make demo     install what is missing, build, run the main job on a demo repo
#   make bench    benchmarks (ratios measured side by side)
#   make stress   the long versions of the race and crash tests
#   make fuzz     each fuzz harness for FUZZ_SECONDS (default 60) with clang's libFuzzer

PKGS     := ncursesw json-c libgit2 openssl
CC       ?= cc
CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)
VERSION  := 0.1.0
CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -Iinclude -DMEMTUI_VERSION='"$(VERSION)"' \
             -DMEMTUI_THEME_DIR='"$(CURDIR)/themes"' $(PKG_CFLAGS)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ENGINE_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
UI_SRC     := $(wildcard ui/*.c)
# The curses-free part of the workstation (model, keys, themes, text) is
# unit-tested like the engine (files that include neither curses.h nor
# ui_display.h, the curses side).
UI_PURE    := $(shell grep -L -e curses.h -e ui_display.h ui/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

OBJ      := $(patsubst %.c,build/rel/%.o,$(ENGINE_SRC) $(UI_SRC) src/main.c)
SAN_ENGINE := $(patsubst %.c,build/san/%.o,$(ENGINE_SRC))
SAN_UI_PURE := $(patsubst %.c,build/san/%.o,$(UI_PURE))
SAN_OBJ  := $(SAN_ENGINE) $(patsubst %.c,build/san/%.o,$(UI_SRC) src/main.c)
UNIT_BIN := $(patsubst tests/unit/%.c,build/san/tests/%,$(UNIT_SRC))

# Fuzz harnesses (tests/fuzz/fuzz_*.c): the engine built by clang for
# libFuzzer, with ASan and UBSan.
FUZZ_CC    ?= clang
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_ENGINE := $(patsubst %.c,build/fuzz/%.o,$(ENGINE_SRC))
FUZZ_SECONDS ?= 60
.SECONDARY: $(FUZZ_ENGINE)

.PHONY: all deps check unit integration demo bench stress fuzz clean
all: memtui

memtui: $(OBJ)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -pthread -o $@ $^ $(PKG_LIBS)

build/rel/%.o: %.c $(wildcard include/memtui/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/san/%.o: %.c $(wildcard include/memtui/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	@$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

build/san/memtui: $(SAN_OBJ)
	@echo "  LD san  $@"
	@$(CC) $(SAN) -pthread -o $@ $^ $(PKG_LIBS)

build/fuzz/%.o: %.c $(wildcard include/memtui/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(ALL_CFLAGS) -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_ENGINE)
	@echo "  LD fuzz $@"
	@$(FUZZ_CC) $(ALL_CFLAGS) -O1 -fsanitize=fuzzer $(FUZZ_SAN) -pthread -o $@ $< $(FUZZ_ENGINE) $(PKG_LIBS)

build/san/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(SAN_ENGINE) $(SAN_UI_PURE)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(SAN) -pthread -Itests/unit -o $@ $< $(SAN_ENGINE) $(SAN_UI_PURE) $(PKG_LIBS) $(CHECK_LIBS)

deps:
	@scripts/install-deps.sh

# Unit tests under ASan/UBSan, a few seconds of each fuzz harness (and its
# regression inputs), then the end-to-end tests against the same sanitised
# binary.
check: deps
	@$(MAKE) --no-print-directory memtui build/san/memtui $(UNIT_BIN) $(FUZZ_BIN)
	@tests/run-unit.sh $(UNIT_BIN)
	@tests/run-fuzz.sh 5 $(FUZZ_BIN)
	@tests/run-integration.sh build/san/memtui

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

integration: build/san/memtui
	@tests/run-integration.sh build/san/memtui

demo: deps
	@$(MAKE) --no-print-directory memtui
	@scripts/demo.sh ./memtui

bench: deps
	@$(MAKE) --no-print-directory memtui
	@tests/bench/run.sh ./memtui

stress: deps
	@$(MAKE) --no-print-directory memtui build/san/memtui
	@STRESS=1 TEST_JOBS=1 tests/run-integration.sh build/san/memtui

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

clean:
	rm -rf build memtui

# Install the binary and the manual page (DESTDIR for staged installs).
PREFIX ?= /usr/local
.PHONY: install
install: memtui
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 memtui $(DESTDIR)$(PREFIX)/bin/memtui
	install -m 0644 src/memtui.1 $(DESTDIR)$(PREFIX)/share/man/man1/memtui.1
