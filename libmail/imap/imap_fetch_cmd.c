/* imap_fetch_cmd.c — FETCH and UID FETCH (RFC 9051 §6.4.5): the items
 * msg/imap_fetch.h parses, answered from the message's file with
 * msg/imap_envelope.h, msg/imap_bodystruct.h and msg/imap_section.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/read_all.h"
#include "imap/imap_state.h"
#include "msg/imap_bodystruct.h"
#include "msg/imap_date.h"
#include "msg/imap_envelope.h"
#include "msg/imap_fetch.h"
#include "msg/imap_section.h"
#include "msg/imap_string.h"

/* Does any item need the message's bytes? */
static int needs_text(const struct imap_fetch *f)
{
	for (size_t k = 0; k < f->n; k++) {
		switch (f->items[k].att) {
		case IMAP_FA_FLAGS:
		case IMAP_FA_INTERNALDATE:
		case IMAP_FA_RFC822_SIZE:
		case IMAP_FA_UID:
		case IMAP_FA_MODSEQ:
			break;
		default:
			return 1;
		}
	}
	return 0;
}

/* Message i's bytes into text (reset first): 0, or -1 with e (ENOENT: it
 * is gone). */
int imap_load_message(struct imap_sess *s, size_t i, struct buf *text, struct mail_err *e)
{
	buf_reset(text);
	int fd = mailfolder_open_msg(&s->box, i, e);
	if (fd < 0)
		return -1;
	int r = read_all(fd, text, 0);
	close(fd);
	if (r != READ_ALL_OK)
		return err_sys(e, "message uid %u", s->box.v[i].uid);
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
		      struct buf *out, struct buf *tmp)
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
		imap_datetime_format(d, sizeof d, m->internal_date, imap_local_zone(m->internal_date));
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
		imap_envelope(out, t, text->len);
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
	int text_needed = needs_text(f), unknown_cte = 0, gone = 0;
	int set_seen = f->sets_seen && !s->readonly;
	struct buf text = BUF_INIT, out = BUF_INIT, tmp = BUF_INIT;
	struct mail_err e;
	for (size_t i = 0; i < s->exists && i < s->box.n && !s->fatal; i++) {
		struct mailfolder_msg *m = &s->box.v[i];
		if (!imap_seqset_contains(&set, uid ? m->uid : (uint32_t)(i + 1)))
			continue;
		err_clear(&e);
		if (m->gone || (text_needed && imap_load_message(s, i, &text, &e) < 0)) {
			gone++;
			continue;
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
			unknown_cte |= fetch_item(s, i, &f->items[k], &text, &out, &tmp);
			sep = " ";
		}
		if (flags_changed && !has_flags_item(f)) {
			buf_addf(&out, "%sFLAGS ", sep);
			imap_write_flags(s, i, &out);
		}
		buf_adds(&out, ")\r\n");
		io_put(&s->io, out.ptr, out.len);
		if (s->io.out.len > 65536)
			imap_flush(s);
	}
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
