/* imap_append.c — APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502:
 * several messages in one command, stored all or nothing) and UIDPLUS's
 * APPENDUID (RFC 4315), on store/mailfolder.h's mailfolder_append_set.
 *
 *     APPEND mailbox 1*([(flags)] [date-time] message)
 *
 * The messages were streamed into s->literal back to back while the
 * command arrived (imap_session.c), together within max_append; each
 * streamed literal argument's length says where it ends. A literal8
 * (BINARY, RFC 3516) has its binary parts stored base64-encoded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap_state.h"
#include "msg/imap_binconv.h"
#include "msg/imap_date.h"

/* One message of the command, as parsed. */
struct append_msg {
	const struct imap_arg *flags, *date, *data;
};

#define APPEND_USAGE "usage: APPEND mailbox [(flags)] [date-time] message [[(flags)] [date-time] message ...]"

/* The groups after the mailbox name into v (n of them): 0, or -1 (BAD). */
static int append_groups(const struct imap_arg *a, struct append_msg *v, size_t cap, size_t *n)
{
	*n = 0;
	while (a) {
		struct append_msg m = { 0, 0, 0 };
		if (a->type == IMAP_ARG_LIST) {
			m.flags = a;
			a = a->next;
		}
		if (a && a->type == IMAP_ARG_QUOTED) {
			m.date = a;
			a = a->next;
		}
		if (!a || a->type != IMAP_ARG_LITERAL || *n == cap)
			return -1;
		m.data = a;
		v[(*n)++] = m;
		a = a->next;
	}
	return *n ? 0 : -1;
}

/* Fill out[k] from v[k]: data (converted for a literal8 into conv[k]),
 * flags, keywords (made in dst) and date. 0, or -1 after a tagged reply. */
static int append_prepare(struct imap_sess *s, struct mailfolder *dst, const struct append_msg *v, size_t n,
			  struct mailfolder_new *out, struct buf *conv)
{
	size_t off = 0;
	for (size_t k = 0; k < n; k++) {
		const struct imap_arg *a = v[k].data;
		const char *data = a->streamed ? s->literal.ptr + off : a->s;
		if (a->streamed)
			off += a->len;
		out[k] = (struct mailfolder_new){ .data = data ? data : "", .len = a->len };
		if (a->len == 0) {
			imap_tagged(s, "NO", "an empty message is not a message");
			return -1;
		}
		int zone;
		if (v[k].date && imap_datetime_parse(v[k].date->s, v[k].date->len, &out[k].internal_date, &zone) < 0) {
			imap_bad(s, "invalid date-time");
			return -1;
		}
		if (v[k].flags && imap_flags_arg(s, dst, v[k].flags, 1, &out[k].flags, &out[k].keywords) < 0)
			return -1;
		if (a->binary && imap_binary_to_base64(out[k].data, out[k].len, &conv[k]) > 0) {
			out[k].data = conv[k].ptr;
			out[k].len = conv[k].len;
		}
	}
	return 0;
}

void imap_cmd_append(struct imap_sess *s, const struct imap_command *c, int uid)
{
	(void)uid;
	char name[256];
	size_t n = 0, cap = c->nargs;
	struct append_msg *v = calloc(cap ? cap : 1, sizeof *v);
	struct mailfolder_new *msgs = calloc(cap ? cap : 1, sizeof *msgs);
	struct buf *conv = calloc(cap ? cap : 1, sizeof *conv);
	uint32_t *uids = calloc(cap ? cap : 1, sizeof *uids);
	struct mailfolder dst;
	memset(&dst, 0, sizeof dst);
	struct mail_err e;
	err_clear(&e);
	if (!v || !msgs || !conv || !uids) {
		imap_tagged(s, "NO", "[SERVERBUG] out of memory");
		goto out;
	}
	if (c->nargs < 2 || append_groups(c->args->next, v, cap, &n) < 0) {
		imap_bad(s, APPEND_USAGE);
		goto out;
	}
	if (s->literal_refused) {
		imap_tagged(s, "NO", "[TOOBIG] the message is too large");
		goto out;
	}
	if (imap_mailbox_arg(s, c->args, name, sizeof name) < 0)
		goto out;
	if (imap_open_target(s, name, &dst, &e) < 0) {
		if (e.sys == ENOENT)
			imap_tagged(s, "NO", "[TRYCREATE] no such mailbox");
		else
			imap_store_failed(s, "APPEND", &e);
		goto out;
	}
	if (append_prepare(s, &dst, v, n, msgs, conv) < 0)
		goto out;
	if (mailfolder_append_set(&dst, msgs, n, uids, &e) < 0) {
		imap_store_failed(s, "APPEND", &e);
		goto out;
	}
	uint32_t validity = imap_folder_uidvalidity(&dst);
	if (s->state == IS_SELECTED)
		imap_send_updates(s, 1);
	imap_count(s, IMAPD_M_APPENDED, n);
	struct buf set = BUF_INIT;
	imap_seqset_format(&set, uids, n);
	imap_tagged(s, "OK", "[APPENDUID %u %s] APPEND completed", validity, buf_cstr(&set));
	buf_free(&set);
out:
	mailfolder_close(&dst);
	for (size_t k = 0; conv && k < n; k++)
		buf_free(&conv[k]);
	free(v);
	free(msgs);
	free(conv);
	free(uids);
}
