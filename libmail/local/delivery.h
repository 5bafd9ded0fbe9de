/* delivery.h — local delivery of one message to resolved destinations.
 *
 * The deliver applet's engine; the queue runner reaches it through that
 * applet (queue/local_transport.h runs `deliver`), so queued mail and
 * `deliver` share one code path: read and check a message, add Return-Path and Delivered-To, refuse
 * loops, and write it to a Maildir, an mbox or a program with the right
 * identity. Forwards (DEST_FORWARD) are the caller's: they go back to the
 * spool.
 *
 * Identity: run as root, a mailbox is written with the effective uid/gid
 * of its owner (of the Maildir or mbox, or of its nearest existing parent
 * when it does not exist yet), set with setegid/seteuid around the write as
 * Postfix's local does; files and programs named in aliases run as the
 * owner of the file that named them, or as default_user when that owner is
 * root. Not root, everything runs as the caller.
 */
#ifndef POSTBOX_DELIVERY_H
#define POSTBOX_DELIVERY_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "local/recipient.h"

struct delivery_opts {
	const char *sender;        /* envelope sender; "" = <> */
	const char *folder;        /* Maildir++ folder to deliver into, or NULL */
	int detail_folders;        /* +detail picks an existing folder .detail */
	int junk;                  /* into an existing folder .Junk (DMARC quarantine) */
	int hop_limit;             /* most Received: fields (loop refusal) */
	int lock_timeout;          /* seconds to wait for an mbox lock */
	int pipe_timeout;          /* seconds a program may run */
	long long quota;           /* bytes per mailbox, 0 = none */
	int quota_defer;           /* over quota: EX_TEMPFAIL instead of refusal */
	const char *default_user;  /* identity for root-owned aliases' files/pipes */
};

/* Options from the configuration keys (hop_limit, lock_timeout, ...). */
void delivery_opts_init(struct delivery_opts *o, const struct config *cfg);

/* Read one message from fd into msg (reset first): CRLF becomes LF, a
 * leading mbox "From " line is dropped (its address goes to postmark, if
 * not NULL, cap bytes), a NUL byte or more than max bytes is refused with
 * EX_DATAERR (552 5.3.4 for size). */
int message_read(int fd, long long max, struct buf *msg, char *postmark, size_t cap,
		 struct mail_err *e);

/* Refuse a message that already carries "Delivered-To: rcpt" or more than
 * hop_limit Received: fields: EX_DATAERR, 554 5.4.6. */
int message_check_loop(const char *p, size_t n, const char *rcpt, int hop_limit,
		       struct mail_err *e);

/* Deliver msg (LF text) to one destination (not DEST_FORWARD). path
 * overrides nothing; on success *where (if not NULL, cap bytes) names the
 * file written ("/m/ann/new/NAME" or the mbox path or the program). */
int delivery_to(const struct delivery_opts *o, const struct dest *d, const char *msg, size_t n,
		char *where, size_t cap, struct mail_err *e);

#endif
