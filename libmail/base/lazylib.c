/* lazylib.c — dlopen() of OpenSSL, ldns and libcrypt on first use; see
 * lazylib.h for why. */
#include "base/lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

/* The sonames come from the libraries the build found (Makefile); these are
 * Debian 12's, for builds that do not pass them (the fuzz scripts). */
#ifndef LIBSSL_SONAME
#define LIBSSL_SONAME "libssl.so.3"
#endif
#ifndef LIBLDNS_SONAME
#define LIBLDNS_SONAME "libldns.so.3"
#endif
#ifndef LIBCRYPT_SONAME
#define LIBCRYPT_SONAME "libcrypt.so.1"
#endif

#define LAZY_DEFINE(f) __typeof__(lazy_##f) lazy_##f;
LAZY_OPENSSL_SYMBOLS(LAZY_DEFINE)
LAZY_LDNS_SYMBOLS(LAZY_DEFINE)
LAZY_CRYPT_SYMBOLS(LAZY_DEFINE)

struct lazy_symbol {
	const char *name;
	void **slot;
};

#define LAZY_ENTRY(f) { #f, (void **)&lazy_##f },
static const struct lazy_symbol openssl_symbols[] = { LAZY_OPENSSL_SYMBOLS(LAZY_ENTRY) };
static const struct lazy_symbol ldns_symbols[] = { LAZY_LDNS_SYMBOLS(LAZY_ENTRY) };
static const struct lazy_symbol crypt_symbols[] = { LAZY_CRYPT_SYMBOLS(LAZY_ENTRY) };

struct lazy_library {
	const char *soname;
	const struct lazy_symbol *symbols;
	size_t count;
	int loaded;
};

#define LIBRARY(soname, syms) { soname, syms, sizeof(syms) / sizeof((syms)[0]), 0 }
static struct lazy_library openssl = LIBRARY(LIBSSL_SONAME, openssl_symbols);
static struct lazy_library ldns = LIBRARY(LIBLDNS_SONAME, ldns_symbols);
static struct lazy_library libcrypt = LIBRARY(LIBCRYPT_SONAME, crypt_symbols);

/* A library that cannot be loaded is a broken installation, and no caller
 * could go on without it: say which and exit, as the dynamic linker would
 * have at exec. EX_OSERR defers, never bounces, wherever an exit code
 * decides a message's fate. */
static void load(struct lazy_library *l)
{
	if (l->loaded)
		return;
	void *handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		fprintf(stderr, "postbox: cannot load %s: %s\n", l->soname, dlerror());
		exit(EX_OSERR);
	}
	for (size_t i = 0; i < l->count; i++) {
		void *p = dlsym(handle, l->symbols[i].name);
		if (!p) {
			fprintf(stderr, "postbox: %s has no %s\n", l->soname, l->symbols[i].name);
			exit(EX_OSERR);
		}
		*l->symbols[i].slot = p;
	}
	l->loaded = 1;
}

void lazylib_openssl(void)
{
	load(&openssl);
}

void lazylib_ldns(void)
{
	load(&ldns);
}

void lazylib_crypt(void)
{
	load(&libcrypt);
}

void lazylib_preload(void)
{
	load(&openssl);
	load(&ldns);
	load(&libcrypt);
}
