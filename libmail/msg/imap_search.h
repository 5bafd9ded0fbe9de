/* imap_search.h — the SEARCH program (RFC 9051 §6.4.4, RFC 4731 ESEARCH
 * RETURN options, RFC 5182 SAVE) and its evaluation for one message.
 *
 * The parser reads the arguments that follow SEARCH ("RETURN (...)",
 * "CHARSET x", then keys) from the command tree into a program: an array
 * of nodes, at most max_nodes of them, nested (NOT, OR, parentheses) at
 * most IMAP_SEARCH_DEPTH deep. CHARSET may be UTF-8 or US-ASCII (others:
 * code "BADCHARSET"). Strings are kept as sent; matching is a substring
 * test, case-insensitive for ASCII letters, over decoded text: RFC 2047
 * words in header fields, quoted-printable and base64 bodies.
 *
 * The evaluator knows nothing of mailboxes: the caller describes one
 * message (struct imap_search_msg) and lends its bytes only if the program
 * needs them (imap_search_needs()).
 */
#ifndef POSTBOX_IMAP_SEARCH_H
#define POSTBOX_IMAP_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "msg/imap_cmd.h"
#include "msg/imap_seq.h"

#define IMAP_SEARCH_DEPTH 32
#define IMAP_SEARCH_NODES_MAX 1000

enum imap_search_key {
	IMAP_SK_ALL, IMAP_SK_AND,  /* AND: a parenthesised list or the top */
	IMAP_SK_OR, IMAP_SK_NOT,
	IMAP_SK_SEQSET, IMAP_SK_UID,
	IMAP_SK_ANSWERED, IMAP_SK_DELETED, IMAP_SK_DRAFT, IMAP_SK_FLAGGED,
	IMAP_SK_SEEN, IMAP_SK_RECENT, IMAP_SK_NEW, IMAP_SK_OLD,
	IMAP_SK_UNANSWERED, IMAP_SK_UNDELETED, IMAP_SK_UNDRAFT,
	IMAP_SK_UNFLAGGED, IMAP_SK_UNSEEN,
	IMAP_SK_KEYWORD, IMAP_SK_UNKEYWORD,
	IMAP_SK_BEFORE, IMAP_SK_ON, IMAP_SK_SINCE,            /* internal date */
	IMAP_SK_SENTBEFORE, IMAP_SK_SENTON, IMAP_SK_SENTSINCE, /* Date: */
	IMAP_SK_LARGER, IMAP_SK_SMALLER,
	IMAP_SK_HEADER,      /* name + string; BCC/CC/FROM/SUBJECT/TO map here */
	IMAP_SK_BODY, IMAP_SK_TEXT,
	IMAP_SK_MODSEQ,      /* CONDSTORE (RFC 7162), parsed for the caller */
};

struct imap_search_node {
	enum imap_search_key key;
	uint32_t first, count;     /* AND/OR/NOT: index of the first child
	                              (0 = none: node 0 is the root) and how
	                              many; OR has 2, NOT 1 */
	uint32_t next;             /* the next sibling's index, 0 = none */
	struct imap_seqset set;    /* SEQSET, UID */
	uint64_t number;           /* LARGER, SMALLER, MODSEQ */
	long day;                  /* dates: days since 1970-01-01 */
	const char *name;          /* HEADER's field name, KEYWORD */
	size_t name_len;
	const char *str;           /* HEADER/BODY/TEXT string (may be "") */
	size_t str_len;
};

/* RETURN options (ESEARCH, RFC 4731 / RFC 9051 §6.4.4.1). */
enum {
	IMAP_SEARCH_RET_MIN = 1, IMAP_SEARCH_RET_MAX = 2, IMAP_SEARCH_RET_ALL = 4,
	IMAP_SEARCH_RET_COUNT = 8, IMAP_SEARCH_RET_SAVE = 16,
};

struct imap_search {
	struct imap_search_node *nodes;  /* nodes[0] is the root (an AND) */
	size_t n, cap;
	int esearch;         /* RETURN was given (answer with ESEARCH) */
	unsigned ret;        /* IMAP_SEARCH_RET_* bits; RETURN () means ALL */
	int utf8;            /* CHARSET UTF-8 was given */
};

#define IMAP_SEARCH_INIT {0, 0, 0, 0, 0, 0}

/* Parse the arguments after SEARCH. Strings point into the command (keep
 * it alive). 0, or -1 with e (code "BADCHARSET" for an unknown charset). */
int imap_search_parse(const struct imap_arg *args, size_t max_nodes, struct imap_search *out,
		      struct imap_err *e);
void imap_search_free(struct imap_search *s);

/* The error the caller sends for a BADCHARSET (RFC 9051 §7.1):
 * "NO [BADCHARSET (UTF-8 US-ASCII)] ..." */
#define IMAP_SEARCH_CHARSETS "(UTF-8 US-ASCII)"

/* Resolve the "*" of every sequence set: max_seq for message numbers,
 * max_uid for UID sets. */
void imap_search_resolve(struct imap_search *s, uint32_t max_seq, uint32_t max_uid);

/* What the evaluation needs beyond struct imap_search_msg's numbers. */
enum {
	IMAP_SEARCH_NEED_HEADER = 1,   /* the header section */
	IMAP_SEARCH_NEED_BODY = 2,     /* the whole message */
	IMAP_SEARCH_NEED_SAVED = 4,    /* "$" is used */
	IMAP_SEARCH_NEED_DATE = 8,     /* the internal date (BEFORE, ON, SINCE;
	                                * SENT* fall back to it) */
};
unsigned imap_search_needs(const struct imap_search *s);

/* Flags, as bits. */
enum {
	IMAP_FLAG_ANSWERED = 1, IMAP_FLAG_FLAGGED = 2, IMAP_FLAG_DELETED = 4,
	IMAP_FLAG_SEEN = 8, IMAP_FLAG_DRAFT = 16, IMAP_FLAG_RECENT = 32,
};

struct imap_search_msg {
	uint32_t seq, uid;
	uint64_t size;           /* RFC822.SIZE (CRLF) */
	unsigned flags;          /* IMAP_FLAG_* */
	time_t internal_date;    /* compared by its local calendar date */
	uint64_t modseq;
	/* the message (LF or CRLF lines), or NULL if not needed/loaded */
	const char *text;
	size_t text_len;
	/* keywords: does the message carry this one? (case-insensitive) */
	int (*has_keyword)(void *ctx, const char *kw, size_t n);
	/* "$": is this message in the saved result? */
	int (*in_saved)(void *ctx, uint32_t seq, uint32_t uid);
	void *ctx;
};

/* 1 when the message matches, 0 when not. */
int imap_search_match(const struct imap_search *s, const struct imap_search_msg *m);

#endif
