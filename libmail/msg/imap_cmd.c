/* imap_cmd.c — the IMAP command reader; see imap_cmd.h.
 *
 * A command is read as line segments: the text up to a LF, then (when
 * that text ended in a literal announcement) the literal's octets, then
 * the next segment, and so on. A segment is bounded by what is left of
 * line_max before it is parsed, so parsing works on a complete segment in
 * memory and never needs more state than the stack of open lists.
 */
#include "msg/imap_cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"

#define DEPTH_HARD 16   /* the size of the reader's list stack */

enum phase {
	PH_SEGMENT,      /* reading text up to a LF */
	PH_DECIDE,       /* a literal was announced; accept or refuse */
	PH_LITERAL,      /* reading an accepted literal's octets */
	PH_SKIP_LITERAL, /* discarding a refused literal's octets */
	PH_SKIP_LINE,    /* discarding the rest of a line after an error */
};

struct node {
	enum imap_arg_type type;
	unsigned char binary, nonsync, streamed, adjacent;
	size_t off, len;         /* into text; a list: element count */
	size_t child, next;      /* node index + 1; 0 = none */
};

int imap_err_set(struct imap_err *e, const char *code, const char *fmt, ...)
{
	if (e) {
		e->code = code ? code : "";
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->text, sizeof e->text, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void imap_limits_default(struct imap_limits *l)
{
	l->line_max = 65536;
	l->literal_max = 65536;
	l->nonsync_max = 4096;
	l->depth_max = 8;
	l->list_max = 1000;
	l->args_max = 10000;
	l->skip_max = 64u << 20;
}

static void begin_command(struct imap_reader *r)
{
	/* Keep small buffers for the next command; give big ones back, so an
	 * idle session holds little. */
	struct buf *bufs[] = {&r->seg, &r->text, &r->nodes, &r->args};
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
		if (bufs[i]->cap > 8192)
			buf_free(bufs[i]);
		else
			buf_reset(bufs[i]);
	}
	r->phase = PH_SEGMENT;
	r->reset_pending = 0;
	r->need_sep = r->after_close = r->have_tag = r->have_name = 0;
	r->line_used = r->depth = r->nargs = 0;
	r->skip_total = 0;
	r->tag[0] = r->name[0] = '\0';
	memset(&r->cmd, 0, sizeof r->cmd);
	memset(&r->lit, 0, sizeof r->lit);
	memset(r->last, 0, sizeof r->last);
	memset(r->count, 0, sizeof r->count);
}

void imap_reader_init(struct imap_reader *r, const struct imap_limits *lim)
{
	memset(r, 0, sizeof *r);
	if (lim)
		r->lim = *lim;
	else
		imap_limits_default(&r->lim);
	if (r->lim.depth_max > DEPTH_HARD)
		r->lim.depth_max = DEPTH_HARD;
	begin_command(r);
}

void imap_reader_free(struct imap_reader *r)
{
	buf_free(&r->seg);
	buf_free(&r->text);
	buf_free(&r->nodes);
	buf_free(&r->args);
}

void imap_reader_want_line(struct imap_reader *r)
{
	r->want_line = 1;
}

/* --- the tree --- */

static struct node *node_at(struct imap_reader *r, size_t i)
{
	return (struct node *)r->nodes.ptr + i;
}

static size_t node_count(const struct imap_reader *r)
{
	return r->nodes.len / sizeof(struct node);
}

/* A new node at the current depth, linked after its previous sibling.
 * Returns its index, or -1 with r->err. */
static long add_node(struct imap_reader *r, enum imap_arg_type type)
{
	size_t d = r->depth;
	if (node_count(r) >= r->lim.args_max) {
		imap_err_set(&r->err, "LIMIT", "Too many arguments");
		return -1;
	}
	if (r->count[d] >= r->lim.list_max) {
		imap_err_set(&r->err, "LIMIT", "Too many elements in a list");
		return -1;
	}
	struct node nd = {.type = type, .adjacent = (unsigned char)r->after_close};
	if (buf_add(&r->nodes, &nd, sizeof nd) < 0) {
		imap_err_set(&r->err, "LIMIT", "Out of memory");
		return -1;
	}
	size_t i = node_count(r) - 1;
	if (r->last[d])
		node_at(r, r->last[d] - 1)->next = i + 1;
	else if (d > 0)
		node_at(r, r->open[d] - 1)->child = i + 1;
	r->last[d] = i + 1;
	r->count[d]++;
	if (d > 0)
		node_at(r, r->open[d] - 1)->len++;
	else
		r->nargs++;
	return (long)i;
}

/* Store text s[0..n) NUL-terminated for node i. */
static int node_text(struct imap_reader *r, size_t i, const char *s, size_t n)
{
	size_t off = r->text.len;
	if (buf_add(&r->text, s, n) < 0 || buf_addc(&r->text, '\0') < 0)
		return imap_err_set(&r->err, "LIMIT", "Out of memory");
	node_at(r, i)->off = off;
	node_at(r, i)->len = n;
	return 0;
}

/* Make r->cmd from the nodes (pointers into r->text and r->args). */
static int build_command(struct imap_reader *r)
{
	size_t n = node_count(r);
	buf_reset(&r->args);
	if (n && buf_reserve(&r->args, n * sizeof(struct imap_arg)) < 0)
		return imap_err_set(&r->err, "LIMIT", "Out of memory");
	struct imap_arg *a = (struct imap_arg *)r->args.ptr;
	for (size_t i = 0; i < n; i++) {
		const struct node *nd = node_at(r, i);
		a[i] = (struct imap_arg){.type = nd->type, .len = nd->len, .binary = nd->binary,
					 .nonsync = nd->nonsync, .streamed = nd->streamed,
					 .adjacent = nd->adjacent};
		if (nd->type != IMAP_ARG_LIST && !nd->streamed)
			a[i].s = r->text.ptr + nd->off;
		a[i].child = nd->child ? &a[nd->child - 1] : NULL;
		a[i].next = nd->next ? &a[nd->next - 1] : NULL;
	}
	r->args.len = n * sizeof(struct imap_arg);
	r->cmd.tag = r->tag;
	r->cmd.name = r->name;
	r->cmd.args = n ? a : NULL;
	r->cmd.nargs = r->nargs;
	return 0;
}

/* --- lexical classes --- */

static int is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' && c != '"';
}

static int is_tag_char(unsigned char c)
{
	return is_token_char(c) && c != '+' && c != '*' && c != '%' && c != '\\';
}

static int is_atom_char(unsigned char c)
{
	return is_tag_char(c) && c != ']';
}

/* "{N}", "{N+}", "~{N}" ... exactly s[0..n)? Sets *size, *nonsync, *binary. */
static int literal_marker(const char *s, size_t n, uint64_t *size, int *nonsync, int *binary)
{
	size_t i = 0;
	*binary = n > 0 && s[0] == '~';
	i += (size_t)*binary;
	if (i >= n || s[i] != '{')
		return 0;
	i++;
	uint64_t v = 0;
	size_t digits = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (v > (UINT64_MAX >> 1) / 10)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
		i++;
		digits++;
	}
	if (!digits)
		return 0;
	*nonsync = i < n && s[i] == '+';
	i += (size_t)*nonsync;
	if (i + 1 != n || s[i] != '}')
		return 0;
	*size = v;
	return 1;
}

/* Does the line s[0..n) (line end removed) end with a {N+}? Sets *size. */
static int ends_in_nonsync(const char *s, size_t n, uint64_t *size)
{
	size_t i = n;
	while (i > 0 && s[i - 1] != '{' && n - i < 24)
		i--;
	if (i == 0 || s[i - 1] != '{')
		return 0;
	i--;
	if (i > 0 && s[i - 1] == '~')
		i--;
	int nonsync, binary;
	return literal_marker(s + i, n - i, size, &nonsync, &binary) && nonsync;
}

/* --- one segment --- */

enum seg_result { SEG_ERROR = -1, SEG_COMPLETE = 0, SEG_LITERAL = 1 };

static int parse_tag_and_name(struct imap_reader *r, const char *s, size_t n, size_t *pos)
{
	size_t i = 0;
	while (i < n && is_tag_char((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= sizeof r->tag || (i < n && s[i] != ' '))
		return imap_err_set(&r->err, "", n == 0 ? "Empty command line" : "Invalid tag");
	memcpy(r->tag, s, i);
	r->tag[i] = '\0';
	r->have_tag = 1;
	if (i >= n)
		return imap_err_set(&r->err, "", "Missing command");
	size_t start = ++i;
	while (i < n && is_atom_char((unsigned char)s[i]))
		i++;
	if (i == start || i - start >= sizeof r->name || (i < n && s[i] != ' '))
		return imap_err_set(&r->err, "", "Invalid command name");
	for (size_t k = start; k < i; k++)
		r->name[k - start] = (char)(s[k] >= 'a' && s[k] <= 'z' ? s[k] - 32 : s[k]);
	r->name[i - start] = '\0';
	r->have_name = 1;
	r->need_sep = 1;
	*pos = i;
	return 0;
}

static int parse_quoted(struct imap_reader *r, const char *s, size_t n, size_t *pos)
{
	size_t i = *pos + 1;
	long idx = add_node(r, IMAP_ARG_QUOTED);
	if (idx < 0)
		return -1;
	size_t off = r->text.len;
	for (;;) {
		if (i >= n)
			return imap_err_set(&r->err, "", "Unterminated quoted string");
		unsigned char c = (unsigned char)s[i];
		if (c == '"')
			break;
		if (c == '\\') {
			if (i + 1 >= n || (s[i + 1] != '\\' && s[i + 1] != '"'))
				return imap_err_set(&r->err, "", "Invalid escape in quoted string");
			buf_addc(&r->text, s[i + 1]);
			i += 2;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			return imap_err_set(&r->err, "", "Control character in quoted string");
		size_t k = c < 0x80 ? 1 : utf8_seq_len((const unsigned char *)s + i, n - i);
		if (k == 0)
			return imap_err_set(&r->err, "", "Invalid UTF-8 in quoted string");
		buf_add(&r->text, s + i, k);
		i += k;
	}
	if (buf_addc(&r->text, '\0') < 0)
		return imap_err_set(&r->err, "LIMIT", "Out of memory");
	node_at(r, (size_t)idx)->off = off;
	node_at(r, (size_t)idx)->len = r->text.len - off - 1;
	*pos = i + 1;
	return 0;
}

/* Parse the arguments in s[*pos..n); the segment's line end is removed. */
static enum seg_result parse_args(struct imap_reader *r, const char *s, size_t n, size_t i)
{
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ') {
			/* one SP between arguments; a trailing one is tolerated */
			if (!r->need_sep && !r->after_close)
				return imap_err_set(&r->err, "", "Unexpected space");
			if (i + 1 < n && s[i + 1] == ' ')
				return imap_err_set(&r->err, "", "Unexpected space");
			r->need_sep = r->after_close = 0;
			i++;
			continue;
		}
		if (c == ')') {
			if (r->depth == 0)
				return imap_err_set(&r->err, "", "Unexpected ')'");
			r->depth--;
			r->need_sep = 0;
			r->after_close = 1;
			i++;
			continue;
		}
		if (r->need_sep)
			return imap_err_set(&r->err, "", "Missing space between arguments");
		if (c == '(') {
			if (r->depth >= r->lim.depth_max)
				return imap_err_set(&r->err, "LIMIT", "Lists nested too deep");
			long idx = add_node(r, IMAP_ARG_LIST);
			if (idx < 0)
				return SEG_ERROR;
			r->depth++;
			r->open[r->depth] = (size_t)idx + 1;
			r->last[r->depth] = 0;
			r->count[r->depth] = 0;
			r->after_close = 0;
			i++;
			continue;
		}
		if (c == '"') {
			if (parse_quoted(r, s, n, &i) < 0)
				return SEG_ERROR;
			r->need_sep = 1;
			r->after_close = 0;
			continue;
		}
		if (c == '{' || (c == '~' && i + 1 < n && s[i + 1] == '{')) {
			int nonsync, binary;
			if (!literal_marker(s + i, n - i, &r->lit.size, &nonsync, &binary))
				return imap_err_set(&r->err, "", "Invalid literal");
			r->lit.nonsync = nonsync;
			r->lit.binary = binary;
			r->lit.depth = r->depth;
			r->lit.index = r->nargs - (r->depth > 0);
			return SEG_LITERAL;
		}
		size_t start = i;
		while (i < n && is_token_char((unsigned char)s[i]))
			i++;
		if (i == start)
			return imap_err_set(&r->err, "", "Invalid character in command");
		if (i < n && s[i] == '{')
			return imap_err_set(&r->err, "", "Invalid literal");
		if (i < n && ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f))
			return imap_err_set(&r->err, "", "Invalid character in command");
		long idx = add_node(r, IMAP_ARG_ATOM);
		if (idx < 0 || node_text(r, (size_t)idx, s + start, i - start) < 0)
			return SEG_ERROR;
		r->need_sep = 1;
		r->after_close = 0;
	}
	if (r->depth > 0)
		return imap_err_set(&r->err, "", "Unclosed list");
	return SEG_COMPLETE;
}

static enum seg_result parse_segment(struct imap_reader *r, const char *s, size_t n)
{
	size_t i = 0;
	for (size_t k = 0; k < n; k++)
		if (s[k] == '\0' || s[k] == '\r') {
			if (!r->have_tag)
				str_copy(r->tag, sizeof r->tag, "*", 1);
			r->have_tag = 1;
			return imap_err_set(&r->err, "", "Control character in command");
		}
	if (!r->have_name && parse_tag_and_name(r, s, n, &i) < 0)
		return SEG_ERROR;
	return parse_args(r, s, n, i);
}

/* --- errors and skipping --- */

static void keep_tail(struct imap_reader *r, const char *p, size_t n);

/* A command was rejected: the caller answers BAD; its remaining octets
 * (the rest of the line, announced literals) are skipped. `line_done`:
 * the line so far ended at a LF (s[0..n) is it, line end removed). */
static enum imap_read reject(struct imap_reader *r, int line_done, const char *s, size_t n)
{
	uint64_t size;
	if (!r->have_tag)
		str_copy(r->tag, sizeof r->tag, "*", 1);
	r->have_tag = 1;
	if (!line_done) {
		/* the end of the text read so far may hold the start of a
		 * literal announcement that the rest completes */
		r->phase = PH_SKIP_LINE;
		r->tail_len = 0;
		keep_tail(r, r->seg.ptr, r->seg.len);
	} else if (ends_in_nonsync(s, n, &size)) {
		r->phase = PH_SKIP_LITERAL;
		r->lit_left = size;
	} else {
		r->reset_pending = 1;
		r->phase = PH_SEGMENT;
	}
	return IMAP_READ_BAD;
}

static void keep_tail(struct imap_reader *r, const char *p, size_t n)
{
	size_t cap = sizeof r->tail;
	if (n == 0)
		return;
	if (n >= cap) {
		memcpy(r->tail, p + n - cap, cap);
		r->tail_len = cap;
		return;
	}
	if (r->tail_len + n > cap) {
		size_t drop = r->tail_len + n - cap;
		memmove(r->tail, r->tail + drop, r->tail_len - drop);
		r->tail_len -= drop;
	}
	memcpy(r->tail + r->tail_len, p, n);
	r->tail_len += n;
}

static int skip_counted(struct imap_reader *r, uint64_t n)
{
	r->skip_total += n;
	if (r->skip_total > r->lim.skip_max) {
		imap_err_set(&r->err, "", "Too much data after a rejected command");
		return -1;
	}
	return 0;
}

/* --- the segment reader --- */

static size_t strip_line_end(const char *s, size_t n)
{
	if (n && s[n - 1] == '\n')
		n--;
	if (n && s[n - 1] == '\r')
		n--;
	return n;
}

static enum imap_read segment_done(struct imap_reader *r)
{
	size_t n = strip_line_end(r->seg.ptr, r->seg.len);
	const char *s = r->seg.ptr;
	if (r->want_line) {
		r->want_line = 0;
		r->line = s;
		r->line_len = n;
		r->reset_pending = 1;
		for (size_t k = 0; k < n; k++)
			if (s[k] == '\0' || s[k] == '\r') {
				imap_err_set(&r->err, "", "Control character in line");
				str_copy(r->tag, sizeof r->tag, "*", 1);
				return IMAP_READ_BAD;
			}
		return IMAP_READ_LINE;
	}
	switch (parse_segment(r, s, n)) {
	case SEG_COMPLETE:
		if (build_command(r) < 0)
			return reject(r, 1, s, n);
		r->reset_pending = 1;
		return IMAP_READ_COMMAND;
	case SEG_LITERAL:
		if (r->lit.nonsync && r->lit.size > r->lim.nonsync_max) {
			imap_err_set(&r->err, "TOOBIG", "Non-synchronizing literal too big");
			return reject(r, 1, s, n);
		}
		if (build_command(r) < 0)
			return reject(r, 1, s, n);
		r->phase = PH_DECIDE;
		return IMAP_READ_LITERAL;
	case SEG_ERROR:
	default:
		return reject(r, 1, s, n);
	}
}

enum imap_read imap_reader_step(struct imap_reader *r, const char *p, size_t n, size_t *used)
{
	size_t i = 0;
	*used = 0;
	if (r->reset_pending)
		begin_command(r);
	for (;;) {
		switch (r->phase) {
		case PH_SEGMENT: {
			if (i >= n)
				goto more;
			const char *lf = memchr(p + i, '\n', n - i);
			size_t take = lf ? (size_t)(lf - (p + i)) + 1 : n - i;
			/* line_max counts the text; its CRLF comes on top */
			size_t room = r->lim.line_max - r->line_used + 2;
			if (r->line_used > r->lim.line_max || r->seg.len + take > room) {
				/* keep what fits: it shows the tag and the
				 * start of a literal announcement at its end */
				size_t fit = r->line_used <= r->lim.line_max && room > r->seg.len
						     ? room - r->seg.len : 0;
				buf_add(&r->seg, p + i, fit);
				i += fit;
				*used = i;
				imap_err_set(&r->err, "", "Command line too long");
				if (!r->have_tag && !r->want_line) {
					size_t k = 0;
					while (k < r->seg.len && is_tag_char((unsigned char)r->seg.ptr[k]))
						k++;
					if (k && k < r->seg.len && r->seg.ptr[k] == ' ' && k < sizeof r->tag) {
						memcpy(r->tag, r->seg.ptr, k);
						r->tag[k] = '\0';
						r->have_tag = 1;
					}
				}
				r->want_line = 0;
				return reject(r, 0, NULL, 0);
			}
			if (buf_add(&r->seg, p + i, take) < 0) {
				imap_err_set(&r->err, "", "Out of memory");
				*used = i + take;
				return IMAP_READ_CLOSE;
			}
			i += take;
			if (!lf)
				goto more;
			r->line_used += strip_line_end(r->seg.ptr, r->seg.len);
			*used = i;
			enum imap_read st = segment_done(r);
			buf_reset(&r->seg);
			/* (a LINE's text stays in seg's memory until the next step) */
			return st;
		}
		case PH_DECIDE:
			imap_err_set(&r->err, "", "Literal neither accepted nor refused");
			*used = i;
			return IMAP_READ_CLOSE;
		case PH_LITERAL: {
			if (r->lit_left == 0) {
				r->phase = PH_SEGMENT;
				r->need_sep = 1;
				r->after_close = 0;
				continue;
			}
			if (i >= n)
				goto more;
			size_t take = n - i < r->lit_left ? n - i : (size_t)r->lit_left;
			r->lit_left -= take;
			if (r->lit_mode == IMAP_LIT_STREAM) {
				r->data = p + i;
				r->data_len = take;
				*used = i + take;
				return IMAP_READ_DATA;
			}
			buf_add(&r->text, p + i, take);
			i += take;
			if (r->lit_left == 0) {
				if (buf_addc(&r->text, '\0') < 0) {
					imap_err_set(&r->err, "", "Out of memory");
					*used = i;
					return IMAP_READ_CLOSE;
				}
			}
			continue;
		}
		case PH_SKIP_LITERAL: {
			if (r->lit_left == 0) {
				r->phase = PH_SKIP_LINE;
				r->tail_len = 0;
				continue;
			}
			if (i >= n)
				goto more;
			size_t take = n - i < r->lit_left ? n - i : (size_t)r->lit_left;
			r->lit_left -= take;
			i += take;
			if (skip_counted(r, take) < 0) {
				*used = i;
				return IMAP_READ_CLOSE;
			}
			continue;
		}
		case PH_SKIP_LINE: {
			if (i >= n)
				goto more;
			const char *lf = memchr(p + i, '\n', n - i);
			size_t take = lf ? (size_t)(lf - (p + i)) + 1 : n - i;
			keep_tail(r, p + i, take);
			i += take;
			if (skip_counted(r, take) < 0) {
				*used = i;
				return IMAP_READ_CLOSE;
			}
			if (!lf)
				goto more;
			uint64_t size;
			if (ends_in_nonsync(r->tail, strip_line_end(r->tail, r->tail_len), &size)) {
				r->phase = PH_SKIP_LITERAL;
				r->lit_left = size;
			} else {
				begin_command(r);
			}
			continue;
		}
		}
	}
more:
	*used = n;
	return IMAP_READ_MORE;
}

int imap_reader_accept(struct imap_reader *r, enum imap_lit_mode mode)
{
	if (r->phase != PH_DECIDE)
		return -1;
	if (mode == IMAP_LIT_STORE &&
	    (r->lit.size > r->lim.literal_max ||
	     r->text.len + r->lit.size > r->lim.literal_max + r->lim.line_max))
		return -1;
	long idx = add_node(r, IMAP_ARG_LITERAL);
	if (idx < 0)
		return -1;
	struct node *nd = node_at(r, (size_t)idx);
	nd->binary = (unsigned char)r->lit.binary;
	nd->nonsync = (unsigned char)r->lit.nonsync;
	nd->streamed = mode == IMAP_LIT_STREAM;
	nd->off = r->text.len;
	nd->len = (size_t)r->lit.size;
	if (mode == IMAP_LIT_STORE && buf_reserve(&r->text, (size_t)r->lit.size + 1) < 0)
		return -1;
	r->lit_mode = mode;
	r->lit_left = r->lit.size;
	r->phase = PH_LITERAL;
	if (r->lit.size == 0 && mode == IMAP_LIT_STORE)
		buf_addc(&r->text, '\0');
	return 0;
}

void imap_reader_refuse(struct imap_reader *r)
{
	if (r->phase != PH_DECIDE)
		return;
	if (r->lit.nonsync) {
		r->phase = PH_SKIP_LITERAL;
		r->lit_left = r->lit.size;
	} else {
		r->reset_pending = 1;
		r->phase = PH_SEGMENT;
	}
}

int imap_arg_is_nil(const struct imap_arg *a)
{
	return a && a->type == IMAP_ARG_ATOM && a->len == 3 && !strncasecmp(a->s, "NIL", 3);
}

int imap_arg_is_string(const struct imap_arg *a)
{
	return a && (a->type == IMAP_ARG_ATOM || a->type == IMAP_ARG_QUOTED ||
		     (a->type == IMAP_ARG_LITERAL && !a->streamed));
}

int imap_arg_atom_is(const struct imap_arg *a, const char *word)
{
	return a && a->type == IMAP_ARG_ATOM && strlen(word) == a->len &&
	       !strncasecmp(a->s, word, a->len);
}
