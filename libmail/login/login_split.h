/* login_split.h — privilege separation for a mail-reading server (pop3d,
 * imapd) run as root: nothing that parses an unauthenticated client's
 * bytes runs as root.
 *
 * Dovecot's model, in two processes per session. The session's process
 * (root) forks a login process at once, which becomes the unprivileged
 * login user before it reads a byte: it runs the whole pre-login state of
 * the protocol (PROXY header, TLS, capabilities, STARTTLS, the login
 * commands) and holds neither the users file nor the shared table of
 * failed logins (it unmaps that). Credentials go over a socket pair to the
 * root process, which alone reads the users file (after the fork, so the
 * hashes never enter the login process's memory), counts failures per
 * client address and answers with a verdict. After a good login the root
 * process serves the logged-in state on its end of the pair (the
 * protocol's `back` hook becomes the Maildir's owner for good first); the
 * login process relays bytes between the client (plain or TLS) and it
 * until either side ends. A root process that never parses client input
 * and a login process that can neither become anyone else nor read a hash
 * is the simplest split that holds: keeping CAP_SETUID in the parsing
 * process would let an exploit in the parser become root again.
 *
 * The exchange on the pair, before the relay: the login process sends a
 * 4-byte length and "user\0password\0tls\0client", the root process one
 * verdict byte (login_verdict) and a 4-byte count of failures from the
 * address.
 */
#ifndef POSTBOX_LOGIN_SPLIT_H
#define POSTBOX_LOGIN_SPLIT_H

#include <sys/types.h>

#include "base/config.h"
#include "base/err.h"
#include "base/io.h"
#include "net/anvil.h"
#include "net/peer.h"
#include "store/users.h"

enum login_verdict {
	LOGIN_OK = 'Y',          /* right: the root process serves from here */
	LOGIN_WRONG = 'N',       /* wrong user or password */
	LOGIN_LOCKED = 'L',      /* auth_failure_limit reached, not checked */
	LOGIN_NOT_MAILDIR = 'M',
	LOGIN_TEMP = 'T',        /* the users file cannot be read */
};

struct login_answer {
	enum login_verdict verdict;
	long failures;           /* from the client's address, this one included */
};

typedef int (*login_load_users_fn)(struct users *u, void *ctx, struct mail_err *e);

/* One separated session. */
struct login_split {
	const char *proto;       /* "pop3", "imap": for logs */
	const struct config *cfg; /* auth_failure_limit, auth_lockout_time */
	struct anvil *anvil;     /* failed logins per address (NULL: none) */
	uid_t login_uid;         /* the login process's user (never 0) */
	gid_t login_gid;
	int proxy;               /* the listener expects a PROXY header: the
				  * client the login process names counts */
	login_load_users_fn load;
	void *load_ctx;
	/* In the login process, as login_uid, with the shared table gone:
	 * run the pre-login session on rfd/wfd, asking on login_fd; its
	 * return value is the process's exit code. */
	int (*front)(void *ctx, int login_fd);
	/* In the root process after LOGIN_OK: serve u on fd (the login
	 * process relays it to the client). Returns the session's result. */
	int (*back)(void *ctx, int fd, const struct peer *client, const struct user *u, const char *tls);
	void *ctx;
};

/* Run one session split as above; called as root. Returns what `back`
 * returned, or the login process's exit status when no login succeeded;
 * EX_OSERR when the split cannot be made. */
int login_split_session(const struct login_split *ls, int rfd, int wfd, const struct peer *client);

/* In the login process: ask the root process; -1 when it is gone.
 * client: the address the PROXY header named, if any (the root process
 * trusts it only on a proxy listener). */
int login_ask(int fd, const char *user, const char *pass, const char *tls, const char *client,
	      struct login_answer *a);
/* In the login process after LOGIN_OK: relay between the client's io and
 * fd until either side ends. */
void login_relay(struct io *client, int fd);

/* The check both a root process and an unseparated session make: refused
 * unchecked past auth_failure_limit failures from the client's address,
 * else the password (users_check_password), a failure counted in anvil.
 * *u gets the user on LOGIN_OK (and LOGIN_NOT_MAILDIR), *failures the
 * address's count (LOCKED, WRONG). */
enum login_verdict login_verify(const struct config *cfg, struct anvil *anvil, const struct users *users,
				const char *client, const char *addr, const char *pass, const struct user **u,
				long *failures);

/* The address a login names: name as given when it has an '@', else
 * name@hostname (the primary domain's users log in with their local
 * part). */
void login_qualify(const struct config *cfg, const char *name, char *out, size_t cap);

/* How long to wait before answering a failed login: unit_ms times the
 * larger of the session's and the address's failures, at most 10 s. */
long login_failure_delay_ms(int unit_ms, int session_failures, long address_failures);
void login_sleep_ms(long ms);

/* The uid and gid of the login user named by key (must exist and not be
 * root): 0, or -1 with e (EX_CONFIG naming the key). */
int login_user_lookup(const struct config *cfg, enum config_key key, uid_t *uid, gid_t *gid, struct mail_err *e);

/* Give up root for the user named by key, for good (pop3_user,
 * imap_user: every session then runs as that user). Nothing to do when
 * the key is empty or we are not root. 0, or -1 with e. */
int login_become_service_user(const struct config *cfg, enum config_key key, struct mail_err *e);

/* Become the owner of path (a Maildir) for good, when we are root and it
 * is not root's: 0, or -1 with e. */
int login_take_owner(const char *path, struct mail_err *e);

#endif
