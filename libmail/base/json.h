/* json.h — writing JSON text (there is no JSON reading in postbox). */
#ifndef POSTBOX_JSON_H
#define POSTBOX_JSON_H

#include <stddef.h>

#include "base/buf.h"

/* Append s[0..n) as a JSON string, quotes included. Control characters
 * and bytes that are not well-formed UTF-8 are written as \u00XX escapes,
 * so the output is always valid JSON. */
int json_string(struct buf *out, const char *s, size_t n);
int json_cstring(struct buf *out, const char *s);

#endif
