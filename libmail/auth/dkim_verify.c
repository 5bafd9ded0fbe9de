/* dkim_verify.c — DKIM verification; see dkim_verify.h. */
#include "auth/dkim_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dkim_crypto.h"
#include "auth/dkim_key.h"
#include "msg/header.h"

const char *dkim_result_name(enum dkim_result r)
{
	static const char *const names[] = { "none", "pass", "fail", "policy", "neutral", "temperror", "permerror" };
	return names[r];
}

static void set(struct dkim_verify_sig *s, enum dkim_result r, const char *reason)
{
	s->result = r;
	snprintf(s->reason, sizeof s->reason, "%s", reason);
}

int dkim_verify_begin(struct dkim_verifier *v, const char *hdrs, size_t n, struct mail_err *e)
{
	memset(v, 0, sizeof *v);
	v->hdrs = hdrs;
	v->n = n;
	size_t pos = 0, index = 0;
	struct header h;
	for (; hdr_next(hdrs, n, &pos, &h) == 1 && v->nsig < DKIM_VERIFY_MAX; index++) {
		if (!hdr_name_is(&h, "DKIM-Signature"))
			continue;
		if (!v->s && !(v->s = calloc(DKIM_VERIFY_MAX, sizeof *v->s)))
			return err_set(e, EX_OSERR, 451, "4.3.0", "DKIM: out of memory");
		struct dkim_verify_sig *s = &v->s[v->nsig++];
		s->field = index;
		s->name = h.name;
		s->name_len = h.name_len;
		s->value = h.value;
		s->value_len = h.value_len - (h.value_len && h.value[h.value_len - 1] == '\r');
		const char *why = NULL;
		if (dkim_sig_parse(s->value, s->value_len, &s->sig, &why) < 0) {
			set(s, DKIM_NEUTRAL, why);
			continue;
		}
		s->parsed = 1;
		if (s->sig.alg == DKIM_RSA_SHA1) {
			set(s, DKIM_FAIL, "rsa-sha1 is not accepted (RFC 8301)");
			continue;
		}
		if (dkim_body_hash_init(&s->body, s->sig.body_relaxed, s->sig.l) < 0) {
			dkim_verify_free(v);
			return err_set(e, EX_OSERR, 451, "4.3.0", "DKIM: cannot start a SHA-256 digest");
		}
		s->hashing = 1;
		s->result = DKIM_NONE; /* to be decided */
	}
	return 0;
}

void dkim_verify_body(struct dkim_verifier *v, const char *p, size_t n)
{
	for (size_t i = 0; i < v->nsig; i++)
		if (v->s[i].hashing)
			dkim_body_hash_update(&v->s[i].body, p, n);
}

/* The first of the TXT records at SELECTOR._domainkey.DOMAIN that is a
 * key record; 1 found, 0 with the result set. */
static int fetch_key(struct dkim_verify_sig *s, auth_txt_fn lookup, void *ctx, struct dkim_key_record *key)
{
	char name[300];
	int len = snprintf(name, sizeof name, "%s._domainkey.%s", s->sig.selector, s->sig.domain);
	if (len < 0 || len > 253) {
		set(s, DKIM_PERMERROR, "the key's name is over 253 octets");
		return 0;
	}
	struct buf txt = BUF_INIT;
	struct mail_err e;
	err_clear(&e);
	int n = lookup(ctx, name, &txt, &e);
	int found = 0;
	if (n < 0) {
		snprintf(s->reason, sizeof s->reason, "key lookup failed: %s", e.msg);
		s->result = DKIM_TEMPERROR;
	} else if (n == 0) {
		snprintf(s->reason, sizeof s->reason, "no key record at %s", name);
		s->result = DKIM_PERMERROR;
	} else {
		const char *why = "no key record";
		size_t off = 0;
		for (int i = 0; i < n && !found && off < txt.len; i++) {
			size_t l = strlen(txt.ptr + off);
			found = dkim_key_record_parse(txt.ptr + off, l, key, &why) == 0;
			off += l + 1;
		}
		if (!found) {
			snprintf(s->reason, sizeof s->reason, "%s at %s", why, name);
			s->result = DKIM_PERMERROR;
		}
	}
	buf_free(&txt);
	return found;
}

/* The signature's field value with b='s value left out (§3.7). */
static int value_without_b(const struct dkim_verify_sig *s, struct buf *out)
{
	buf_add(out, s->value, s->sig.b_raw_start);
	buf_add(out, s->value + s->sig.b_raw_end, s->value_len - s->sig.b_raw_end);
	return buf_ok(out) ? 0 : -1;
}

static void check_one(struct dkim_verifier *v, struct dkim_verify_sig *s, auth_txt_fn lookup, void *ctx,
		      long long now)
{
	unsigned char bh[32], hash[32];
	int body_ok = dkim_body_hash_final(&s->body, bh) == 0;
	s->hashing = 0;
	if (s->sig.x >= 0 && now > s->sig.x) {
		set(s, DKIM_POLICY, "signature expired (x=)");
		return;
	}
	struct dkim_key_record key;
	if (!fetch_key(s, lookup, ctx, &key))
		return;
	if (key.revoked) {
		set(s, DKIM_FAIL, "key revoked (empty p=)");
		return;
	}
	if ((key.type == DKIM_KEY_ED25519) != (s->sig.alg == DKIM_ED25519_SHA256)) {
		set(s, DKIM_PERMERROR, "the key's type does not match a=");
		return;
	}
	if (key.strict && s->sig.auid_domain[0] && strcasecmp(s->sig.auid_domain, s->sig.domain)) {
		set(s, DKIM_PERMERROR, "the key has t=s and i= is a subdomain of d=");
		return;
	}
	struct evp_pkey_st *pkey = NULL;
	const char *why = NULL;
	if (dkim_public_key(&key, &pkey, &why) < 0) {
		set(s, strstr(why, "RFC 8301") ? DKIM_FAIL : DKIM_PERMERROR, why);
		return;
	}
	struct buf value = BUF_INIT;
	if (!body_ok || s->sig.bh_len != 32 || memcmp(bh, s->sig.bh, 32)) {
		set(s, DKIM_FAIL, "body hash did not verify");
	} else if (s->sig.l >= 0 && s->body.total < s->sig.l) {
		set(s, DKIM_FAIL, "l= is longer than the body");
	} else if (value_without_b(s, &value) < 0 ||
		   dkim_header_hash(v->hdrs, v->n, s->sig.h, s->sig.nh, s->sig.header_relaxed, s->name, s->name_len,
				    value.ptr, value.len, hash) < 0) {
		set(s, DKIM_TEMPERROR, "out of memory");
	} else if (!dkim_verify_hash(pkey, s->sig.alg, hash, s->sig.b, s->sig.b_len)) {
		set(s, DKIM_FAIL, "signature did not verify");
	} else {
		set(s, DKIM_PASS, key.testing ? "key in testing mode (t=y)" : "");
	}
	buf_free(&value);
	dkim_public_key_free(pkey);
}

void dkim_verify_finish(struct dkim_verifier *v, auth_txt_fn lookup, void *ctx, long long now)
{
	for (size_t i = 0; i < v->nsig; i++)
		if (v->s[i].hashing)
			check_one(v, &v->s[i], lookup, ctx, now);
}

void dkim_verify_free(struct dkim_verifier *v)
{
	for (size_t i = 0; i < v->nsig; i++)
		if (v->s[i].hashing)
			dkim_body_hash_free(&v->s[i].body);
	free(v->s);
	v->s = NULL;
	v->nsig = 0;
}
