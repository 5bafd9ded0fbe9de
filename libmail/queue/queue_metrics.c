/* queue_metrics.c — see queue_metrics.h. */
#include "queue/queue_metrics.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "msg/prom_text.h"
#include "queue/queue_admin.h"

static const char *const state_names[QM_STATES] = { "active", "deferred", "hold" };

void queue_metrics_init(struct queue_metrics *m)
{
	memset(m, 0, sizeof *m);
}

static int state_index(const struct envelope *env)
{
	const char *s = queue_state(env);
	for (int i = 0; i < QM_STATES; i++)
		if (!strcmp(s, state_names[i]))
			return i;
	return 0;
}

/* "4.4" from the first "C.S.D" token of an error text ("host mx said: 451
 * 4.4.1 ..." or our own "... 4.7.5 ..."), "none" or "other". */
static void reason_class(const char *error, char *out, size_t cap)
{
	if (!error[0]) {
		snprintf(out, cap, "none");
		return;
	}
	for (const char *p = error; *p; p++) {
		if ((p != error && !isspace((unsigned char)p[-1])) || (*p != '2' && *p != '4' && *p != '5') ||
		    p[1] != '.')
			continue;
		const char *q = p + 2;
		size_t sub = 0;
		while (isdigit((unsigned char)q[sub]) && sub < 3)
			sub++;
		if (sub == 0 || q[sub] != '.' || !isdigit((unsigned char)q[sub + 1]))
			continue;
		snprintf(out, cap, "%c.%.*s", *p, (int)sub, q);
		return;
	}
	snprintf(out, cap, "other");
}

/* The slot named `name`, or m->nreasons when there is none yet. */
static size_t reason_slot(const struct queue_metrics *m, const char *name)
{
	size_t k = 0;
	while (k < m->nreasons && strcmp(m->reason[k].name, name))
		k++;
	return k;
}

void queue_metrics_add(struct queue_metrics *m, const struct envelope *env)
{
	int s = state_index(env);
	m->messages[s]++;
	m->bytes[s] += env->size;
	if (m->oldest_arrival == 0 || env->arrival < m->oldest_arrival)
		m->oldest_arrival = env->arrival;
	for (size_t i = 0; i < env->nrcpt; i++) {
		if (!rcpt_pending(&env->rcpt[i]))
			continue;
		char name[8];
		reason_class(env->rcpt[i].error, name, sizeof name);
		const char *label = name;
		size_t k = reason_slot(m, label);
		if (k == m->nreasons && m->nreasons >= QM_CLASSES - 1) {
			label = "other"; /* hostile error texts cannot grow the list: the last slot is kept for it */
			k = reason_slot(m, label);
		}
		if (k == m->nreasons) {
			snprintf(m->reason[k].name, sizeof m->reason[k].name, "%s", label);
			m->nreasons++;
		}
		m->reason[k].recipients++;
	}
}

static void family(struct buf *out, const char *name, const char *help)
{
	prom_family(out, name, "gauge", help);
}

void queue_metrics_write(const struct queue_metrics *m, long long now, struct buf *out)
{
	family(out, "postbox_queue_messages", "Messages in the queue, by state.");
	for (int i = 0; i < QM_STATES; i++)
		buf_addf(out, "postbox_queue_messages{state=\"%s\"} %lld\n", state_names[i], m->messages[i]);
	family(out, "postbox_queue_bytes", "Size of the queued messages in bytes, by state.");
	for (int i = 0; i < QM_STATES; i++)
		buf_addf(out, "postbox_queue_bytes{state=\"%s\"} %lld\n", state_names[i], m->bytes[i]);
	family(out, "postbox_queue_oldest_message_age_seconds",
	       "Age of the oldest queued message (0 when the queue is empty).");
	buf_addf(out, "postbox_queue_oldest_message_age_seconds %lld\n",
		 m->oldest_arrival && now > m->oldest_arrival ? now - m->oldest_arrival : 0);
	family(out, "postbox_queue_pending_recipients",
	       "Recipients still to deliver, by the class of their last error's status code.");
	for (size_t k = 0; k < m->nreasons; k++)
		buf_addf(out, "postbox_queue_pending_recipients{reason=\"%s\"} %lld\n", m->reason[k].name,
			 m->reason[k].recipients);
	family(out, "postbox_queue_corrupt_files", "Files set aside in the spool's corrupt/ directory.");
	buf_addf(out, "postbox_queue_corrupt_files %lld\n", m->corrupt);
}
