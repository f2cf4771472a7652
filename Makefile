# harden: a compliance scanner for VMware vSphere and NSX.
#
#   make demo     install what is missing, build, scan the built-in lab
#   make check    install what is missing, build, run every test
#   make bench    scan 2,000- and 10,000-VM labs and print the figures

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/harden
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/vendor-completions
UNITDIR = $(PREFIX)/lib/systemd/system
VERSION := $(shell sed -n 's/^\#define HARDEN_VERSION "\(.*\)"/\1/p' src/version.h)

CC ?= cc
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
PKG_CONFIG ?= pkg-config
PKGS = libcurl libxml-2.0 yaml-0.1 sqlite3 jansson libmicrohttpd
CFLAGS ?= -O2 -g
WARNINGS = -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wwrite-strings
B ?= build

# Recursively expanded so that pkg-config runs after 'deps' installed it.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)
ALL_CFLAGS = $(WARNINGS) $(CFLAGS) $(SANITIZE) -D_GNU_SOURCE -Isrc -Icollectors \
	-DHARDEN_DATADIR='"$(DATADIR)"' -DHARDEN_COMMIT='"$(COMMIT)"' -include src/version.h $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SANITIZE)

LIB_SRC = $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c collectors/*/*.c))
LIB_OBJ = $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC))
UNIT_SRC = $(wildcard tests/unit/check_*.c)
UNIT_BIN = $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
INTEG_SRC = $(wildcard tests/integration/check_*.c)
INTEG_BIN = $(patsubst tests/integration/%.c,$(B)/tests/%,$(INTEG_SRC))
TESTLIB_SRC = $(wildcard tests/lib/*.c)
TESTLIB_OBJ = $(patsubst %.c,$(B)/obj/%.o,$(TESTLIB_SRC))
LABKIT_SRC = $(wildcard tests/lab/labkit/*.go)
LAB_SRC = $(wildcard tests/lab/vcsim/*.go) $(LABKIT_SRC)
NSXLAB_SRC = $(wildcard tests/lab/nsx/*.go) $(LABKIT_SRC)
# GOPATH mode, offline: the labs' shared package "harden/labkit" is found
# through a link in $(B)/gopath, Debian's Go packages in /usr/share/gocode.
GO_ENV = GOPATH=$(abspath $(B))/gopath:/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(B))/gocache
LABKIT_LINK = $(B)/gopath/src/harden/labkit

.SECONDARY:

.PHONY: all deps completion deb deb-check FORCE lab-bin lab-selftest lab-gotest lab demo check check-run unit integration asan asan-run valgrind \
	valgrind-run bench fuzz fuzz-run fuzz-short torture install uninstall clean lint man-lint man man-check

all: $(B)/harden

deps:
	@sh scripts/deps.sh
	@sh scripts/mcp-sdk.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The paths compiled into harden (HARDEN_DATADIR), in a file whose content
# changes with them: 'make install PREFIX=/usr' after a default build
# rebuilds what uses them.
$(B)/paths.stamp: FORCE
	@mkdir -p $(B)
	@echo 'DATADIR=$(DATADIR)' > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(B)/obj/src/rules/baseline.o: $(B)/paths.stamp

$(B)/libharden.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/harden: $(B)/obj/src/main.o $(B)/libharden.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -MMD -MP -c $< -o $@

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TESTLIB_OBJ) $(B)/libharden.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)

# Every integration suite links the test library; the list is the directory.
$(INTEG_BIN): $(B)/tests/%: $(B)/obj/tests/integration/%.o $(TESTLIB_OBJ) $(B)/libharden.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)

# The allocation-failure shim the torture suite preloads into harden.
$(B)/tests/failmalloc.so: tests/lib/preload/failmalloc.c
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O1 -g -Wall -Wextra -Werror -o $@ $<

$(B)/tests/check_torture: | $(B)/tests/failmalloc.so

$(LABKIT_LINK):
	@mkdir -p $(dir $@)
	ln -sfn $(abspath tests/lab/labkit) $@

# The vCenter lab: govmomi's simulator from Debian's packages, built offline.
$(B)/harden-vclab: $(LAB_SRC) | $(LABKIT_LINK)
	@mkdir -p $(B)
	cd tests/lab/vcsim && $(GO_ENV) go build -o $(abspath $@) .

# The NSX Policy API lab: the project's own, standard library only.
$(B)/harden-nsxlab: $(NSXLAB_SRC) | $(LABKIT_LINK)
	@mkdir -p $(B)
	cd tests/lab/nsx && $(GO_ENV) go build -o $(abspath $@) .

lab-bin: $(B)/harden-vclab $(B)/harden-nsxlab

# The Python labs (vmware-pilot over MCP, the lab agent, the LLM API lab).
lab-selftest: lab-bin
	HARDEN_LAB_BIN=$(abspath $(B))/harden-vclab HARDEN_NSXLAB_BIN=$(abspath $(B))/harden-nsxlab \
		python3 tests/lab/labs_selftest.py

# Self-tests of the labs' hostile-server switches (not part of check-run).
lab-gotest: lab-bin
	cd tests/lab/vcsim && $(GO_ENV) HARDEN_VCLAB=$(abspath $(B))/harden-vclab go test -count=1 .
	cd tests/lab/nsx && $(GO_ENV) go test -count=1 .

lab: deps
	@$(MAKE) --no-print-directory all lab-bin
	sh scripts/lab.sh

demo: deps
	@$(MAKE) --no-print-directory all lab-bin
	sh scripts/demo.sh

# The suites three times: plain, under ASan+UBSan, and under valgrind.
check: deps
	@$(MAKE) --no-print-directory check-run
	@$(MAKE) --no-print-directory fuzz-short
	@$(MAKE) --no-print-directory asan-run
	@$(MAKE) --no-print-directory valgrind-run

check-run: all lab-bin man-check lab-selftest $(UNIT_BIN) $(INTEG_BIN)
	sh scripts/run-tests.sh $(B) $(UNIT_BIN) $(INTEG_BIN)
	sh scripts/recipes-test.sh $(B)
	@if [ -z "$(SANITIZE)" ]; then sh scripts/deb-test.sh $(B); else echo "deb-test: skipped under sanitizers"; fi

# The torture suite at full length: a kill -9 at every API call and commit
# of a scan, and 200 allocation failures (check-run runs a short version).
torture: all lab-bin $(B)/tests/check_torture
	HARDEN_TORTURE=full sh scripts/run-tests.sh $(B) $(B)/tests/check_torture

unit: all $(UNIT_BIN)
	sh scripts/run-tests.sh $(B) $(UNIT_BIN)

integration: all lab-bin $(INTEG_BIN)
	sh scripts/run-tests.sh $(B) $(INTEG_BIN)

# The same tests built with AddressSanitizer and UndefinedBehaviorSanitizer;
# the integration suites then run the sanitised harden binary too.
asan: deps
	@$(MAKE) --no-print-directory asan-run

asan-run:
	@$(MAKE) --no-print-directory B=build-asan CFLAGS='-O1 -g -fno-omit-frame-pointer' \
		SANITIZE='-fsanitize=address,undefined -fno-sanitize-recover=all' check-run

# Unit and integration suites under valgrind, in-process (CK_FORK=no).
valgrind: deps
	@$(MAKE) --no-print-directory valgrind-run

valgrind-run: all lab-bin $(UNIT_BIN) $(INTEG_BIN)
	HARDEN_VALGRIND=1 sh scripts/run-tests.sh $(B) $(UNIT_BIN) $(INTEG_BIN)

# Coverage-guided fuzzing of the parsers of untrusted input, FUZZ_SECONDS each.
FUZZERS = soap baseline targets waivers nsx jsonrpc
FUZZ_SECONDS ?= 60
fuzz:
	@sh scripts/deps.sh clang libclang-rt-14-dev
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang CFLAGS='-O1 -g -Wno-string-concatenation' \
		SANITIZE='-fsanitize=fuzzer-no-link,address,undefined' fuzz-run

# A short run of every fuzzer, part of 'make check' (FUZZ_SECONDS each).
fuzz-short:
	@$(MAKE) --no-print-directory FUZZ_SECONDS=5 fuzz

fuzz-run: $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZERS))
	sh scripts/fuzz.sh $(B) $(FUZZ_SECONDS) $(FUZZERS)

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(B)/libharden.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(B)/libharden.a $(PKG_LIBS)

bench: deps
	@$(MAKE) --no-print-directory all lab-bin
	sh scripts/bench.sh $(B)

# cppcheck always; clang-tidy (checks in .clang-tidy) where it is installed.
# Neither installs anything: only 'make check', 'demo', 'lab' and 'fuzz' run deps.
TIDY_FLAGS = -std=c11 -D_GNU_SOURCE -Isrc -Icollectors -DHARDEN_DATADIR='"$(DATADIR)"' \
	-include src/version.h $(PKG_CFLAGS)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--std=c11 -D_GNU_SOURCE -Isrc -Icollectors --suppress=missingIncludeSystem src collectors
	@if command -v clang-tidy >/dev/null 2>&1; then \
		echo "clang-tidy src/main.c $(LIB_SRC)" | fold -s -w 100; \
		clang-tidy --quiet src/main.c $(LIB_SRC) -- $(TIDY_FLAGS) 2>/dev/null; \
	else \
		echo "lint: clang-tidy not installed, skipped"; \
	fi

man-lint:
	for m in man/*.[1-9]; do groff -mdoc -ww -z $$m || exit 1; done

# Manual pages name the installed baseline directory: the default prefix's
# is replaced by this one's as they are installed.
MAN_SUBST = sed -e 's|/usr/local/share/harden|$(DATADIR)|g' -e 's|/usr/local/lib/systemd|$(PREFIX)/lib/systemd|g' -e 's|/usr/local/share/bash-completion|$(PREFIX)/share/bash-completion|g' -e 's|/usr/local/share/zsh|$(PREFIX)/share/zsh|g'

install: all completion
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/baselines/coverage $(DESTDIR)$(DATADIR)/examples \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(UNITDIR)
	install -m 755 $(B)/harden $(DESTDIR)$(BINDIR)/harden
	install -m 644 baselines/*.yaml baselines/catalog.json $(DESTDIR)$(DATADIR)/baselines/
	install -m 644 baselines/coverage/*.yaml $(DESTDIR)$(DATADIR)/baselines/coverage/
	if [ -d schemas ]; then install -d $(DESTDIR)$(DATADIR)/schemas && \
		install -m 644 schemas/*.json $(DESTDIR)$(DATADIR)/schemas/; fi
	install -m 644 contrib/targets.yaml $(DESTDIR)$(DATADIR)/examples/targets.yaml
	for m in man/*.[157]; do s=$${m##*.}; \
		$(MAN_SUBST) $$m > $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} && chmod 644 $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} || exit 1; \
	done
	install -m 644 $(B)/completion/harden $(DESTDIR)$(BASHCOMPDIR)/harden
	install -m 644 $(B)/completion/_harden $(DESTDIR)$(ZSHCOMPDIR)/_harden
	for u in contrib/systemd/*; do \
		sed 's|@BINDIR@|$(BINDIR)|g' $$u > $(DESTDIR)$(UNITDIR)/$${u##*/} && chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/harden $(DESTDIR)$(BASHCOMPDIR)/harden $(DESTDIR)$(ZSHCOMPDIR)/_harden
	rm -rf $(DESTDIR)$(DATADIR)
	for m in man/*.[157]; do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	for u in contrib/systemd/*; do rm -f $(DESTDIR)$(UNITDIR)/$${u##*/}; done

# A Debian package of harden for this machine's architecture, with
# dpkg-deb only (no debhelper): installed under /usr, /etc/harden/targets.yaml
# an example conffile.  scripts/deb-test.sh installs it and scans the labs.
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB = $(B)/harden_$(VERSION)_$(DEB_ARCH).deb
DEB_ROOT = $(B)/deb/root

deb: $(DEB)

$(DEB): FORCE
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory B=$(B)/deb/build PREFIX=/usr DESTDIR=$(abspath $(DEB_ROOT)) install
	install -d $(DEB_ROOT)/DEBIAN $(DEB_ROOT)/etc/harden $(DEB_ROOT)/usr/share/doc/harden
	install -m 644 contrib/targets.yaml $(DEB_ROOT)/etc/harden/targets.yaml
	install -m 644 contrib/debian/copyright $(DEB_ROOT)/usr/share/doc/harden/copyright
	gzip -9n < CHANGELOG.md > $(DEB_ROOT)/usr/share/doc/harden/changelog.gz
	echo /etc/harden/targets.yaml > $(DEB_ROOT)/DEBIAN/conffiles
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
		-e "s/@SIZE@/$$(du -sk $(DEB_ROOT)/usr | cut -f1)/" contrib/debian/control > $(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group --build $(DEB_ROOT) $@

deb-check: all lab-bin
	sh scripts/deb-test.sh $(B)

clean:
	rm -rf build build-asan build-fuzz .lab .lab-bench

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# The generated blocks of the manual pages (synopsis, exit status, property
# vocabulary) come from the program's own tables; check-run fails when they
# are out of date and 'make man' rewrites them.
$(B)/mangen: man/mangen.c $(B)/libharden.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/libharden.a $(PKG_LIBS)

man: $(B)/mangen
	$(B)/mangen update man/harden.1 man/harden-properties.7 README.md

man-check: $(B)/mangen
	$(B)/mangen check man/harden.1 man/harden-properties.7 README.md

# Shell completion, printed from the command table's option specs.
$(B)/compgen: man/compgen.c $(B)/libharden.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/libharden.a $(PKG_LIBS)

$(B)/completion/harden: $(B)/compgen
	@mkdir -p $(dir $@)
	$(B)/compgen bash > $@

$(B)/completion/_harden: $(B)/compgen
	@mkdir -p $(dir $@)
	$(B)/compgen zsh > $@

completion: $(B)/completion/harden $(B)/completion/_harden
