/* lazy_crypt.h — libcrypt, loaded when first needed (base/lazylib.h).
 *
 * Include it instead of the library's own headers: it includes them, then
 * turns each call named below into a call through the pointer that
 * lazylib_load(LAZYLIB_CRYPT) fills. A new call into the library needs one line
 * in each list (the compiler keeps them in step: a name without its
 * #define is an undefined reference at link time; a #define without its
 * list entry is an undeclared lazy_ pointer).
 */
#ifndef POSTBOX_LAZY_CRYPT_H
#define POSTBOX_LAZY_CRYPT_H

#include <crypt.h>

#include "base/lazylib.h"

#define LAZY_CRYPT_SYMBOLS(X) \
	X(crypt_r) \
	X(crypt_gensalt_rn)

LAZY_CRYPT_SYMBOLS(LAZY_DECLARE)

#define crypt_r LAZY(crypt, crypt_r)
#define crypt_gensalt_rn LAZY(crypt, crypt_gensalt_rn)

#endif
