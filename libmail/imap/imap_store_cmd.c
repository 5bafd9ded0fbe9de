/* imap_store_cmd.c — STORE and UID STORE (RFC 9051 §6.4.6), and the
 * arguments the message commands share: sequence sets and flag lists. */
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "imap/imap_state.h"

int imap_msgset_arg(struct imap_sess *s, const struct imap_arg *a, int uid, struct imap_seqset *set)
{
	struct imap_err ie;
	if (!a || a->type != IMAP_ARG_ATOM ||
	    imap_seqset_parse(a->s, a->len, IMAP_SEQ_RANGES_MAX, 1, set, &ie) < 0) {
		imap_seqset_free(set);
		imap_bad(s, "invalid sequence set");
		return -1;
	}
	if (set->saved) {
		imap_seqset_free(set);
		if (imap_saved_seqset(s, uid, set) < 0) {
			imap_tagged(s, "NO", "[SERVERBUG] out of memory");
			return -1;
		}
		return 0;
	}
	uint32_t max = 0;
	if (uid)
		max = s->box.n ? s->box.v[s->box.n - 1].uid : 0;
	else
		max = s->exists;
	imap_seqset_resolve(set, max);
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} system_flags[] = { { "\\Seen", MF_SEEN }, { "\\Answered", MF_ANSWERED }, { "\\Flagged", MF_FLAGGED },
		     { "\\Deleted", MF_DELETED }, { "\\Draft", MF_DRAFT } };

static int one_flag(struct imap_sess *s, struct mailfolder *f, const struct imap_arg *a, int create, unsigned *flags,
		    uint32_t *keywords)
{
	if (a->type != IMAP_ARG_ATOM) {
		imap_bad(s, "a flag is an atom");
		return -1;
	}
	if (a->s[0] == '\\') {
		for (size_t k = 0; k < sizeof system_flags / sizeof system_flags[0]; k++) {
			if (!strcasecmp(a->s, system_flags[k].name)) {
				*flags |= system_flags[k].bit;
				return 0;
			}
		}
		if (!strcasecmp(a->s, "\\Recent"))
			return 0; /* the server's to set, not the client's */
		imap_bad(s, "unknown system flag");
		return -1;
	}
	struct mail_err e;
	err_clear(&e);
	int k = mailfolder_keyword(f, a->s, create, &e);
	if (k < 0 && create) {
		imap_tagged(s, "NO", "[LIMIT] no more keywords in this mailbox");
		return -1;
	}
	if (k >= 0)
		*keywords |= 1u << k;
	return 0;
}

int imap_flags_arg(struct imap_sess *s, struct mailfolder *f, const struct imap_arg *a, int create,
		   unsigned *flags, uint32_t *keywords)
{
	*flags = 0;
	*keywords = 0;
	if (a->type != IMAP_ARG_LIST)
		return one_flag(s, f, a, create, flags, keywords);
	for (const struct imap_arg *x = a->child; x; x = x->next)
		if (one_flag(s, f, x, create, flags, keywords) < 0)
			return -1;
	return 0;
}

/* STORE set [+|-]FLAGS[.SILENT] flags */
void imap_cmd_store(struct imap_sess *s, const struct imap_command *c, int uid)
{
	if (c->nargs < 3 || c->args->next->type != IMAP_ARG_ATOM) {
		imap_bad(s, "usage: STORE sequence-set [+|-]FLAGS[.SILENT] (flags)");
		return;
	}
	const char *op = c->args->next->s;
	int mode = 0; /* 0 replace, 1 add, -1 remove */
	if (*op == '+' || *op == '-')
		mode = *op++ == '+' ? 1 : -1;
	int silent;
	if (!strcasecmp(op, "FLAGS"))
		silent = 0;
	else if (!strcasecmp(op, "FLAGS.SILENT"))
		silent = 1;
	else {
		imap_bad(s, "usage: STORE sequence-set [+|-]FLAGS[.SILENT] (flags)");
		return;
	}
	if (s->readonly) {
		imap_tagged(s, "NO", "[READ-ONLY] the mailbox is read-only");
		return;
	}
	struct imap_seqset set = IMAP_SEQSET_INIT;
	if (imap_msgset_arg(s, c->args, uid, &set) < 0)
		return;
	/* The flags: one list, or the flags as separate arguments (RFC 3501
	 * allows "STORE 1 +FLAGS \Seen \Deleted" too). */
	unsigned fl = 0;
	uint32_t kw = 0;
	size_t keywords_before = s->box.nkeywords;
	const struct imap_arg *fa = c->args->next->next;
	if (fa->type == IMAP_ARG_LIST) {
		if (fa->next || imap_flags_arg(s, &s->box, fa, mode >= 0, &fl, &kw) < 0) {
			if (fa->next)
				imap_bad(s, "one flag list expected");
			imap_seqset_free(&set);
			return;
		}
	} else {
		for (; fa; fa = fa->next) {
			unsigned f1;
			uint32_t k1;
			if (imap_flags_arg(s, &s->box, fa, mode >= 0, &f1, &k1) < 0) {
				imap_seqset_free(&set);
				return;
			}
			fl |= f1;
			kw |= k1;
		}
	}
	if (s->box.nkeywords != keywords_before) {
		keywords_before = s->box.nkeywords;
		imap_send_flags_lists(s);
	}
	/* FLAGS sets these and clears the rest; +FLAGS sets, -FLAGS clears. */
	unsigned add = mode >= 0 ? fl : 0, clear = mode < 0 ? fl : mode == 0 ? ~fl : 0;
	uint32_t kw_add = mode >= 0 ? kw : 0, kw_clear = mode < 0 ? kw : mode == 0 ? ~kw : 0;
	struct buf out = BUF_INIT;
	int gone = 0;
	for (size_t i = 0; i < s->exists && i < s->box.n; i++) {
		struct mailfolder_msg *m = &s->box.v[i];
		if (!imap_seqset_contains(&set, uid ? m->uid : (uint32_t)(i + 1)))
			continue;
		if (m->gone) {
			gone++;
			continue;
		}
		/* +FLAGS and -FLAGS change the flags on disk now, not those
		 * this session saw last: another session's change is kept. */
		unsigned expect = (m->flags | add) & ~clear;
		uint32_t expect_kw = (m->keywords | kw_add) & ~kw_clear;
		struct mail_err e;
		err_clear(&e);
		if (mailfolder_store_delta(&s->box, i, add, clear, kw_add, kw_clear, &e) < 0) {
			gone++;
			continue;
		}
		if (s->box.nkeywords != keywords_before) {
			/* another session's new keyword, now on this message */
			keywords_before = s->box.nkeywords;
			imap_send_flags_lists(s);
		}
		/* .SILENT still tells of flags another session changed (RFC
		 * 9051 §6.4.6). */
		if (silent && m->flags == expect && m->keywords == expect_kw)
			continue;
		buf_reset(&out);
		imap_write_flags(s, i, &out);
		if (uid)
			imap_untagged(s, "%zu FETCH (UID %u FLAGS %s)", i + 1, m->uid, buf_cstr(&out));
		else
			imap_untagged(s, "%zu FETCH (FLAGS %s)", i + 1, buf_cstr(&out));
	}
	buf_free(&out);
	imap_seqset_free(&set);
	if (gone && !uid)
		/* RFC 2180 §4.1.3: what still exists is answered, OK. */
		imap_tagged(s, "OK", "[EXPUNGEISSUED] some of the messages were expunged meanwhile");
	else
		imap_tagged(s, "OK", "STORE completed");
}
