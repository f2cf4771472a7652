/* Snapshots: the scan lock, a snapshot's life and parts, and the objects
 * and properties written into it and read back. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "store/store_int.h"
#include "util/interrupt.h"
#include "util/util.h"

#define INTERRUPTED "scan interrupted before it finished"

int store_scan_lock(struct store *st, int wait_s)
{
	char *lp = xasprintf("%s.lock", st->real);
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set("cannot open lock file '%s': %s", lp, strerror(errno));
		free(lp);
		return HERR_STORE;
	}
	double deadline = now_ms() + wait_s * 1000.0;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (interrupt_pending()) {
			err_set("interrupted by %s while waiting for database '%s'", interrupt_name(interrupt_pending()),
				st->path);
			close(fd);
			free(lp);
			return HERR_BUSY;
		}
		if (errno != EWOULDBLOCK || now_ms() >= deadline) {
			err_set("another scan is using database '%s' (lock '%s' held)", st->path, lp);
			close(fd);
			free(lp);
			return HERR_BUSY;
		}
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	free(lp);
	st->lock_fd = fd;
	/* We hold the only scan lock: whatever still says running was killed. */
	static const char sql[] = "UPDATE snapshot SET status = " SQLW(W_SNAP_FAILED) ", error = ?1, "
				  "ended_at = COALESCE(ended_at, started_at) WHERE status = " SQLW(W_SNAP_RUNNING);
	return store_query(st, "update", sql, NULL, NULL, "t", INTERRUPTED);
}

/* True when no scan holds the database's scan lock. */
static bool scan_lock_free(struct store *st)
{
	if (st->lock_fd >= 0)
		return false;	/* we are the scan */
	char *lp = xasprintf("%s.lock", st->real);
	int fd = open(lp, O_RDONLY | O_CLOEXEC);
	free(lp);
	if (fd < 0)
		return true;
	bool free_ = flock(fd, LOCK_SH | LOCK_NB) == 0;
	close(fd);
	return free_;
}

int store_snapshot_begin(struct store *st, const char *target, const char *baselines,
			 const char *source_url, long long *id)
{
	static const char sql[] = "INSERT INTO snapshot(target, baselines, source_url, started_at, status) "
				  "VALUES (?1, ?2, ?3, ?4, " SQLW(W_SNAP_RUNNING) ")";
	int rc = store_query(st, "write", sql, NULL, NULL, "ttti", target, baselines, source_url, (long long)time(NULL));
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_snapshot_end(struct store *st, long long id, enum snap_status status, const char *error,
		       const struct scan_stats *x)
{
	static const struct scan_stats none;
	static const char sql[] = "UPDATE snapshot SET status = ?, error = ?, ended_at = ?, objects = ?, "
				  "api_calls = ?, bytes_received = ?, collect_ms = ?, store_ms = ? WHERE id = ?";
	if (!x)
		x = &none;
	return store_query(st, "write", sql, NULL, NULL, "ttiiiiddi", snap_status_name(status), error,
			   (long long)time(NULL), x->objects, x->api_calls, x->bytes_received, x->collect_ms,
			   x->store_ms, id);
}

int store_part_set(struct store *st, long long snap, enum part part, enum part_status status, const char *url,
		   const char *error, const struct scan_stats *x)
{
	static const struct scan_stats none;
	static const char sql[] = "INSERT OR REPLACE INTO snapshot_part(snapshot_id, part, status, url, error, objects, "
				  "api_calls, bytes_received, collect_ms) VALUES (?,?,?,?,?,?,?,?,?)";
	if ((unsigned)part >= PART_COUNT || (unsigned)status >= PS_COUNT) {
		err_set("cannot write database '%s': no part %d or part status %d", st->path, (int)part, (int)status);
		return HERR_INPUT;
	}
	if (!x)
		x = &none;
	return store_query(st, "write", sql, NULL, NULL, "ittttiiid", snap, part_name(part), part_status_name(status),
			   url, error, x->objects, x->api_calls, x->bytes_received, x->collect_ms + x->store_ms);
}

static int part_row(void *ctx, sqlite3_stmt *s)
{
	enum part part;
	enum part_status status;
	/* A part or status this harden does not know is left out. */
	if (part_parse(store_col_text(s, 0), &part) < 0 || part_status_parse(store_col_text(s, 1), &status) < 0)
		return 0;
	struct part_info *p = store_list_add(ctx, sizeof(*p));
	p->part = part;
	p->status = status;
	store_cols(s, "--ssiiid", &p->url, &p->error, &p->objects, &p->api_calls, &p->bytes_received, &p->ms);
	return 0;
}

int store_parts(struct store *st, long long snap, struct part_info **out, unsigned *n)
{
	static const char sql[] = "SELECT part, status, url, error, objects, api_calls, bytes_received, collect_ms "
				  "FROM snapshot_part WHERE snapshot_id = ?1 ORDER BY part = " SQLW(W_PART_NSX) ", part";
	struct store_list x = { 0 };
	int rc = store_query(st, "read", sql, part_row, &x, "i", snap);
	if (rc < 0) {
		part_list_free(x.v, x.n);
		x.v = NULL;
		x.n = 0;
	}
	*out = x.v;
	*n = x.n;
	return rc;
}

const struct part_info *part_find(const struct part_info *v, unsigned n, enum part part)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i].part == part)
			return &v[i];
	return NULL;
}

void part_list_free(struct part_info *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(v[i].url);
		free(v[i].error);
	}
	free(v);
}

static int snapshot_row(void *ctx, sqlite3_stmt *s)
{
	struct snapshot_info *o = ctx;
	const char *status;
	store_cols(s, "isstssiiiiidd", &o->id, &o->target, &o->baselines, &status, &o->error, &o->source_url,
		   &o->started_at, &o->ended_at, &o->stats.objects, &o->stats.api_calls, &o->stats.bytes_received,
		   &o->stats.collect_ms, &o->stats.store_ms);
	if (snap_status_parse(status, &o->status) < 0)
		o->status = SNAP_FAILED;	/* the schema allows no other */
	return 1;
}

int store_snapshot_get(struct store *st, long long id, struct snapshot_info *o)
{
	static const char sql[] = "SELECT id, target, baselines, status, error, source_url, started_at, ended_at, "
				  "objects, api_calls, bytes_received, collect_ms, store_ms FROM snapshot WHERE id = ?";
	memset(o, 0, sizeof(*o));
	int rc = store_query(st, "read", sql, snapshot_row, o, "i", id);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return 1;	/* no such snapshot */
	/* A scan killed with -9 leaves 'running' behind until the next scan
	 * records it; readers already see it for what it is. */
	if (o->status == SNAP_RUNNING && scan_lock_free(st)) {
		free(o->error);
		o->status = SNAP_FAILED;
		o->error = xstrdup(INTERRUPTED);
	}
	return 0;
}

void snapshot_info_release(struct snapshot_info *si)
{
	free(si->target);
	free(si->baselines);
	free(si->error);
	free(si->source_url);
	memset(si, 0, sizeof(*si));
}

struct each_snapshot {
	struct store *st;
	store_snapshot_fn fn;
	void *ctx;
};

static int each_snapshot_row(void *vctx, sqlite3_stmt *s)
{
	struct each_snapshot *x = vctx;
	struct snapshot_info si = { 0 };
	snapshot_row(&si, s);
	if (si.status == SNAP_RUNNING && scan_lock_free(x->st)) {
		free(si.error);
		si.status = SNAP_FAILED;
		si.error = xstrdup(INTERRUPTED);
	}
	int rc = x->fn(x->ctx, &si);
	snapshot_info_release(&si);
	return rc;
}

int store_snapshots_each(struct store *st, const char *target, store_snapshot_fn fn, void *ctx)
{
	static const char sql[] = "SELECT id, target, baselines, status, error, source_url, started_at, ended_at, "
				  "objects, api_calls, bytes_received, collect_ms, store_ms FROM snapshot "
				  "WHERE ?1 IS NULL OR target = ?1 ORDER BY target COLLATE harden_natural, id";
	struct each_snapshot x = { st, fn, ctx };
	int rc = store_query(st, "read", sql, each_snapshot_row, &x, "t", target);
	return rc > 0 ? 0 : rc;
}

int store_snapshot_latest(struct store *st, const char *target, long long *id)
{
	static const char sql[] = "SELECT max(id) FROM snapshot WHERE status = " SQLW(W_SNAP_COMPLETED)
				  " AND (?1 IS NULL OR target = ?1)";
	return store_query_int(st, sql, id, "t", target);
}

int store_snapshot_previous(struct store *st, const char *target, long long snap, long long *prev)
{
	static const char sql[] = "SELECT max(id) FROM snapshot WHERE target = ?1 AND status = " SQLW(W_SNAP_COMPLETED)
				  " AND id < ?2";
	return store_query_int(st, sql, prev, "ti", target, snap);
}

static int target_row(void *ctx, sqlite3_stmt *s)
{
	strlist_add(ctx, store_col_text(s, 0));
	return 0;
}

int store_targets(struct store *st, struct strlist *out)
{
	static const char sql[] = "SELECT DISTINCT target FROM snapshot ORDER BY target COLLATE harden_natural";
	return store_query(st, "read", sql, target_row, out, "");
}

int store_snapshot_ids(struct store *st, const char *target, long long **ids, unsigned *n)
{
	static const char sql[] = "SELECT id FROM snapshot WHERE target = ?1 ORDER BY id DESC";
	struct store_list l = { 0 };
	int rc = store_query(st, "read", sql, store_id_row, &l, "t", target);
	*ids = l.v;
	*n = rc < 0 ? 0 : l.n;
	if (rc < 0) {
		free(l.v);
		*ids = NULL;
	}
	return rc < 0 ? rc : 0;
}

int store_object_add(struct store *st, long long snap, const char *type, const char *moref,
		     const char *name, long long *id)
{
	static const char sql[] = "INSERT INTO object(snapshot_id, type, moref, name) VALUES (?,?,?,?)";
	int rc = store_query(st, "write", sql, NULL, NULL, "itte", snap, type, moref, name);
	if (rc == 0) {
		*id = sqlite3_last_insert_rowid(st->db);
		store_props_hold(st, *id);
	}
	return rc;
}

int store_object_count(struct store *st, long long snap, const char *type, long long *n)
{
	static const char sql[] = "SELECT count(*) FROM object WHERE snapshot_id = ? AND type = ?";
	int rc = store_query_int(st, sql, n, "it", snap, type);
	return rc > 0 ? 0 : rc;	/* count(*) always has its row */
}

const struct sprop *sobject_find(const struct sobject *o, const char *name)
{
	unsigned lo = 0, hi = o->nprops;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		int c = strcmp(o->props[mid].name, name);
		if (!c)
			return &o->props[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Objects come one row per property (or one row for none); an object is
 * handed on when the next one starts, and at the end. */
struct objects_ctx {
	store_object_fn fn;
	void *ctx;
	struct sobject o;
	struct store_list props;
	bool have;
};

/* Hands the object held on (when hand_on), then lets it go. */
static int object_done(struct objects_ctx *x, bool hand_on)
{
	x->o.props = x->props.v;
	x->o.nprops = x->props.n;
	int rc = hand_on ? x->fn(x->ctx, &x->o) : 0;
	for (unsigned i = 0; i < x->o.nprops; i++) {
		free(x->o.props[i].name);
		free(x->o.props[i].value);
	}
	free(x->o.type);
	free(x->o.moref);
	free(x->o.name);
	x->props.n = 0;
	x->have = false;
	return rc;
}

static int object_row(void *ctx, sqlite3_stmt *s)
{
	struct objects_ctx *x = ctx;
	int rc;
	if (x->have && sqlite3_column_int64(s, 0) != x->o.id && (rc = object_done(x, true)) != 0)
		return rc;
	if (!x->have) {
		store_cols(s, "isss", &x->o.id, &x->o.type, &x->o.moref, &x->o.name);
		x->have = true;
	}
	if (sqlite3_column_type(s, 4) == SQLITE_NULL)
		return 0;
	struct sprop *p = store_list_add(&x->props, sizeof(*p));
	const char *t;
	store_cols(s, "----stbs", &p->name, &t, &p->collected, &p->value);
	if (!t || ptype_parse(t, &p->type) < 0)
		p->type = PT_STRING;
	return 0;
}

static int objects_query(struct store *st, const char *sql, long long snap, const char *type, const char *glob,
			 store_object_fn fn, void *ctx)
{
	struct objects_ctx x = { .fn = fn, .ctx = ctx };
	int rc = store_query(st, "read", sql, object_row, &x, "itt", snap, type, glob);
	if (x.have) {
		int r = object_done(&x, rc == 0);
		if (rc == 0)
			rc = r;
	}
	free(x.props.v);
	return rc;
}

int store_objects_each(struct store *st, long long snap, const char *type, store_object_fn fn, void *ctx)
{
	/* By type in id order: the order evaluation reads, the quickest. */
	static const char by_type[] = "SELECT o.id, o.type, o.moref, o.name, p.name, p.type, p.collected, p.value "
				      "FROM object o LEFT JOIN propset_prop p ON p.set_id = o.propset_id "
				      "WHERE o.snapshot_id = ?1 AND o.type = ?2 ORDER BY o.id, p.name";
	return type ? objects_query(st, by_type, snap, type, NULL, fn, ctx)
		    : store_objects_matching(st, snap, NULL, NULL, fn, ctx);
}

int store_objects_matching(struct store *st, long long snap, const char *type, const char *glob, store_object_fn fn,
			   void *ctx)
{
	static const char sql[] = "SELECT o.id, o.type, o.moref, o.name, p.name, p.type, p.collected, p.value "
				  "FROM object o LEFT JOIN propset_prop p ON p.set_id = o.propset_id "
				  "WHERE o.snapshot_id = ?1 AND (?2 IS NULL OR o.type = ?2) "
				  "AND (?3 IS NULL OR o.name GLOB ?3 OR o.moref GLOB ?3) "
				  "ORDER BY o.type, o.name COLLATE harden_natural, o.id, p.name";
	return objects_query(st, sql, snap, type, glob, fn, ctx);
}
