/* imap_search_cmd.c — SEARCH and UID SEARCH (RFC 9051 §6.4.4, ESEARCH's
 * RETURN options of RFC 4731, SEARCHRES's SAVE and "$" of RFC 5182):
 * msg/imap_search.h parses and matches, this file describes each message
 * of the selected mailbox to it. */
#include <stdint.h>
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

/* Is uid in the saved result? (binary search: it is ascending) */
static int saved_has(const struct imap_sess *s, uint32_t uid)
{
	size_t lo = 0, hi = s->nsaved;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->saved[mid] == uid)
			return 1;
		if (s->saved[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int in_saved(void *ctx, uint32_t seq, uint32_t uid)
{
	(void)seq;
	const struct match_ctx *m = ctx;
	return saved_has(m->s, uid);
}

void imap_saved_clear(struct imap_sess *s)
{
	free(s->saved);
	s->saved = NULL;
	s->nsaved = 0;
}

int imap_saved_seqset(const struct imap_sess *s, int uid, struct imap_seqset *set)
{
	*set = (struct imap_seqset)IMAP_SEQSET_INIT;
	set->r = calloc(s->nsaved ? s->nsaved : 1, sizeof *set->r);
	if (!set->r)
		return -1;
	if (uid) {
		for (size_t k = 0; k < s->nsaved; k++)
			set->r[set->n++] = (struct imap_seq_range){ s->saved[k], s->saved[k] };
	} else {
		for (size_t i = 0; i < s->exists && i < s->box.n && set->n < s->nsaved; i++)
			if (!s->box.v[i].gone && saved_has(s, s->box.v[i].uid))
				set->r[set->n++] = (struct imap_seq_range){ (uint32_t)(i + 1), (uint32_t)(i + 1) };
	}
	imap_seqset_resolve(set, UINT32_MAX);
	return 0;
}

/* RETURN (SAVE ...) keeps the UIDs of what was found, or only of the
 * MIN and/or MAX when those are the other options (RFC 5182 §2.4). */
static int save_result(struct imap_sess *s, unsigned ret, const uint32_t *hit_uids, size_t nhits)
{
	imap_saved_clear(s);
	if (!nhits)
		return 0;
	s->saved = malloc(nhits * sizeof *s->saved);
	if (!s->saved)
		return -1;
	unsigned minmax = ret & (IMAP_SEARCH_RET_MIN | IMAP_SEARCH_RET_MAX);
	if (minmax && !(ret & (IMAP_SEARCH_RET_ALL | IMAP_SEARCH_RET_COUNT))) {
		if (minmax & IMAP_SEARCH_RET_MIN)
			s->saved[s->nsaved++] = hit_uids[0];
		if ((minmax & IMAP_SEARCH_RET_MAX) && (nhits > 1 || !(minmax & IMAP_SEARCH_RET_MIN)))
			s->saved[s->nsaved++] = hit_uids[nhits - 1];
	} else {
		memcpy(s->saved, hit_uids, nhits * sizeof *s->saved);
		s->nsaved = nhits;
	}
	return 0;
}

/* The answer: ESEARCH (RFC 4731; always under IMAP4rev2, RFC 9051
 * §6.4.4) or RFC 3501's SEARCH; none when SAVE was the only option. */
static void search_answer(struct imap_sess *s, const struct imap_search *prog, int uid, const uint32_t *hits,
			  size_t nhits)
{
	struct buf out = BUF_INIT;
	if (prog->esearch || s->rev2) {
		unsigned ret = prog->ret ? prog->ret : IMAP_SEARCH_RET_ALL;
		if (ret == IMAP_SEARCH_RET_SAVE)
			return;
		buf_addf(&out, "ESEARCH (TAG \"%s\")%s", s->tag, uid ? " UID" : "");
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
		/* A failed SEARCH ... SAVE leaves "$" empty (RFC 5182 §2.1). */
		if (prog.ret & IMAP_SEARCH_RET_SAVE)
			imap_saved_clear(s);
		if (ie.code && !strcmp(ie.code, "BADCHARSET"))
			imap_tagged(s, "NO", "[BADCHARSET %s] %s", IMAP_SEARCH_CHARSETS, ie.text);
		else if (ie.code && ie.code[0])
			imap_tagged(s, "BAD", "[%s] %s", ie.code, ie.text);
		else
			imap_bad(s, ie.text);
		imap_search_free(&prog);
		return;
	}
	imap_search_resolve(&prog, s->exists, s->box.n ? s->box.v[s->box.n - 1].uid : 0);
	unsigned needs = imap_search_needs(&prog);
	size_t cap = s->box.n ? s->box.n : 1;
	uint32_t *hits = calloc(cap, sizeof *hits), *hit_uids = calloc(cap, sizeof *hit_uids);
	size_t nhits = 0;
	struct buf text = BUF_INIT;
	if (!hits || !hit_uids) {
		free(hits);
		free(hit_uids);
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
			.flags = search_flags(m), .modseq = 1, .has_keyword = has_keyword, .in_saved = in_saved,
			.ctx = &ctx,
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
		if (imap_search_match(&prog, &sm)) {
			hit_uids[nhits] = m->uid;
			hits[nhits++] = uid ? m->uid : (uint32_t)(i + 1);
		}
	}
	int saved_ok = !(prog.ret & IMAP_SEARCH_RET_SAVE) || save_result(s, prog.ret, hit_uids, nhits) == 0;
	search_answer(s, &prog, uid, hits, nhits);
	buf_free(&text);
	free(hits);
	free(hit_uids);
	imap_search_free(&prog);
	if (saved_ok)
		imap_tagged(s, "OK", "SEARCH completed");
	else
		imap_tagged(s, "NO", "[SERVERBUG] out of memory saving the result");
}
