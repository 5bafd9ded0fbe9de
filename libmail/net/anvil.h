/* anvil.h — event counters per client address and per user, shared by
 * every session process of one server (Postfix's anvil, without a server
 * process of its own).
 *
 * The table is a fixed number of entries in a MAP_SHARED anonymous
 * mapping that the daemon's parent creates before it forks, so every
 * session sees the same counters whatever user it has become. A robust
 * process-shared mutex guards it: a session killed while holding the lock
 * (kill -9) leaves it usable for the next. Keys are text ("a:192.0.2.1",
 * "u:ann@example.org"); each hashes to a bucket of a few slots, and a new
 * key takes the least recently used slot of its bucket: an attacker with
 * many addresses can push counters out, never make the table grow.
 *
 * Two kinds of window: anvil_count() counts in fixed windows (a window
 * starts with the first event after the previous one ended, as anvil's
 * rate limits do); anvil_strike() counts events until window_s pass
 * without one (failed logins: the count falls to zero only after a quiet
 * period).
 *
 * A server under a super-server (inetd, xinetd, systemd Accept=yes) is
 * one process per connection with no parent to share a mapping: it opens
 * the table as a file instead (anvil_open, SPOOL/anvil), the same layout
 * mapped MAP_SHARED, so its sessions, smtpd's and pop3d's, count
 * together. Without a table (NULL) every call counts nothing.
 */
#ifndef POSTBOX_ANVIL_H
#define POSTBOX_ANVIL_H

#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"

enum anvil_counter {
	ANVIL_CONNECT,           /* new sessions */
	ANVIL_MESSAGE,           /* MAIL commands */
	ANVIL_RCPT,              /* accepted recipients */
	ANVIL_AUTH_FAIL,         /* failed logins */
	ANVIL_NCOUNTERS
};

#define ANVIL_KEY_MAX 96

struct anvil;

/* A table of about `entries` slots; NULL with e on failure. */
struct anvil *anvil_create(size_t entries, struct mail_err *e);
/* The table in the file at path, made (mode 0600, under an exclusive
 * flock, chowned to owner when root makes it) when it is missing or not a
 * valid table; an existing valid one keeps its size and its counters.
 * Refuses a file that is not a private regular file of this user, of
 * owner or of root (or a symbolic link). NULL with e on failure. */
struct anvil *anvil_open(const char *path, size_t entries, uid_t owner, struct mail_err *e);
/* The super-servers' table: SPOOL/anvil, owned by the spool's owner. */
struct anvil *anvil_open_spool(const char *spool, size_t entries, struct mail_err *e);
void anvil_destroy(struct anvil *a);

/* Add n events (n may be 0: look only) to key's counter c and return the
 * count in the current window, these events included. 0 when a is NULL. */
long anvil_count(struct anvil *a, const char *key, enum anvil_counter c, long n, long window_s);
long anvil_strike(struct anvil *a, const char *key, enum anvil_counter c, long n, long window_s);

/* Failed logins from a client address, counted until lockout_s pass
 * without one; add is 1 for a new failure, 0 to look. smtpd and pop3d
 * share the count when they share a table. */
long anvil_login_failures(struct anvil *a, const char *client, long add, long lockout_s);

/* The key for a client address ("a:ADDR") or a user ("u:NAME"). */
void anvil_key(char *out, size_t cap, char kind, const char *name);

#endif
