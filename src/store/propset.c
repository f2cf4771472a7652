/* Property sets, each stored once.  An object's properties are held in
 * memory while it is written and stored when the next statement runs: as
 * the set already in the twin with the same sorted contents (an object
 * unchanged since the previous scan points to the set that scan stored),
 * or as a new set.  Sets are found by a hash of their contents and then
 * compared whole, so two sets whose hashes collide stay apart. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

/* One property held for the pending object; seq orders repeated names
 * (the last value written wins, as INSERT OR REPLACE did). */
struct pprop {
	char *name;
	char *value;
	enum ptype type;
	bool collected;
	unsigned seq;
};

static void pending_clear(struct store_pending *p)
{
	struct pprop *v = p->props.v;
	for (unsigned i = 0; i < p->props.n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	p->props.n = 0;
	p->obj = 0;
	p->old_set = 0;
}

static void pending_add(struct store_pending *p, const char *name, enum ptype type, bool collected,
			const char *value)
{
	struct pprop *x = store_list_add(&p->props, sizeof(*x));
	x->name = xstrdup(name);
	x->value = value ? xstrdup(value) : NULL;
	x->type = type;
	x->collected = collected;
	x->seq = p->props.n;
}

void store_props_hold(struct store *st, long long obj)
{
	pending_clear(&st->pend);
	st->pend.obj = obj;
}

void store_props_discard(struct store *st)
{
	pending_clear(&st->pend);
}

void store_props_release(struct store *st)
{
	pending_clear(&st->pend);
	free(st->pend.props.v);
	st->pend.props.v = NULL;
	st->pend.props.cap = 0;
}

static int pprop_cmp(const void *a, const void *b)
{
	const struct pprop *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static bool pprop_same_key(const void *a, const void *b)
{
	return !strcmp(((const struct pprop *)a)->name, ((const struct pprop *)b)->name);
}

static void pprop_drop(void *a)
{
	struct pprop *x = a;
	free(x->name);
	free(x->value);
}

/* FNV-1a over each property's name, type, collected flag and value. */
static long long set_hash(const struct store_pending *p)
{
	const struct pprop *v = p->props.v;
	unsigned long long h = 14695981039346656037ULL;
	for (unsigned i = 0; i < p->props.n; i++) {
		h = store_hash_add(h, v[i].name);
		h = store_hash_add(h, ptype_name(v[i].type));
		h = store_hash_add(h, v[i].collected ? "1" : "0");
		h = store_hash_add(h, v[i].value ? "v" : "n");
		h = store_hash_add(h, v[i].value);
	}
	return (long long)h;
}

/* Whether a stored row is the pending property. */
static bool same_prop(const void *row, sqlite3_stmt *s)
{
	const struct pprop *x = row;
	const char *name, *type, *value;
	bool collected;
	store_cols(s, "ttbt", &name, &type, &collected, &value);
	return store_same_text(name, x->name) && store_same_text(type, ptype_name(x->type)) &&
	       collected == x->collected && store_same_text(value, x->value);
}

static const char set_rows_sql[] = "SELECT name, type, collected, value FROM propset_prop WHERE set_id = ?1 "
				   "ORDER BY name";

/* The stored set equal to the pending properties, or a new one. */
static int find_or_add(struct store *st, long long *set)
{
	static const char by_hash[] = "SELECT id FROM propset WHERE hash = ?1";
	static const char add_set[] = "INSERT INTO propset(hash) VALUES (?1)";
	static const char add_prop[] = "INSERT INTO propset_prop(set_id, name, type, collected, value) "
				       "VALUES (?1, ?2, ?3, ?4, ?5)";
	const struct store_pending *p = &st->pend;
	long long hash = set_hash(p);
	struct store_cset c = { p->props.v, sizeof(struct pprop), p->props.n, 0, same_prop };
	int rc = store_cset_find(st, by_hash, set_rows_sql, hash, &c, set);
	if (rc < 0 || *set)
		return rc;
	if ((rc = store_query(st, "write", add_set, NULL, NULL, "i", hash)) < 0)
		return rc;
	*set = sqlite3_last_insert_rowid(st->db);
	const struct pprop *v = p->props.v;
	for (unsigned i = 0; rc == 0 && i < p->props.n; i++)
		rc = store_query(st, "write", add_prop, NULL, NULL, "ittbt", *set, v[i].name, ptype_name(v[i].type),
				 (int)v[i].collected, v[i].value);
	return rc;
}

int store_props_flush(struct store *st)
{
	static const char point[] = "UPDATE object SET propset_id = ?1 WHERE id = ?2";
	static const char drop_old[] = "DELETE FROM propset WHERE id = ?1 AND NOT EXISTS "
				       "(SELECT 1 FROM object WHERE propset_id = ?1)";
	struct store_pending *p = &st->pend;
	if (!p->obj || p->busy)
		return 0;
	p->busy = true;
	long long set = 0;
	int rc = 0;
	store_cset_sort(&p->props, sizeof(struct pprop), pprop_cmp, pprop_same_key, pprop_drop);
	if (p->props.n)
		rc = find_or_add(st, &set);
	if (rc == 0 && set != p->old_set) {
		rc = store_query(st, "write", point, NULL, NULL, "zi", set, p->obj);
		if (rc == 0 && sqlite3_changes(st->db) != 1) {
			err_set("cannot write database '%s': no object %lld", st->path, p->obj);
			rc = HERR_STORE;
		}
		if (rc == 0 && p->old_set)
			rc = store_query(st, "write", drop_old, NULL, NULL, "i", p->old_set);
	}
	pending_clear(p);
	p->busy = false;
	return rc;
}

static int load_row(void *ctx, sqlite3_stmt *s)
{
	struct store_pending *p = ctx;
	enum ptype type;
	if (ptype_parse(store_col_text(s, 1), &type) < 0)
		type = PT_STRING;
	pending_add(p, store_col_text(s, 0), type, sqlite3_column_int(s, 2) != 0, store_col_text(s, 3));
	return 0;
}

/* A property for an object written earlier: its stored set becomes the
 * pending one, and a new set is stored when it is flushed. */
static int pending_load(struct store *st, long long obj)
{
	static const char set_of[] = "SELECT propset_id FROM object WHERE id = ?1";
	int rc = store_props_flush(st);
	if (rc < 0)
		return rc;
	long long set = 0;
	if ((rc = store_query_int(st, set_of, &set, "i", obj)) < 0)
		return rc;
	store_props_hold(st, obj);
	st->pend.old_set = set;
	/* Reading the set must not flush the object it is read for. */
	st->pend.busy = true;
	if (set)
		rc = store_query(st, "read", set_rows_sql, load_row, &st->pend, "i", set);
	st->pend.busy = false;
	return rc;
}

int store_prop(struct store *st, long long obj, const char *name, enum ptype type, const char *value)
{
	int rc;
	if (obj != st->pend.obj && (rc = pending_load(st, obj)) < 0)
		return rc;
	pending_add(&st->pend, name, type, value != NULL, value);
	return 0;
}

int store_propsets_prune(struct store *st)
{
	static const char sql[] = "DELETE FROM propset WHERE id NOT IN "
				  "(SELECT propset_id FROM object WHERE propset_id IS NOT NULL)";
	return store_query(st, "write", sql, NULL, NULL, "");
}

/* Migration 8: the property table of older twins becomes sets, object by
 * object, and a view of the old shape takes its name. */
static int move_row(void *ctx, sqlite3_stmt *s)
{
	struct store *st = ctx;
	long long obj = sqlite3_column_int64(s, 0);
	int rc;
	if (obj != st->pend.obj) {
		if ((rc = store_props_flush(st)) < 0)
			return rc;
		store_props_hold(st, obj);
	}
	enum ptype type;
	if (ptype_parse(store_col_text(s, 2), &type) < 0)
		type = PT_STRING;
	pending_add(&st->pend, store_col_text(s, 1), type, sqlite3_column_int(s, 3) != 0, store_col_text(s, 4));
	return 0;
}

int store_props_migrate(struct store *st)
{
	static const char rows[] = "SELECT object_id, name, type, collected, value FROM property "
				   "ORDER BY object_id, name";
	static const char swap[] =
		"DROP TABLE property;"
		"CREATE VIEW property(object_id, name, type, collected, value) AS "
		"SELECT o.id, p.name, p.type, p.collected, p.value FROM object o "
		"JOIN propset_prop p ON p.set_id = o.propset_id";
	int rc = store_is_table(st, "property");
	if (rc <= 0)
		return rc;
	if ((rc = store_query(st, "migrate", rows, move_row, st, "")) == 0)
		rc = store_props_flush(st);
	store_props_discard(st);
	if (rc < 0)
		return rc;
	return store_exec(st, swap, "migrate");
}
