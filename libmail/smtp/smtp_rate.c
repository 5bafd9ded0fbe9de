/* smtp_rate.c — rate limits per client address and per authenticated
 * user, counted in the server's shared table (anvil.h) so that they hold
 * across sessions and processes.
 *
 * Per client address: new sessions per minute (421 4.7.0 and the session
 * ends) and MAIL commands per minute (450 4.7.1); clients in
 * relay_networks are exempt, as they are from Postfix's anvil limits by
 * default. Behind a proxy listener the address is the one the PROXY
 * header named, so the limits apply to the real client. Per authenticated
 * user: messages (MAIL) and recipients per hour (450 4.7.1), so that one
 * stolen password cannot send a flood. What postbox writes itself
 * (bounces, delay warnings) never passes through smtpd and is not counted.
 * Every refusal is logged with event=rate-limited.
 */
#include "base/log.h"
#include "smtp/smtp_session.h"

/* Count one event for key; 1 when that goes past limit (0: none). */
static int over(struct session *s, char kind, const char *name, enum anvil_counter c, enum config_key k,
		long window_s, long *count)
{
	long limit = config_num(s->cfg, k);
	char key[ANVIL_KEY_MAX];
	if (limit <= 0 || !s->srv->anvil)
		return 0;
	anvil_key(key, sizeof key, kind, name);
	*count = anvil_count(s->srv->anvil, key, c, 1, window_s);
	if (*count <= limit)
		return 0;
	log_info(NULL, "client=%s event=rate-limited limit=%s count=%ld%s%s", s->peer.text, config_key_name(k), *count,
		 kind == 'u' ? " user=" : "", kind == 'u' ? LOG_TOKEN(name) : "");
	smtpd_count(s, SMTPD_M_REFUSED_RATE);
	return 1;
}

static int exempt(const struct session *s)
{
	return s->relay_ok;
}

int smtpd_rate_connection(struct session *s)
{
	long n;
	if (exempt(s) || !over(s, 'a', s->peer.text, ANVIL_CONNECT, CFG_SMTPD_CONNECTION_RATE_LIMIT, 60, &n))
		return 0;
	smtpd_reply(s, "421 4.7.0 %s Error: too many connections from %s, try again later",
		    config_str(s->cfg, CFG_HOSTNAME), s->peer.text);
	s->quit = 1;
	return -1;
}

int smtpd_rate_message(struct session *s)
{
	long n;
	if (!exempt(s) && over(s, 'a', s->peer.text, ANVIL_MESSAGE, CFG_SMTPD_MESSAGE_RATE_LIMIT, 60, &n)) {
		smtpd_reply(s, "450 4.7.1 Error: too many messages from %s, try again later", s->peer.text);
		return -1;
	}
	if (s->user[0] && over(s, 'u', s->user, ANVIL_MESSAGE, CFG_SMTPD_USER_MESSAGE_RATE_LIMIT, 3600, &n)) {
		smtpd_reply(s, "450 4.7.1 Error: user %s has sent too many messages this hour, try again later",
			    s->user);
		return -1;
	}
	return 0;
}

int smtpd_rate_recipient(struct session *s)
{
	long n;
	if (s->user[0] && over(s, 'u', s->user, ANVIL_RCPT, CFG_SMTPD_USER_RECIPIENT_RATE_LIMIT, 3600, &n)) {
		smtpd_reply(s, "450 4.7.1 Error: user %s has sent to too many recipients this hour, try again later",
			    s->user);
		return -1;
	}
	return 0;
}
