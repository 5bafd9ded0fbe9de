/* imap_state.h — what the command files of one IMAP session share: the
 * session, its replies and the command table's signature. Private to
 * imap/ (imap_session.h is the public face).
 */
#ifndef POSTBOX_IMAP_STATE_H
#define POSTBOX_IMAP_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/io.h"
#include "imap/imap_metrics.h"
#include "imap/imap_session.h"
#include "msg/addr.h"
#include "msg/imap_cmd.h"
#include "msg/imap_seq.h"
#include "store/mailfolder.h"

enum imap_state { IS_NOT_AUTH = 1, IS_AUTH = 2, IS_SELECTED = 4 };
#define IS_ANY (IS_NOT_AUTH | IS_AUTH | IS_SELECTED)
#define IS_LOGGED_IN (IS_AUTH | IS_SELECTED)

/* What the next raw line (imap_reader_want_line) answers. */
enum imap_want_line { WANT_NONE, WANT_SASL, WANT_DONE };

struct imap_sess {
	const struct imap_server *srv;
	struct imap_reader rd;
	enum imap_state state;
	struct peer peer;              /* the client, after any PROXY header */
	char user[ADDR_TEXT_MAX + 1];  /* the logged-in user */
	char root[4096];               /* the user's Maildir */
	char tag[64];                  /* the current command's tag */
	int failures, errors;
	int logout;                    /* LOGOUT answered: end the loop */
	int fatal;                     /* the connection is unusable or ends */
	int relay;                     /* login process: the root process
					* serves from here */
	int utf8;                      /* ENABLE UTF8=ACCEPT (or IMAP4rev2) */
	int rev2;                      /* ENABLE IMAP4rev2 */
	enum imap_want_line want;
	char sasl_tag[64];             /* the AUTHENTICATE waiting for its line */
	struct buf literal;            /* a streamed literal (APPEND) */
	int literal_refused;           /* ...was over the limit */
	/* selected state */
	struct mailfolder box;
	int box_open;
	int readonly;                  /* EXAMINE */
	uint32_t exists;               /* the count the client was last told */
	uint32_t recent_told;
	uint32_t *saved;               /* SEARCHRES (RFC 5182): the UIDs a
					* SEARCH RETURN (SAVE) kept, ascending */
	size_t nsaved;
	/* Last: session_open() zeroes what comes before it, and io_init()
	 * all of it but its input buffer (an idle session's memory). */
	struct io io;
};

/* A command: tag in s->tag; uid set for the UID forms. */
typedef void imap_command_fn(struct imap_sess *s, const struct imap_command *c, int uid);

/* Count n in metric m of imap_metrics.h (nothing without a tally). */
void imap_count(struct imap_sess *s, enum imapd_metric m, unsigned long long n);
/* How many of the open mailbox's messages are marked gone (to count what
 * an expunge removed). */
size_t imap_gone_count(const struct imap_sess *s);

/* Replies. */
void imap_untagged(struct imap_sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void imap_tagged(struct imap_sess *s, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "+ text": a continuation request, flushed at once. */
void imap_continue(struct imap_sess *s, const char *text);
void imap_flush(struct imap_sess *s);
/* Tagged BAD for a malformed command, counted as an error. */
void imap_bad(struct imap_sess *s, const char *text);
/* The capabilities for the current state, space separated. */
void imap_capabilities(struct imap_sess *s, struct buf *out);

/* Enter the authenticated state for u (become its owner when root). */
int imap_enter_authenticated(struct imap_sess *s, const struct user *u, const char *tls);

/* Before login, any state (imap_basic.c). */
imap_command_fn imap_cmd_capability, imap_cmd_noop, imap_cmd_logout, imap_cmd_id, imap_cmd_starttls,
	imap_cmd_login, imap_cmd_authenticate, imap_cmd_enable, imap_cmd_namespace;
/* The AUTHENTICATE response line arrived. */
void imap_sasl_line(struct imap_sess *s, const char *line, size_t n);

/* Mailboxes (imap_mailbox.c; LIST and LSUB in imap_list.c, APPEND in
 * imap_append.c). */
imap_command_fn imap_cmd_select, imap_cmd_create, imap_cmd_delete, imap_cmd_rename, imap_cmd_subscribe,
	imap_cmd_list, imap_cmd_status, imap_cmd_append;
/* IMAP4rev2's LIST line for the mailbox SELECT opened (imap_list.c). */
void imap_list_selected(struct imap_sess *s, const char *name);
/* The selected mailbox (imap_selected.c). */
imap_command_fn imap_cmd_close, imap_cmd_expunge, imap_cmd_idle;
void imap_close_mailbox(struct imap_sess *s);
/* A message's FLAGS list, "(\\Seen $Junk)". */
void imap_write_flags(struct imap_sess *s, size_t i, struct buf *out);
/* A mailbox argument as its on-disk name (checked: it cannot leave the
 * Maildir): 0, or -1 after a tagged NO/BAD. */
int imap_mailbox_arg(struct imap_sess *s, const struct imap_arg *a, char *out, size_t cap);
/* An on-disk name as the client reads it (mUTF-7, or UTF-8 when enabled). */
void imap_write_mailbox(struct imap_sess *s, const char *name, struct buf *out);
/* A flag list argument ("(\\Seen kw)" or one flag) into flags and
 * keyword bits of the selected or given folder (keywords made when
 * create): 0, or -1 after a tagged reply. */
int imap_flags_arg(struct imap_sess *s, struct mailfolder *f, const struct imap_arg *a, int create,
		   unsigned *flags, uint32_t *keywords);
/* Sync the selected mailbox and tell the client what changed: EXISTS,
 * RECENT, FETCH FLAGS, and EXPUNGE when expunge_ok (not during FETCH,
 * STORE, SEARCH without UID: RFC 9051 §7.5.1). */
void imap_send_updates(struct imap_sess *s, int expunge_ok);
/* FLAGS and PERMANENTFLAGS of the selected mailbox (again when a keyword
 * was added: a client must hear of it before it sees it on a message). */
void imap_send_flags_lists(struct imap_sess *s);
/* A failed store call (command `what`) as a tagged NO with the response
 * code that fits its errno. */
void imap_store_failed(struct imap_sess *s, const char *what, const struct mail_err *e);
/* "STATUS name (items...)" into out for the STATUS items list `items`
 * (STATUS and LIST-STATUS): 0, or -1 for an unknown item. */
int imap_write_status(struct imap_sess *s, const char *name, const struct mailfolder_status *st,
		      const struct imap_arg *items, struct buf *out);
/* Open the mailbox `name` for APPEND or COPY into it, with the user's
 * quota (mailbox_quota) set: 0, or -1 with e (close dst either way). */
int imap_open_target(struct imap_sess *s, const char *name, struct mailfolder *dst, struct mail_err *e);
/* The UIDVALIDITY of a folder opened for APPEND or COPY (synced to learn
 * it when the open alone did not). */
uint32_t imap_folder_uidvalidity(struct mailfolder *f);
/* mailfolder_purge's callback: "* seq EXPUNGE" (arg is the session). */
void imap_expunged(void *arg, uint32_t seq, uint32_t uid);
/* IDLE: wait for the client's next bytes, sending updates as the
 * mailbox changes (inotify); -1 when the session must end. */
int imap_idle_wait(struct imap_sess *s);
void imap_idle_done(struct imap_sess *s, const char *line, size_t n);
/* A sequence set argument (message numbers, or UIDs when uid), "*"
 * resolved: 0, or -1 after a tagged BAD. */
int imap_msgset_arg(struct imap_sess *s, const struct imap_arg *a, int uid, struct imap_seqset *set);
/* Message i's bytes: 0, or -1 with e (ENOENT: gone). */
int imap_load_message(struct imap_sess *s, size_t i, struct buf *text, struct mail_err *e);
/* "$" (RFC 5182): the saved result as a resolved set of message numbers,
 * or of UIDs when uid (a message expunged since is no longer in it). 0,
 * or -1 (out of memory). */
int imap_saved_seqset(const struct imap_sess *s, int uid, struct imap_seqset *set);
/* Empty the saved result (a mailbox closed, a SEARCH ... SAVE failed). */
void imap_saved_clear(struct imap_sess *s);
/* Messages (imap_fetch_cmd.c, imap_store_cmd.c, imap_search_cmd.c,
 * imap_copy_cmd.c). */
imap_command_fn imap_cmd_fetch, imap_cmd_store, imap_cmd_search, imap_cmd_copy;

#endif
