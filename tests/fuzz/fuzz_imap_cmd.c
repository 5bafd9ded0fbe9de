/* libFuzzer target: the IMAP command reader (msg/imap_cmd.h). Any bytes,
 * fed whole and one octet at a time, give the same events; commands stay
 * within the limits; a literal is announced before its octets are read. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "msg/imap_cmd.h"

static size_t check_tree(const struct imap_arg *a, size_t depth, const struct imap_limits *l)
{
	size_t n = 0, count = 0;
	if (depth > l->depth_max)
		__builtin_trap();
	for (; a; a = a->next) {
		n++;
		count++;
		if (a->type == IMAP_ARG_LIST)
			n += check_tree(a->child, depth + 1, l);
		else if (!a->streamed && (!a->s || a->s[a->len] != '\0'))
			__builtin_trap();
		if (a->type == IMAP_ARG_LITERAL && !a->streamed && a->len > l->literal_max)
			__builtin_trap();
	}
	if (count > l->list_max)
		__builtin_trap();
	return n;
}

/* Run the input in chunks of `chunk`; describe the events in out. */
static void run(const uint8_t *data, size_t size, size_t chunk, struct buf *out)
{
	struct imap_limits lim;
	imap_limits_default(&lim);
	lim.line_max = 200;
	lim.literal_max = 64;
	lim.nonsync_max = 32;
	lim.depth_max = 4;
	lim.list_max = 8;
	lim.args_max = 30;
	lim.skip_max = 1000;
	struct imap_reader r;
	imap_reader_init(&r, &lim);
	size_t pos = 0;
	for (int guard = 0; guard < 100000; guard++) {
		size_t avail = size - pos < chunk ? size - pos : chunk;
		size_t used;
		enum imap_read st = imap_reader_step(&r, (const char *)data + pos, avail, &used);
		if (used > avail)
			__builtin_trap();
		pos += used;
		if (st == IMAP_READ_MORE) {
			if (pos >= size)
				break;
			continue;
		}
		if (st == IMAP_READ_CLOSE) {
			buf_addf(out, "C%s|", r.err.text);
			break;
		}
		if (st == IMAP_READ_COMMAND) {
			if (!r.cmd.tag[0] || !r.cmd.name[0] || check_tree(r.cmd.args, 0, &lim) > lim.args_max)
				__builtin_trap();
			buf_addf(out, "%s %s %zu|", r.cmd.tag, r.cmd.name, r.cmd.nargs);
		} else if (st == IMAP_READ_LITERAL) {
			buf_addf(out, "L%llu|", (unsigned long long)r.lit.size);
			/* decide from the size, so that every chunking decides alike */
			if (r.lit.size % 3 == 0)
				imap_reader_refuse(&r);
			else if (imap_reader_accept(&r, r.lit.size % 3 == 1 ? IMAP_LIT_STORE : IMAP_LIT_STREAM) < 0)
				imap_reader_refuse(&r);
		} else if (st == IMAP_READ_DATA) {
			buf_add(out, r.data, r.data_len);
		} else if (st == IMAP_READ_BAD) {
			buf_addf(out, "B%s %s|", r.tag, r.err.text);
		}
	}
	imap_reader_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf whole = BUF_INIT, bytes = BUF_INIT;
	run(data, size, size ? size : 1, &whole);
	run(data, size, 1, &bytes);
	/* streamed DATA comes in other pieces, but appended raw the
	 * descriptions agree whatever the chunking */
	if (whole.len != bytes.len || (whole.len && memcmp(whole.ptr, bytes.ptr, whole.len)))
		__builtin_trap();
	buf_free(&whole);
	buf_free(&bytes);
	return 0;
}
