/* imap_seq.c — sequence sets; see imap_seq.h. */
#include "msg/imap_seq.h"

#include <stdlib.h>
#include <string.h>

/* seq-number = nz-number / "*" at s[*i]. 0 with *v, or -1. */
static int seq_number(const char *s, size_t n, size_t *i, uint32_t *v)
{
	if (*i < n && s[*i] == '*') {
		(*i)++;
		*v = IMAP_SEQ_STAR;
		return 0;
	}
	if (*i >= n || s[*i] < '1' || s[*i] > '9')
		return -1;
	uint64_t x = 0;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		x = x * 10 + (uint64_t)(s[*i] - '0');
		if (x > UINT32_MAX)
			return -1;
		(*i)++;
	}
	*v = (uint32_t)x;
	return 0;
}

int imap_seqset_parse(const char *s, size_t n, size_t max_ranges, int allow_saved,
		      struct imap_seqset *out, struct imap_err *e)
{
	*out = (struct imap_seqset)IMAP_SEQSET_INIT;
	if (n == 1 && s[0] == '$') {
		if (!allow_saved)
			return imap_err_set(e, "", "Invalid sequence set");
		out->saved = 1;
		return 0;
	}
	size_t ranges = 1;
	for (size_t k = 0; k < n; k++)
		ranges += s[k] == ',';
	if (ranges > max_ranges)
		return imap_err_set(e, "LIMIT", "Too many ranges in a sequence set");
	out->r = malloc(ranges * sizeof *out->r);
	if (!out->r)
		return imap_err_set(e, "LIMIT", "Out of memory");
	size_t i = 0;
	for (;;) {
		struct imap_seq_range rg;
		if (seq_number(s, n, &i, &rg.lo) < 0)
			goto bad;
		rg.hi = rg.lo;
		if (i < n && s[i] == ':') {
			i++;
			if (seq_number(s, n, &i, &rg.hi) < 0)
				goto bad;
		}
		out->r[out->n++] = rg;
		if (i == n)
			return 0;
		if (s[i] != ',')
			goto bad;
		i++;
	}
bad:
	imap_seqset_free(out);
	return imap_err_set(e, "", "Invalid sequence set");
}

void imap_seqset_free(struct imap_seqset *set)
{
	free(set->r);
	set->r = NULL;
	set->n = 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct imap_seq_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void imap_seqset_resolve(struct imap_seqset *set, uint32_t max)
{
	size_t w = 0;
	for (size_t i = 0; i < set->n; i++) {
		struct imap_seq_range rg = set->r[i];
		if (rg.lo == IMAP_SEQ_STAR)
			rg.lo = max;
		if (rg.hi == IMAP_SEQ_STAR)
			rg.hi = max;
		if (rg.lo > rg.hi) {
			uint32_t t = rg.lo;
			rg.lo = rg.hi;
			rg.hi = t;
		}
		if (rg.hi == 0)
			continue; /* "*" of an empty mailbox */
		if (rg.lo == 0)
			rg.lo = 1;
		set->r[w++] = rg;
	}
	set->n = w;
	if (w > 1)
		qsort(set->r, w, sizeof *set->r, range_cmp);
	/* merge overlapping and touching ranges */
	w = 0;
	for (size_t i = 0; i < set->n; i++) {
		if (w && (uint64_t)set->r[i].lo <= (uint64_t)set->r[w - 1].hi + 1) {
			if (set->r[i].hi > set->r[w - 1].hi)
				set->r[w - 1].hi = set->r[i].hi;
		} else {
			set->r[w++] = set->r[i];
		}
	}
	set->n = w;
}

int imap_seqset_contains(const struct imap_seqset *set, uint32_t v)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v < set->r[mid].lo)
			hi = mid;
		else if (v > set->r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

uint32_t imap_seqset_max(const struct imap_seqset *set)
{
	return set->n ? set->r[set->n - 1].hi : 0;
}

int imap_seqset_format(struct buf *out, const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		if (i)
			buf_addc(out, ',');
		if (j == i)
			buf_addf(out, "%u", v[i]);
		else
			buf_addf(out, "%u:%u", v[i], v[j]);
		i = j + 1;
	}
	return buf_ok(out);
}
