/* imap_search_cmd.c — SEARCH and UID SEARCH (RFC 9051 §6.4.4, ESEARCH's
 * RETURN options of RFC 4731): msg/imap_search.h parses and matches, this
 * file describes each message of the selected mailbox to it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "imap/imap_state.h"
#include "msg/imap_search.h"

struct match_ctx {
	struct imap_sess *s;
	size_t i;
};

static int has_keyword(void *ctx, const char *kw, size_t n)
{
	const struct match_ctx *m = ctx;
	const struct mailfolder *f = &m->s->box;
	for (size_t k = 0; k < f->nkeywords; k++)
		if (f->keywords[k] && strlen(f->keywords[k]) == n && !strncasecmp(f->keywords[k], kw, n))
			return (f->v[m->i].keywords >> k) & 1u;
	return 0;
}

static unsigned search_flags(const struct mailfolder_msg *m)
{
	return (m->flags & MF_ANSWERED ? IMAP_FLAG_ANSWERED : 0) | (m->flags & MF_FLAGGED ? IMAP_FLAG_FLAGGED : 0) |
	       (m->flags & MF_DELETED ? IMAP_FLAG_DELETED : 0) | (m->flags & MF_SEEN ? IMAP_FLAG_SEEN : 0) |
	       (m->flags & MF_DRAFT ? IMAP_FLAG_DRAFT : 0) | (m->recent ? IMAP_FLAG_RECENT : 0);
}

void imap_cmd_search(struct imap_sess *s, const struct imap_command *c, int uid)
{
	struct imap_search prog = IMAP_SEARCH_INIT;
	struct imap_err ie;
	if (!c->nargs) {
		imap_bad(s, "usage: SEARCH criteria");
		return;
	}
	if (imap_search_parse(c->args, IMAP_SEARCH_NODES_MAX, &prog, &ie) < 0) {
		if (ie.code && !strcmp(ie.code, "BADCHARSET"))
			imap_tagged(s, "NO", "[BADCHARSET %s] %s", IMAP_SEARCH_CHARSETS, ie.text);
		else if (ie.code && ie.code[0])
			imap_tagged(s, "BAD", "[%s] %s", ie.code, ie.text);
		else
			imap_bad(s, ie.text);
		imap_search_free(&prog);
		return;
	}
	if (prog.ret & IMAP_SEARCH_RET_SAVE) {
		imap_search_free(&prog);
		imap_tagged(s, "NO", "[CANNOT] SEARCHRES is not supported");
		return;
	}
	imap_search_resolve(&prog, s->exists, s->box.n ? s->box.v[s->box.n - 1].uid : 0);
	unsigned needs = imap_search_needs(&prog);
	uint32_t *hits = calloc(s->box.n ? s->box.n : 1, sizeof *hits);
	size_t nhits = 0;
	struct buf text = BUF_INIT;
	if (!hits) {
		imap_search_free(&prog);
		imap_tagged(s, "NO", "[SERVERBUG] out of memory");
		return;
	}
	for (size_t i = 0; i < s->exists && i < s->box.n; i++) {
		const struct mailfolder_msg *m = &s->box.v[i];
		if (m->gone)
			continue;
		struct match_ctx ctx = { s, i };
		struct imap_search_msg sm = {
			.seq = (uint32_t)(i + 1), .uid = m->uid, .size = (uint64_t)m->size,
			.flags = search_flags(m), .modseq = 1, .has_keyword = has_keyword, .ctx = &ctx,
		};
		/* A date is a stat of the file: only when the program asks. */
		if (needs & IMAP_SEARCH_NEED_DATE)
			sm.internal_date = mailfolder_internal_date(&s->box, i);
		if (needs & (IMAP_SEARCH_NEED_HEADER | IMAP_SEARCH_NEED_BODY)) {
			struct mail_err e;
			err_clear(&e);
			if (imap_load_message(s, i, &text, &e) < 0)
				continue;
			sm.text = text.ptr ? text.ptr : "";
			sm.text_len = text.len;
		}
		if (imap_search_match(&prog, &sm))
			hits[nhits++] = uid ? m->uid : (uint32_t)(i + 1);
	}
	struct buf out = BUF_INIT;
	if (prog.esearch) {
		buf_addf(&out, "ESEARCH (TAG \"%s\")%s", s->tag, uid ? " UID" : "");
		unsigned ret = prog.ret ? prog.ret : IMAP_SEARCH_RET_ALL;
		if ((ret & IMAP_SEARCH_RET_MIN) && nhits)
			buf_addf(&out, " MIN %u", hits[0]);
		if ((ret & IMAP_SEARCH_RET_MAX) && nhits)
			buf_addf(&out, " MAX %u", hits[nhits - 1]);
		if ((ret & IMAP_SEARCH_RET_ALL) && nhits) {
			buf_adds(&out, " ALL ");
			imap_seqset_format(&out, hits, nhits);
		}
		if (ret & IMAP_SEARCH_RET_COUNT)
			buf_addf(&out, " COUNT %zu", nhits);
	} else {
		buf_adds(&out, "SEARCH");
		for (size_t k = 0; k < nhits; k++)
			buf_addf(&out, " %u", hits[k]);
	}
	imap_untagged(s, "%s", buf_cstr(&out));
	buf_free(&out);
	buf_free(&text);
	free(hits);
	imap_search_free(&prog);
	imap_tagged(s, "OK", "SEARCH completed");
}
