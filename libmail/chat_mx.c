/* chat_mx.c — MX hosts and their addresses for smtp-chat; see chat_mx.h. */
#include "chat_mx.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "buf.h"

static ldns_resolver *make_resolver(const char *spec, struct mail_err *e)
{
	ldns_resolver *res = NULL;
	if (!spec || !*spec) {
		if (ldns_resolver_new_frm_file(&res, NULL) != LDNS_STATUS_OK)
			err_set(e, EX_TEMPFAIL, 0, "", "cannot read /etc/resolv.conf");
		return res;
	}
	char addr[64] = "";
	unsigned port = 53;
	const char *colon = strrchr(spec, ':');
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || str_copy(addr, sizeof addr, spec + 1, (size_t)(close - spec - 1)) < 0)
			goto bad;
		if (close[1] == ':')
			port = (unsigned)atoi(close + 2);
	} else if (colon && strchr(spec, ':') == colon) {
		if (str_copy(addr, sizeof addr, spec, (size_t)(colon - spec)) < 0)
			goto bad;
		port = (unsigned)atoi(colon + 1);
	} else if (str_copy(addr, sizeof addr, spec, strlen(spec)) < 0) {
		goto bad;
	}
	unsigned char bin[16];
	int v6 = inet_pton(AF_INET6, addr, bin) == 1;
	if (!v6 && inet_pton(AF_INET, addr, bin) != 1)
		goto bad;
	if (port == 0 || port > 65535)
		goto bad;
	ldns_rdf *ns = ldns_rdf_new_frm_str(v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, addr);
	res = ldns_resolver_new();
	if (!ns || !res || ldns_resolver_push_nameserver(res, ns) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(ns);
		ldns_resolver_deep_free(res);
		err_set(e, EX_TEMPFAIL, 0, "", "resolver %s: cannot set up", spec);
		return NULL;
	}
	ldns_rdf_deep_free(ns);
	ldns_resolver_set_port(res, (uint16_t)port);
	ldns_resolver_set_retry(res, 1);
	ldns_resolver_set_timeout(res, (struct timeval){ 3, 0 });
	return res;
bad:
	err_set(e, EX_CONFIG, 0, "", "resolver \"%s\" is not ADDR[:PORT]", spec);
	return NULL;
}

/* Query name/type; the answer packet, or NULL with e. */
static ldns_pkt *query(ldns_resolver *res, const char *name, ldns_rr_type type, struct mail_err *e)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	if (!dname) {
		err_set(e, EX_NOHOST, 0, "", "%s: not a domain name", name);
		return NULL;
	}
	ldns_pkt *p = ldns_resolver_query(res, dname, type, LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_rdf_deep_free(dname);
	if (!p) {
		err_set(e, EX_TEMPFAIL, 0, "", "%s: no answer from the resolver", name);
		return NULL;
	}
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(p);
	if (rc == LDNS_RCODE_NXDOMAIN || rc != LDNS_RCODE_NOERROR) {
		if (rc == LDNS_RCODE_NXDOMAIN)
			err_set(e, EX_NOHOST, 0, "", "%s: no such domain", name);
		else
			err_set(e, EX_TEMPFAIL, 0, "", "%s: resolver error (rcode %d)", name, (int)rc);
		ldns_pkt_free(p);
		return NULL;
	}
	return p;
}

static void rdf_text(const ldns_rdf *rd, char *out, size_t cap)
{
	char *s = ldns_rdf2str(rd);
	size_t n = s ? strlen(s) : 0;
	if (n > 1 && s[n - 1] == '.')
		n--;
	if (!s || str_copy(out, cap, s, n) < 0)
		out[0] = '\0';
	free(s);
}

static void addresses(ldns_resolver *res, struct chat_mx_host *h)
{
	static const ldns_rr_type types[] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA };
	for (size_t t = 0; t < 2; t++) {
		struct mail_err e;
		ldns_pkt *p = query(res, h->name, types[t], &e);
		if (!p)
			continue;
		ldns_rr_list *l = ldns_pkt_rr_list_by_type(p, types[t], LDNS_SECTION_ANSWER);
		for (size_t i = 0; l && i < ldns_rr_list_rr_count(l) && h->naddr < 4; i++)
			rdf_text(ldns_rr_rdf(ldns_rr_list_rr(l, i), 0), h->addr[h->naddr++], 64);
		ldns_rr_list_deep_free(l);
		ldns_pkt_free(p);
	}
}

int chat_mx_lookup(const char *domain, const char *resolver, struct chat_mx_host *hosts,
		   size_t max, size_t *n, struct mail_err *e)
{
	*n = 0;
	ldns_resolver *res = make_resolver(resolver, e);
	if (!res)
		return -1;
	int rc = -1;
	ldns_pkt *p = query(res, domain, LDNS_RR_TYPE_MX, e);
	if (!p)
		goto out;
	ldns_rr_list *l = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_MX, LDNS_SECTION_ANSWER);
	size_t count = l ? ldns_rr_list_rr_count(l) : 0;
	for (size_t i = 0; i < count && *n < max; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_rd_count(rr) < 2)
			continue;
		struct chat_mx_host *h = &hosts[*n];
		memset(h, 0, sizeof *h);
		h->pref = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		rdf_text(ldns_rr_rdf(rr, 1), h->name, sizeof h->name);
		if (!strcmp(h->name, ".") || !h->name[0]) {
			if (count == 1) {
				ldns_rr_list_deep_free(l);
				ldns_pkt_free(p);
				err_set(e, EX_UNAVAILABLE, 556, "5.1.10", "%s: null MX: the domain takes no mail",
					domain);
				goto out;
			}
			continue;
		}
		(*n)++;
	}
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
	/* insertion sort by preference; equal ones keep their order */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && hosts[j - 1].pref > hosts[j].pref; j--) {
			struct chat_mx_host tmp = hosts[j];
			hosts[j] = hosts[j - 1];
			hosts[j - 1] = tmp;
		}
	if (*n == 0 && max > 0) { /* implicit MX */
		memset(&hosts[0], 0, sizeof hosts[0]);
		str_copy(hosts[0].name, sizeof hosts[0].name, domain, strlen(domain));
		*n = 1;
	}
	for (size_t i = 0; i < *n; i++)
		addresses(res, &hosts[i]);
	rc = 0;
out:
	ldns_resolver_deep_free(res);
	return rc;
}
