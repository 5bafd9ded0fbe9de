/* pop3_session.h — one POP3 session (RFC 1939, RFC 2449, RFC 2595,
 * RFC 5034) over a pair of descriptors.
 *
 * AUTHORIZATION: CAPA, USER/PASS, AUTH PLAIN, STLS, QUIT. Credentials are
 * checked against the users file (users_check_password: the same reply
 * and time for an unknown user and a wrong password); each failure waits
 * longer (0.5 s times the count of failures from the client's address,
 * across sessions when srv->anvil is set, at most 10 s) and the third ends
 * the session. After auth_failure_limit failures from one address, its
 * logins are refused unchecked until auth_lockout_time passes without one. USER,
 * PASS and AUTH are refused before TLS unless plaintext_auth is set; CAPA
 * advertises only what is allowed at that moment. STLS discards anything
 * pipelined behind it before the handshake (tls.h).
 *
 * After a good login, run as root, the session takes the identity of the
 * Maildir's owner for good (setgid/setuid), then locks and lists the
 * maildrop (pop3_mailbox.h): -ERR [IN-USE] when another session holds it.
 *
 * TRANSACTION: STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, QUIT.
 * Deletions are applied only by QUIT from this state; EOF, a timeout
 * (autologout, default 10 minutes) or an error deletes nothing.
 *
 * Output is flushed when the client has nothing more pipelined, so a
 * pipelining client gets its answers in few packets.
 */
#ifndef POSTBOX_POP3_SESSION_H
#define POSTBOX_POP3_SESSION_H

#include <sys/types.h>

#include "base/config.h"
#include "base/tally.h"
#include "net/anvil.h"
#include "net/peer.h"
#include "net/tls.h"
#include "store/users.h"
#include "login/login_split.h"

struct pop3_server {
	const struct config *cfg;
	const struct users *users;
	struct tls_ctx *tls;     /* NULL: no STLS and no implicit TLS */
	int plaintext_auth;      /* allow authentication without TLS */
	int keep;                /* DELE moves to cur/ with S instead of removing */
	const char *uidl_format; /* pop3_uidl_format (pop3_mailbox.h) */
	int timeout_ms;          /* autologout */
	int auth_delay_ms;       /* delay unit after a failed login */
	struct anvil *anvil;     /* failed logins per client address, shared
				  * by the sessions (standalone mode; NULL in
				  * inetd mode): the delays go on growing
				  * across reconnections, and past
				  * auth_failure_limit logins are refused */
	struct tally *metrics;   /* counters of pop3_metrics.h shared by the
				  * sessions (standalone mode; NULL in inetd
				  * mode) */
	int separate;            /* run as root: sessions are split into a
				  * login process running as login_uid and a
				  * root one (login_split.h) */
	uid_t login_uid;
	gid_t login_gid;
	int login_process;       /* this is the login process: logins are
				  * asked of the root process on login_fd */
	int login_fd;
};

struct pop3_listen_opts {
	int implicit_tls;        /* TLS from the first byte (pop3s, port 995) */
	int proxy;               /* a PROXY protocol header comes first */
};

/* Run one session to its end. client: who connected (peer.h), replaced
 * by the client a PROXY header names on a listener marked proxy. Returns 0 after QUIT, 1 otherwise; *failed (if not NULL) gets
 * the number of failed logins. */
int pop3_session(const struct pop3_server *srv, const struct pop3_listen_opts *lo, int rfd,
		 int wfd, const struct peer *client, int *failed);

/* The TRANSACTION state for a user whose login the root process checked
 * (login_split.h): become the Maildir's owner, open it, answer +OK and
 * serve on fd. tls: how the client is connected, for the log. Returns 0
 * after QUIT. */
int pop3_transaction(const struct pop3_server *srv, int fd, const struct peer *client, const struct user *u,
		     const char *tls);

/* Run one session split into a login process and a root one
 * (login_split.h; srv->login_uid and login_gid set); called as root.
 * Returns what pop3_session would: 0 after QUIT. */
int pop3_separated_session(const struct pop3_server *srv, const struct pop3_listen_opts *lo, int rfd, int wfd,
			   const struct peer *client, login_load_users_fn load, void *load_ctx);

#endif
