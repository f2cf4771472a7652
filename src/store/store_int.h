/* Inside the twin: what store.c shares with the other store modules
 * (drift.c), and nothing outside src/store includes. */
#ifndef HARDEN_STORE_INT_H
#define HARDEN_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

enum {
	Q_OBJ_ADD,
	Q_PROP_ADD,
	Q_FINDING_ADD,
	Q_EVAL_RULE_ADD,
	Q_COUNT
};

struct store {
	sqlite3 *db;
	char *path;
	int lock_fd;
	sqlite3_stmt *q[Q_COUNT];
};

/* Sets the error from SQLite's message; returns STORE_EFULL or -1. */
int store_db_error(struct store *st, const char *what);
int store_exec(struct store *st, const char *sql, const char *what);
/* Steps a statement expected to finish, and resets it. */
int store_step_done(struct store *st, sqlite3_stmt *s, const char *what);
/* Binds text, or NULL for a NULL pointer. */
void store_bind_text(sqlite3_stmt *s, int i, const char *v);
char *store_col_dup(sqlite3_stmt *s, int i);

#endif
