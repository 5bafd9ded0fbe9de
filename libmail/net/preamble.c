/* preamble.c — PROXY header, then implicit TLS; see preamble.h. */
#include "net/preamble.h"

#include "net/proxyproto.h"

int preamble_run(struct io *io, const struct preamble *pre, struct peer *peer, struct mail_err *e)
{
	if (pre->proxy) {
		struct proxy_info pi;
		if (proxyproto_read(io, &pi, e) < 0)
			return PREAMBLE_PROXY_FAILED;
		if (!pi.local)
			*peer = pi.src;
	}
	if (pre->implicit_tls) {
		if (!pre->tls) {
			err_set(e, EX_CONFIG, 421, "4.7.0", "implicit TLS: no certificate configured");
			return PREAMBLE_TLS_FAILED;
		}
		if (tls_accept(io, pre->tls, e) < 0)
			return PREAMBLE_TLS_FAILED;
	}
	return PREAMBLE_OK;
}
