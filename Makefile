# memtui: build, test and demo.
#   make          build ./memtui
#   make check    install what is missing, build with ASan+UBSan, run every test
#   make demo     install what is missing, build, run the main job on a demo repo
#   make bench    benchmarks (ratios measured side by side)
#   make stress   the long versions of the race and crash tests
#   make fuzz     each fuzz harness for FUZZ_SECONDS (default 60) with clang's libFuzzer

PKGS     := ncursesw json-c libgit2 libssh2 openssl
CC       ?= cc
CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)
VERSION  := 0.1.0
# Where `make install` puts things; the binary looks for its themes in
# $(PREFIX)/share/memtui/themes (and relative to itself, see ui/theme.c).
PREFIX   ?= /usr/local
CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -Iinclude -DMEMTUI_VERSION='"$(VERSION)"' \
             -DMEMTUI_THEME_DIR='"$(PREFIX)/share/memtui/themes"' $(PKG_CFLAGS)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ENGINE_SRC := $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
HEADERS    := $(wildcard include/memtui/*.h include/memtui/*/*.h src/*/*.h)
UI_SRC     := $(wildcard ui/*.c)
# The curses-free part of the workstation (model, keys, themes, text) is
# unit-tested like the engine (files that include neither curses.h nor
# ui/display.h, the curses side).
UI_PURE    := $(shell grep -L -e curses.h -e memtui/ui/display.h ui/*.c)
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

build/rel/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/san/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	@$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

build/san/memtui: $(SAN_OBJ)
	@echo "  LD san  $@"
	@$(CC) $(SAN) -pthread -o $@ $^ $(PKG_LIBS)

build/fuzz/%.o: %.c $(HEADERS)
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

# make install / make uninstall [PREFIX=/usr/local] [DESTDIR=]: the binary,
# the manual page, the themes and the bash and zsh completions. Only the
# release binary is a prerequisite. Uninstall removes exactly these files,
# and share/memtui when install left it empty.
THEMES     := $(wildcard themes/*.theme)
BINDIR     := $(DESTDIR)$(PREFIX)/bin
MAN1DIR    := $(DESTDIR)$(PREFIX)/share/man/man1
THEMEDIR   := $(DESTDIR)$(PREFIX)/share/memtui/themes
BASHCOMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
.PHONY: install uninstall
install: memtui
	install -d $(BINDIR) $(MAN1DIR) $(THEMEDIR) $(BASHCOMPDIR) $(ZSHCOMPDIR)
	install -m 0755 memtui $(BINDIR)/memtui
	install -m 0644 src/memtui.1 $(MAN1DIR)/memtui.1
	install -m 0644 $(THEMES) $(THEMEDIR)/
	install -m 0644 scripts/completion/memtui.bash $(BASHCOMPDIR)/memtui
	install -m 0644 scripts/completion/_memtui $(ZSHCOMPDIR)/_memtui

uninstall:
	rm -f $(BINDIR)/memtui $(MAN1DIR)/memtui.1 $(BASHCOMPDIR)/memtui $(ZSHCOMPDIR)/_memtui
	rm -f $(patsubst themes/%,$(THEMEDIR)/%,$(THEMES))
	rmdir $(THEMEDIR) $(DESTDIR)$(PREFIX)/share/memtui 2>/dev/null || true
