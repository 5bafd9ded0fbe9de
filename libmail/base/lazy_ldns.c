/* lazy_ldns.c — the pointers of ldns and the table that fills them;
 * see lazy_ldns.h and base/lazylib.h. */
#include "base/lazy_ldns.h"

/* The soname comes from the library the build found (Makefile); this is
 * Debian 12's, for builds that do not pass it (the fuzz scripts). */
#ifndef LIBLDNS_SONAME
#define LIBLDNS_SONAME "libldns.so.3"
#endif

LAZY_LDNS_SYMBOLS(LAZY_DEFINE)

static const struct lazy_symbol symbols[] = { LAZY_LDNS_SYMBOLS(LAZY_ENTRY) };

static void init(void)
{
	lazylib_fill(&lazy_ldns);
}

struct lazy_library lazy_ldns = LAZY_LIBRARY(LIBLDNS_SONAME, symbols, init);
