/* smtp_tables.h — smtpd's view of the users and aliases files.
 *
 * Binds the tables of users.h, aliases.h and local/recipient.h to the callbacks
 * of smtp_server.h:
 *   auth   users_check_password (constant time, same for unknown users)
 *   local  resolve_exists: RCPT to a local address without an entry → 550;
 *          an SRS address (srs_secret set) is checked even with no tables:
 *          forged or expired → 550 5.7.1
 *   owns   with smtpd_sender_login_check: the sender is the login address
 *          or an address that resolves only to that user's mailbox
 * With neither a users nor an aliases file configured, every address in
 * local_domains is accepted and AUTH is not offered.
 */
#ifndef POSTBOX_SMTP_TABLES_H
#define POSTBOX_SMTP_TABLES_H

#include "store/aliases.h"
#include "base/config.h"
#include "local/recipient.h"
#include "smtp/smtp_server.h"
#include "store/srs_config.h"
#include "store/users.h"

struct smtp_tables {
	struct users users;
	struct aliases aliases;
	struct srs srs;             /* srs_secret, srs_domain, srs_max_age */
	struct resolver resolver;
	int have_users, have_aliases;
	int sender_check;
	const struct config *cfg;
};

/* Load both files named by the configuration and the SRS secrets (call
 * before dropping privileges: the users file holds password hashes). */
int smtp_tables_load(struct smtp_tables *t, const struct config *cfg, struct mail_err *e);
void smtp_tables_free(struct smtp_tables *t);
/* Point srv's callbacks at t (or clear them when there are no tables). */
void smtp_tables_bind(struct smtp_tables *t, struct smtp_server *srv);

#endif
