# filter-jsonlog: an OpenSMTPD report filter that logs every event as JSON.
# One Makefile for BSD make and GNU make: explicit lists, suffix rules, !=.

PROG=		filter-jsonlog
VERSION=	0.1.0

PREFIX?=	/usr/local
LIBEXECDIR?=	$(PREFIX)/libexec/smtpd
MANDIR?=	$(PREFIX)/share/man
DESTDIR?=

CC?=		cc
PKG_CONFIG?=	pkg-config
CFLAGS?=	-O2 -g
WERROR?=
WARNFLAGS=	-Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
		-Wmissing-declarations -Wshadow -Wpointer-arith -Wcast-qual \
		-Wsign-compare -Wformat=2 -Werror=implicit-function-declaration \
		-fstack-protector-strong
HARDEN?=	-D_FORTIFY_SOURCE=2
JSONC_CFLAGS!=	$(PKG_CONFIG) --cflags json-c 2>/dev/null || echo
JSONC_LIBS!=	$(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c
EVENT_LIBS?=	-levent
THREAD_FLAGS?=	-pthread
COMPAT_CFLAGS!=	sh mk/compat.sh "$(CC)"

ALL_CFLAGS=	$(CFLAGS) $(WARNFLAGS) $(WERROR) $(HARDEN) -Iinclude \
		$(COMPAT_CFLAGS) $(THREAD_FLAGS) -DFJ_VERSION=\"$(VERSION)\"

# The core: no libevent, no descriptors; shared by the program, the unit
# tests, the fuzzer and the bench.
CORE_SRCS=	src/filter.c src/protocol.c src/table.c src/session.c \
		src/mask.c src/render.c src/ecs.c src/summary.c src/jsonw.c \
		src/escape.c src/privacy.c src/sha256.c src/stats.c src/log.c \
		src/compat/strtonum.c src/compat/strlcpy.c
CORE_OBJS=	$(CORE_SRCS:.c=.o)
OBJS=		src/main.o src/sink.o $(CORE_OBJS)

UNIT_TESTS=	tests/unit/test_protocol tests/unit/test_session \
		tests/unit/test_render tests/unit/test_escape tests/unit/test_sink \
		tests/unit/test_summary tests/unit/test_stats tests/unit/test_privacy
TEST_JSON=	tests/unit/jsoncheck

.SUFFIXES: .c .o
.c.o:
	$(CC) $(ALL_CFLAGS) $(JSONC_CFLAGS) -c $< -o $@

all: $(PROG)

$(PROG): $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(EVENT_LIBS)

$(OBJS): include/filter-jsonlog.h include/compat.h
src/render.o src/ecs.o src/mask.o src/jsonw.o: include/jsonw.h

# ---- tests -------------------------------------------------------------

# Each test links the core (and the sink, which needs no libevent).
$(UNIT_TESTS): tests/unit/check.h tests/unit/jpath.h src/sink.o $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) $(JSONC_CFLAGS) -o $@ $@.c src/sink.o \
	    $(CORE_OBJS) $(JSONC_LIBS)
tests/unit/test_protocol: tests/unit/test_protocol.c
tests/unit/test_session: tests/unit/test_session.c
tests/unit/test_render: tests/unit/test_render.c
tests/unit/test_escape: tests/unit/test_escape.c
tests/unit/test_sink: tests/unit/test_sink.c
tests/unit/test_summary: tests/unit/test_summary.c
tests/unit/test_stats: tests/unit/test_stats.c
tests/unit/test_privacy: tests/unit/test_privacy.c
$(TEST_JSON): tests/unit/jsoncheck.c
	$(CC) $(ALL_CFLAGS) $(JSONC_CFLAGS) -o $@ tests/unit/jsoncheck.c \
	    $(JSONC_LIBS)

tests/bench/gen: tests/bench/gen.c
	$(CC) $(ALL_CFLAGS) -o $@ tests/bench/gen.c
tests/bench/dgram-sink: tests/bench/dgram-sink.c
	$(CC) $(ALL_CFLAGS) -o $@ tests/bench/dgram-sink.c

# `make check` runs every suite, each adds its counts to tests/out/results,
# and check-summary prints the total (and fails if anything failed).
check: deps-check all $(UNIT_TESTS) $(TEST_JSON)
	@rm -rf tests/out && mkdir -p tests/out
	-@$(MAKE) check-unit
	-@$(MAKE) check-golden
	-@$(MAKE) check-e2e
	-@$(MAKE) check-examples
	-@$(MAKE) check-elastic
	-@$(MAKE) check-package
	-@$(MAKE) check-robust
	-@$(MAKE) check-asan
	-@$(MAKE) check-fuzz
	@sh tests/summary.sh

check-unit: $(UNIT_TESTS) $(TEST_JSON)
	@sh tests/unit/run.sh $(UNIT_TESTS)

check-golden: $(PROG) $(TEST_JSON)
	@sh tests/golden/run.sh

check-e2e: $(PROG) $(TEST_JSON)
	@sh tests/e2e/run.sh

check-examples: $(PROG) $(TEST_JSON)
	@sh tests/examples/run.sh

# A real Elasticsearch on 127.0.0.1 (fetched from Maven Central once,
# cached in /var/cache/filter-jsonlog): templates, records, dashboards.
check-elastic: $(PROG)
	@sh tests/elastic/run.sh

# The Elastic integration package (packages/opensmtpd): in sync with
# kibana/, package-spec's schemas, ECS, elastic-package when there is one.
check-package:
	@sh tests/package/run.sh

# The zip of packages/opensmtpd that Fleet installs (Kibana: Integrations,
# upload, or POST /api/fleet/epm/packages): build/opensmtpd-VERSION.zip.
package:
	@mkdir -p build && sh packages/ecs-json.sh build/ecs.json
	@python3 packages/build.py build/ecs.json build

check-robust: $(PROG) $(TEST_JSON)
	@sh tests/robust/run.sh

check-fuzz:
	@sh tests/fuzz/run.sh

# Sanitizers: a separate build tree, so the normal objects stay as they are.
# Built with clang (the default build is usually gcc), so both compilers
# see every warning.
ASAN_CC?=	clang
check-asan:
	@WERROR="$(WERROR)" sh tests/asan.sh "$(ASAN_CC)"

regen: $(PROG)
	@sh tests/golden/run.sh -regen

# The packages the tests need: checked, installed only with DEPS=install.
DEPS?=
deps-check:
	@DEPS="$(DEPS)" sh mk/deps.sh check

demo: deps-demo all
	@sh tests/e2e/demo.sh
deps-demo:
	@DEPS=install sh mk/deps.sh demo

bench: all tests/bench/gen tests/bench/dgram-sink
	@sh tests/bench/run.sh

fuzz:
	@sh tests/fuzz/run.sh long

install: $(PROG)
	mkdir -p $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(PROG) $(DESTDIR)$(LIBEXECDIR)/$(PROG)
	install -m 0644 filter-jsonlog.8 $(DESTDIR)$(MANDIR)/man8/filter-jsonlog.8

clean:
	rm -f $(PROG) $(OBJS) $(UNIT_TESTS) $(TEST_JSON) tests/bench/gen \
	    tests/bench/dgram-sink
	rm -rf tests/out tests/asan-build tests/tsan-build tests/fuzz/build

.PHONY: all check check-unit check-golden check-e2e check-examples check-elastic check-package package check-fuzz check-robust \
	check-asan regen deps-check deps-demo demo bench fuzz install clean
