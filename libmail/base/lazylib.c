/* lazylib.c — the loader: dlopen() of OpenSSL, ldns and libcrypt, once
 * each under pthread_once; see lazylib.h for why and for the rules. The
 * pointers and their tables are the libraries' own files (lazy_ssl.c,
 * lazy_ldns.c, lazy_crypt.c). */
#include "base/lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

/* Every pointer is set, or none: a library missing one symbol is not half
 * usable. */
void lazylib_fill(struct lazy_library *l)
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

static const struct {
	unsigned bit;
	struct lazy_library *lib;
} libraries[] = {
	{ LAZYLIB_OPENSSL, &lazy_openssl },
	{ LAZYLIB_LDNS, &lazy_ldns },
	{ LAZYLIB_CRYPT, &lazy_crypt },
};

int lazylib_load(unsigned set, struct mail_err *e)
{
	for (size_t i = 0; i < sizeof libraries / sizeof libraries[0]; i++) {
		if (!(set & libraries[i].bit))
			continue;
		pthread_once(&libraries[i].lib->once, libraries[i].lib->init);
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
