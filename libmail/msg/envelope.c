/* envelope.c — write and parse envelope files; format in envelope.h. */
#include "msg/envelope.h"

#include "base/array.h"
#include "base/hex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = { "queued", "deferred", "sent", "bounced" };
static const char *const ret_names[] = { "", "FULL", "HDRS" };
static const char *const body_names[] = { "", "7BIT", "8BITMIME", "BINARYMIME" };
static const char *const notify_names[] = { "NEVER", "SUCCESS", "FAILURE", "DELAY" };

void envelope_init(struct envelope *env)
{
	memset(env, 0, sizeof *env);
	env->uid = -1;
}

void envelope_free(struct envelope *env)
{
	free(env->rcpt);
	env->rcpt = NULL;
	env->nrcpt = env->rcpt_cap = 0;
}

struct rcpt *envelope_add_rcpt(struct envelope *env, const char *addr)
{
	if (env->nrcpt == env->rcpt_cap) {
		struct rcpt *r = array_grow(env->rcpt, &env->rcpt_cap, sizeof *r, 4);
		if (!r)
			return NULL;
		env->rcpt = r;
	}
	struct rcpt *r = &env->rcpt[env->nrcpt];
	memset(r, 0, sizeof *r);
	if (str_copy(r->addr, sizeof r->addr, addr, strlen(addr)) < 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	env->nrcpt++;
	return r;
}

const char *rcpt_state_name(enum rcpt_state s)
{
	return state_names[s];
}

int rcpt_pending(const struct rcpt *r)
{
	return r->state == RCPT_QUEUED || r->state == RCPT_DEFERRED;
}

int env_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || c == '%') {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_add(out, esc, 3);
		} else {
			buf_addc(out, (char)c);
		}
	}
	return buf_ok(out) ? 0 : -1;
}

int env_unescape(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned char u = (unsigned char)c;
		/* What env_escape() escapes must never appear raw, and a NUL
		 * cannot live in the C strings the fields become. */
		if (u <= 0x20 || u == 0x7f)
			return -1;
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int h = hex_value(s[i + 1]), l = hex_value(s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h * 16 + l);
			if (!c)
				return -1;
			i += 2;
		}
		if (o + 1 >= cap)
			return -1;
		dst[o++] = c;
	}
	if (cap == 0)
		return -1;
	dst[o] = '\0';
	return 0;
}

static void put_field(struct buf *out, const char *key, const char *value)
{
	if (!value[0])
		return;
	buf_adds(out, key);
	buf_addc(out, ' ');
	env_escape(out, value, strlen(value));
	buf_addc(out, '\n');
}

static void put_param(struct buf *out, const char *key, const char *value)
{
	if (!value[0])
		return;
	buf_addf(out, " %s=", key);
	env_escape(out, value, strlen(value));
}

int envelope_write(const struct envelope *env, struct buf *out)
{
	buf_addf(out, "postbox-envelope %d\n", env->has_crc ? ENVELOPE_VERSION : 1);
	put_field(out, "id", env->id);
	buf_addf(out, "arrival %lld\n", env->arrival);
	if (env->has_size)
		buf_addf(out, "size %lld\n", env->size);
	if (env->has_crc)
		buf_addf(out, "crc32 %08X\n", (unsigned)env->crc);
	put_field(out, "sender", env->sender[0] ? env->sender : "<>");
	buf_addf(out, "uid %lld\n", env->uid);
	put_field(out, "client", env->client);
	put_field(out, "helo", env->helo);
	put_field(out, "auth", env->auth);
	put_field(out, "envid", env->envid);
	put_field(out, "ret", ret_names[env->ret]);
	put_field(out, "body", body_names[env->body]);
	if (env->smtputf8)
		buf_adds(out, "smtputf8 1\n");
	if (env->held)
		buf_adds(out, "held 1\n");
	if (env->junk)
		buf_adds(out, "junk 1\n");
	for (size_t i = 0; i < env->nrcpt; i++) {
		const struct rcpt *r = &env->rcpt[i];
		buf_adds(out, "rcpt ");
		env_escape(out, r->addr, strlen(r->addr));
		buf_addf(out, " state=%s attempts=%d next=%lld", state_names[r->state], r->attempts,
			 r->next_try);
		if (r->notify) {
			buf_adds(out, " notify=");
			const char *sep = "";
			for (int b = 0; b < 4; b++)
				if (r->notify & (1u << b)) {
					buf_addf(out, "%s%s", sep, notify_names[b]);
					sep = ",";
				}
		}
		put_param(out, "orcpt", r->orcpt);
		put_param(out, "error", r->error);
		buf_addc(out, '\n');
	}
	buf_adds(out, "end\n");
	return buf_ok(out) ? 0 : -1;
}

/* --- parsing --- */

struct field {
	const char *p;
	size_t n;
};

static int field_is(struct field f, const char *s)
{
	return strlen(s) == f.n && !memcmp(f.p, s, f.n);
}

static int lookup(struct field f, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (field_is(f, names[i]))
			return i;
	return -1;
}

static int parse_ll(struct field f, long long min, long long *out)
{
	char tmp[24];
	char *end;
	if (f.n == 0 || f.n >= sizeof tmp)
		return -1;
	memcpy(tmp, f.p, f.n);
	tmp[f.n] = '\0';
	errno = 0;
	long long v = strtoll(tmp, &end, 10);
	if (errno || *end || v < min)
		return -1;
	*out = v;
	return 0;
}

static int parse_notify(struct field f, unsigned *out)
{
	*out = 0;
	size_t i = 0;
	while (i < f.n) {
		size_t j = i;
		while (j < f.n && f.p[j] != ',')
			j++;
		int b = lookup((struct field){ f.p + i, j - i }, notify_names, 4);
		if (b < 0)
			return -1;
		*out |= 1u << b;
		i = j + 1;
	}
	return *out ? 0 : -1;
}

static int parse_crc(struct field f, uint32_t *out)
{
	uint32_t v = 0;
	if (f.n != 8)
		return -1;
	for (size_t i = 0; i < 8; i++) {
		int h = hex_value(f.p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return 0;
}

static int unescape_field(char *dst, size_t cap, struct field f)
{
	return env_unescape(dst, cap, f.p, f.n);
}

static int parse_rcpt(struct envelope *env, struct field rest)
{
	size_t i = 0;
	while (i < rest.n && rest.p[i] != ' ')
		i++;
	char addr[ADDR_TEXT_MAX + 1];
	if (unescape_field(addr, sizeof addr, (struct field){ rest.p, i }) < 0 || !addr[0])
		return -1;
	struct rcpt *r = envelope_add_rcpt(env, addr);
	if (!r)
		return -1;
	while (i < rest.n) {
		i++; /* the space */
		size_t j = i;
		while (j < rest.n && rest.p[j] != ' ')
			j++;
		struct field tok = { rest.p + i, j - i };
		const char *eq = memchr(tok.p, '=', tok.n);
		if (!eq)
			return -1;
		struct field key = { tok.p, (size_t)(eq - tok.p) };
		struct field val = { eq + 1, tok.n - key.n - 1 };
		long long num;
		int s;
		if (field_is(key, "state")) {
			if ((s = lookup(val, state_names, 4)) < 0)
				return -1;
			r->state = (enum rcpt_state)s;
		} else if (field_is(key, "attempts")) {
			if (parse_ll(val, 0, &num) < 0 || num > 1000000)
				return -1;
			r->attempts = (int)num;
		} else if (field_is(key, "next")) {
			if (parse_ll(val, 0, &r->next_try) < 0)
				return -1;
		} else if (field_is(key, "notify")) {
			if (parse_notify(val, &r->notify) < 0)
				return -1;
		} else if (field_is(key, "orcpt")) {
			if (unescape_field(r->orcpt, sizeof r->orcpt, val) < 0)
				return -1;
		} else if (field_is(key, "error")) {
			if (unescape_field(r->error, sizeof r->error, val) < 0)
				return -1;
		} else {
			return -1;
		}
		i = j;
	}
	return 0;
}

static int parse_line(struct envelope *env, long long version, struct field key, struct field val,
		      int *seen_sender)
{
	long long num;
	int i;
	if (field_is(key, "rcpt"))
		return parse_rcpt(env, val);
	if (field_is(key, "id"))
		return unescape_field(env->id, sizeof env->id, val);
	if (field_is(key, "arrival"))
		return parse_ll(val, 0, &env->arrival);
	if (field_is(key, "size")) {
		env->has_size = 1;
		return parse_ll(val, 0, &env->size);
	}
	if (field_is(key, "crc32") && version >= 2) {
		env->has_crc = 1;
		return parse_crc(val, &env->crc);
	}
	if (field_is(key, "uid"))
		return parse_ll(val, -1, &env->uid);
	if (field_is(key, "sender")) {
		*seen_sender = 1;
		if (field_is(val, "<>")) {
			env->sender[0] = '\0';
			return 0;
		}
		return unescape_field(env->sender, sizeof env->sender, val);
	}
	if (field_is(key, "client"))
		return unescape_field(env->client, sizeof env->client, val);
	if (field_is(key, "helo"))
		return unescape_field(env->helo, sizeof env->helo, val);
	if (field_is(key, "auth"))
		return unescape_field(env->auth, sizeof env->auth, val);
	if (field_is(key, "envid"))
		return unescape_field(env->envid, sizeof env->envid, val);
	if (field_is(key, "ret")) {
		if ((i = lookup(val, ret_names, 3)) <= 0)
			return -1;
		env->ret = (enum dsn_ret)i;
		return 0;
	}
	if (field_is(key, "body")) {
		if ((i = lookup(val, body_names, 4)) <= 0)
			return -1;
		env->body = (enum body_type)i;
		return 0;
	}
	if (field_is(key, "smtputf8") || field_is(key, "held") || field_is(key, "junk")) {
		if (parse_ll(val, 0, &num) < 0 || num > 1)
			return -1;
		*(field_is(key, "held") ? &env->held : field_is(key, "junk") ? &env->junk : &env->smtputf8) = (int)num;
		return 0;
	}
	return -1;
}

int envelope_parse(const char *p, size_t n, struct envelope *env, struct mail_err *e)
{
	static const char magic[] = "postbox-envelope ";
	envelope_init(env);
	size_t pos = 0, lineno = 0;
	long long version = 0;
	int seen_sender = 0, ended = 0;
	while (pos < n) {
		const char *nl = memchr(p + pos, '\n', n - pos);
		if (!nl)
			break; /* a last line without LF: truncated */
		struct field line = { p + pos, (size_t)(nl - (p + pos)) };
		pos += line.n + 1;
		lineno++;
		if (ended)
			goto bad;
		if (lineno == 1) {
			if (line.n <= sizeof magic - 1 || memcmp(line.p, magic, sizeof magic - 1))
				goto bad;
			struct field ver = { line.p + sizeof magic - 1, line.n - (sizeof magic - 1) };
			if (parse_ll(ver, 1, &version) < 0 || version > ENVELOPE_VERSION) {
				envelope_free(env);
				return err_set(e, EX_DATAERR, 451, "4.3.0",
					       "unknown envelope version \"%.*s\"", (int)ver.n, ver.p);
			}
			continue;
		}
		if (field_is(line, "end")) {
			ended = 1;
			continue;
		}
		const char *sp = memchr(line.p, ' ', line.n);
		if (!sp)
			goto bad;
		struct field key = { line.p, (size_t)(sp - line.p) };
		struct field val = { sp + 1, line.n - key.n - 1 };
		if (parse_line(env, version, key, val, &seen_sender) < 0)
			goto bad;
	}
	if (!ended || pos != n) {
		envelope_free(env);
		return err_set(e, EX_DATAERR, 451, "4.3.0", "envelope truncated (no end line)");
	}
	if (!env->id[0] || !seen_sender || env->nrcpt == 0) {
		envelope_free(env);
		return err_set(e, EX_DATAERR, 451, "4.3.0", "envelope lacks id, sender or recipients");
	}
	if (version >= 2 && (!env->has_size || !env->has_crc)) {
		envelope_free(env);
		return err_set(e, EX_DATAERR, 451, "4.3.0", "version 2 envelope lacks size or crc32");
	}
	return 0;
bad:
	envelope_free(env);
	return err_set(e, EX_DATAERR, 451, "4.3.0", "envelope line %zu is malformed", lineno);
}
