/* prom_text.h — the Prometheus text exposition format (version 0.0.4),
 * the one writer of it for mailq --metrics and the servers' metrics
 * files: what node_exporter's textfile collector and every scraper read.
 *
 * A family is its "# HELP" and "# TYPE" lines followed by all of its
 * samples; a family's samples must not be split by another family's.
 */
#ifndef POSTBOX_PROM_TEXT_H
#define POSTBOX_PROM_TEXT_H

#include "base/buf.h"

/* "# HELP name help" and "# TYPE name type" (type: "counter", "gauge"). */
void prom_family(struct buf *out, const char *name, const char *type, const char *help);
/* "name{labels} value", or "name value" when labels is NULL or "". */
void prom_sample(struct buf *out, const char *name, const char *labels, unsigned long long value);

#endif
