/* lazy_ldns.c — the pointers of ldns and the table that fills them;
 * see lazy_ldns.h and base/lazylib.h. */
#include "base/lazy_ldns.h"

/* The soname comes from the library the build found (Makefile); this is
 * Debian 12's, for builds that do not pass it (the fuzz scripts). */
#ifndef LIBLDNS_SONAME
#define LIBLDNS_SONAME "libldns.so.3"
#endif

LAZY_LIBRARY_DEFINE(lazy_ldns, LIBLDNS_SONAME, LAZY_LDNS_SYMBOLS)
