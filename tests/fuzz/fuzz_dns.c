/* libFuzzer target: DNS answers (dns_parse_reply) never crash and never
 * yield a record beyond the limits: the first byte picks the question's
 * type, the rest is the answer as it came off the wire, asked for
 * "a.example". Also the stored error texts (retry_error_parse). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg/dns_decode.h"
#include "queue/retry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = { DNS_T_MX, DNS_T_A, DNS_T_AAAA, DNS_T_TLSA, DNS_T_CNAME, DNS_T_TXT, DNS_T_PTR };
	static struct dns_reply rep;
	struct mail_err e;
	if (size < 1)
		return 0;
	int qtype = types[data[0] % 7];
	if (dns_parse_reply(data + 1, size - 1, "a.example", qtype, &rep, &e) == 0) {
		if (rep.n > DNS_RR_MAX || strlen(rep.name) >= DNS_NAME_MAX)
			__builtin_trap();
		for (size_t i = 0; i < rep.n; i++)
			if (rep.rr[i].dlen > DNS_TLSA_DATA_MAX || (rep.rr[i].host[0] && !dns_name_valid(rep.rr[i].host)))
				__builtin_trap();
		size_t used = 0, len;
		for (size_t i = 0; i < rep.n; i++) {
			dns_rr_txt(&rep, i, &len);
			used += len;
		}
		if (used > size)
			__builtin_trap();
		dns_reply_free(&rep);
	}
	char text[ENV_ERROR_MAX + 1], status[12], mta[256];
	const char *rest;
	int code;
	size_t n = size - 1 < ENV_ERROR_MAX ? size - 1 : ENV_ERROR_MAX;
	memcpy(text, data + 1, n);
	text[n] = '\0';
	if (retry_error_parse(text, &code, status, sizeof status, mta, sizeof mta, &rest) == 0 &&
	    (code < 0 || code > 999 || rest < text || rest > text + n))
		__builtin_trap();
	return 0;
}
