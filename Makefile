# migtop: top-level build.  `make` builds tui/migtop; `make check` runs every test level.
# Sources are picked up by wildcard so that adding a module is adding a file.

VERSION     := 0.1.0
CC          ?= cc
B           ?= build
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
# Themes (themes/), alert rules and other shared files; compiled into the binary, so a build
# for another DATADIR (e.g. `make install PREFIX=/usr` after `make`) rebuilds: see BAKED.
DATADIR     ?= $(PREFIX)/share/migtop
DESTDIR     ?=
PKG_CONFIG  ?= pkg-config

WARN        := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
               -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN        += -Werror
endif
SANFLAGS    :=
ifneq ($(SAN),)
SANFLAGS    := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
OPT         ?= -O2 -g

CORE_PKGS   := json-c zlib libzstd
ENGINE_PKGS := libudev libpci
UI_PKGS     := ncursesw
PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(CORE_PKGS) $(ENGINE_PKGS) $(UI_PKGS) 2>/dev/null)
CORE_LIBS   := $(shell $(PKG_CONFIG) --libs $(CORE_PKGS) 2>/dev/null)
ENGINE_LIBS := $(shell $(PKG_CONFIG) --libs $(ENGINE_PKGS) 2>/dev/null) -lpthread
UI_LIBS     := $(shell $(PKG_CONFIG) --libs $(UI_PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

CPPFLAGS    += -D_GNU_SOURCE -DMIGTOP_VERSION='"$(VERSION)"' -DMIGTOP_DATADIR='"$(DATADIR)"' \
               -Itui -Ikernel/include
CFLAGS      += -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDFLAGS     += $(SANFLAGS)

CORE_SRC    := $(wildcard tui/core/*.c)
ENGINE_SRC  := $(wildcard tui/engine/*.c)
UI_SRC      := $(wildcard tui/ui/*.c)
MAIN_SRC    := $(wildcard tui/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_HELP   := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
# The UI's pure modules (no curses): unit tests link them like the core.
UI_PURE_SRC := $(wildcard $(addprefix tui/ui/,theme.c config.c layout.c glyph.c cmpmodel.c kvfile.c pairside.c timeline.c))
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))
CORE_LIB    := $(B)/libmigtop-core.a
ENGINE_LIB  := $(B)/libmigtop-engine.a
UI_LIB      := $(B)/libmigtop-ui.a
PROG        := tui/migtop
ifneq ($(B),build)
PROG        := $(B)/migtop
endif
UNIT_BINS   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
FIXGEN      := $(B)/tests/mkfixture
MIGRATE     := $(B)/migtop-migrate

.PHONY: all check test unit cli screen prom fuzz fuzz-smoke san clang-build kernel e2e demo install \
        uninstall clean deps format format-check lint-man checkpatch bench
all: $(PROG)

# The values compiled into the binary, kept in a stamp that changes only when they do; the
# sources that use them depend on it, so `make install PREFIX=/usr` after a plain `make`
# rebuilds them instead of installing a binary that looks for its themes under /usr/local.
BAKED       := VERSION=$(VERSION) DATADIR=$(DATADIR)
BAKED_STAMP := $(B)/baked.stamp
BAKED_SRC   := $(shell grep -lE 'MIGTOP_(VERSION|DATADIR)' $(CORE_SRC) $(ENGINE_SRC) $(UI_SRC) $(MAIN_SRC))
$(shell mkdir -p '$(B)' && { [ "$$(cat '$(BAKED_STAMP)' 2>/dev/null)" = '$(BAKED)' ] || \
	printf '%s\n' '$(BAKED)' >'$(BAKED_STAMP)'; })
$(call obj,$(BAKED_SRC)): $(BAKED_STAMP)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(CORE_LIB): $(call obj,$(CORE_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
$(ENGINE_LIB): $(call obj,$(ENGINE_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
$(UI_LIB): $(call obj,$(UI_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(PROG): $(call obj,$(MAIN_SRC)) $(UI_LIB) $(ENGINE_LIB) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(UI_LIBS) $(ENGINE_LIBS) $(CORE_LIBS)

$(B)/tests/test_%: $(B)/tests/unit/test_%.o $(call obj,$(UNIT_HELP) $(UI_PURE_SRC)) $(ENGINE_LIB) \
		   $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(ENGINE_LIBS) $(CORE_LIBS)

$(FIXGEN): $(B)/tests/fixtures/mkfixture.o $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CORE_LIBS)

# The userspace migration driver (test/demo tool), built against the 6.12 uAPI constants.
$(MIGRATE): kernel/tools/migtop-migrate.c $(wildcard kernel/include/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# ---- tests ---------------------------------------------------------------------------
unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

cli: $(PROG) $(FIXGEN)
	@MIGTOP=$(abspath $(PROG)) FIXGEN=$(abspath $(FIXGEN)) tests/cli/run.sh

# The fleet metrics with Debian's promtool and node_exporter (tests/prom/run.sh).
prom: $(PROG) $(FIXGEN)
	@MIGTOP=$(abspath $(PROG)) FIXGEN=$(abspath $(FIXGEN)) tests/prom/run.sh

screen: $(PROG) $(FIXGEN)
	@MIGTOP=$(abspath $(PROG)) FIXGEN=$(abspath $(FIXGEN)) tests/screen/run.sh

# Each level runs once its sources exist, so that the tree is green at every commit.
test: unit $(if $(wildcard tests/cli/run.sh),cli)

# clang build, then ASan+UBSan build of the same tests, in their own build dirs.
clang-build:
	$(MAKE) B=build/clang CC=clang WERROR=$(WERROR) test
san:
	$(MAKE) B=build/san CC=clang SAN=address,undefined OPT='-O1 -g' WERROR=$(WERROR) test

FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(CORE_SRC) $(wildcard tui/core/*.h)
	@mkdir -p $(@D)
	clang $(CPPFLAGS) -std=c11 -g -O1 $(WARN) -fsanitize=fuzzer,address,undefined \
		$(shell $(PKG_CONFIG) --cflags json-c) -o $@ $< $(CORE_SRC) $(CORE_LIBS)
fuzz: $(FUZZ_BINS)
# A short, bounded run of every fuzzer (FUZZ_SECONDS each); long runs: build/fuzz/fuzz_X -max_total_time=N
FUZZ_SECONDS ?= 60
fuzz-smoke: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

kernel:
	$(MAKE) -C kernel $(if $(KDIR),KDIR=$(KDIR))

checkpatch:
	@tests/vm/checkpatch.sh

e2e: $(PROG) $(MIGRATE)
	@MIGTOP=$(abspath $(PROG)) MIGRATE=$(abspath $(MIGRATE)) tests/vm/run.sh

# Two guests, each with the driver and an sshd, watched from here with --host while a device
# migrates from one to the other (issue 10): tests/vm/hosts.sh.
.PHONY: e2e-hosts
e2e-hosts: $(PROG) $(MIGRATE)
	@MIGTOP=$(abspath $(PROG)) MIGRATE=$(abspath $(MIGRATE)) B=$(B) tests/vm/hosts.sh

# The same suite on a self-built KASAN/lockdep/kmemleak 6.12 kernel with the vfio core's own
# debugfs (built once into the cache by tests/vm/debug-kernel.sh: about 1 h cold); any splat fails.
.PHONY: e2e-debug
e2e-debug: $(PROG) $(MIGRATE)
	@MIGTOP=$(abspath $(PROG)) MIGRATE=$(abspath $(MIGRATE)) tests/vm/run.sh --debug-kernel

# The terminal check comes first: without one the demo would build for seconds, then refuse.
demo:
	@[ -t 0 ] && [ -t 1 ] || { echo "make demo: the demo needs a terminal (stdin and stdout);" \
		"run it from an interactive shell" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(PROG) $(MIGRATE)
	@MIGTOP=$(abspath $(PROG)) MIGRATE=$(abspath $(MIGRATE)) tests/vm/run.sh --demo

bench:
	@if [ -x bench/run.sh ]; then bench/run.sh; fi
	@if [ -x bench/prom.sh ]; then B=$(B) bench/prom.sh; fi
	@if [ -x bench/rec.sh ]; then B=$(B) bench/rec.sh; fi
	@if [ -x bench/mem.sh ]; then B=$(B) bench/mem.sh; fi

deps:
	@tests/deps.sh

# mandoc's default -Tlint level (style and up) on the pages as `make install` writes them.
lint-man:
	@tests/pkg/lint-man.sh $(MAN_PAGES)

format:
	clang-format -i $$(git ls-files 'tui/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' 'kernel/tools/*.[ch]')
format-check:
	clang-format --dry-run --Werror $$(git ls-files 'tui/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' 'kernel/tools/*.[ch]')

# Everything CI runs.  Installs Debian build dependencies first when run as root.
check: deps
	$(MAKE) WERROR=1 test
	$(MAKE) WERROR=1 clang-build
	$(MAKE) WERROR=1 san
	$(if $(FUZZ_SRC),$(MAKE) WERROR=1 fuzz-smoke)
	$(MAKE) format-check
	$(if $(wildcard man/*.[0-9]),$(MAKE) lint-man)
	$(MAKE) WERROR=1 pkg-test
	$(if $(wildcard tests/screen/run.sh),$(MAKE) WERROR=1 screen)
	$(if $(wildcard tests/prom/run.sh),$(MAKE) WERROR=1 prom)
	$(if $(wildcard tests/vm/checkpatch.sh),$(MAKE) checkpatch)
	$(if $(wildcard tests/vm/run.sh),$(MAKE) WERROR=1 e2e)
	$(if $(wildcard tests/vm/hosts.sh),$(MAKE) WERROR=1 e2e-hosts)
	@case "$$MIGTOP_E2E_DEBUG" in 1) $(MAKE) WERROR=1 e2e-debug ;; 0) echo "make check: e2e-debug off (MIGTOP_E2E_DEBUG=0)" ;; *) if tests/vm/debug-kernel.sh --check; then $(MAKE) WERROR=1 e2e-debug; else echo "make check: e2e-debug skipped: no cached debug kernel (MIGTOP_E2E_DEBUG=1 builds it, about 1 h)"; fi ;; esac
	@echo "make check: all test levels passed"

# ---- install and packages -----------------------------------------------------------
MAN_PAGES   := $(wildcard man/*.[1-8])
THEMES      := $(wildcard themes/*.theme)
# Installed into DATADIR beside themes/: add a shared file here.
SHARE_FILES := $(wildcard tui/share/migtop.rules.yml)

# The man pages name /usr/local/share/migtop (the default DATADIR); installed, they name
# the DATADIR the binary was built with.
install: $(PROG)
	install -D -m 0755 $(PROG) $(DESTDIR)$(BINDIR)/migtop
	for m in $(MAN_PAGES); do s=$${m##*.}; d=$(DESTDIR)$(MANDIR)/man$$s; \
		install -d $$d && sed 's|/usr/local/share/migtop|$(DATADIR)|g' $$m >$$d/$${m##*/} && \
		chmod 0644 $$d/$${m##*/} || exit 1; done
	for t in $(THEMES); do install -D -m 0644 $$t $(DESTDIR)$(DATADIR)/themes/$${t##*/} || exit 1; done
	for f in $(SHARE_FILES); do install -D -m 0644 $$f $(DESTDIR)$(DATADIR)/$${f##*/} || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/migtop
	for m in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	rm -rf $(DESTDIR)$(DATADIR)

# Two Debian packages from this tree with dpkg-buildpackage and debhelper (debian/): migtop
# and migtop-acc-dkms, written to $(DEBDIR) (build/deb).  Build dependencies: make deps.
# The tree is copied first (without build/ and .git), so the packaging never cleans or
# writes the working tree; debian/changelog's version must be VERSION.
DEBDIR      ?= build/deb
.PHONY: deb pkg-test
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || { echo "make deb:" \
		"needs dpkg-dev, debhelper and dh-dkms: apt-get install dpkg-dev debhelper dh-dkms" >&2; exit 1; }
	@v=$$(dpkg-parsechangelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
		{ echo "make deb: debian/changelog says $$v, the Makefile $(VERSION)" >&2; exit 1; }
	rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/migtop-$(VERSION)
	tar --exclude=./build --exclude=./.git --exclude=./tui/migtop -cf - . | \
		tar -C $(DEBDIR)/migtop-$(VERSION) -xf -
	cd $(DEBDIR)/migtop-$(VERSION) && dpkg-buildpackage -b -us -uc -j2
	@ls $(DEBDIR)/*.deb

# install/uninstall, lint-man, make -C kernel messages, the demo's terminal check, the
# serial-log filter; as root also the dkms range (tests/pkg/dkms.sh) and the packages
# (tests/pkg/deb.sh: make deb, apt-get install, run, purge).  PKG_ONLY=regex picks tests.
pkg-test: $(PROG)
	@MIGTOP=$(abspath $(PROG)) tests/pkg/run.sh

clean:
	rm -rf build $(PROG)
	-$(MAKE) -C kernel clean

-include $(shell find $(B) -name '*.d' 2>/dev/null)
