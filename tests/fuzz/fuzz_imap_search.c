/* libFuzzer target: the SEARCH program (msg/imap_search.h) and the FETCH
 * item list (imap_fetch.h), both read from a command line through the
 * command reader: parsing never crashes and stays within its bounds, and
 * a parsed program evaluates against a message (the input itself). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "msg/imap_cmd.h"
#include "msg/imap_fetch.h"
#include "msg/imap_search.h"

static int kw(void *ctx, const char *k, size_t n)
{
	(void)ctx;
	return n > 0 && k[0] == 'a';
}

static int saved(void *ctx, uint32_t seq, uint32_t uid)
{
	(void)ctx;
	return (seq + uid) % 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf line = BUF_INIT;
	buf_adds(&line, "a SEARCH ");
	buf_add(&line, data, size);
	buf_adds(&line, "\r\n");
	struct imap_reader r;
	imap_reader_init(&r, NULL);
	size_t pos = 0, used;
	for (int guard = 0; guard < 1000 && pos <= line.len; guard++) {
		enum imap_read st = imap_reader_step(&r, line.ptr + pos, line.len - pos, &used);
		pos += used;
		if (st == IMAP_READ_LITERAL) {
			if (imap_reader_accept(&r, IMAP_LIT_STORE) < 0)
				imap_reader_refuse(&r);
			continue;
		}
		if (st != IMAP_READ_COMMAND)
			break;
		struct imap_search s;
		struct imap_err e;
		if (imap_search_parse(r.cmd.args, 200, &s, &e) == 0) {
			if (s.n == 0 || s.n > 200)
				__builtin_trap();
			imap_search_resolve(&s, 10, 1000);
			(void)imap_search_needs(&s);
			struct imap_search_msg m = {.seq = 3, .uid = 77, .size = size, .flags = data[0],
						    .internal_date = 1000000000, .text = (const char *)data,
						    .text_len = size, .has_keyword = kw, .in_saved = saved};
			(void)imap_search_match(&s, &m);
			imap_search_free(&s);
		} else if (s.nodes) {
			__builtin_trap(); /* freed on failure */
		}
		if (r.cmd.args) {
			static struct imap_fetch f;
			if (imap_fetch_parse(r.cmd.args, &f, &e) == 0) {
				struct buf names = BUF_INIT;
				for (size_t i = 0; i < f.n; i++)
					imap_fetch_item_name(&names, &f.items[i]);
				buf_free(&names);
				if (f.n > IMAP_FETCH_ITEMS_MAX)
					__builtin_trap();
			}
		}
		break;
	}
	imap_reader_free(&r);
	buf_free(&line);
	return 0;
}
