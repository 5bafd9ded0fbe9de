/* lazy_crypt.c — the pointers of libcrypt and the table that fills them;
 * see lazy_crypt.h and base/lazylib.h. */
#include "base/lazy_crypt.h"

/* The soname comes from the library the build found (Makefile); this is
 * Debian 12's, for builds that do not pass it (the fuzz scripts). */
#ifndef LIBCRYPT_SONAME
#define LIBCRYPT_SONAME "libcrypt.so.1"
#endif

LAZY_LIBRARY_DEFINE(lazy_crypt, LIBCRYPT_SONAME, LAZY_CRYPT_SYMBOLS)
