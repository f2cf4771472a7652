/* /drift: the target's stored snapshot pairs with counts per kind of
 * change, one pair's events (filtered by kind or object), and the
 * comparison of any two snapshots' results (changed ones by default).
 * /history: an object's property values across the target's snapshots. */
#include <stdlib.h>
#include <string.h>

#include "drift/drift.h"
#include "util/util.h"
#include "web/web.h"

#define EVENTS_MAX 1000

struct tl {
	struct web_req *r;
	struct html_page *p;
	long long from, to;
	long long n[DK_COUNT];
	bool open;
	long long pairs;
};

static void tl_flush(struct tl *x)
{
	if (!x->to)
		return;
	struct html_page *p = x->p;
	struct web_req *r = x->r;
	if (!x->open) {
		html_open(p, "table", "timeline");
		html_open(p, "tr", NULL);
		html_elem(p, "th", NULL, web_tr(r, "From"));
		html_elem(p, "th", NULL, web_tr(r, "To"));
		for (int k = 0; k < DK_COUNT; k++) {
			/* property_changed -> "property changed", so that headings wrap. */
			char *h = xstrdup(drift_kind_name((enum drift_kind)k));
			for (char *c = h; *c; c++)
				*c = *c == '_' ? ' ' : *c;
			html_elem(p, "th", NULL, h);
			free(h);
		}
		html_close(p);
		x->open = true;
	}
	char a[24], b[24];
	snprintf(a, sizeof(a), "%lld", x->from);
	snprintf(b, sizeof(b), "%lld", x->to);
	html_open(p, "tr", x->n[DK_REGRESSED] ? "st-fail" : NULL);
	html_elem(p, "td", NULL, a);
	html_open(p, "td", NULL);
	char *u = web_url(r, "/drift", "from", a, "to", b, NULL);
	html_link(p, u, NULL, b);
	free(u);
	html_close(p);
	for (int k = 0; k < DK_COUNT; k++) {
		char v[24];
		snprintf(v, sizeof(v), "%lld", x->n[k]);
		if (x->n[k]) {
			html_open(p, "td", "num");
			u = web_url(r, "/drift", "from", a, "to", b, "kind", drift_kind_name((enum drift_kind)k), NULL);
			html_link(p, u, NULL, v);
			free(u);
			html_close(p);
		} else {
			html_elem(p, "td", "num muted", v);
		}
	}
	html_close(p);
	memset(x->n, 0, sizeof(x->n));
	x->pairs++;
}

static int tl_row(void *ctx, long long from, long long to, const char *kind, long long n)
{
	struct tl *x = ctx;
	if (from != x->from || to != x->to) {
		tl_flush(x);
		x->from = from;
		x->to = to;
	}
	for (int k = 0; kind && k < DK_COUNT; k++)
		if (!strcmp(kind, drift_kind_name((enum drift_kind)k)))
			x->n[k] = n;
	return 0;
}

struct evs {
	struct web_req *r;
	struct html_page *p;
	const char *kind;
	long long n;
};

static int ev_row(void *ctx, const struct drift_event *e)
{
	struct evs *x = ctx;
	struct web_req *r = x->r;
	struct html_page *p = x->p;
	if (x->kind && strcmp(x->kind, drift_kind_name(e->kind)))
		return 0;
	if (x->n++ >= EVENTS_MAX)
		return 0;
	bool object = e->kind == DK_OBJECT_ADDED || e->kind == DK_OBJECT_REMOVED;
	const char *before = e->old_value, *after = e->new_value;
	if (e->kind == DK_PROPERTY_COLLECTED)
		before = web_tr(r, "(not collected)");
	if (e->kind == DK_PROPERTY_UNCOLLECTED)
		after = web_tr(r, "(not collected)");
	char *what = e->baseline_id ? xasprintf("%s (%s)", e->property, e->baseline_id) : NULL;
	html_open(p, "tr", e->kind == DK_REGRESSED ? "st-fail" : e->kind == DK_FIXED ? "st-pass" : NULL);
	html_elem(p, "td", NULL, drift_kind_name(e->kind));
	html_elem(p, "td", NULL, e->object_type);
	html_open(p, "td", NULL);
	char *u = web_url(r, "/history", "object", e->moref, NULL);
	html_link(p, u, NULL, e->object_name);
	free(u);
	html_close(p);
	html_elem(p, "td", NULL, object ? e->moref : what ? what : e->property);
	html_elem(p, "td", NULL, object ? "" : before ? before : web_tr(r, "(absent)"));
	html_elem(p, "td", NULL, object ? "" : after ? after : web_tr(r, "(absent)"));
	html_close(p);
	free(what);
	return 0;
}

static int events(struct html_page *p, struct web_req *r, long long from, long long to)
{
	char *h = xasprintf("%s: %lld -> %lld", web_tr(r, "Events"), from, to);
	html_elem(p, "h2", NULL, h);
	free(h);
	int rc = drift_stored(r->st, from, to);
	if (rc != 0) {
		html_elem(p, "p", NULL, web_tr(r, "No drift is stored for this target."));
		return rc < 0 ? rc : 0;
	}
	web_form_open(p, "filters", "/drift");
	web_hidden(p, "target", r->target);
	char a[24], b[24];
	snprintf(a, sizeof(a), "%lld", from);
	snprintf(b, sizeof(b), "%lld", to);
	web_hidden(p, "from", a);
	web_hidden(p, "to", b);
	web_hidden(p, "lang", web_arg(r, "lang"));
	web_label_open(p, r, "Kind");
	html_open(p, "select", NULL);
	html_attr(p, "name", "kind");
	html_open(p, "option", NULL);
	html_attr(p, "value", "");
	html_text(p, web_tr(r, "any"));
	html_close(p);
	const char *kind = web_arg(r, "kind");
	for (int k = 0; k < DK_COUNT; k++) {
		html_open(p, "option", NULL);
		html_attr(p, "value", drift_kind_name((enum drift_kind)k));
		if (kind && !strcmp(kind, drift_kind_name((enum drift_kind)k)))
			html_attr(p, "selected", "selected");
		html_text(p, drift_kind_name((enum drift_kind)k));
		html_close(p);
	}
	html_close(p);
	html_close(p);
	web_input(p, r, "Object", "object", "text");
	web_submit(p, r, "Filter");
	html_close(p);
	static const char *const head[] = { "Change", "Type", "Object", "Property", "Before", "After" };
	html_open(p, "table", "events");
	html_open(p, "tr", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		html_elem(p, "th", NULL, web_tr(r, head[i]));
	html_close(p);
	struct evs x = { r, p, kind, 0 };
	rc = drift_events_each(r->st, from, to, web_arg(r, "object"), ev_row, &x);
	html_close(p);
	if (!x.n)
		html_elem(p, "p", NULL, web_tr(r, "No changes."));
	if (x.n > EVENTS_MAX) {
		char *m = xasprintf("%s %d / %lld.", web_tr(r, "Shown at most"), EVENTS_MAX, x.n);
		html_elem(p, "p", "muted", m);
		free(m);
	}
	return rc;
}

struct cmp {
	struct web_req *r;
	struct html_page *p;
	const char *baseline;
	long long n;
};

static int cmp_row(void *ctx, const char *rule_id, const char *type, const char *moref, const char *name,
		   const char *old_status, const char *new_status)
{
	struct cmp *x = ctx;
	struct html_page *p = x->p;
	(void)type;
	x->n++;
	html_open(p, "tr", NULL);
	html_elem(p, "td", NULL, x->baseline);
	html_elem(p, "td", NULL, rule_id);
	char *obj = xasprintf("%s (%s)", name, moref);
	html_elem(p, "td", NULL, obj);
	free(obj);
	html_elem(p, "td", NULL, old_status ? old_status : web_tr(x->r, "(absent)"));
	html_elem(p, "td", NULL, new_status);
	html_close(p);
	return 0;
}

/* The results of snapshot a and snapshot b, baseline by baseline. */
static int compare(struct html_page *p, struct web_req *r, long long a, long long b, bool all)
{
	char *h = xasprintf("%s: %lld -> %lld", web_tr(r, "Compare"), a, b);
	html_elem(p, "h2", NULL, h);
	free(h);
	char sa[24], sb[24];
	snprintf(sa, sizeof(sa), "%lld", a);
	snprintf(sb, sizeof(sb), "%lld", b);
	char *u = web_url(r, "/drift", "cmp_from", sa, "cmp_to", sb, "cmp_all", all ? NULL : "1", NULL);
	html_open(p, "p", NULL);
	html_link(p, u, NULL, web_tr(r, all ? "Changed results only" : "All results"));
	html_close(p);
	free(u);
	struct evaluation_info *ea = NULL, *eb = NULL;
	unsigned na = 0, nb = 0;
	int rc;
	if ((rc = store_latest_evaluations(r->st, a, &ea, &na)) < 0 ||
	    (rc = store_latest_evaluations(r->st, b, &eb, &nb)) < 0)
		goto out;
	html_open(p, "table", "compare");
	html_open(p, "tr", NULL);
	static const char *const head[] = { "Baseline", "Rule", "Object", "Before", "After" };
	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		html_elem(p, "th", NULL, web_tr(r, head[i]));
	html_close(p);
	struct cmp x = { r, p, NULL, 0 };
	for (unsigned i = 0; i < nb && rc >= 0; i++)
		for (unsigned j = 0; j < na && rc >= 0; j++)
			if (!strcmp(ea[j].baseline_id, eb[i].baseline_id)) {
				x.baseline = eb[i].baseline_id;
				rc = store_compare_results(r->st, ea[j].id, a, eb[i].id, all, EVENTS_MAX, cmp_row, &x);
			}
	html_close(p);
	if (!x.n)
		html_elem(p, "p", NULL, web_tr(r, "No changes."));
out:
	evaluation_list_free(ea, na);
	evaluation_list_free(eb, nb);
	return rc;
}

static void compare_form(struct html_page *p, struct web_req *r)
{
	web_form_open(p, "filters", "/drift");
	web_hidden(p, "target", r->target);
	web_hidden(p, "lang", web_arg(r, "lang"));
	web_input(p, r, "From", "cmp_from", "number");
	web_input(p, r, "To", "cmp_to", "number");
	web_submit(p, r, "Compare");
	html_close(p);
}

/* Whether id is a completed snapshot of the request's target. */
static bool own_snapshot(struct web_req *r, long long id)
{
	struct snapshot_info si;
	if (store_snapshot_get(r->st, id, &si) != 0)
		return false;
	bool ok = !strcmp(si.target, r->target) && si.status == SNAP_COMPLETED;
	snapshot_info_release(&si);
	return ok;
}

int ui_drift(struct web_req *r)
{
	struct html_page *p = web_page_begin(r, "/drift", web_tr(r, "Drift"));
	if (!p)
		return HERR_OUTPUT;
	int rc = 0;
	if (!r->target) {
		html_elem(p, "p", NULL, web_tr(r, "No completed snapshot in the twin."));
		goto out;
	}
	html_elem(p, "h2", NULL, web_tr(r, "Timeline"));
	struct tl x = { .r = r, .p = p };
	if ((rc = store_drift_pairs(r->st, r->target, tl_row, &x)) < 0)
		goto out;
	tl_flush(&x);
	if (x.open)
		html_close(p);
	else
		html_elem(p, "p", NULL, web_tr(r, "No drift is stored for this target."));
	long long from = web_arg_int(r, "from", 0), to = web_arg_int(r, "to", 0);
	if (!to && r->si.id && store_snapshot_previous(r->st, r->target, r->si.id, &from) == 0)
		to = r->si.id;
	if (from && to && own_snapshot(r, from) && own_snapshot(r, to))
		rc = events(p, r, from, to);
	compare_form(p, r);
	long long ca = web_arg_int(r, "cmp_from", 0), cb = web_arg_int(r, "cmp_to", 0);
	if (rc >= 0 && ca && cb && own_snapshot(r, ca) && own_snapshot(r, cb))
		rc = compare(p, r, ca, cb, web_arg(r, "cmp_all") != NULL);
out:
	if (web_page_end(r, p) < 0 && rc >= 0)
		rc = HERR_OUTPUT;
	return rc;
}

struct hist {
	struct web_req *r;
	struct html_page *p;
	long long n;
};

static int hist_row(void *ctx, const struct history_point *pt)
{
	struct hist *x = ctx;
	struct html_page *p = x->p;
	char id[24], when[32];
	snprintf(id, sizeof(id), "%lld", pt->snapshot_id);
	time_iso8601(when, pt->started_at);
	x->n++;
	html_open(p, "tr", NULL);
	html_elem(p, "td", NULL, id);
	html_elem(p, "td", NULL, when);
	char *obj = xasprintf("%s (%s)", pt->object_name, pt->moref);
	html_elem(p, "td", NULL, obj);
	free(obj);
	html_elem(p, "td", NULL, pt->property);
	html_elem(p, "td", NULL, !pt->present ? web_tr(x->r, "(absent)") : !pt->collected ? web_tr(x->r, "(not collected)")
											 : pt->value);
	html_close(p);
	return 0;
}

int ui_history(struct web_req *r)
{
	struct html_page *p = web_page_begin(r, "/history", web_tr(r, "Property history of an object"));
	if (!p)
		return HERR_OUTPUT;
	int rc = 0;
	const char *obj = web_arg(r, "object"), *prop = web_arg(r, "property");
	web_form_open(p, "filters", "/history");
	web_hidden(p, "target", r->target);
	web_hidden(p, "lang", web_arg(r, "lang"));
	web_input(p, r, "Object", "object", "text");
	web_input(p, r, "Property", "property", "text");
	web_submit(p, r, "Show");
	html_close(p);
	if (obj && r->target) {
		html_open(p, "table", "history");
		html_open(p, "tr", NULL);
		static const char *const head[] = { "Snapshot", "Started", "Object", "Property", "Value" };
		for (size_t i = 0; i < ARRAY_SIZE(head); i++)
			html_elem(p, "th", NULL, web_tr(r, head[i]));
		html_close(p);
		struct hist x = { r, p, 0 };
		rc = drift_history_each(r->st, r->target, obj, prop, hist_row, &x);
		html_close(p);
	}
	if (web_page_end(r, p) < 0 && rc >= 0)
		rc = HERR_OUTPUT;
	return rc;
}
