/* lazy_ssl.c — the pointers of OpenSSL (libssl, libcrypto) and the table that fills them;
 * see lazy_ssl.h and base/lazylib.h. */
#include "base/lazy_ssl.h"

/* The soname comes from the library the build found (Makefile); this is
 * Debian 12's, for builds that do not pass it (the fuzz scripts). */
#ifndef LIBSSL_SONAME
#define LIBSSL_SONAME "libssl.so.3"
#endif

LAZY_LIBRARY_DEFINE(lazy_openssl, LIBSSL_SONAME, LAZY_OPENSSL_SYMBOLS)
