/* dmarc_record.c — RFC 7489 policy records; see dmarc_record.h. */
#include "msg/dmarc_record.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "msg/dkim_tags.h"

const char *dmarc_policy_name(enum dmarc_policy p)
{
	return p == DMARC_P_REJECT ? "reject" : p == DMARC_P_QUARANTINE ? "quarantine" : "none";
}

int dmarc_record_is_dmarc(const char *txt, size_t n)
{
	size_t i = 0;
	while (i < n && (txt[i] == ' ' || txt[i] == '\t'))
		i++;
	if (n - i < 8 || strncmp(txt + i, "v=DMARC1", 8))
		return 0;
	i += 8;
	while (i < n && (txt[i] == ' ' || txt[i] == '\t'))
		i++;
	return i == n || txt[i] == ';';
}

static int policy(const struct dkim_tag *t, enum dmarc_policy *out)
{
	if (dkim_tag_is(t, "none", 1))
		*out = DMARC_P_NONE;
	else if (dkim_tag_is(t, "quarantine", 1))
		*out = DMARC_P_QUARANTINE;
	else if (dkim_tag_is(t, "reject", 1))
		*out = DMARC_P_REJECT;
	else
		return -1;
	return 0;
}

static void copy_uri(const struct dkim_tag *t, char *out)
{
	out[0] = '\0';
	if (t && str_copy(out, DMARC_URI_MAX, t->value, t->value_len) < 0)
		out[0] = '\0'; /* too long to report to: as if absent */
}

int dmarc_record_parse(const char *txt, size_t n, struct dmarc_record *r, const char **why)
{
	struct dkim_tags tags;
	memset(r, 0, sizeof *r);
	r->pct = 100;
	if (!dmarc_record_is_dmarc(txt, n)) {
		*why = "not a DMARC record (v=DMARC1 first)";
		return -1;
	}
	if (dkim_tags_parse(txt, n, &tags) < 0) {
		*why = "malformed DMARC record";
		return -1;
	}
	copy_uri(dkim_tags_get(&tags, "rua"), r->rua);
	copy_uri(dkim_tags_get(&tags, "ruf"), r->ruf);
	if (policy(dkim_tags_get(&tags, "p"), &r->p) < 0) {
		if (!r->rua[0]) {
			*why = "DMARC record without a valid p=";
			return -1;
		}
		r->p = DMARC_P_NONE; /* §6.6.3: a record with rua= but no valid p= */
	}
	if (policy(dkim_tags_get(&tags, "sp"), &r->sp) < 0)
		r->sp = r->p;
	const struct dkim_tag *pct = dkim_tags_get(&tags, "pct");
	if (pct && pct->value_len >= 1 && pct->value_len <= 3) {
		int v = 0, ok = 1;
		for (size_t i = 0; i < pct->value_len; i++) {
			ok &= pct->value[i] >= '0' && pct->value[i] <= '9';
			v = v * 10 + (pct->value[i] - '0');
		}
		if (ok && v <= 100)
			r->pct = v;
	}
	r->adkim_strict = dkim_tag_is(dkim_tags_get(&tags, "adkim"), "s", 1);
	r->aspf_strict = dkim_tag_is(dkim_tags_get(&tags, "aspf"), "s", 1);
	return 0;
}
