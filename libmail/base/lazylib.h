/* lazylib.h — the loader of OpenSSL, ldns and libcrypt: each loaded with
 * dlopen() when first needed.
 *
 * Linking them normally costs every exec about 1 ms before main() (libcrypto
 * alone has thousands of relocations), which is most of what `sendmail`
 * spends on a message. So the binary does not link them: a file that calls
 * into one includes that library's header here, which includes the
 * library's own headers and then turns each call into a call through a
 * pointer that lazylib_load() fills by dlopen() of the library the build
 * was compiled against:
 *   base/lazy_ssl.h     OpenSSL (libssl and the libcrypto it brings)
 *   base/lazy_ldns.h    ldns
 *   base/lazy_crypt.h   libcrypt
 * A file that only loads libraries (an applet's start, a daemon before it
 * forks) includes this header alone.
 *
 * The rules that make this safe:
 *   - Loading is lazylib_load(): each library once per process, under
 *     pthread_once, so threads may race for it; a library that cannot be
 *     loaded is an error returned (EX_OSERR), never an exit or a message.
 *   - Every libmail entry point that leads to one of these libraries loads
 *     it first and returns that error: tls_*_ctx (OpenSSL), dns_init and
 *     dns_parse_reply (ldns), users_load and users_hash_password
 *     (libcrypt), maildrop_open and smtp_cram_md5 (OpenSSL); daemon_run
 *     and runner_run load all three before they fork. The applets load
 *     what they need before they start (main.c's table, exit 71 naming the
 *     library), before any thread exists.
 *   - A call that reaches a pointer still unset (an entry point that forgot
 *     the rule) loads the library then; if that fails there is no error
 *     path left mid-call, and the process aborts (a bug, like a failed
 *     assert).
 *   - The dependencies are declared where packagers look: `postbox --libs`
 *     prints the sonames this build loads (Makefile: SONAMES), and the
 *     README's Installing section names the Debian packages.
 */
#ifndef POSTBOX_LAZYLIB_H
#define POSTBOX_LAZYLIB_H

#include <pthread.h>
#include <stddef.h>

#include "base/err.h"

enum lazylib_set {
	LAZYLIB_OPENSSL = 1,
	LAZYLIB_LDNS = 2,
	LAZYLIB_CRYPT = 4,
	LAZYLIB_ALL = 7,
};

/* Load the libraries of `set` now (those already loaded cost nothing).
 * 0, or -1 with EX_OSERR 451 4.3.0 naming the library and the cause. Safe
 * from any thread. */
int lazylib_load(unsigned set, struct mail_err *e);

/* The soname of one library (LAZYLIB_OPENSSL, _LDNS or _CRYPT). */
const char *lazylib_soname(unsigned lib);

/* --- for the library headers and their tables (lazy_*.h, lazy_*.c) --- */

/* The fallback of a call through an unset pointer; see above. */
void lazylib_require_openssl(void);
void lazylib_require_ldns(void);
void lazylib_require_crypt(void);

#ifdef __CPPCHECK__ /* let the analyser see plain calls, whose effects it knows */
#define LAZY(lib, f) f
#else
#define LAZY(lib, f) (*(lazy_##f ? lazy_##f : (lazylib_require_##lib(), lazy_##f)))
#endif

/* One name in a library's list: its pointer is declared in the library's
 * header (extern) and defined in its .c file, and the table that loads it
 * pairs the name with the pointer. */
#define LAZY_DECLARE(f) extern __typeof__(f) *lazy_##f;
#define LAZY_DEFINE(f) __typeof__(lazy_##f) lazy_##f;
#define LAZY_ENTRY(f) { #f, (void **)&lazy_##f },

struct lazy_symbol {
	const char *name;
	void **slot;
};

/* A library: its soname, the pointers to fill, and its state. */
struct lazy_library {
	const char *soname;
	const struct lazy_symbol *symbols;
	size_t count;
	void (*init)(void);          /* calls lazylib_fill() on this library */
	pthread_once_t once;
	char error[256];             /* "" once loaded */
};

/* In a library's .c file: its pointers, its table and its record `var`
 * (declared below), loaded from soname. */
#define LAZY_LIBRARY_DEFINE(var, soname, LIST) \
	LIST(LAZY_DEFINE) \
	static const struct lazy_symbol var##_symbols[] = { LIST(LAZY_ENTRY) }; \
	static void var##_init(void) \
	{ \
		lazylib_fill(&var); \
	} \
	struct lazy_library var = { soname, var##_symbols, sizeof var##_symbols / sizeof var##_symbols[0], \
				    var##_init, PTHREAD_ONCE_INIT, "not loaded" };

/* dlopen() the library and fill every pointer, or none and leave its error
 * text (run once, under the library's pthread_once). */
void lazylib_fill(struct lazy_library *l);

extern struct lazy_library lazy_openssl, lazy_ldns, lazy_crypt;

#endif
