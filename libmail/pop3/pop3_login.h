/* pop3_login.h — privilege separation for pop3d run as root: nothing that
 * parses an unauthenticated client's bytes runs as root.
 *
 * Dovecot's model, in two processes per session. The session's process
 * (root) forks a login process at once, which becomes the unprivileged
 * pop3_login_user before it reads a byte: it runs the whole AUTHORIZATION
 * state (PROXY header, TLS, CAPA, STLS, USER/PASS, AUTH) and holds neither
 * the users file nor the shared table of failed logins (it unmaps that).
 * Credentials go over a socket pair to the root process, which alone reads
 * the users file (after the fork, so the hashes never enter the login
 * process's memory), counts failures per client address and answers with
 * a verdict. After a good login the root process becomes the Maildir's
 * owner for good and serves the TRANSACTION state on its end of the pair;
 * the login process relays bytes between the client (plain or TLS) and it
 * until either side ends. A root process that never parses client input
 * and a login process that can neither become anyone else nor read a hash
 * is the simplest split that holds: keeping CAP_SETUID in the parsing
 * process would let an exploit in the parser become root again.
 *
 * The exchange on the pair, before the relay: the login process sends a
 * 4-byte length and "user\0password\0tls\0client", the root process one verdict
 * byte (pop3_verdict) and a 4-byte count of failures from the address.
 */
#ifndef POSTBOX_POP3_LOGIN_H
#define POSTBOX_POP3_LOGIN_H

#include "base/err.h"
#include "net/peer.h"
#include "pop3/pop3_session.h"

enum pop3_verdict {
	POP3_LOGIN_OK = 'Y',     /* right: the root process serves from here */
	POP3_LOGIN_WRONG = 'N',  /* wrong user or password */
	POP3_LOGIN_LOCKED = 'L', /* auth_failure_limit reached, not checked */
	POP3_LOGIN_NOT_MAILDIR = 'M',
	POP3_LOGIN_TEMP = 'T',   /* the users file cannot be read */
};

struct pop3_answer {
	enum pop3_verdict verdict;
	long failures;           /* from the client's address, this one included */
};

typedef int (*pop3_load_users_fn)(struct users *u, void *ctx, struct mail_err *e);

/* Run one session separated as above (srv->login_uid and login_gid set);
 * called as root. Returns what pop3_session would: 0 after QUIT. */
int pop3_separated_session(const struct pop3_server *srv, const struct pop3_listen_opts *lo, int rfd, int wfd,
			   const struct peer *client, pop3_load_users_fn load, void *load_ctx);

/* In the login process: ask the root process; -1 when it is gone.
 * client: the address the PROXY header named, if any (the root process
 * trusts it only on a proxy listener). */
int pop3_login_ask(int fd, const char *user, const char *pass, const char *tls, const char *client,
		   struct pop3_answer *a);
/* In the login process after POP3_LOGIN_OK: relay between the client's io
 * and fd until either side ends. */
void pop3_login_relay(struct io *client, int fd);

#endif
