/* Inside the twin: what the store's files share with each other and with
 * drift (src/drift), and nothing else includes. */
#ifndef HARDEN_STORE_INT_H
#define HARDEN_STORE_INT_H

#include <sqlite3.h>

#include "status.h"
#include "store/store.h"
#include "util/error.h"

/* Prepared statements kept for the store's life, by their SQL text. */
#define STORE_CACHE 96

/* A growing array that row functions append to. */
struct store_list {
	void *v;
	unsigned n, cap;
};

/* The object whose properties are being written (propset.c): they are
 * stored as a set when the next statement runs. */
struct store_pending {
	long long obj;		/* 0: none */
	long long old_set;	/* the set it had when written earlier, or 0 */
	struct store_list props;
	bool busy;		/* flushing or loading: statements do not flush */
};

/* The object whose results are being written (resultset.c): they are
 * stored as a set when the object changes or the next statement runs. */
struct store_rpending {
	long long eval, obj;	/* obj 0: none */
	long long before;	/* the last set stored before the evaluation */
	struct store_list rows;
	bool busy;		/* flushing: statements do not flush */
};

struct store {
	sqlite3 *db;
	char *path;	/* as given, for messages */
	char *real;	/* resolved (realpath): what is opened and locked */
	int lock_fd;
	struct {
		const char *sql;
		sqlite3_stmt *s;
	} cache[STORE_CACHE];
	unsigned ncache;
	struct store_pending pend;
	struct store_rpending rpend;
	struct {
		long long snap;
		char *cluster, *ids;	/* browse.c: the cluster's objects, resolved */
	} clu;
};

/* The stored words (status.h) as numbered parameters: the query helper
 * binds each from its name table, so that SQL never spells them.  A
 * statement using them numbers its own parameters (?1, ?2, ...), since a
 * bare ? after ?NNN would take number NNN + 1. */
#define W_SNAP 100
#define W_SNAP_RUNNING 100
#define W_SNAP_COMPLETED 101
#define W_SNAP_FAILED 102
#define W_PART 110
#define W_PART_VCENTER 110
#define W_PART_NSX 111
#define W_RS 120
#define W_RS_PASS 120
#define W_RS_FAIL 121
#define W_RS_NA 122
#define W_RS_UNKNOWN 123
#define W_RS_WAIVED 124
#define W_SEV 130
#define W_SEV_INFO 130
#define W_SEV_LOW 131
#define W_SEV_MEDIUM 132
#define W_SEV_HIGH 133
#define W_SEV_CRITICAL 134
#define W_END 140
#define SQLW_(n) "?" #n
/* The parameter for a word: SQLW(W_RS_FAIL) is "?121". */
#define SQLW(w) SQLW_(w)

/* Sets the error from SQLite's message; returns HERR_FULL, HERR_BUSY (the
 * twin is locked by another connection) or HERR_STORE. */
int store_db_error(struct store *st, const char *what);
/* Runs SQL without parameters (pragmas, transactions): 0 or as above. */
int store_exec(struct store *st, const char *sql, const char *what);

/* One row of a query; returning non-zero stops the query with that result. */
typedef int (*store_row_fn)(void *ctx, sqlite3_stmt *s);
/* Runs sql, whose statement the store prepares once and keeps (sql must be
 * a string that lives as long as the store), binding the arguments fmt
 * lists, one letter each, to parameters 1, 2, ...:
 *   i  long long          z  long long, NULL when 0
 *   t  const char *, NULL when NULL
 *   e  const char *, '' when NULL
 *   b  int (a flag)       d  double
 * Arguments past the statement's last parameter are skipped, so one list
 * serves statements that use fewer; then the words (W_*) are bound.  fn,
 * when not NULL, gets each row (its text is valid during the call).
 * Returns 0, fn's non-zero result, or HERR_STORE / HERR_FULL; what names
 * the operation in the error ("read", "write"). */
int store_query(struct store *st, const char *what, const char *sql, store_row_fn fn, void *ctx, const char *fmt,
		...);
/* The first column of the only row, as an integer: 0, 1 when there is no
 * row or the value is NULL, or HERR_STORE / HERR_FULL. */
int store_query_int(struct store *st, const char *sql, long long *out, const char *fmt, ...);

/* Rows of (status, severity, count) to a store_count_fn; ctx is a
 * struct store_counts.  Unknown words are left out. */
struct store_counts {
	store_count_fn fn;
	void *ctx;
};
int store_count_row(void *ctx, sqlite3_stmt *s);

/* Whether the twin has a table (not a view) of that name: 1, 0, or an
 * error as above (migrations that turn a table into a view). */
int store_is_table(struct store *st, const char *name);

/* Reads the row's columns 0, 1, ... into the pointers fmt lists:
 *   i  long long *        d  double *          b  bool *
 *   s  char ** (a copy, NULL for NULL)
 *   t  const char ** (SQLite's text, valid during the row callback)
 *   -  nothing: the column is skipped */
void store_cols(sqlite3_stmt *s, const char *fmt, ...);
const char *store_col_text(sqlite3_stmt *s, int i);
char *store_col_dup(sqlite3_stmt *s, int i);
/* A new zeroed element of size bytes at the end of l. */
void *store_list_add(struct store_list *l, size_t size);
/* A row function appending column 0 as a long long to a store_list. */
int store_id_row(void *ctx, sqlite3_stmt *s);

/* Content-addressed sets (cset.c).  store_cset_sort sorts the size-byte
 * elements of l by cmp and keeps the last of each run whose keys are the
 * same (same_key), dropping the others (drop frees what they hold). */
void store_cset_sort(struct store_list *l, size_t size, int (*cmp)(const void *, const void *),
		     bool (*same_key)(const void *, const void *), void (*drop)(void *));
/* FNV-1a of s (NULL as ""), ended by a byte no text holds. */
unsigned long long store_hash_add(unsigned long long h, const char *s);
bool store_same_text(const char *a, const char *b);
/* The n rows (size bytes each) a stored set must hold, in the order the
 * set's rows are read; same tells whether a row read is the next one. */
struct store_cset {
	const void *rows;
	size_t size;
	unsigned n, i;
	bool (*same)(const void *row, sqlite3_stmt *s);
};
/* The set among those by_hash (?1: hash) names whose rows (rows_sql, ?1:
 * the set) are c's, in *set; 0 there when none is. */
int store_cset_find(struct store *st, const char *by_hash, const char *rows_sql, long long hash,
		    struct store_cset *c, long long *set);

/* Property sets (propset.c).  store_object_add holds the new object;
 * every statement of the query helper, a commit and a savepoint first
 * store what is held (flush); a rollback drops it (discard). */
void store_props_hold(struct store *st, long long obj);
int store_props_flush(struct store *st);
void store_props_discard(struct store *st);
void store_props_release(struct store *st);
/* Removes the sets no object points to (after deleting snapshots). */
int store_propsets_prune(struct store *st);
/* Registers the SQL function harden_unmatched(q, text, ...) on db
 * (search.c): an SQLite result code. */
int store_search_register(sqlite3 *db);
/* Forgets the cluster browse.c resolved last. */
void store_clusters_release(struct store *st);
/* Result sets (resultset.c).  store_finding holds an object's results;
 * a change of object, every statement of the query helper, a commit and
 * a savepoint store them (flush); a rollback drops them (discard). */
int store_results_flush(struct store *st);
void store_results_discard(struct store *st);
void store_results_release(struct store *st);
/* Removes the sets no evaluation points to (after deleting snapshots). */
int store_resultsets_prune(struct store *st);
/* Migration 10: moves an older twin's finding table into sets, and its
 * rules' details into rule_details. */
int store_results_migrate(struct store *st);
int store_rules_migrate(struct store *st);
/* Removes the rules' details no evaluation points to. */
int store_rule_details_prune(struct store *st);
/* The finding view: the old table's columns over the sets. */
#define STORE_FINDING_VIEW                                                                                          \
	"CREATE VIEW finding(evaluation_id, rule_id, object_id, status, property, observed, expected, waiver_id) AS " \
	"SELECT eo.evaluation_id, r.rule_id, eo.object_id, r.status, r.property, r.observed, r.expected, "         \
	"fw.waiver_id FROM eval_object eo JOIN result r ON r.set_id = eo.set_id "                                  \
	"LEFT JOIN finding_waiver fw ON fw.evaluation_id = eo.evaluation_id AND fw.object_id = eo.object_id "      \
	"AND fw.rule_id = r.rule_id"
/* The SQL of migration v (from version v to v + 1), NULL past the last:
 * for tests that build an older twin as older code did. */
const char *store_migration_sql(int v);
/* Migration 8: moves an older twin's property table into sets. */
int store_props_migrate(struct store *st);

#endif
