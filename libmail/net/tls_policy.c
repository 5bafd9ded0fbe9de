/* tls_policy.c — the configured TLS policy of servers; see tls_policy.h. */
#include "net/tls_policy.h"

#include <string.h>

#include "base/buf.h"

/* Mozilla's server-side TLS recommendations, version 5.7, less TLS 1.3
 * (OpenSSL's suites). The order is ours to enforce: AES-128-GCM first (as
 * strong as needed, fastest with AES instructions), ECDSA before RSA. */
#define TLS_CIPHERS_MODERN                                                                      \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                            \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                            \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_CIPHERS_INTERMEDIATE                                                                \
	TLS_CIPHERS_MODERN ":DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"

/* The built-in cipher list for these clients; NULL with e on a bad profile. */
static const char *profile_ciphers(const struct config *cfg, enum tls_clients who, struct mail_err *e)
{
	if (who != TLS_CLIENTS_MTAS)
		return TLS_CIPHERS_MODERN;
	const char *profile = config_str(cfg, CFG_SMTPD_TLS_PROFILE);
	if (!strcmp(profile, "modern"))
		return TLS_CIPHERS_MODERN;
	if (!strcmp(profile, "intermediate"))
		return TLS_CIPHERS_INTERMEDIATE;
	err_set(e, EX_CONFIG, 454, "4.7.0", "%s: smtpd_tls_profile \"%s\": expected intermediate or modern",
		cfg->v[CFG_SMTPD_TLS_PROFILE].origin, profile);
	return NULL;
}

/* e's message prefixed with where the key was set. */
static int blame_key(const struct config *cfg, enum config_key k, struct mail_err *e)
{
	char msg[sizeof e->msg];
	str_copy(msg, sizeof msg, e->msg, strlen(e->msg));
	return err_set(e, EX_CONFIG, 454, "4.7.0", "%s: %s: %s", cfg->v[k].origin, config_key_name(k), msg);
}

struct tls_ctx *tls_server_ctx_for(const struct config *cfg, enum tls_clients who, const char *cert_file,
				   const char *key_file, struct mail_err *e)
{
	const char *ciphers = config_str(cfg, CFG_TLS_CIPHERS);
	if (!ciphers[0] && !(ciphers = profile_ciphers(cfg, who, e)))
		return NULL;
	struct tls_ctx *c = tls_server_ctx(cert_file, key_file, e);
	if (!c)
		return NULL;
	if (tls_ctx_set_versions(c, config_str(cfg, CFG_TLS_PROTOCOLS), e) < 0) {
		blame_key(cfg, CFG_TLS_PROTOCOLS, e);
		goto fail;
	}
	if (tls_ctx_set_tls12_ciphers(c, ciphers, e) < 0) {
		blame_key(cfg, CFG_TLS_CIPHERS, e);
		goto fail;
	}
	return c;
fail:
	tls_ctx_free(c);
	return NULL;
}
