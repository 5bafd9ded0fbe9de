/* Unit tests: the IMAP command reader (msg/imap_cmd.h) — arguments,
 * literals (synchronizing, LITERAL+, LITERAL-, literal8), limits, and
 * resynchronisation after errors. */
#include <string.h>

#include "base/buf.h"
#include "msg/imap_cmd.h"
#include "unit.h"

/* The tree in one line: atoms bare, quoted in "", literals {n:text},
 * lists in (), an adjacent token prefixed with '^'. */
static void render(struct buf *o, const struct imap_arg *a)
{
	for (; a; a = a->next) {
		if (o->len && o->ptr[o->len - 1] != '(')
			buf_addc(o, ' ');
		if (a->adjacent)
			buf_addc(o, '^');
		switch (a->type) {
		case IMAP_ARG_ATOM:
			buf_add(o, a->s, a->len);
			break;
		case IMAP_ARG_QUOTED:
			buf_addf(o, "\"%.*s\"", (int)a->len, a->s);
			break;
		case IMAP_ARG_LITERAL:
			buf_addf(o, "%s{%zu%s:%.*s}", a->binary ? "~" : "", a->len,
				 a->nonsync ? "+" : "", a->streamed ? 0 : (int)a->len,
				 a->streamed ? "" : a->s);
			break;
		case IMAP_ARG_LIST:
			buf_addc(o, '(');
			render(o, a->child);
			buf_addc(o, ')');
			break;
		}
	}
}

/* Feed s in chunks of `chunk` bytes, accepting every literal; describe
 * each event in out: "CMD tag NAME args", "LIT n", "BAD tag code text". */
static void feed(struct imap_reader *r, const char *s, size_t n, size_t chunk, struct buf *out)
{
	size_t pos = 0;
	for (int guard = 0; guard < 10000; guard++) {
		size_t avail = n - pos < chunk ? n - pos : chunk;
		size_t used;
		enum imap_read st = imap_reader_step(r, s + pos, avail, &used);
		pos += used;
		switch (st) {
		case IMAP_READ_MORE:
			if (pos >= n)
				return;
			break;
		case IMAP_READ_COMMAND: {
			struct buf args = BUF_INIT;
			render(&args, r->cmd.args);
			buf_addf(out, "CMD %s %s%s%s|", r->cmd.tag, r->cmd.name, args.len ? " " : "",
				 buf_cstr(&args));
			buf_free(&args);
			break;
		}
		case IMAP_READ_LITERAL:
			buf_addf(out, "LIT %llu%s|", (unsigned long long)r->lit.size,
				 r->lit.nonsync ? "+" : "");
			if (imap_reader_accept(r, IMAP_LIT_STORE) < 0) {
				buf_adds(out, "REFUSED|");
				imap_reader_refuse(r);
			}
			break;
		case IMAP_READ_DATA:
			buf_addf(out, "DATA %.*s|", (int)r->data_len, r->data);
			break;
		case IMAP_READ_LINE:
			buf_addf(out, "LINE %.*s|", (int)r->line_len, r->line);
			break;
		case IMAP_READ_BAD:
			buf_addf(out, "BAD %s [%s] %s|", r->tag, r->err.code, r->err.text);
			break;
		case IMAP_READ_CLOSE:
			buf_addf(out, "CLOSE %s|", r->err.text);
			return;
		}
	}
}

/* Run s through a fresh reader at several chunk sizes; all must agree. */
static const char *run(const char *s, const struct imap_limits *lim)
{
	static char result[4096];
	struct buf first = BUF_INIT;
	size_t chunks[] = {100000, 1, 2, 3, 7};
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		struct imap_reader r;
		imap_reader_init(&r, lim);
		struct buf out = BUF_INIT;
		feed(&r, s, strlen(s), chunks[c], &out);
		imap_reader_free(&r);
		if (c == 0) {
			buf_add(&first, out.ptr, out.len);
		} else if (out.len != first.len || memcmp(out.ptr, first.ptr, out.len)) {
			snprintf(result, sizeof result, "chunk %zu differs: %s", chunks[c], buf_cstr(&out));
			buf_free(&out);
			buf_free(&first);
			return result;
		}
		buf_free(&out);
	}
	snprintf(result, sizeof result, "%s", buf_cstr(&first));
	buf_free(&first);
	return result;
}

UNIT_TEST(imap_cmd_simple)
{
	CHECK_STR(run("a1 NOOP\r\n", NULL), "CMD a1 NOOP|");
	CHECK_STR(run("a1 noop\n", NULL), "CMD a1 NOOP|");
	CHECK_STR(run("A003 LOGIN \"fred\" \"a\\\\b\\\"c\"\r\n", NULL),
		  "CMD A003 LOGIN \"fred\" \"a\\b\"c\"|");
	CHECK_STR(run("x SELECT INBOX\r\ny FETCH 1:*,3 (FLAGS \\Seen BODY.PEEK[])\r\n", NULL),
		  "CMD x SELECT INBOX|CMD y FETCH 1:*,3 (FLAGS \\Seen BODY.PEEK[])|");
	CHECK_STR(run("t LIST \"\" %\r\n", NULL), "CMD t LIST \"\" %|");
	CHECK_STR(run("t] NOOP\r\n", NULL), "CMD t] NOOP|");
	/* FETCH's header list: atom, list, adjacent atom */
	CHECK_STR(run("f FETCH 1 (BODY[HEADER.FIELDS (From To)]<0.100> UID)\r\n", NULL),
		  "CMD f FETCH 1 (BODY[HEADER.FIELDS (From To) ^]<0.100> UID)|");
	CHECK_STR(run("i ID NIL\r\n", NULL), "CMD i ID NIL|");
	CHECK_STR(run("s STORE 1 +FLAGS.SILENT ()\r\n", NULL), "CMD s STORE 1 +FLAGS.SILENT ()|");
	/* UTF-8 in quoted strings (RFC 9051) */
	CHECK_STR(run("c CREATE \"Entw\xc3\xbcrfe\"\r\n", NULL), "CMD c CREATE \"Entw\xc3\xbcrfe\"|");
	/* a trailing space is tolerated */
	CHECK_STR(run("a CHECK \r\n", NULL), "CMD a CHECK|");
}

UNIT_TEST(imap_cmd_syntax_errors)
{
	CHECK_STR(run("\r\n", NULL), "BAD * [] Empty command line|");
	CHECK_STR(run("a+b NOOP\r\n", NULL), "BAD * [] Invalid tag|");
	CHECK_STR(run("a1\r\n", NULL), "BAD a1 [] Missing command|");
	CHECK_STR(run("a1 NO\"OP\r\n", NULL), "BAD a1 [] Invalid command name|");
	CHECK_STR(run("a1 LOGIN  x y\r\n", NULL), "BAD a1 [] Unexpected space|");
	CHECK_STR(run("a1 LOGIN \"x\"y\r\n", NULL), "BAD a1 [] Missing space between arguments|");
	CHECK_STR(run("a1 LOGIN \"x\r\n", NULL), "BAD a1 [] Unterminated quoted string|");
	CHECK_STR(run("a1 LOGIN \"\\x\"\r\n", NULL), "BAD a1 [] Invalid escape in quoted string|");
	CHECK_STR(run("a1 LOGIN \"\xc3\x28\"\r\n", NULL), "BAD a1 [] Invalid UTF-8 in quoted string|");
	CHECK_STR(run("a1 LOGIN x\xe9\r\n", NULL), "BAD a1 [] Invalid character in command|");
	CHECK_STR(run("a1 FETCH 1 (FLAGS\r\n", NULL), "BAD a1 [] Unclosed list|");
	CHECK_STR(run("a1 FETCH 1 FLAGS)\r\n", NULL), "BAD a1 [] Unexpected ')'|");
	CHECK_STR(run("a1 LOGIN a{3}\r\n", NULL), "BAD a1 [] Invalid literal|");
	CHECK_STR(run("a1 LOGIN {3x}\r\n", NULL), "BAD a1 [] Invalid literal|");
	CHECK_STR(run("a1 LOGIN {3} x\r\n", NULL), "BAD a1 [] Invalid literal|");
	CHECK_STR(run("a1 LOGIN {}\r\n", NULL), "BAD a1 [] Invalid literal|");
	CHECK_STR(run("a1 NOOP\rx\r\n", NULL), "BAD * [] Control character in command|");
	/* the reader goes on with the next command */
	CHECK_STR(run("a1 FETCH (\r\na2 NOOP\r\n", NULL), "BAD a1 [] Unclosed list|CMD a2 NOOP|");
}

UNIT_TEST(imap_cmd_literals)
{
	/* synchronizing: announced, accepted, then read */
	CHECK_STR(run("a LOGIN {4}\r\nfred {3}\r\nx y\r\n", NULL),
		  "LIT 4|LIT 3|CMD a LOGIN {4:fred} {3:x y}|");
	/* LITERAL+ and literal8; a literal inside a list */
	CHECK_STR(run("a APPEND box (\\Seen) {5+}\r\nhello\r\n", NULL),
		  "LIT 5+|CMD a APPEND box (\\Seen) {5+:hello}|");
	CHECK_STR(run("a APPEND box ~{3}\r\na\r\n\r\n", NULL), "LIT 3|CMD a APPEND box ~{3:a\r\n}|");
	CHECK_STR(run("a X ({1}\r\nz)\r\n", NULL), "LIT 1|CMD a X ({1:z})|");
	CHECK_STR(run("a X {0}\r\n\r\n", NULL), "LIT 0|CMD a X {0:}|");
	/* a literal's octets are data, whatever they look like */
	CHECK_STR(run("a LOGIN {11}\r\nb LOGOUT\r\n) {1}\r\n\"\r\n", NULL),
		  "LIT 11|LIT 1|CMD a LOGIN {11:b LOGOUT\r\n)} {1:\"}|");
}

UNIT_TEST(imap_cmd_literal_limits)
{
	struct imap_limits lim;
	imap_limits_default(&lim);
	lim.literal_max = 10;
	/* too big for memory: refused before any octet; the client, waiting
	 * for "+", sends the next command instead */
	CHECK_STR(run("a LOGIN {11}\r\nb NOOP\r\n", &lim), "LIT 11|REFUSED|CMD b NOOP|");
	/* LITERAL- (4096): a bigger {N+} is refused by the reader and its
	 * octets, though they look like a command, are skipped */
	char big[6000];
	int k = snprintf(big, sizeof big, "a APPEND x {4097+}\r\n");
	memset(big + k, 'z', 4097);
	memcpy(big + k + 4097 - 10, "\r\nc NOOP\r\n", 10);
	snprintf(big + k + 4097, sizeof big - (size_t)k - 4097, " {2+}\r\nqq\r\nb NOOP\r\n");
	CHECK_STR(run(big, NULL),
		  "BAD a [TOOBIG] Non-synchronizing literal too big|CMD b NOOP|");
	/* a refused {N+}: skipped the same way */
	lim.literal_max = 3;
	CHECK_STR(run("a X {4+}\r\nd NO\r\nb NOOP\r\n", &lim), "LIT 4+|REFUSED|CMD b NOOP|");
	/* a syntax error on a line that announced a {N+}: the literal is skipped */
	CHECK_STR(run("a X ) {5+}\r\nd NO\r\nb NOOP\r\n", NULL),
		  "BAD a [] Unexpected ')'|CMD b NOOP|");
	CHECK_STR(run("a X \"oops {5+}\r\nd NO\r\nb NOOP\r\n", NULL),
		  "BAD a [] Unterminated quoted string|CMD b NOOP|");
	/* skipped octets are bounded too */
	lim.skip_max = 100;
	CHECK_STR(run("a X \"oops {500+}\r\n", &lim),
		  "BAD a [] Unterminated quoted string|");
	const char *r = run("a X \"oops {500+}\r\n"
			    "..................................................."
			    "..................................................\r\n", &lim);
	CHECK_STR(r, "BAD a [] Unterminated quoted string|CLOSE Too much data after a rejected command|");
}

UNIT_TEST(imap_cmd_limits)
{
	struct imap_limits lim;
	imap_limits_default(&lim);
	lim.line_max = 20;
	CHECK_STR(run("a1 LOGIN 0123456789\r\n", &lim), "CMD a1 LOGIN 0123456789|");
	CHECK_STR(run("a1 LOGIN 0123456789012\r\nb NOOP\r\n", &lim),
		  "BAD a1 [] Command line too long|CMD b NOOP|");
	/* the limit counts all the command's lines, literals' octets aside */
	CHECK_STR(run("a1 X {3}\r\nabc 0123456789012\r\n", &lim),
		  "LIT 3|BAD a1 [] Command line too long|");
	/* an over-long line that ends in {N+}: its literal is skipped too */
	CHECK_STR(run("a1 LOGIN 012345678901234567890 {3+}\r\nb X\r\nc NOOP\r\n", &lim),
		  "BAD a1 [] Command line too long|CMD c NOOP|");
	imap_limits_default(&lim);
	lim.depth_max = 2;
	CHECK_STR(run("a X ((a))\r\n", &lim), "CMD a X ((a))|");
	CHECK_STR(run("a X (((a)))\r\n", &lim), "BAD a [LIMIT] Lists nested too deep|");
	lim.list_max = 3;
	CHECK_STR(run("a X (1 2 3)\r\n", &lim), "CMD a X (1 2 3)|");
	CHECK_STR(run("a X (1 2 3 4)\r\n", &lim), "BAD a [LIMIT] Too many elements in a list|");
	CHECK_STR(run("a X 1 2 3 4\r\n", &lim), "BAD a [LIMIT] Too many elements in a list|");
	lim.list_max = 100;
	lim.args_max = 5;
	CHECK_STR(run("a X (1 2) (3 4) 5\r\n", &lim), "BAD a [LIMIT] Too many arguments|");
	/* depth_max is capped at the reader's stack */
	imap_limits_default(&lim);
	lim.depth_max = 1000;
	char deep[200];
	memset(deep, 0, sizeof deep);
	memcpy(deep, "a X ", 4);
	memset(deep + 4, '(', 40);
	memcpy(deep + 44, "\r\n", 2);
	CHECK_STR(run(deep, &lim), "BAD a [LIMIT] Lists nested too deep|");
}

UNIT_TEST(imap_cmd_stream_and_lines)
{
	struct imap_reader r;
	imap_reader_init(&r, NULL);
	const char *s = "a APPEND INBOX (\\Seen) {10}\r\n0123456789\r\n";
	size_t used, pos = 0, n = strlen(s);
	CHECK(imap_reader_step(&r, s, n, &used) == IMAP_READ_LITERAL);
	pos += used;
	/* the arguments so far are visible, the literal's octets untouched */
	CHECK_STR(r.cmd.name, "APPEND");
	CHECK(r.cmd.nargs == 2 && r.lit.index == 2 && r.lit.depth == 0 && r.lit.size == 10);
	CHECK(r.cmd.args && r.cmd.args->len == 5 && !memcmp(r.cmd.args->s, "INBOX", 5));
	CHECK(!strncmp(s + pos, "0123456789", 10));
	CHECK(imap_reader_accept(&r, IMAP_LIT_STREAM) == 0);
	struct buf got = BUF_INIT;
	enum imap_read st;
	while ((st = imap_reader_step(&r, s + pos, pos + 4 < n ? 4 : n - pos, &used)) ==
	       IMAP_READ_DATA) {
		buf_add(&got, r.data, r.data_len);
		pos += used;
	}
	pos += used;
	CHECK(st == IMAP_READ_COMMAND && pos == n);
	CHECK_STR(buf_cstr(&got), "0123456789");
	CHECK(r.cmd.nargs == 3);
	const struct imap_arg *lit = r.cmd.args->next->next;
	CHECK(lit && lit->type == IMAP_ARG_LITERAL && lit->streamed && lit->len == 10 && !lit->s);
	buf_free(&got);
	/* raw lines (AUTHENTICATE, IDLE's DONE) */
	imap_reader_want_line(&r);
	CHECK(imap_reader_step(&r, "dGVzdA==\r\nb NOOP\r\n", 18, &used) == IMAP_READ_LINE);
	CHECK(used == 10 && r.line_len == 8 && !memcmp(r.line, "dGVzdA==", 8));
	CHECK(imap_reader_step(&r, "b NOOP\r\n", 8, &used) == IMAP_READ_COMMAND);
	/* stepping on without deciding a literal is an error of the caller */
	CHECK(imap_reader_step(&r, "c X {1}\r\n", 9, &used) == IMAP_READ_LITERAL);
	CHECK(imap_reader_step(&r, "z", 1, &used) == IMAP_READ_CLOSE);
	imap_reader_free(&r);
}

UNIT_TEST(imap_cmd_arg_helpers)
{
	struct imap_reader r;
	imap_reader_init(&r, NULL);
	size_t used;
	CHECK(imap_reader_step(&r, "a X nil \"NIL\" Nil\r\n", 19, &used) == IMAP_READ_COMMAND);
	const struct imap_arg *a = r.cmd.args;
	CHECK(imap_arg_is_nil(a) && !imap_arg_is_nil(a->next) && imap_arg_is_nil(a->next->next));
	CHECK(imap_arg_atom_is(a, "NIL") && !imap_arg_atom_is(a->next, "NIL"));
	CHECK(imap_arg_is_string(a->next));
	imap_reader_free(&r);
}
