/* Where a collector writes a snapshot's objects and properties: the twin,
 * keeping the first store error (later writes are skipped) and the time
 * spent writing, apart from the time spent collecting. */
#ifndef HARDEN_SINK_H
#define HARDEN_SINK_H

#include <stddef.h>

#include "store/store.h"

/* A collection held in memory (several targets collect in threads while
 * one thread writes the twin): objects and properties in the order the
 * collector gave them, packed in one buffer. */
struct batch {
	char *data;
	size_t len, cap;
	long long objects;
};
/* Writes a batch into snapshot snap of st, in the open transaction, adding
 * the time taken to *ms: 0, HERR_STORE or HERR_FULL. */
int batch_replay(const struct batch *b, struct store *st, long long snap, double *ms);
void batch_clear(struct batch *b);
void batch_release(struct batch *b);

/* Where a collection goes: the twin (st, snap) or, with st NULL, batch. */
struct sink_to {
	struct store *st;
	long long snap;
	struct batch *batch;
};

struct sink {
	struct store *st;	/* NULL: into batch */
	struct batch *batch;
	long long snap;
	int rc;			/* the first error (HERR_STORE, HERR_FULL, or HERR_COLLECT
				 * for an object listed twice), 0 while none */
	char *err;		/* its message */
	const char *source;	/* "vCenter" or "the NSX manager", for messages */
	char **seen;		/* type and id of every object added: a hash set */
	size_t nseen, capseen;
	double ms;		/* time spent writing */
	long long objects;
};

/* Adds an object; returns its row id (0 once a write has failed).  An
 * object the server listed twice is a protocol error, not a twin error. */
long long sink_object(struct sink *s, const char *type, const char *moref, const char *name);
/* value NULL records the property as not collected. */
void sink_prop(struct sink *s, long long obj, const char *name, enum ptype t, const char *value);
/* Frees the kept message. */
void sink_release(struct sink *s);

#endif
