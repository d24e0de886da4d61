# prun - a prefork job runner.  See README.md.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# Debian's zsh looks in vendor-completions for /usr, site-functions for
# /usr/local.
ZSHCOMPDIR ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
WARNFLAGS = -Wall -Wextra -Werror -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wmissing-declarations -Wshadow -Wpointer-arith \
	-Wwrite-strings -Wundef
BSD_CFLAGS := $(shell pkg-config --cflags libbsd-overlay 2>/dev/null)
BSD_STATIC_LIBS := $(shell pkg-config --libs --static libbsd-overlay 2>/dev/null)

# The plain build is linked statically where the archives of the C
# library, libbsd and libmd are installed (Debian's -dev packages have
# them): with no dynamic loader to run, a one-job run is about 0.2 ms
# shorter and the supervisor smaller.  STATIC=0 links dynamically, into
# build/dynamic (valgrind-check does: memcheck cannot follow malloc in a
# static binary), though still with libbsd's archive where there is one:
# loading two more shared libraries would cost every run about 0.2 ms.
# SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer.
ifeq ($(SANITIZE),1)
VARIANT = san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
override STATIC = 0
else
SANFLAGS =
STATIC ?= $(shell for a in libc.a libbsd.a libmd.a; do \
	f=$$($(CC) -print-file-name=$$a); test -f "$$f" || exit 0; done; echo 1)
endif
BSD_ARCHIVE := $(shell f=$$($(CC) -print-file-name=libbsd.a) && \
	test -f "$$f" && echo yes)
ifeq ($(STATIC),1)
VARIANT = plain
# A static PIE, where the toolchain can link one, keeps address space
# randomization (about 0.1 ms more to start than a plain static binary).
STATICFLAGS := $(shell f=$$($(CC) -print-file-name=rcrt1.o) && \
	test -f "$$f" && echo -static-pie || echo -static)
BSD_LIBS := $(BSD_STATIC_LIBS)
else
VARIANT ?= dynamic
STATICFLAGS =
ifeq ($(BSD_ARCHIVE),yes)
BSD_LIBS := -Wl,-Bstatic $(BSD_STATIC_LIBS) -Wl,-Bdynamic
else
BSD_LIBS := $(shell pkg-config --libs libbsd-overlay 2>/dev/null)
endif
endif

BUILD = build/$(VARIANT)
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(BSD_CFLAGS) $(WARNFLAGS) $(CFLAGS) \
	$(SANFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) $(STATICFLAGS)
LIBS = $(BSD_LIBS)

SRCS = $(wildcard src/*.c)
OBJS = $(SRCS:src/%.c=$(BUILD)/%.o)
LIBOBJS = $(filter-out $(BUILD)/main.o,$(OBJS))

# Packages that building and testing need on Debian.
DEPS = gcc libc6-dev make pkg-config libbsd-dev bats bats-assert \
	bats-support mandoc parallel jq libxml2-utils time procps util-linux \
	bsdutils bsdextrautils zsh fish tmux python3 python3-junitparser

.PHONY: all prun deps check unit test demo install uninstall clean format lint \
	bench fuzz fuzz-run valgrind-check

all: prun

# ./prun is a copy of the variant last built (plain or SANITIZE=1): copy it
# every time, so switching variants never leaves the other one in place.
prun: $(BUILD)/prun
	cp $(BUILD)/prun prun

# The flags are in this file: a change to it rebuilds.
$(BUILD)/prun: $(OBJS) Makefile
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/%.o: src/%.c Makefile | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD):
	mkdir -p $@

-include $(OBJS:.o=.d)

# Install what is missing (as root), or say what to install.
deps:
	@missing=""; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		    grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			    --no-install-recommends $$missing >/dev/null || \
			    exit 1; \
		else \
			echo "missing packages:$$missing (run as root, or" \
			    "apt-get install them)" >&2; exit 1; \
		fi; \
	fi

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) test

UNIT_SRCS = $(wildcard tests/unit/*_test.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

$(BUILD)/unit/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(LIBOBJS) $(ALL_LDFLAGS) $(LIBS)

# Every unit test program runs, even after one fails.
unit: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do $$t || rc=1; done; exit $$rc

# BATS_JOBS=N runs N test files at a time (bats --jobs, with GNU parallel);
# the tests of one file still run one after the other, which costs less.
test: prun
	PRUN="$(CURDIR)/prun" bats $(if $(filter-out 0 1,$(BATS_JOBS)),--jobs \
	    $(BATS_JOBS) --no-parallelize-within-files) $(BATS_FLAGS) tests

bench: prun
	bench/run

demo: deps
	$(MAKE) all
	./prun examples/demo.jobs -j 8

install: prun
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 prun $(DESTDIR)$(BINDIR)/prun
	install -m 0644 man/prun.1 $(DESTDIR)$(MANDIR)/man1/prun.1
	install -m 0644 completions/prun.bash $(DESTDIR)$(BASHCOMPDIR)/prun
	install -m 0644 completions/_prun $(DESTDIR)$(ZSHCOMPDIR)/_prun
	install -m 0644 completions/prun.fish $(DESTDIR)$(FISHCOMPDIR)/prun.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/prun $(DESTDIR)$(MANDIR)/man1/prun.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/prun $(DESTDIR)$(ZSHCOMPDIR)/_prun \
	    $(DESTDIR)$(FISHCOMPDIR)/prun.fish

format:
	clang-format -i src/*.[ch] $(wildcard tests/unit/*.c fuzz/*.c bench/*.c)

lint:
	clang-format --dry-run -Werror src/*.[ch] \
	    $(wildcard tests/unit/*.c fuzz/*.c bench/*.c)
	mandoc -Tlint -Wwarning man/prun.1

clean:
	rm -rf build prun

# The supervisor and its workers under valgrind's memcheck, through runs,
# signals and faults; fails on any error or leak (tests/valgrind-check.sh).
valgrind-check:
	$(MAKE) SANITIZE=0 STATIC=0 build/dynamic/prun
	tests/valgrind-check.sh build/dynamic/prun

# libFuzzer harnesses (fuzz/*_fuzz.c) over the pure parsers; see fuzz/README.
# `make fuzz` builds them; `make fuzz-run FUZZ_TIME=300` runs each.
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_LIBSRCS = src/cmdfile.c src/proto.c src/xmalloc.c
FUZZ_BINS = $(patsubst fuzz/%.c,build/fuzz/%,$(wildcard fuzz/*_fuzz.c))
FUZZ_TIME ?= 60

fuzz: $(FUZZ_BINS)

build/fuzz/%: fuzz/%.c $(FUZZ_LIBSRCS) src/*.h
	@mkdir -p build/fuzz
	$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE $(BSD_CFLAGS) $(WARNFLAGS) -Isrc \
	    $(FUZZ_FLAGS) \
	    -o $@ $< $(FUZZ_LIBSRCS) $(BSD_LIBS)

fuzz-run: fuzz
	@for f in $(FUZZ_BINS); do n=$${f##*/}; n=$${n%_fuzz}; \
		mkdir -p build/fuzz/corpus-$$n && \
		$$f -max_total_time=$(FUZZ_TIME) -artifact_prefix=build/fuzz/ \
		    build/fuzz/corpus-$$n fuzz/corpus/$$n || exit 1; \
	done
