/* utf8.h — checking UTF-8 text (RFC 3629), for addresses and JSON alike. */
#ifndef POSTBOX_UTF8_H
#define POSTBOX_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at p (1..4), 0 if malformed.
 * Overlong forms, surrogates and code points past U+10FFFF are malformed. */
size_t utf8_seq_len(const unsigned char *p, size_t n);

#endif
