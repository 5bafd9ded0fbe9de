/* imap_copy_cmd.c — COPY, MOVE (RFC 6851) and their UID forms, with
 * UIDPLUS's COPYUID (RFC 4315). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "imap/imap_state.h"

void imap_cmd_copy(struct imap_sess *s, const struct imap_command *c, int uid)
{
	int move = !strcasecmp(c->name, "MOVE");
	char name[256];
	if (c->nargs != 2) {
		imap_bad(s, move ? "usage: MOVE sequence-set mailbox" : "usage: COPY sequence-set mailbox");
		return;
	}
	if (move && s->readonly) {
		imap_tagged(s, "NO", "[READ-ONLY] the mailbox is read-only");
		return;
	}
	struct imap_seqset set = IMAP_SEQSET_INIT;
	if (imap_msgset_arg(s, c->args, uid, &set) < 0)
		return;
	if (imap_mailbox_arg(s, c->args->next, name, sizeof name) < 0) {
		imap_seqset_free(&set);
		return;
	}
	size_t n = 0, *idx = calloc(s->box.n ? s->box.n : 1, sizeof *idx);
	uint32_t *src_uids = calloc(s->box.n ? s->box.n : 1, sizeof *src_uids);
	uint32_t *new_uids = calloc(s->box.n ? s->box.n : 1, sizeof *new_uids);
	struct mailfolder dst;
	memset(&dst, 0, sizeof dst);
	struct mail_err e;
	err_clear(&e);
	if (!idx || !src_uids || !new_uids) {
		imap_tagged(s, "NO", "[SERVERBUG] out of memory");
		goto out;
	}
	for (size_t i = 0; i < s->exists && i < s->box.n; i++) {
		if (imap_seqset_contains(&set, uid ? s->box.v[i].uid : (uint32_t)(i + 1))) {
			src_uids[n] = s->box.v[i].uid;
			idx[n++] = i;
		}
	}
	if (n == 0) {
		imap_tagged(s, "OK", "%s completed (no messages)", move ? "MOVE" : "COPY");
		goto out;
	}
	if (imap_open_target(s, name, &dst, &e) < 0) {
		if (e.sys == ENOENT)
			imap_tagged(s, "NO", "[TRYCREATE] no such mailbox");
		else
			imap_tagged(s, "NO", "[SERVERBUG] cannot open the mailbox");
		goto out;
	}
	if (mailfolder_copy(&s->box, idx, n, &dst, new_uids, &e) < 0) {
		if (e.sys == ENOENT) {
			imap_tagged(s, "NO", "[EXPUNGEISSUED] some of the messages were expunged");
		} else if (e.sys == EDQUOT) {
			imap_tagged(s, "NO", "[OVERQUOTA] the mailbox is full");
		} else {
			log_err(NULL, "imap user=%s event=copy-failed mailbox=%s error=\"%s\"", LOG_TOKEN(s->user),
				LOG_TOKEN(name), LOG_QUOTED(e.msg));
			imap_tagged(s, "NO", "[SERVERBUG] the messages were not copied");
		}
		goto out;
	}
	struct buf code = BUF_INIT;
	buf_addf(&code, "COPYUID %u ", imap_folder_uidvalidity(&dst));
	imap_seqset_format(&code, src_uids, n);
	buf_addc(&code, ' ');
	imap_seqset_format(&code, new_uids, n);
	if (move) {
		/* The copies are safe on disk: now the originals go, and the
		 * client hears of it as expunges (RFC 6851 §3.3). */
		imap_untagged(s, "OK [%s] moved", buf_cstr(&code));
		size_t gone = imap_gone_count(s);
		for (size_t k = 0; k < n; k++) {
			if (mailfolder_remove(&s->box, idx[k], &e) < 0)
				log_err(NULL, "imap user=%s event=move-failed error=\"%s\"", LOG_TOKEN(s->user),
					LOG_QUOTED(e.msg));
		}
		imap_count(s, IMAPD_M_EXPUNGED, imap_gone_count(s) - gone);
		imap_send_updates(s, 1);
		imap_tagged(s, "OK", "MOVE completed");
	} else {
		imap_send_updates(s, uid);
		imap_tagged(s, "OK", "[%s] COPY completed", buf_cstr(&code));
	}
	buf_free(&code);
out:
	mailfolder_close(&dst);
	free(idx);
	free(src_uids);
	free(new_uids);
	imap_seqset_free(&set);
}
