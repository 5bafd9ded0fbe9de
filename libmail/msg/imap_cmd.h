/* imap_cmd.h — the IMAP command reader (RFC 9051 §2.2, §4; RFC 7888).
 *
 * The server feeds the bytes it receives; the reader turns them into one
 * command at a time: a tag, a command name and its arguments as a tree of
 * atoms, quoted strings, literals and parenthesised lists. The pre-login
 * parser is the classic hole of IMAP servers, so every size is bounded
 * (struct imap_limits) and no literal byte is consumed before the caller
 * has seen the literal's announced size and decided:
 *
 *     r.c: a1 APPEND INBOX {310}\r\n
 *     imap_reader_step() -> IMAP_READ_LITERAL (size 310, synchronizing)
 *         caller: imap_reader_accept(&r, IMAP_LIT_STORE or _STREAM) and
 *                 send "+ ..." (synchronizing literals only), or
 *                 imap_reader_refuse(&r) and send "a1 NO/BAD ..."
 *
 * A non-synchronizing literal ({N+}, RFC 7888) over limits.nonsync_max
 * (4096 for LITERAL-) is refused by the reader itself: IMAP_READ_BAD with
 * code "TOOBIG"; the octets the client sends anyway are skipped (never
 * stored, never parsed as commands), and so are those of a {N+} that ends a
 * line the reader rejected for its syntax: a literal's content is never
 * mistaken for a command. ~{N} is a literal8 (RFC 3516 BINARY APPEND).
 *
 * Grammar kept generic: an atom is any run of CHARs other than SP, CTL,
 * "(", ")", "{" and DQUOTE (so flags "\Seen", sequence sets "1:*", list
 * patterns "%", and fetch atoms "BODY[TEXT]<0.10>" are atoms). One
 * exception to "arguments are separated by SP": a token may follow ")"
 * directly, flagged `adjacent`, which FETCH's
 * BODY[HEADER.FIELDS (A B)]<0.10> needs (atom "BODY[HEADER.FIELDS", list,
 * adjacent atom "]<0.10>"). Lines end in CRLF; a bare LF is tolerated.
 * Quoted strings may hold UTF-8 (RFC 9051 utf8-quoted), checked.
 *
 * Memory: the reader owns the strings and the tree of the current command;
 * pointers into them stay valid until the next imap_reader_step() after a
 * command was returned. Between commands the reader keeps only buffers of
 * 8 KiB or less (bigger ones are freed), so an idle session stays small.
 */
#ifndef POSTBOX_IMAP_CMD_H
#define POSTBOX_IMAP_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* An error a parser of this layer reports: a response code the caller puts
 * in brackets ("TOOBIG", "BADCHARSET", "CANNOT", or "" for none) and a
 * human text for the tagged NO/BAD. */
struct imap_err {
	const char *code;
	char text[160];
};
/* Fill e (e may be NULL) and return -1. */
int imap_err_set(struct imap_err *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct imap_limits {
	size_t line_max;     /* command text, literals' content excluded */
	size_t literal_max;  /* one literal stored in memory (IMAP_LIT_STORE) */
	size_t nonsync_max;  /* largest {N+} accepted; 4096 = LITERAL- */
	size_t depth_max;    /* nesting of parenthesised lists */
	size_t list_max;     /* elements of one list */
	size_t args_max;     /* nodes of one command's whole tree */
	size_t skip_max;     /* octets of refused literals skipped before the
	                        reader gives up (IMAP_READ_CLOSE) */
};
/* Defaults: line 65536, literal 65536, nonsync 4096, depth 8 (at most
 * 16), list 1000, args 10000, skip 64 MiB. */
void imap_limits_default(struct imap_limits *l);

enum imap_arg_type {
	IMAP_ARG_ATOM,     /* includes NIL: see imap_arg_is_nil() */
	IMAP_ARG_QUOTED,
	IMAP_ARG_LITERAL,
	IMAP_ARG_LIST,
};

struct imap_arg {
	enum imap_arg_type type;
	const char *s;       /* text, NUL-terminated (may hold NULs: use len);
	                        NULL for a list and a streamed literal */
	size_t len;          /* text length; a list: its element count */
	const struct imap_arg *child;  /* a list's first element */
	const struct imap_arg *next;   /* the next sibling, NULL at the end */
	unsigned char binary;    /* literal8 ~{N} */
	unsigned char nonsync;   /* {N+} */
	unsigned char streamed;  /* its octets went to the caller, s == NULL */
	unsigned char adjacent;  /* followed ")" with no SP in between */
};

struct imap_command {
	const char *tag;     /* NUL-terminated */
	const char *name;    /* as sent (compare case-insensitively) */
	const struct imap_arg *args;   /* first argument, NULL when none */
	size_t nargs;        /* top-level argument count */
};

enum imap_read {
	IMAP_READ_MORE,      /* all bytes consumed; feed more */
	IMAP_READ_COMMAND,   /* r->cmd is complete */
	IMAP_READ_LITERAL,   /* r->lit announced; accept or refuse it */
	IMAP_READ_DATA,      /* streamed literal: r->data/r->data_len */
	IMAP_READ_LINE,      /* raw-line mode: r->line/r->line_len (no CRLF) */
	IMAP_READ_BAD,       /* r->err; r->tag when known ("*" otherwise);
	                        the reader resynchronised on the next command */
	IMAP_READ_CLOSE,     /* unrecoverable (r->err): close the connection */
};

enum imap_lit_mode {
	IMAP_LIT_STORE,      /* keep it in the argument (up to literal_max) */
	IMAP_LIT_STREAM,     /* hand it out as IMAP_READ_DATA pieces */
};

struct imap_literal_info {
	uint64_t size;
	int nonsync;         /* {N+}: the client is already sending it */
	int binary;          /* ~{N} */
	size_t index;        /* top-level argument index it is in (0-based) */
	size_t depth;        /* 0: it is that argument; else inside lists */
};

struct imap_reader {
	struct imap_limits lim;
	/* results, valid per the status returned */
	struct imap_command cmd;       /* COMMAND; at LITERAL: the arguments
	                                  so far (e.g. APPEND's mailbox) */
	struct imap_literal_info lit;  /* LITERAL */
	const char *data;              /* DATA */
	size_t data_len;
	const char *line;              /* LINE */
	size_t line_len;
	char tag[64];        /* the current command's tag, "" before known */
	char name[32];       /* its name, upper-cased, "" before known */
	struct imap_err err; /* BAD, CLOSE */
	/* private */
	int phase, want_line, reset_pending, lit_mode, need_sep, after_close, have_tag, have_name;
	uint64_t lit_left, skip_total;
	size_t line_used, depth, nargs, lit_node;
	struct buf seg;           /* the line segment being read */
	struct buf text;          /* strings of the current command */
	struct buf nodes;         /* private node array */
	struct buf args;          /* struct imap_arg array built from nodes */
	size_t open[17];          /* node index + 1 of the open list at each depth */
	size_t last[17];          /* last node at each depth, +1; 0 = none */
	size_t count[17];         /* elements so far at each depth */
	char tail[32];            /* end of a line being skipped */
	size_t tail_len;
};

void imap_reader_init(struct imap_reader *r, const struct imap_limits *lim);
void imap_reader_free(struct imap_reader *r);

/* Consume bytes from p[0..n) up to the next event; *used tells how many
 * were consumed (the caller keeps the rest for the next call). */
enum imap_read imap_reader_step(struct imap_reader *r, const char *p, size_t n, size_t *used);

/* After IMAP_READ_LITERAL: take the literal (for a synchronizing one, the
 * caller then sends the "+" continuation). -1 (IMAP_LIT_STORE) when its
 * size exceeds literal_max: refuse it instead. */
int imap_reader_accept(struct imap_reader *r, enum imap_lit_mode mode);
/* (literal_max bounds one stored literal and, with line_max, all the
 * stored literals of one command together.) */
/* After IMAP_READ_LITERAL: drop the command (the caller sends the tagged
 * NO/BAD). A synchronizing literal is never sent by the client; the octets
 * of a non-synchronizing one are skipped. */
void imap_reader_refuse(struct imap_reader *r);

/* The next thing the client sends is one raw line (an AUTHENTICATE
 * response, IDLE's DONE): the next step returns IMAP_READ_LINE. */
void imap_reader_want_line(struct imap_reader *r);

int imap_arg_is_nil(const struct imap_arg *a);
/* An atom, quoted string or stored literal (astring / string). */
int imap_arg_is_string(const struct imap_arg *a);
/* Case-insensitive comparison of an atom with word. */
int imap_arg_atom_is(const struct imap_arg *a, const char *word);

#endif
