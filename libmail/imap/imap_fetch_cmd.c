/* imap_fetch_cmd.c — FETCH and UID FETCH (RFC 9051 §6.4.5): the items
 * msg/imap_fetch.h parses, answered from the message's file with
 * msg/imap_envelope.h, msg/imap_bodystruct.h and msg/imap_section.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "imap/imap_state.h"
#include "msg/imap_bodystruct.h"
#include "msg/imap_date.h"
#include "msg/imap_envelope.h"
#include "msg/imap_fetch.h"
#include "msg/imap_section.h"
#include "msg/imap_string.h"
#include "store/msgcache.h"

/* Is an item answered from the view alone (no byte of the message)? */
static int from_view(const struct imap_fetch_item *it)
{
	switch (it->att) {
	case IMAP_FA_FLAGS:
	case IMAP_FA_INTERNALDATE:
	case IMAP_FA_RFC822_SIZE:
	case IMAP_FA_UID:
	case IMAP_FA_MODSEQ:
		return 1;
	default:
		return 0;
	}
}

/* Does any item need the message's bytes? */
static int needs_text(const struct imap_fetch *f)
{
	for (size_t k = 0; k < f->n; k++)
		if (!from_view(&f->items[k]))
			return 1;
	return 0;
}

/* Do the items need no more of the message than its header (ENVELOPE,
 * BODY[HEADER], BODY[HEADER.FIELDS (...)], RFC822.HEADER)? Then reading
 * stops at the blank line: most of a FETCH ENVELOPE of a large mailbox is
 * opening and reading files. */
static int header_only(const struct imap_fetch *f)
{
	for (size_t k = 0; k < f->n; k++) {
		const struct imap_fetch_item *it = &f->items[k];
		if (from_view(it))
			continue;
		switch (it->att) {
		case IMAP_FA_ENVELOPE:
		case IMAP_FA_RFC822_HEADER:
			break;
		case IMAP_FA_BODY_SECTION:
			if (it->section.nparts == 0 && (it->section.kind == IMAP_SEC_HEADER ||
							it->section.kind == IMAP_SEC_HEADER_FIELDS ||
							it->section.kind == IMAP_SEC_HEADER_FIELDS_NOT))
				break;
			return 0;
		default:
			return 0;
		}
	}
	return 1;
}

/* Where the header of p[0..n) ends (after its blank line), or 0. */
static size_t header_end(const char *p, size_t n)
{
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++) {
		const char *r = q + 1;
		if (r < p + n && *r == '\r')
			r++;
		if (r < p + n && *r == '\n')
			return (size_t)(r + 1 - p);
		if (r == p + n)
			break;
	}
	return 0;
}

/* Read fd into text: all of it, or with header_only up to the end of
 * the header. expect (the size the name or stat gave) sizes the first
 * read: a regular file that gives fewer bytes than asked once expect
 * bytes are in is at its end, which saves the read that returns 0. */
static int read_message(int fd, struct buf *text, long long expect, int header_only)
{
	size_t want = header_only ? 8192 : (expect > 0 && expect < (1LL << 30) ? (size_t)expect + 1 : 65536);
	for (;;) {
		if (buf_reserve(text, want) < 0)
			return -1;
		ssize_t r = read(fd, text->ptr + text->len, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		size_t before = text->len;
		text->len += (size_t)r;
		if (header_only && header_end(text->ptr + (before > 3 ? before - 3 : 0),
					      text->len - (before > 3 ? before - 3 : 0)))
			return 0;
		if ((size_t)r < want && expect >= 0 && text->len == (size_t)expect)
			return 0;
		want = want < 65536 ? 65536 : want;
	}
}

/* Message i's bytes (or, with header_only, at least its header) into
 * text (reset first): 0, or -1 with e (ENOENT: it is gone). */
static int load(struct imap_sess *s, size_t i, struct buf *text, int header_only, struct mail_err *e)
{
	buf_reset(text);
	int fd = mailfolder_open_msg(&s->box, i, e);
	if (fd < 0)
		return -1;
	int r = read_message(fd, text, s->box.v[i].disk_size, header_only);
	close(fd);
	if (r < 0)
		return err_sys(e, "message uid %u", s->box.v[i].uid);
	return 0;
}

int imap_load_message(struct imap_sess *s, size_t i, struct buf *text, struct mail_err *e)
{
	return load(s, i, text, 0, e);
}

/* Does the FETCH ask for ENVELOPE, and is that all it needs the message's
 * bytes for? */
static int wants_envelope(const struct imap_fetch *f, int *only)
{
	int env = 0, other = 0;
	for (size_t k = 0; k < f->n; k++) {
		if (f->items[k].att == IMAP_FA_ENVELOPE)
			env = 1;
		else if (!from_view(&f->items[k]))
			other = 1;
	}
	*only = env && !other;
	return env;
}

/* Write what the cache got to its file. */
static void cache_flush(struct imap_sess *s, struct msgcache *cache)
{
	if (!cache->pending.len)
		return;
	uint32_t *live = malloc((s->box.n + 1) * sizeof *live);
	if (!live)
		return;
	for (size_t i = 0; i < s->box.n; i++)
		live[i] = s->box.v[i].uid;
	msgcache_flush(cache, live, s->box.n);
	free(live);
}

/* Does any item send the message's content (what metrics count as a
 * message fetched)? */
static int sends_content(const struct imap_fetch *f)
{
	for (size_t k = 0; k < f->n; k++) {
		switch (f->items[k].att) {
		case IMAP_FA_RFC822:
		case IMAP_FA_RFC822_TEXT:
		case IMAP_FA_BODY_SECTION:
		case IMAP_FA_BINARY:
			return 1;
		default:
			break;
		}
	}
	return 0;
}

static int has_flags_item(const struct imap_fetch *f)
{
	for (size_t k = 0; k < f->n; k++)
		if (f->items[k].att == IMAP_FA_FLAGS)
			return 1;
	return 0;
}

/* One item of message i into out; 1 when BINARY met an unknown encoding. */
static int fetch_item(struct imap_sess *s, size_t i, const struct imap_fetch_item *it, const struct buf *text,
		      const struct buf *envelope, struct buf *out, struct buf *tmp)
{
	const struct mailfolder_msg *m = &s->box.v[i];
	const char *t = text->ptr ? text->ptr : "";
	struct imap_section whole;
	memset(&whole, 0, sizeof whole);
	switch (it->att) {
	case IMAP_FA_FLAGS:
		buf_adds(out, "FLAGS ");
		imap_write_flags(s, i, out);
		return 0;
	case IMAP_FA_UID:
		buf_addf(out, "UID %u", m->uid);
		return 0;
	case IMAP_FA_INTERNALDATE: {
		char d[IMAP_DATETIME_LEN + 8];
		time_t date = mailfolder_internal_date(&s->box, i);
		imap_datetime_format(d, sizeof d, date, imap_local_zone(date));
		buf_addf(out, "INTERNALDATE \"%s\"", d);
		return 0;
	}
	case IMAP_FA_RFC822_SIZE:
		buf_addf(out, "RFC822.SIZE %lld", m->size);
		return 0;
	case IMAP_FA_MODSEQ:
		buf_adds(out, "MODSEQ (1)");
		return 0;
	case IMAP_FA_ENVELOPE:
		buf_adds(out, "ENVELOPE ");
		buf_add(out, envelope->ptr, envelope->len);
		return 0;
	case IMAP_FA_BODY:
	case IMAP_FA_BODYSTRUCTURE:
		buf_adds(out, it->att == IMAP_FA_BODY ? "BODY " : "BODYSTRUCTURE ");
		imap_bodystruct_of(out, t, text->len, it->att == IMAP_FA_BODYSTRUCTURE);
		return 0;
	case IMAP_FA_RFC822:
	case IMAP_FA_RFC822_HEADER:
	case IMAP_FA_RFC822_TEXT:
		whole.kind = it->att == IMAP_FA_RFC822 ? IMAP_SEC_ALL
			     : it->att == IMAP_FA_RFC822_HEADER ? IMAP_SEC_HEADER : IMAP_SEC_TEXT;
		buf_reset(tmp);
		imap_section_extract(t, text->len, &whole, 0, 0, 0, tmp);
		buf_adds(out, it->att == IMAP_FA_RFC822 ? "RFC822 "
			      : it->att == IMAP_FA_RFC822_HEADER ? "RFC822.HEADER " : "RFC822.TEXT ");
		imap_write_literal(out, tmp->ptr ? tmp->ptr : "", tmp->len, 0);
		return 0;
	case IMAP_FA_BODY_SECTION:
		buf_reset(tmp);
		imap_section_extract(t, text->len, &it->section, it->partial, it->origin, it->count, tmp);
		imap_fetch_item_name(out, it);
		buf_addc(out, ' ');
		imap_write_literal(out, tmp->ptr ? tmp->ptr : "", tmp->len, 0);
		return 0;
	case IMAP_FA_BINARY:
	case IMAP_FA_BINARY_SIZE: {
		buf_reset(tmp);
		int r = imap_section_binary(t, text->len, &it->section, it->partial, it->origin, it->count, tmp);
		if (r == 1)
			return 1;
		imap_fetch_item_name(out, it);
		if (it->att == IMAP_FA_BINARY_SIZE) {
			buf_addf(out, " %zu", tmp->len);
		} else {
			buf_addc(out, ' ');
			imap_write_literal(out, tmp->ptr ? tmp->ptr : "", tmp->len,
					   tmp->len && memchr(tmp->ptr, '\0', tmp->len) != NULL);
		}
		return 0;
	}
	}
	return 0;
}

/* FETCH set items; the UID form adds UID to every response. */
void imap_cmd_fetch(struct imap_sess *s, const struct imap_command *c, int uid)
{
	struct imap_seqset set = IMAP_SEQSET_INIT;
	struct imap_err ie;
	struct imap_fetch *f = calloc(1, sizeof *f);
	if (!f) {
		imap_tagged(s, "NO", "[SERVERBUG] out of memory");
		return;
	}
	if (c->nargs < 2) {
		imap_bad(s, "usage: FETCH sequence-set items");
		free(f);
		return;
	}
	if (imap_msgset_arg(s, c->args, uid, &set) < 0) {
		free(f);
		return;
	}
	if (imap_fetch_parse(c->args->next, f, &ie) < 0) {
		imap_bad(s, ie.text);
		imap_seqset_free(&set);
		free(f);
		return;
	}
	int text_needed = needs_text(f), content = sends_content(f), head_only = header_only(f);
	/* ENVELOPE comes from the folder's cache (store/msgcache.h) when it
	 * has it: then a FETCH (FLAGS RFC822.SIZE ENVELOPE) opens no file. */
	int env_only, env = wants_envelope(f, &env_only);
	struct msgcache cache;
	if (env)
		msgcache_open(&cache, s->box.md.fd, s->box.uidvalidity);
	struct buf envelope = BUF_INIT;
	int unknown_cte = 0, gone = 0;
	unsigned long long fetched = 0;
	int set_seen = f->sets_seen && !s->readonly;
	struct buf text = BUF_INIT, out = BUF_INIT, tmp = BUF_INIT;
	struct mail_err e;
	for (size_t i = 0; i < s->exists && i < s->box.n && !s->fatal; i++) {
		struct mailfolder_msg *m = &s->box.v[i];
		if (!imap_seqset_contains(&set, uid ? m->uid : (uint32_t)(i + 1)))
			continue;
		err_clear(&e);
		const char *cached = NULL;
		size_t cached_len = 0;
		if (env && !m->gone)
			cached = msgcache_get(&cache, m->uid, 'E', &cached_len);
		int load_text = text_needed && !(cached && env_only);
		if (m->gone || (load_text && load(s, i, &text, head_only, &e) < 0)) {
			gone++;
			continue;
		}
		buf_reset(&envelope);
		if (cached) {
			buf_add(&envelope, cached, cached_len);
		} else if (env) {
			imap_envelope(&envelope, text.ptr ? text.ptr : "", text.len);
			msgcache_put(&cache, m->uid, 'E', envelope.ptr ? envelope.ptr : "", envelope.len);
		}
		int flags_changed = 0;
		if (set_seen && !(m->flags & MF_SEEN)) {
			if (mailfolder_store_delta(&s->box, i, MF_SEEN, 0, 0, 0, &e) == 0)
				flags_changed = 1;
		}
		buf_reset(&out);
		buf_addf(&out, "* %zu FETCH (", i + 1);
		const char *sep = "";
		if (uid && !f->has_uid) {
			buf_addf(&out, "UID %u", m->uid);
			sep = " ";
		}
		for (size_t k = 0; k < f->n; k++) {
			buf_adds(&out, sep);
			unknown_cte |= fetch_item(s, i, &f->items[k], &text, &envelope, &out, &tmp);
			sep = " ";
		}
		if (flags_changed && !has_flags_item(f)) {
			buf_addf(&out, "%sFLAGS ", sep);
			imap_write_flags(s, i, &out);
		}
		buf_adds(&out, ")\r\n");
		io_put(&s->io, out.ptr, out.len);
		fetched += content;
		if (s->io.out.len > 65536)
			imap_flush(s);
	}
	imap_count(s, IMAPD_M_FETCHED, fetched);
	if (env) {
		cache_flush(s, &cache);
		msgcache_close(&cache);
	}
	buf_free(&envelope);
	buf_free(&text);
	buf_free(&out);
	buf_free(&tmp);
	imap_seqset_free(&set);
	free(f);
	if (unknown_cte)
		imap_tagged(s, "NO", "[UNKNOWN-CTE] a part's content transfer encoding is unknown");
	else if (gone && !uid)
		/* RFC 2180 §4.1.3: what still exists is answered, OK. */
		imap_tagged(s, "OK", "[EXPUNGEISSUED] some of the messages were expunged meanwhile");
	else
		imap_tagged(s, "OK", "FETCH completed");
}
