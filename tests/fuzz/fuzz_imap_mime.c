/* libFuzzer target: a message's MIME structure (msg/imap_mime.h) and what
 * is built from it: BODYSTRUCTURE, BODY, ENVELOPE and sections. Every
 * output is balanced IMAP (parentheses outside strings, literals of their
 * announced size); every part lies within the message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "msg/imap_bodystruct.h"
#include "msg/imap_envelope.h"
#include "msg/imap_mime.h"
#include "msg/imap_section.h"

static void balanced(const struct buf *b)
{
	long depth = 0;
	const char *s = b->ptr;
	for (size_t i = 0; i < b->len; i++) {
		if (s[i] == '"') {
			for (i++; i < b->len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			if (i >= b->len)
				__builtin_trap();
		} else if (s[i] == '{') {
			char *end;
			unsigned long n = strtoul(s + i + 1, &end, 10);
			if (end[0] != '}' || end[1] != '\r' || end[2] != '\n')
				__builtin_trap();
			i = (size_t)(end - s) + 2 + n;
			if (i >= b->len)
				__builtin_trap();
		} else if (s[i] == '(') {
			depth++;
		} else if (s[i] == ')') {
			if (--depth < 0)
				__builtin_trap();
		} else if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0') {
			__builtin_trap();
		}
	}
	if (depth != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct imap_mime m;
	if (imap_mime_parse(msg, size, &m) < 0)
		return 0;
	if (m.nparts == 0 || m.nparts > IMAP_MIME_PARTS + 1)
		__builtin_trap();
	for (size_t i = 0; i < m.nparts; i++) {
		const struct imap_mime_part *p = &m.parts[i];
		if (p->hdr_start > size || p->body_start + p->body_len > size ||
		    p->hdr_start + p->hdr_len != p->body_start)
			__builtin_trap();
	}
	struct buf out = BUF_INIT;
	for (int ext = 0; ext < 2; ext++) {
		buf_reset(&out);
		imap_bodystruct(&out, &m, 0, ext);
		balanced(&out);
	}
	buf_reset(&out);
	imap_envelope(&out, msg, size);
	balanced(&out);
	imap_mime_free(&m);
	/* sections: a few part paths taken from the input's first bytes */
	struct imap_section sec;
	memset(&sec, 0, sizeof sec);
	for (size_t i = 0; i < 3 && i < size; i++)
		sec.part[sec.nparts++] = (uint32_t)(data[i] % 4) + 1;
	for (int kind = IMAP_SEC_ALL; kind <= IMAP_SEC_MIME; kind++) {
		if (kind == IMAP_SEC_HEADER_FIELDS || kind == IMAP_SEC_HEADER_FIELDS_NOT)
			continue;
		sec.kind = (enum imap_section_kind)kind;
		buf_reset(&out);
		imap_section_extract(msg, size, &sec, 1, size % 7, 50, &out);
		if (out.len > 50)
			__builtin_trap();
	}
	sec.kind = IMAP_SEC_ALL;
	buf_reset(&out);
	imap_section_binary(msg, size, &sec, 0, 0, 0, &out);
	buf_free(&out);
	return 0;
}
