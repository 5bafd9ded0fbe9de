/* imap_session.h — one IMAP session (RFC 9051 IMAP4rev2, RFC 3501
 * IMAP4rev1) over a pair of descriptors.
 *
 * Not authenticated: CAPABILITY, NOOP, LOGOUT, ID, STARTTLS (RFC 9051
 * §6.2.1; what the client pipelined behind it is thrown away), LOGIN and
 * AUTHENTICATE PLAIN with SASL-IR (RFC 4959). Credentials are checked as
 * pop3d checks them (login_split.h: the same users file, the same failure
 * count per client address, the same growing delay, the same lockout);
 * the third failure in a session ends it. Before TLS, LOGIN and
 * AUTHENTICATE are refused (LOGINDISABLED, no AUTH=) unless
 * plaintext_auth is set.
 *
 * Authenticated and selected: the mailbox commands (imap_commands.h) on
 * the user's Maildir and its Maildir++ folders (store/mailfolder.h,
 * store/folder_tree.h).
 *
 * Input is read by msg/imap_cmd.h's reader with its limits: no literal
 * is read before its size is checked and the "+" sent (or, for {N+}, the
 * size is within LITERAL-'s 4096 octets before login). An idle session
 * ends after timeout_ms (autologout, RFC 9051: at least 30 minutes); once
 * a command has started, its whole line must arrive within 60 s and its
 * literals at 1 KiB/s at least (issue 13's slow bytes), so a trickling
 * client cannot hold a session slot.
 */
#ifndef POSTBOX_IMAP_SESSION_H
#define POSTBOX_IMAP_SESSION_H

#include <sys/types.h>

#include "base/config.h"
#include "base/tally.h"
#include "login/login_split.h"
#include "net/anvil.h"
#include "net/peer.h"
#include "net/tls.h"
#include "store/users.h"

struct imap_server {
	const struct config *cfg;
	const struct users *users;
	struct tls_ctx *tls;     /* NULL: no STARTTLS and no implicit TLS */
	int plaintext_auth;      /* allow LOGIN/AUTHENTICATE without TLS */
	int timeout_ms;          /* autologout */
	int auth_delay_ms;       /* delay unit after a failed login */
	long long max_append;    /* largest APPEND literal (max_message_size) */
	struct anvil *anvil;     /* failed logins per client address, shared
				  * by the sessions (standalone; NULL in inetd
				  * mode) */
	struct tally *metrics;   /* counters of imap_metrics.h shared by the
				  * sessions (standalone; NULL: none) */
	int separate;            /* run as root: split into a login process
				  * (login_uid) and a root one (login_split.h) */
	uid_t login_uid;
	gid_t login_gid;
	int login_process;       /* this is the login process: logins are
				  * asked of the root process on login_fd */
	int login_fd;
};

struct imap_listen_opts {
	int implicit_tls;        /* TLS from the first byte (imaps, port 993) */
	int proxy;               /* a PROXY protocol header comes first */
};

/* Run one session to its end. client: who connected (peer.h), replaced by
 * the client a PROXY header names on a listener marked proxy. Returns 0
 * after LOGOUT, 1 otherwise; *failed (if not NULL) gets the number of
 * failed logins. */
int imap_session(const struct imap_server *srv, const struct imap_listen_opts *lo, int rfd, int wfd,
		 const struct peer *client, int *failed);

/* Run one session split into a login process and a root one
 * (login_split.h; srv->login_uid and login_gid set); called as root. */
int imap_separated_session(const struct imap_server *srv, const struct imap_listen_opts *lo, int rfd, int wfd,
			   const struct peer *client, login_load_users_fn load, void *load_ctx);

#endif
