/* A sink's writer thread (sink_start): the collector fills chunks of
 * records, a thread of its own writes them into the twin, owning the
 * twin's connection until writer_finish, and the collector waits only
 * while WRITER_DEPTH full chunks are queued. */
#ifndef HARDEN_WRITER_H
#define HARDEN_WRITER_H

#include <stdbool.h>

#include "common/sink.h"

/* A chunk is handed over once it holds this many bytes. */
#define WRITER_CHUNK (64 * 1024)
#define WRITER_DEPTH 4

struct writer;

/* NULL when no thread can be started (then write at once). */
struct writer *writer_start(struct store *st, long long snap);
/* The chunk being filled. */
struct batch *writer_chunk(struct writer *w);
/* Queues the chunk, waiting while the queue is full, adding the wait to
 * *stall_ms: 0, or the writer's first error (HERR_STORE or HERR_FULL,
 * its message in err_get()); the chunk is then dropped. */
int writer_push(struct writer *w, double *stall_ms);
/* Queues the last chunk (unless abort: then what is queued is dropped),
 * waits for the thread and frees w, adding its busy time to *busy_ms and
 * the wait to *stall_ms: 0, or the writer's first error. */
int writer_finish(struct writer *w, bool abort, double *busy_ms, double *stall_ms);

#endif
