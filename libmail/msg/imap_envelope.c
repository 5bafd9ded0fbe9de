/* imap_envelope.c — ENVELOPE; see imap_envelope.h.
 *
 * The address parser follows RFC 5322 §3.4 with the obsolete forms, and
 * answers malformed input the way Dovecot does, so that clients see the
 * same envelope from either server: a bare word is (NIL NIL "word"
 * "MISSING_DOMAIN"), an empty element between commas is MISSING_MAILBOX /
 * MISSING_DOMAIN, an unterminated <...> has the host "SYNTAX_ERROR", and a
 * comment after an addr-spec ("a@b (Name)") becomes the name.
 */
#include "msg/imap_envelope.h"

#include <string.h>

#include "msg/header.h"
#include "msg/imap_mime.h"
#include "msg/imap_string.h"

enum tok { T_END, T_ATOM, T_QUOTED, T_DOMLIT, T_COMMENT, T_SPECIAL };

struct lex {
	const char *s;
	size_t n, i;
	enum tok type;
	const char *t;   /* token text: an atom, a quoted/comment inside, a domain literal */
	size_t len;
	char c;          /* T_SPECIAL: the character */
	int space_before;
};

static int is_special(unsigned char c)
{
	return strchr("()<>[]:;@\\,.\"", c) != NULL;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The index of the character closing the run opened at s[i] (a quote, or
 * a comment or domain literal, comments nested), or n. */
static size_t closing(const char *s, size_t n, size_t i, char open, char close)
{
	int depth = 0;
	for (; i < n; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == close && depth > 0 && (--depth == 0 || open == close))
			return i;
		if (s[i] == open && (open != close || depth == 0))
			depth++;
	}
	return n;
}

static void next(struct lex *x)
{
	x->space_before = 0;
	while (x->i < x->n && is_space((unsigned char)x->s[x->i])) {
		x->i++;
		x->space_before = 1;
	}
	if (x->i >= x->n) {
		x->type = T_END;
		return;
	}
	size_t i = x->i;
	char c = x->s[i];
	if (c == '"' || c == '(' || c == '[') {
		size_t e = closing(x->s, x->n, i, c, c == '"' ? '"' : c == '(' ? ')' : ']');
		x->type = c == '"' ? T_QUOTED : c == '(' ? T_COMMENT : T_DOMLIT;
		if (c == '[') {
			x->t = x->s + i;
			x->len = (e < x->n ? e + 1 : e) - i;
		} else {
			x->t = x->s + i + 1;
			x->len = e - i - 1;
		}
		x->i = e < x->n ? e + 1 : e;
		return;
	}
	if (is_special((unsigned char)c)) {
		x->type = T_SPECIAL;
		x->c = c;
		x->i++;
		return;
	}
	x->type = T_ATOM;
	x->t = x->s + i;
	while (x->i < x->n && !is_space((unsigned char)x->s[x->i]) &&
	       !is_special((unsigned char)x->s[x->i]))
		x->i++;
	x->len = x->i - i;
}

/* Skip comments, remembering the last one. */
static void next_skip_comments(struct lex *x, struct buf *comment)
{
	for (next(x); x->type == T_COMMENT; next(x)) {
		if (comment) {
			buf_reset(comment);
			buf_add(comment, x->t, x->len);
		}
	}
}

/* Append quoted-string or comment text without its backslash escapes and
 * line breaks (unfolding). */
static void add_unescaped(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '\r' || s[i] == '\n')
			continue;
		buf_addc(b, s[i]);
	}
}

static int is_sp(const struct lex *x, char c)
{
	return x->type == T_SPECIAL && x->c == c;
}

struct addr {
	struct buf name, adl, mailbox, host;
	int has_name, has_adl, has_mailbox, has_host;
};

static void write_field(struct buf *out, const struct buf *b, int has)
{
	if (has)
		imap_write_string(out, b->ptr ? b->ptr : "", b->len, 0);
	else
		buf_adds(out, "NIL");
}

static void emit(struct buf *out, struct addr *a, int *count)
{
	buf_adds(out, *count ? "" : "(");
	buf_addc(out, '(');
	write_field(out, &a->name, a->has_name && a->name.len);
	buf_addc(out, ' ');
	write_field(out, &a->adl, a->has_adl);
	buf_addc(out, ' ');
	write_field(out, &a->mailbox, a->has_mailbox);
	buf_addc(out, ' ');
	write_field(out, &a->host, a->has_host);
	buf_addc(out, ')');
	(*count)++;
	buf_reset(&a->name);
	buf_reset(&a->adl);
	buf_reset(&a->mailbox);
	buf_reset(&a->host);
	a->has_name = a->has_adl = a->has_mailbox = a->has_host = 0;
}

static void set(struct buf *b, int *has, const char *s)
{
	buf_reset(b);
	buf_adds(b, s);
	*has = 1;
}

/* domain: atoms, dots and domain literals up to a stop character. */
static void domain(struct lex *x, struct buf *out, struct buf *comment, const char *stops)
{
	while (x->type != T_END && !(x->type == T_SPECIAL && strchr(stops, x->c))) {
		if (x->type == T_ATOM || x->type == T_DOMLIT)
			buf_add(out, x->t, x->len);
		else if (is_sp(x, '.'))
			buf_addc(out, '.');
		next_skip_comments(x, comment);
	}
}

/* <[route:]local@domain> from after the "<". */
static void angle_addr(struct lex *x, struct addr *a)
{
	next_skip_comments(x, NULL);
	if (is_sp(x, '@')) { /* obsolete route: @a,@b: */
		a->has_adl = 1;
		while (x->type != T_END && !is_sp(x, ':') && !is_sp(x, '>')) {
			if (x->type == T_ATOM || x->type == T_DOMLIT)
				buf_add(&a->adl, x->t, x->len);
			else if (x->type == T_SPECIAL)
				buf_addc(&a->adl, x->c);
			next_skip_comments(x, NULL);
		}
		if (is_sp(x, ':'))
			next_skip_comments(x, NULL);
	}
	while (x->type != T_END && !is_sp(x, '@') && !is_sp(x, '>')) {
		if (x->type == T_ATOM)
			buf_add(&a->mailbox, x->t, x->len);
		else if (x->type == T_QUOTED)
			add_unescaped(&a->mailbox, x->t, x->len);
		else if (x->type == T_SPECIAL)
			buf_addc(&a->mailbox, x->c);
		next_skip_comments(x, NULL);
	}
	a->has_mailbox = 1;
	if (!a->mailbox.len)
		set(&a->mailbox, &a->has_mailbox, "MISSING_MAILBOX");
	if (is_sp(x, '@')) {
		next_skip_comments(x, NULL);
		domain(x, &a->host, NULL, ">,;");
		a->has_host = 1;
	}
	if (!is_sp(x, '>')) {
		set(&a->host, &a->has_host, "SYNTAX_ERROR");
		return;
	}
	if (!a->has_host)
		set(&a->host, &a->has_host, "MISSING_DOMAIN");
	next_skip_comments(x, NULL);
}

int imap_envelope_addresses(struct buf *out, const char *value, size_t n)
{
	struct lex x = {.s = value, .n = n};
	struct addr a = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, 0, 0, 0, 0};
	struct buf words = BUF_INIT, local = BUF_INIT, comment = BUF_INIT;
	int count = 0, in_group = 0;
	next_skip_comments(&x, &comment);
	while (x.type != T_END) {
		/* a phrase, or the local part of an addr-spec */
		buf_reset(&words);
		buf_reset(&local);
		buf_reset(&comment);
		int nwords = 0;
		while (x.type == T_ATOM || x.type == T_QUOTED || is_sp(&x, '.')) {
			if (x.type == T_SPECIAL) {
				buf_addc(&words, '.');
				buf_addc(&local, '.');
			} else {
				if (nwords++ && x.space_before)
					buf_addc(&words, ' ');
				if (x.type == T_ATOM) {
					buf_add(&words, x.t, x.len);
					buf_add(&local, x.t, x.len);
				} else {
					add_unescaped(&words, x.t, x.len);
					add_unescaped(&local, x.t, x.len);
				}
			}
			next_skip_comments(&x, &comment);
		}
		if (is_sp(&x, '<')) {
			if (words.len) {
				buf_add(&a.name, words.ptr, words.len);
				a.has_name = 1;
			}
			angle_addr(&x, &a);
			emit(out, &a, &count);
		} else if (is_sp(&x, ':') && !in_group) {
			a.has_mailbox = 1;
			buf_add(&a.mailbox, words.ptr, words.len);
			emit(out, &a, &count);
			in_group = 1;
			next_skip_comments(&x, NULL);
			continue;
		} else if (is_sp(&x, '@')) {
			next_skip_comments(&x, &comment);
			if (local.len)
				buf_add(&a.mailbox, local.ptr, local.len);
			else
				buf_adds(&a.mailbox, "MISSING_MAILBOX");
			a.has_mailbox = 1;
			domain(&x, &a.host, &comment, ",;");
			if (!a.host.len)
				buf_adds(&a.host, "MISSING_DOMAIN");
			a.has_host = 1;
			if (comment.len) {
				add_unescaped(&a.name, comment.ptr, comment.len);
				a.has_name = 1;
			}
			emit(out, &a, &count);
		} else if (words.len || (x.type != T_END && !is_sp(&x, ';'))) {
			/* a bare word, or nothing between two commas */
			if (local.len)
				buf_add(&a.mailbox, local.ptr, local.len);
			else
				buf_adds(&a.mailbox, "MISSING_MAILBOX");
			a.has_mailbox = 1;
			set(&a.host, &a.has_host, "MISSING_DOMAIN");
			if (comment.len) {
				add_unescaped(&a.name, comment.ptr, comment.len);
				a.has_name = 1;
			}
			emit(out, &a, &count);
		}
		/* to the next element */
		while (x.type != T_END && !is_sp(&x, ',') && !is_sp(&x, ';'))
			next_skip_comments(&x, NULL);
		if (is_sp(&x, ';') && in_group) {
			emit(out, &a, &count); /* (NIL NIL NIL NIL) ends the group */
			in_group = 0;
			next_skip_comments(&x, &comment);
			if (!is_sp(&x, ','))
				continue;
		}
		if (x.type != T_END)
			next_skip_comments(&x, &comment);
	}
	if (in_group)
		emit(out, &a, &count);
	buf_adds(out, count ? ")" : "NIL");
	buf_free(&a.name);
	buf_free(&a.adl);
	buf_free(&a.mailbox);
	buf_free(&a.host);
	buf_free(&words);
	buf_free(&local);
	buf_free(&comment);
	return buf_ok(out);
}

/* A field that is there but holds only white space counts as absent for
 * Sender and Reply-To (RFC 9051 §7.5.2). */
static int blank(const struct header *h)
{
	for (size_t i = 0; h && i < h->value_len; i++)
		if (!is_space((unsigned char)h->value[i]))
			return 0;
	return 1;
}

/* An unstructured value, unfolded. */
static void write_unfolded(struct buf *out, const struct header *h)
{
	if (!h) {
		buf_adds(out, "NIL");
		return;
	}
	struct buf v = BUF_INIT;
	imap_unfold(&v, h->value, h->value_len);
	imap_write_string(out, v.ptr ? v.ptr : "", v.len, 0);
	buf_free(&v);
}

static void write_addresses(struct buf *out, const struct header *h)
{
	if (h)
		imap_envelope_addresses(out, h->value, h->value_len);
	else
		buf_adds(out, "NIL");
}

int imap_envelope(struct buf *out, const char *msg, size_t n)
{
	enum { DATE, SUBJECT, FROM, SENDER, REPLY_TO, TO, CC, BCC, IN_REPLY_TO, MESSAGE_ID, NF };
	static const char *const names[NF] = {"Date", "Subject", "From", "Sender", "Reply-To",
					      "To", "Cc", "Bcc", "In-Reply-To", "Message-ID"};
	struct header found[NF], h;
	int have[NF] = {0};
	size_t pos = 0;
	/* the last of each field counts, as in Dovecot */
	while (imap_header_next(msg, n, &pos, &h)) {
		for (int f = 0; f < NF; f++)
			if (hdr_name_is(&h, names[f])) {
				found[f] = h;
				have[f] = 1;
			}
	}
	const struct header *fh[NF];
	for (int f = 0; f < NF; f++)
		fh[f] = have[f] ? &found[f] : NULL;
	buf_addc(out, '(');
	write_unfolded(out, fh[DATE]);
	buf_addc(out, ' ');
	write_unfolded(out, fh[SUBJECT]);
	buf_addc(out, ' ');
	write_addresses(out, fh[FROM]);
	/* Sender and Reply-To default to From (RFC 9051 §7.5.2) */
	buf_addc(out, ' ');
	write_addresses(out, !blank(fh[SENDER]) ? fh[SENDER] : fh[FROM]);
	buf_addc(out, ' ');
	write_addresses(out, !blank(fh[REPLY_TO]) ? fh[REPLY_TO] : fh[FROM]);
	for (int f = TO; f <= BCC; f++) {
		buf_addc(out, ' ');
		write_addresses(out, fh[f]);
	}
	buf_addc(out, ' ');
	write_unfolded(out, fh[IN_REPLY_TO]);
	buf_addc(out, ' ');
	write_unfolded(out, fh[MESSAGE_ID]);
	buf_addc(out, ')');
	return buf_ok(out);
}
