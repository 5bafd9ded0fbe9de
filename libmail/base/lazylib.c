/* lazylib.c — dlopen() of OpenSSL, ldns and libcrypt, once each under
 * pthread_once; see lazylib.h for why and for the rules. */
#include "base/lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

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
	pthread_once_t once;
	char error[256];             /* "" once loaded */
};

#define LIBRARY(soname, syms) { soname, syms, sizeof(syms) / sizeof((syms)[0]), PTHREAD_ONCE_INIT, "not loaded" }
static struct lazy_library openssl = LIBRARY(LIBSSL_SONAME, openssl_symbols);
static struct lazy_library ldns = LIBRARY(LIBLDNS_SONAME, ldns_symbols);
static struct lazy_library libcrypt = LIBRARY(LIBCRYPT_SONAME, crypt_symbols);

/* Fill the library's pointers, or leave its error text. Every pointer is
 * set, or none: a library missing one symbol is not half usable. */
static void load(struct lazy_library *l)
{
	void *handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *why = dlerror();
		snprintf(l->error, sizeof l->error, "cannot load %s: %s", l->soname, why ? why : "dlopen failed");
		return;
	}
	for (size_t i = 0; i < l->count; i++) {
		if (!dlsym(handle, l->symbols[i].name)) {
			snprintf(l->error, sizeof l->error, "%s has no %s", l->soname, l->symbols[i].name);
			dlclose(handle);
			return;
		}
	}
	for (size_t i = 0; i < l->count; i++)
		*l->symbols[i].slot = dlsym(handle, l->symbols[i].name);
	l->error[0] = '\0';
}

static void load_openssl(void)
{
	load(&openssl);
}

static void load_ldns(void)
{
	load(&ldns);
}

static void load_crypt(void)
{
	load(&libcrypt);
}

static const struct {
	unsigned bit;
	struct lazy_library *lib;
	void (*init)(void);
} libraries[] = {
	{ LAZYLIB_OPENSSL, &openssl, load_openssl },
	{ LAZYLIB_LDNS, &ldns, load_ldns },
	{ LAZYLIB_CRYPT, &libcrypt, load_crypt },
};

int lazylib_load(unsigned set, struct mail_err *e)
{
	for (size_t i = 0; i < sizeof libraries / sizeof libraries[0]; i++) {
		if (!(set & libraries[i].bit))
			continue;
		pthread_once(&libraries[i].lib->once, libraries[i].init);
		if (libraries[i].lib->error[0])
			return err_set(e, EX_OSERR, 451, "4.3.0", "%s", libraries[i].lib->error);
	}
	return 0;
}

const char *lazylib_soname(unsigned lib)
{
	for (size_t i = 0; i < sizeof libraries / sizeof libraries[0]; i++)
		if (libraries[i].bit == lib)
			return libraries[i].lib->soname;
	return NULL;
}

/* Reached only through an entry point that did not call lazylib_load: the
 * library is loaded now; if it cannot be, the call has no way to fail
 * and the process stops here (see lazylib.h). */
static void require(unsigned lib)
{
	struct mail_err e;
	if (lazylib_load(lib, &e) < 0)
		abort();
}

void lazylib_require_openssl(void)
{
	require(LAZYLIB_OPENSSL);
}

void lazylib_require_ldns(void)
{
	require(LAZYLIB_LDNS);
}

void lazylib_require_crypt(void)
{
	require(LAZYLIB_CRYPT);
}
