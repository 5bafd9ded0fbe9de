/* tally.h — counters that a process and every child it forks add to
 * together, and that survive the children.
 *
 * A daemon of forked sessions has no one process that sees everything:
 * each session counts into a block of 64-bit counters in a MAP_SHARED
 * anonymous mapping made before the first fork, and the parent (or any
 * process) reads the sums. Every update is one lock-free atomic
 * operation on the shared page, so a child that exits, or is killed
 * (kill -9) right after counting, loses nothing it counted, and no lock
 * can be left held. The block holds numbers only: a process that writes
 * nonsense into it can make the numbers wrong, never make a reader
 * misbehave. Used for the servers' metrics (net/server_metrics.h) and
 * for a queue run's progress.
 */
#ifndef POSTBOX_TALLY_H
#define POSTBOX_TALLY_H

#include <stddef.h>

#include "base/err.h"

struct tally;

/* n counters, all 0; NULL with e when the mapping fails. */
struct tally *tally_create(size_t n, struct mail_err *e);
void tally_destroy(struct tally *t);

/* Each is a no-op (or 0) when t is NULL or i out of range, so that code
 * that counts needs no test for "is anyone counting?". */
void tally_add(struct tally *t, size_t i, unsigned long long n);
void tally_set(struct tally *t, size_t i, unsigned long long v);
unsigned long long tally_get(const struct tally *t, size_t i);
size_t tally_size(const struct tally *t);

#endif
