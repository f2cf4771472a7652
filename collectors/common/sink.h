/* Where a collector writes a snapshot's objects and properties: the twin,
 * keeping the first store error (later writes are skipped) and the time
 * spent writing, apart from the time spent collecting. */
#ifndef HARDEN_SINK_H
#define HARDEN_SINK_H

#include <stdbool.h>
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
/* The row ids of the objects written so far, by their number in the
 * collection (1 for the first). */
struct batch_ids {
	long long *ids;
	size_t n, cap;
};
/* Writes a batch that goes on from the ones m has seen: 0 or a store error. */
int batch_write(const struct batch *b, struct store *st, long long snap, struct batch_ids *m);
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
	double stall_ms;	/* of which the collector waited for (all of it,
				 * unless a writer thread writes) */
	long long objects;
	struct writer *writer;	/* its thread, once sink_start ran (writer.h) */
};

/* Into the twin (st set), from now on a writer thread of its own writes:
 * the collector's objects and properties go over a bounded queue of
 * chunks, and the collector waits only when the queue is full.  The
 * writer owns the twin's connection until sink_finish.  Without it, or
 * when the thread cannot start, every write is made at once (row ids are
 * then the twin's; with the writer, a number the writer maps). */
void sink_start(struct sink *s);
/* Hands over the last chunk (discards what is queued when abort) and
 * waits for the writer: the sink's first error (rc), 0 when none. */
int sink_finish(struct sink *s, bool abort);

/* Adds an object; returns its row id (0 once a write has failed).  An
 * object the server listed twice is a protocol error, not a twin error. */
long long sink_object(struct sink *s, const char *type, const char *moref, const char *name);
/* value NULL records the property as not collected. */
void sink_prop(struct sink *s, long long obj, const char *name, enum ptype t, const char *value);
/* Adds the objects and properties of a batch, in order: the sink's rc. */
int sink_forward(struct sink *s, const struct batch *b);
/* Frees the kept message. */
void sink_release(struct sink *s);

#endif
