/* imap_cmd.c — the IMAP command reader; see imap_cmd.h. */
#include "msg/imap_cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

void imap_reader_init(struct imap_reader *r, const struct imap_limits *lim)
{
	memset(r, 0, sizeof *r);
	if (lim)
		r->lim = *lim;
	else
		imap_limits_default(&r->lim);
}

void imap_reader_free(struct imap_reader *r)
{
	buf_free(&r->text);
	buf_free(&r->nodes);
}

enum imap_read imap_reader_step(struct imap_reader *r, const char *p, size_t n, size_t *used)
{
	(void)p;
	*used = n;
	imap_err_set(&r->err, "", "not implemented");
	return IMAP_READ_CLOSE;
}

int imap_reader_accept(struct imap_reader *r, enum imap_lit_mode mode)
{
	(void)r;
	(void)mode;
	return -1;
}

void imap_reader_refuse(struct imap_reader *r)
{
	(void)r;
}

void imap_reader_want_line(struct imap_reader *r)
{
	r->want_line = 1;
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
