# postbox — one binary, many applets. GNU make.
#
#   make            build/postbox and the applet links in build/bin
#   make test       install what is missing, build, run unit and bats tests
#   make run        install what is missing, build, run the demo mail host
#   make asan       the same binary with ASan + UBSan in build-asan/
#   make test-asan  the whole suite against the ASan + UBSan build
#   make lint       cppcheck, clang-tidy and the banned-function check
#   make size       the binary's size
#   make install    PREFIX=/usr/local DESTDIR= : binary plus applet links
#   make deb        the Debian package in build/deb/ (lintian-clean)

VERSION   := 0.1.0
BUILD     ?= build
PREFIX    ?= /usr/local
CC        ?= cc
PKGS      := openssl ldns libcrypt libidn2
# The libraries lazylib loads with dlopen (the Debian package's Depends: come
# from these; dpkg-shlibdeps sees the linked ones by itself).
LAZY_PKGS := openssl ldns libcrypt

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lssl -lcrypto -lldns -lcrypt -lidn2)

# postbox itself does not link them: libmail/base/lazylib.c loads each on its
# first call, by the soname of the library found here. libidn2 (IDNA2008,
# msg/idna.c) is small and linked normally: runtime package libidn2-0.
soname     = $(shell objdump -p "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | awk '/SONAME/ {print $$2}')
SONAMES    := $(foreach l,ssl ldns crypt,$(if $(call soname,$(l)),-DLIB$(shell echo $(l) | tr a-z A-Z)_SONAME='"$(call soname,$(l))"',$(warning lib$(l).so not found: using Debian 12's soname)))

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT       ?= -O2 -g
CFLAGS    += -std=c11 -Ilibmail -D_GNU_SOURCE -DPOSTBOX_VERSION='"$(VERSION)"' $(OPT) $(WARN) $(PKG_CFLAGS)
comma     := ,
SAN       := -fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS    += $(if $(SANITIZE),$(SAN) -fPIE,$(HARDEN))
LDFLAGS   += -pie -Wl,-z,relro,-z,now $(if $(SANITIZE),$(SAN))

Q         := $(if $(V),,@)

LIB_SRC    := $(sort $(wildcard libmail/*/*.c))
APPLET_SRC := $(sort $(wildcard applets/*.c applets/*/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
APPLET_OBJ := $(APPLET_SRC:%.c=$(BUILD)/%.o)
APPLETS     = $(shell $(BUILD)/postbox --list 2>/dev/null)

.PHONY: all test test-asan run asan lint size install clean deps fuzz deb print-lazy-pkgs

all: $(BUILD)/postbox $(BUILD)/unit-tests
	@cd $(BUILD) && mkdir -p bin && for a in $$(./postbox --list); do ln -sf ../postbox bin/$$a; done

# -MMD writes each object's header dependencies beside it (.d): a changed
# header rebuilds only the files that include it (a changed Makefile, all:
# its flags may differ, and objects built before -MMD have no .d).
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJ:.o=.d) $(APPLET_OBJ:.o=.d)

$(BUILD)/libmail/base/lazylib.o: CFLAGS += $(SONAMES)

$(BUILD)/libmail.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/postbox: $(APPLET_OBJ) $(BUILD)/libmail.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(APPLET_OBJ) $(BUILD)/libmail.a -ldl -lidn2

$(BUILD)/unit-tests: $(UNIT_SRC) $(wildcard tests/unit/*.h) $(BUILD)/libmail.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -Ilibmail -o $@ $(UNIT_SRC) $(BUILD)/libmail.a $(PKG_LIBS)

deps:
	@scripts/deps

test: deps
	@$(MAKE) --no-print-directory all
	@scripts/test

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=1 OPT="-O1 -g" all

test-asan: deps asan
	@POSTBOX_BUILD=build-asan scripts/test

lint:
	@scripts/lint

size: $(BUILD)/postbox
	@size $(BUILD)/postbox
	@ls -l $(BUILD)/postbox | awk '{print $$5 " bytes"}'

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(BUILD)/postbox $(DESTDIR)$(PREFIX)/sbin/postbox
	@for a in $$($(BUILD)/postbox --list-links); do \
		ln -sf postbox $(DESTDIR)$(PREFIX)/sbin/$$a; done

fuzz:
	@scripts/fuzz

# The Debian package (build/deb/postbox_VERSION_ARCH.deb), built by dpkg-buildpackage.
deb:
	@scripts/make-deb

print-lazy-pkgs:
	@echo $(LAZY_PKGS)

clean:
	rm -rf build build-asan build-fuzz
