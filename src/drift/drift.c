/* Drift between snapshots, computed by SQLite over the twin's own tables:
 * objects matched by type and moref, properties by name (only of objects
 * whose property set changed), results by baseline, rule and object (only
 * of objects whose result set changed). */
#include "drift/drift.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"
#include "util/util.h"
#include "vocab.h"

static const char *const kind_names[] = {
#define X(e, s) s,
	DRIFT_KINDS
#undef X
};

const char *drift_kind_name(enum drift_kind k)
{
	return kind_names[k];
}

static int kind_parse(const char *s)
{
	for (int i = 0; s && i < DK_COUNT; i++)
		if (!strcmp(kind_names[i], s))
			return i;
	return -1;
}

/* Whether the NSX part completed in a snapshot.  Snapshots from before
 * parts were recorded have no NSX objects, so they count as not. */
static int nsx_completed(struct store *st, long long snap, bool *yes)
{
	struct part_info *p;
	unsigned n;
	int rc = store_parts(st, snap, &p, &n);
	if (rc < 0)
		return rc;
	const struct part_info *x = part_find(p, n, PART_NSX);
	*yes = x && x->status == PS_COMPLETED;
	part_list_free(p, n);
	return 0;
}

/* Objects of the NSX part drop out of the comparison unless both NSX
 * parts completed; the part's own manager object always takes part.  The
 * vcenter object never does: it is the scan's own record (its counts follow
 * the objects added and removed, which are events already), and a snapshot
 * from before it existed would show it added. */
#define NSX_FILTER(t) \
	"(?3 OR harden_part(" t ") <> " SQLW(W_PART_NSX) " OR " t " = '" NSX_PART_OBJECT "') AND " t \
	" <> '" VCENTER_PART_OBJECT "'"

#define FAIL SQLW(W_RS_FAIL)
#define UNKNOWN SQLW(W_RS_UNKNOWN)

/* Whether object obj of a snapshot had property prop requested, when it
 * has no row of it: a vCenter property outside a keyed family is always
 * written when requested (if only as not collected), so no row means not
 * requested (scan --collect baselines with other baselines), and a family
 * member is requested with its group marker.  Such a property neither
 * appeared nor disappeared.  NSX objects keep every property. */
#define COVERED(obj, type, prop) \
	"(harden_part(" type ") = " SQLW(W_PART_NSX) " OR EXISTS (SELECT 1 FROM propset_prop g WHERE g.set_id = " \
	obj ".propset_id AND g.name = harden_group(" type ", " prop ")))"
#define POSTURE_INSERT \
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name, property, " \
	"  baseline_id, old_value, new_value) " \
	"SELECT ?1, ?2, CASE WHEN fn.status = " FAIL " AND fo.status = " SQLW(W_RS_WAIVED) " AND coalesce(w.expired, 0) " \
	"                    THEN 'waiver_expired' " \
	"                    WHEN fn.status = " FAIL " THEN 'regressed' " \
	"                    WHEN fn.status = " UNKNOWN " THEN 'became_unknown' ELSE 'fixed' END, " \
	"  n.type, n.moref, n.name, fn.rule_id, en.baseline_id, fo.status, fn.status "
#define POSTURE_OLD_EVAL \
	"JOIN evaluation eo ON eo.id = (SELECT max(id) FROM evaluation WHERE snapshot_id = ?1 AND kind = 'scan' " \
	"                               AND baseline_id = en.baseline_id) "
/* Each object of the new evaluation paired with its old self (by type and
 * moref) and both with their result sets (xn, xo). */
#define POSTURE_OBJECTS \
	"CROSS JOIN eval_object xn ON xn.evaluation_id = en.id " \
	"CROSS JOIN object n ON n.id = xn.object_id " \
	"CROSS JOIN object o ON o.snapshot_id = ?1 AND o.type = n.type AND o.moref = n.moref " \
	"CROSS JOIN eval_object xo ON xo.evaluation_id = eo.id AND xo.object_id = o.id "
#define POSTURE_WHERE \
	"LEFT JOIN finding_waiver fw ON fw.evaluation_id = en.id AND fw.object_id = n.id AND fw.rule_id = fn.rule_id " \
	"LEFT JOIN waiver w ON w.id = fw.waiver_id " \
	"WHERE en.snapshot_id = ?2 AND en.kind = 'scan' " \
	"  AND en.id = (SELECT max(id) FROM evaluation WHERE snapshot_id = ?2 AND kind = 'scan' " \
	"               AND baseline_id = en.baseline_id) " \
	"  AND ((fn.status = " FAIL " AND fo.status <> " FAIL ") " \
	"       OR (fn.status = " UNKNOWN " AND fo.status <> " UNKNOWN ") " \
	"       OR (fo.status = " FAIL " AND fn.status IN (" SQLW(W_RS_PASS) ", " SQLW(W_RS_NA) ")))"

static const char *const drift_sql[] = {
	/* Objects added. */
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name) "
	"SELECT ?1, ?2, 'object_added', n.type, n.moref, n.name FROM object n "
	"WHERE n.snapshot_id = ?2 AND " NSX_FILTER("n.type")
	" AND NOT EXISTS (SELECT 1 FROM object o WHERE o.snapshot_id = ?1 AND o.type = n.type AND o.moref = n.moref)",
	/* Objects removed. */
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name) "
	"SELECT ?1, ?2, 'object_removed', o.type, o.moref, o.name FROM object o "
	"WHERE o.snapshot_id = ?1 AND " NSX_FILTER("o.type")
	" AND NOT EXISTS (SELECT 1 FROM object n WHERE n.snapshot_id = ?2 AND n.type = o.type AND n.moref = o.moref)"
	/* vCenter returning none of a type at all is a gap (the rules over it
	 * are unknown on the vcenter object), not every such object removed. */
	" AND (harden_part(o.type) = " SQLW(W_PART_NSX) " OR EXISTS (SELECT 1 FROM object k WHERE k.snapshot_id = ?2 "
	"AND k.type = o.type) OR NOT EXISTS (SELECT 1 FROM object v WHERE v.snapshot_id = ?2 AND v.type = '"
	VCENTER_PART_OBJECT "'))",
	/* Properties of objects in both: changed, appeared, newly collected or
	 * no longer collected.  A property that stays not collected, or goes
	 * from absent to not collected, says nothing new.  Objects that point
	 * to the same property set have no property drift, so only the
	 * objects whose set changed are compared. */
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name, property, "
	"  old_value, new_value) "
	"SELECT ?1, ?2, CASE WHEN po.set_id IS NULL OR (po.collected AND pn.collected) THEN 'property_changed' "
	"                    WHEN pn.collected THEN 'property_collected' ELSE 'property_uncollected' END, "
	"  n.type, n.moref, n.name, pn.name, CASE WHEN po.collected THEN po.value END, "
	"  CASE WHEN pn.collected THEN pn.value END "
	"FROM object n JOIN object o ON o.snapshot_id = ?1 AND o.type = n.type AND o.moref = n.moref "
	"JOIN propset_prop pn ON pn.set_id = n.propset_id "
	"LEFT JOIN propset_prop po ON po.set_id = o.propset_id AND po.name = pn.name "
	"WHERE n.snapshot_id = ?2 AND n.propset_id IS NOT o.propset_id AND pn.type <> 'group' AND "
	NSX_FILTER("n.type")
	" AND ((po.set_id IS NULL AND pn.collected AND " COVERED("o", "n.type", "pn.name") ") "
	"      OR po.collected <> pn.collected "
	"      OR (po.collected AND pn.collected AND po.value IS NOT pn.value))",
	/* Properties that disappeared from an object in both. */
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name, property, "
	"  old_value, new_value) "
	"SELECT ?1, ?2, 'property_changed', n.type, n.moref, n.name, po.name, po.value, NULL "
	"FROM object n JOIN object o ON o.snapshot_id = ?1 AND o.type = n.type AND o.moref = n.moref "
	"JOIN propset_prop po ON po.set_id = o.propset_id "
	"WHERE n.snapshot_id = ?2 AND n.propset_id IS NOT o.propset_id AND po.type <> 'group' AND po.collected AND "
	NSX_FILTER("n.type")
	" AND NOT EXISTS (SELECT 1 FROM propset_prop pn WHERE pn.set_id = n.propset_id AND pn.name = po.name)"
	" AND " COVERED("n", "n.type", "po.name"),
	/* Posture: the latest scan evaluation of each baseline both snapshots
	 * were evaluated against, result by result.  Objects are paired first;
	 * a pair whose result sets are the same set has no posture change, so
	 * only the changed pairs' results are compared: first under the rule's
	 * own id, then under its earlier ids (aliases).  A set of the new
	 * evaluation never holds a result under an alias of one of its rules
	 * (an alias names no other rule of the baseline), so a pair whose set
	 * is the same has none to compare under an alias either. */
	POSTURE_INSERT "FROM evaluation en " POSTURE_OLD_EVAL POSTURE_OBJECTS
	"CROSS JOIN result fn ON fn.set_id = xn.set_id "
	"CROSS JOIN result fo ON fo.set_id = xo.set_id AND fo.rule_id = fn.rule_id "
	POSTURE_WHERE " AND xn.set_id <> xo.set_id",
	POSTURE_INSERT "FROM evaluation en " POSTURE_OLD_EVAL POSTURE_OBJECTS
	"CROSS JOIN eval_rule ar ON ar.evaluation_id = en.id AND json_valid(ar.details) "
	"CROSS JOIN json_each(ar.details, '$.aliases') j "
	"CROSS JOIN result fn ON fn.set_id = xn.set_id AND fn.rule_id = ar.rule_id "
	"CROSS JOIN result fo ON fo.set_id = xo.set_id AND fo.rule_id = j.value "
	POSTURE_WHERE " AND xn.set_id <> xo.set_id AND j.value IS NOT ar.rule_id",
};

static const char delete_pair[] = "DELETE FROM drift_event WHERE from_snapshot = ?1 AND to_snapshot = ?2";
static const char insert_pair[] = "INSERT OR REPLACE INTO drift_pair(from_snapshot, to_snapshot, computed_at) "
				  "VALUES (?1, ?2, ?4)";

static int count_kind(void *ctx, sqlite3_stmt *s)
{
	long long *counts = ctx;
	int k = kind_parse(store_col_text(s, 0));
	if (k >= 0)
		counts[k] = sqlite3_column_int64(s, 1);
	return 0;
}

/* Every statement of the pair takes the same arguments: ?1 from, ?2 to,
 * ?3 whether both NSX parts completed, ?4 the time. */
static int run_pair(struct store *st, long long from, long long to, bool nsx_ok)
{
	long long now = (long long)time(NULL);
	int rc = store_query(st, "write", delete_pair, NULL, NULL, "iibi", from, to, (int)nsx_ok, now);
	for (unsigned i = 0; rc == 0 && i < ARRAY_SIZE(drift_sql); i++)
		rc = store_query(st, "write", drift_sql[i], NULL, NULL, "iibi", from, to, (int)nsx_ok, now);
	if (rc == 0)
		rc = store_query(st, "write", insert_pair, NULL, NULL, "iibi", from, to, (int)nsx_ok, now);
	return rc;
}

int drift_compute(struct store *st, long long from, long long to, long long counts[DK_COUNT])
{
	static const char count_sql[] = "SELECT kind, count(*) FROM drift_event WHERE from_snapshot = ? "
					"AND to_snapshot = ? GROUP BY kind";
	bool a, b;
	int rc;
	if ((rc = nsx_completed(st, from, &a)) < 0 || (rc = nsx_completed(st, to, &b)) < 0)
		return rc;
	if ((rc = store_begin(st)) < 0)
		return rc;
	if ((rc = run_pair(st, from, to, a && b)) < 0)
		goto fail;
	if (counts) {
		memset(counts, 0, sizeof(long long) * DK_COUNT);
		if ((rc = store_query(st, "read", count_sql, count_kind, counts, "ii", from, to)) < 0)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return rc;
}

int drift_stored(struct store *st, long long from, long long to)
{
	long long one;
	return store_query_int(st, "SELECT 1 FROM drift_pair WHERE from_snapshot = ? AND to_snapshot = ?", &one,
			       "ii", from, to);
}

/* The caller's callback, for the row functions below. */
struct walk {
	drift_event_fn event;
	history_fn history;
	void *ctx;
};

static const char events_sql[] =
	"SELECT kind, object_type, moref, object_name, property, baseline_id, old_value, new_value "
	"FROM drift_event WHERE from_snapshot = ?1 AND to_snapshot = ?2 "
	"AND (?3 IS NULL OR object_name = ?3 OR moref = ?3) "
	"ORDER BY object_type, object_name COLLATE harden_natural, moref, baseline_id IS NOT NULL, baseline_id, "
	"property COLLATE harden_natural, id";

/* Properties are read from the objects' sets (the property view would be
 * walked whole by the outer join). */
static const char history_sql[] =
	"WITH seen AS (SELECT s.id, s.started_at, o.id AS oid, o.type, o.moref, o.name, o.propset_id AS sid "
	"              FROM snapshot s JOIN object o ON o.snapshot_id = s.id "
	"              WHERE s.target = ?1 AND s.status = " SQLW(W_SNAP_COMPLETED)
	"              AND (o.name = ?2 OR o.moref = ?2)), "
	"     names AS (SELECT DISTINCT seen.type, seen.moref, p.name FROM seen "
	"               JOIN propset_prop p ON p.set_id = seen.sid "
	"               WHERE p.type <> 'group' AND (?3 IS NULL OR p.name = ?3)) "
	"SELECT seen.id, seen.started_at, seen.type, seen.moref, seen.name, names.name, "
	"       p.set_id IS NOT NULL, coalesce(p.collected, 0), p.value "
	"FROM names JOIN seen ON seen.type = names.type AND seen.moref = names.moref "
	"LEFT JOIN propset_prop p ON p.set_id = seen.sid AND p.name = names.name "
	"ORDER BY seen.type, seen.moref, names.name, seen.id";

static int event_row(void *ctx, sqlite3_stmt *s)
{
	const struct walk *x = ctx;
	struct drift_event e;
	const char *kind;
	store_cols(s, "tttttttt", &kind, &e.object_type, &e.moref, &e.object_name, &e.property, &e.baseline_id,
		   &e.old_value, &e.new_value);
	int k = kind_parse(kind);
	if (k < 0)
		return 0;
	e.kind = (enum drift_kind)k;
	return x->event(x->ctx, &e);
}

int drift_events_each(struct store *st, long long from, long long to, const char *object, drift_event_fn fn,
		      void *ctx)
{
	struct walk x = { .event = fn, .ctx = ctx };
	return store_query(st, "read", events_sql, event_row, &x, "iit", from, to, object);
}

static int history_row(void *ctx, sqlite3_stmt *s)
{
	const struct walk *x = ctx;
	struct history_point p;
	store_cols(s, "iittttbbt", &p.snapshot_id, &p.started_at, &p.object_type, &p.moref, &p.object_name,
		   &p.property, &p.present, &p.collected, &p.value);
	return x->history(x->ctx, &p);
}

int drift_history_each(struct store *st, const char *target, const char *object, const char *property,
		       history_fn fn, void *ctx)
{
	struct walk x = { .history = fn, .ctx = ctx };
	return store_query(st, "read", history_sql, history_row, &x, "ttt", target, object, property);
}
