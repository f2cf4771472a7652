#include "rules/rules.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/waiver.h"
#include "util/util.h"

#define ABSENT "(absent)"
#define NOT_COLLECTED "(not collected)"

void evidence_release(struct evidence *ev)
{
	free(ev->property);
	free(ev->observed);
	free(ev->expected);
	memset(ev, 0, sizeof(*ev));
}

static void ev_set(struct evidence *ev, const char *prop, const char *obs, char *exp_owned)
{
	evidence_release(ev);
	ev->property = xstrdup(prop);
	ev->observed = xstrdup(obs);
	ev->expected = exp_owned;
}

/* Compares dotted versions numerically: 8.0.10 > 8.0.9, 8.0 == 8.0.0. */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		char *ea = (char *)a, *eb = (char *)b;
		unsigned long long x = 0, y = 0;
		if (*a >= '0' && *a <= '9')
			x = strtoull(a, &ea, 10);
		if (*b >= '0' && *b <= '9')
			y = strtoull(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if ((ea == a && *a) || (eb == b && *b)) {
			int c = strcmp(a, b);	/* not numeric: fall back to text */
			return c < 0 ? -1 : c > 0;
		}
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
	}
	return 0;
}

static bool bool_text(const char *s, bool *out)
{
	if (!strcasecmp(s, "true")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(s, "false")) {
		*out = false;
		return true;
	}
	return false;
}

/* -2 when the two cannot be ordered, else -1, 0 or 1. */
static int typed_cmp(enum ptype t, const char *obs, const char *want, bool nocase)
{
	long long a, b;
	bool x, y;
	switch (t) {
	case PT_INT:
	case PT_DYNAMIC:
		if (parse_int64(obs, &a) && parse_int64(want, &b))
			return a < b ? -1 : a > b;
		if (t == PT_INT)
			return -2;
		/* fall through */
	case PT_BOOL:
		if (bool_text(obs, &x) && bool_text(want, &y))
			return x == y ? 0 : 2;
		if (t == PT_BOOL)
			return -2;
		/* fall through */
	case PT_STRING:
	default: {
		int c = nocase ? strcasecmp(obs, want) : strcmp(obs, want);
		return c ? 2 : 0;	/* equal or not, no order */
	}
	case PT_VERSION:
		return version_cmp(obs, want);
	}
}

static bool value_equal(enum ptype t, const char *obs, const char *want, bool nocase)
{
	return typed_cmp(t, obs, want, nocase) == 0;
}

char *check_describe(const struct check *c)
{
	struct buf b = BUF_INIT;
	switch (c->op) {
	case OP_EQ: buf_puts(&b, c->value); break;
	case OP_NE: buf_printf(&b, "not %s", c->value); break;
	case OP_LT: case OP_VERSION_LT: buf_printf(&b, "< %s", c->value); break;
	case OP_LE: case OP_VERSION_LE: buf_printf(&b, "<= %s", c->value); break;
	case OP_GT: case OP_VERSION_GT: buf_printf(&b, "> %s", c->value); break;
	case OP_GE: case OP_VERSION_GE: buf_printf(&b, ">= %s", c->value); break;
	case OP_VERSION_EQ: buf_printf(&b, "version %s", c->value); break;
	case OP_IN:
	case OP_NOT_IN:
		buf_puts(&b, c->op == OP_IN ? "one of [" : "none of [");
		for (size_t i = 0; i < c->values.n; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", c->values.v[i]);
		buf_putc(&b, ']');
		break;
	case OP_MATCHES: buf_printf(&b, "matches /%s/", c->value); break;
	case OP_NOT_MATCHES: buf_printf(&b, "does not match /%s/", c->value); break;
	case OP_CONTAINS: buf_printf(&b, "contains %s", c->value); break;
	case OP_NOT_CONTAINS: buf_printf(&b, "does not contain %s", c->value); break;
	case OP_EMPTY: buf_puts(&b, c->flag ? "empty" : "not empty"); break;
	case OP_PRESENT: buf_puts(&b, c->flag ? "present" : "absent"); break;
	case OP_ALL:
	case OP_ANY:
		buf_puts(&b, c->op == OP_ALL ? "all of: " : "any of: ");
		for (unsigned i = 0; i < c->nkids; i++) {
			char *k = check_describe(c->kids[i]);
			buf_printf(&b, "%s%s%s%s", i ? "; " : "", c->kids[i]->property ? c->kids[i]->property : "",
				   c->kids[i]->property ? " " : "", k);
			free(k);
		}
		break;
	case OP_NOT: {
		char *k = check_describe(c->kids[0]);
		buf_printf(&b, "not (%s)", k);
		free(k);
		break;
	}
	default: break;
	}
	if (c->deflt)
		buf_printf(&b, " (%s when absent)", c->deflt);
	return buf_detach(&b);
}

static bool list_elems(const char *json_text, json_t **out)
{
	json_error_t je;
	*out = json_loads(json_text, 0, &je);
	if (!*out || !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		return false;
	}
	return true;
}

enum rstatus check_value(const struct check *c, enum ptype t, const char *v)
{
	bool ok;
	switch (c->op) {
	case OP_PRESENT:
		return c->flag ? RS_PASS : RS_FAIL;
	case OP_EMPTY: {
		bool empty;
		if (t == PT_LIST) {
			json_t *a;
			empty = list_elems(v, &a) ? json_array_size(a) == 0 : false;
			json_decref(a);
		} else {
			empty = *v == '\0';
		}
		return empty == c->flag ? RS_PASS : RS_FAIL;
	}
	case OP_EQ:
		return value_equal(t, v, c->value, c->nocase) ? RS_PASS : RS_FAIL;
	case OP_NE:
		return value_equal(t, v, c->value, c->nocase) ? RS_FAIL : RS_PASS;
	case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
		long long a, b;
		if (t != PT_VERSION && !(parse_int64(v, &a) && parse_int64(c->value, &b)))
			return RS_FAIL;	/* not a number: cannot satisfy an ordering */
		int r = typed_cmp(t, v, c->value, c->nocase);
		if (r == -2 || r == 2)
			return RS_FAIL;	/* not a number: cannot satisfy an ordering */
		ok = c->op == OP_LT ? r < 0 : c->op == OP_LE ? r <= 0 : c->op == OP_GT ? r > 0 : r >= 0;
		return ok ? RS_PASS : RS_FAIL;
	}
	case OP_VERSION_EQ: case OP_VERSION_LT: case OP_VERSION_LE: case OP_VERSION_GT: case OP_VERSION_GE: {
		int r = version_cmp(v, c->value);
		ok = c->op == OP_VERSION_EQ ? r == 0 : c->op == OP_VERSION_LT ? r < 0 : c->op == OP_VERSION_LE ? r <= 0
		   : c->op == OP_VERSION_GT ? r > 0 : r >= 0;
		return ok ? RS_PASS : RS_FAIL;
	}
	case OP_IN:
	case OP_NOT_IN:
		ok = false;
		for (size_t i = 0; i < c->values.n && !ok; i++)
			ok = value_equal(t, v, c->values.v[i], c->nocase);
		return ok == (c->op == OP_IN) ? RS_PASS : RS_FAIL;
	case OP_MATCHES:
	case OP_NOT_MATCHES:
		ok = false;
		if (t == PT_LIST) {
			json_t *a, *e;
			size_t i;
			if (list_elems(v, &a))
				json_array_foreach(a, i, e)
					if (json_is_string(e) && regexec(&c->re, json_string_value(e), 0, NULL, 0) == 0)
						ok = true;
			json_decref(a);
		} else {
			ok = regexec(&c->re, v, 0, NULL, 0) == 0;
		}
		return ok == (c->op == OP_MATCHES) ? RS_PASS : RS_FAIL;
	case OP_CONTAINS:
	case OP_NOT_CONTAINS:
		ok = false;
		if (t == PT_LIST) {
			json_t *a, *e;
			size_t i;
			if (list_elems(v, &a))
				json_array_foreach(a, i, e)
					if (json_is_string(e) && value_equal(PT_STRING, json_string_value(e), c->value, c->nocase))
						ok = true;
			json_decref(a);
		} else {
			ok = c->nocase ? strcasestr(v, c->value) != NULL : strstr(v, c->value) != NULL;
		}
		return ok == (c->op == OP_CONTAINS) ? RS_PASS : RS_FAIL;
	default:
		return RS_UNKNOWN;
	}
}

/* Is the property absent on the object (its family was collected), or was
 * it not collected at all? */
static bool family_collected(const struct sobject *o, const char *prop)
{
	const struct vocab_entry *e = vocab_lookup(o->type, prop);
	if (!e || !e->group)
		return false;
	const struct sprop *g = sobject_find(o, e->group);
	return g && g->collected;
}

static enum rstatus eval_leaf(const struct check *c, const struct sobject *o, struct evidence *ev)
{
	if (c->param && !c->value && !c->values.n) {
		/* Only baseline_parse leaves parameters unbound; never guess. */
		ev_set(ev, c->property, "", xasprintf("parameter '%s' (unbound)", c->param));
		return RS_UNKNOWN;
	}
	const struct sprop *p = sobject_find(o, c->property);
	if (p && !p->collected) {
		ev_set(ev, c->property, NOT_COLLECTED, check_describe(c));
		return RS_UNKNOWN;
	}
	if (!p && !family_collected(o, c->property)) {
		ev_set(ev, c->property, NOT_COLLECTED, check_describe(c));
		return RS_UNKNOWN;
	}
	enum rstatus r;
	if (!p) {
		if (c->op == OP_PRESENT)
			r = c->flag ? RS_FAIL : RS_PASS;
		else if (c->deflt)
			r = check_value(c, c->ptype, c->deflt);
		else if (c->op == OP_EMPTY)
			r = c->flag ? RS_PASS : RS_FAIL;
		else if (c->op == OP_NE || c->op == OP_NOT_IN || c->op == OP_NOT_MATCHES || c->op == OP_NOT_CONTAINS)
			r = RS_PASS;	/* absence satisfies a negative test */
		else
			r = RS_FAIL;
		ev_set(ev, c->property, ABSENT, check_describe(c));
		return r;
	}
	r = check_value(c, p->type, p->value ? p->value : "");
	ev_set(ev, c->property, p->value ? p->value : "", check_describe(c));
	return r;
}

static void ev_join(struct evidence *acc, const struct evidence *ev)
{
	if (!acc->property) {
		acc->property = xstrdup(ev->property);
		acc->observed = xstrdup(ev->observed);
		acc->expected = xstrdup(ev->expected);
		return;
	}
	char *p = xasprintf("%s; %s", acc->property, ev->property);
	char *o = xasprintf("%s; %s", acc->observed, ev->observed);
	char *e = xasprintf("%s; %s", acc->expected, ev->expected);
	evidence_release(acc);
	acc->property = p;
	acc->observed = o;
	acc->expected = e;
}

static void ev_move(struct evidence *dst, struct evidence *src)
{
	evidence_release(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

static enum rstatus eval_check(const struct check *c, const struct sobject *o, struct evidence *ev)
{
	if (c->op > OP_NOT)
		return eval_leaf(c, o, ev);
	if (c->op == OP_NOT) {
		enum rstatus r = eval_check(c->kids[0], o, ev);
		if (r == RS_UNKNOWN)
			return r;
		char *e = xasprintf("not (%s)", ev->expected);
		free(ev->expected);
		ev->expected = e;
		return r == RS_PASS ? RS_FAIL : RS_PASS;
	}
	/* all: a failure decides; any: a pass decides.  Otherwise an unknown
	 * child makes the whole unknown; only then the remaining verdict. */
	enum rstatus decide = c->op == OP_ALL ? RS_FAIL : RS_PASS;
	struct evidence unknown = { 0 }, joined = { 0 }, cur = { 0 };
	bool have_unknown = false;
	for (unsigned i = 0; i < c->nkids; i++) {
		enum rstatus r = eval_check(c->kids[i], o, &cur);
		if (r == decide) {
			evidence_release(&unknown);
			evidence_release(&joined);
			ev_move(ev, &cur);
			return r;
		}
		if (r == RS_UNKNOWN && !have_unknown) {
			have_unknown = true;
			ev_move(&unknown, &cur);
		} else {
			ev_join(&joined, &cur);
		}
		evidence_release(&cur);
	}
	if (have_unknown) {
		evidence_release(&joined);
		ev_move(ev, &unknown);
		return RS_UNKNOWN;
	}
	/* Every child's evidence: say whether one of them would do or all
	 * are needed, so a failed any: does not read as if all were due. */
	if (c->nkids > 1 && joined.expected) {
		char *e = xasprintf("%s: %s", c->op == OP_ALL ? "all of" : "any of", joined.expected);
		free(joined.expected);
		joined.expected = e;
	}
	ev_move(ev, &joined);
	return decide == RS_FAIL ? RS_PASS : RS_FAIL;
}

/* RS_PASS when the rule applies to o; otherwise RS_NA, or RS_UNKNOWN when
 * its applicability rests on data that was not collected (ev says which). */
static enum rstatus applies(const struct rule *r, const struct sobject *o, struct evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (!r->when)
		return RS_PASS;
	enum rstatus a = eval_check(r->when, o, ev);
	if (a == RS_PASS)
		evidence_release(ev);
	if (a != RS_FAIL)
		return a;
	/* Not applicable: the evidence is the condition that did not hold,
	 * with the value seen, worded as such rather than as a failure. */
	char *e;
	if (ev->property && !strstr(ev->property, "; ")) {
		const char *x = ev->expected ? ev->expected : "?";
		bool verb = !strncmp(x, "does ", 5) || !strncmp(x, "matches ", 8) || !strncmp(x, "contains ", 9);
		e = xasprintf("the rule applies only when %s %s%s", ev->property, verb ? "" : "is ", x);
	} else {
		char *d = check_describe(r->when);
		e = xasprintf("the rule applies only when %s", d);
		free(d);
	}
	free(ev->expected);
	ev->expected = e;
	return RS_NA;
}

enum rstatus rule_eval(const struct rule *r, const struct sobject *o, struct evidence *ev)
{
	enum rstatus a = applies(r, o, ev);
	if (a != RS_PASS)
		return a;
	if (!r->check)
		return RS_UNKNOWN;	/* an SQL rule: see sql_rule_eval */
	return eval_check(r->check, o, ev);
}

/* The failing objects an SQL check returned, sorted by moref once the
 * query is done, so each object's lookup is a binary search. */
struct sqlrow {
	char *moref;
	char *observed;
};

struct sqlset {
	struct sqlrow *v;
	size_t n, cap;
	char *error;	/* the check could not run: every result is unknown */
	/* A property the check reads was not collected on some object of the
	 * rule's type: the query saw a partial picture, so every result of
	 * the rule is unknown.  The property, and on which object. */
	char *gap_prop, *gap;
};

static int sqlset_add(void *ctx, const char *moref, const char *observed)
{
	struct sqlset *s = ctx;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].moref = xstrdup(moref);
	s->v[s->n].observed = observed ? xstrdup(observed) : NULL;
	s->n++;
	return 0;
}

static int sqlrow_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sqlrow *)a)->moref, ((const struct sqlrow *)b)->moref);
}

static void sqlset_release(struct sqlset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].moref);
		free(s->v[i].observed);
	}
	free(s->v);
	free(s->error);
	free(s->gap_prop);
	free(s->gap);
	memset(s, 0, sizeof(*s));
}

static const struct sqlrow *sqlset_find(const struct sqlset *s, const char *moref)
{
	struct sqlrow key = { (char *)moref, NULL };
	return s->n ? bsearch(&key, s->v, s->n, sizeof(*s->v), sqlrow_cmp) : NULL;
}

/* The first property an SQL rule reads that was not collected on o. */
static const char *reads_gap(const struct rule *r, const struct sobject *o)
{
	for (size_t i = 0; i < r->reads.n; i++) {
		const struct sprop *p = sobject_find(o, r->reads.v[i]);
		if ((p && !p->collected) || (!p && !family_collected(o, r->reads.v[i])))
			return r->reads.v[i];
	}
	return NULL;
}

struct gap_ctx {
	const struct baseline *b;
	const char *otype;
	struct sqlset *sql;
};

/* Notes, for each SQL rule over o's type, the first object lacking what the
 * rule reads. */
static int find_gaps(void *vctx, const struct sobject *o)
{
	struct gap_ctx *g = vctx;
	for (unsigned i = 0; i < g->b->nrules; i++) {
		const struct rule *r = &g->b->rules[i];
		struct sqlset *set = &g->sql[i];
		if (!r->sql || set->gap || set->error || strcmp(r->object_type, g->otype))
			continue;
		const char *prop = reads_gap(r, o);
		if (prop) {
			set->gap_prop = xstrdup(prop);
			set->gap = xasprintf("(not collected on %s '%s', which the check also reads)", o->type, o->name);
		}
	}
	return 0;
}

/* True when a SQL rule of b over otype says what it reads. */
static bool sql_reads(const struct baseline *b, const char *otype)
{
	for (unsigned i = 0; i < b->nrules; i++)
		if (b->rules[i].sql && b->rules[i].reads.n && !strcmp(b->rules[i].object_type, otype))
			return true;
	return false;
}

/* For every type an SQL rule of b reads, the first object lacking what
 * the rule reads (once every SQL check has run). */
static int sql_gaps(struct store *st, long long snap, const struct baseline *b, const struct strlist *types,
		    struct sqlset *sql)
{
	int rc = 0;
	for (size_t i = 0; i < types->n && rc >= 0; i++) {
		struct gap_ctx g = { b, types->v[i], sql };
		if (sql_reads(b, types->v[i]))
			rc = store_objects_each(st, snap, types->v[i], find_gaps, &g);
	}
	return rc;
}

/* The property of an SQL rule's evidence: what the query reads. */
static char *sql_property(const struct rule *r)
{
	if (!r->reads.n)
		return xstrdup("SQL query");
	struct buf b = BUF_INIT;
	buf_puts(&b, "SQL query over ");
	for (size_t i = 0; i < r->reads.n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", r->reads.v[i]);
	return buf_detach(&b);
}

static enum rstatus sql_rule_eval(const struct rule *r, const struct sobject *o, const struct sqlset *set,
				  struct evidence *ev)
{
	enum rstatus a = applies(r, o, ev);
	if (a != RS_PASS)
		return a;
	const char *expected = r->sql_expected ? r->sql_expected : "not returned by the SQL check";
	if (set->error) {
		char *prop = sql_property(r);
		ev_set(ev, prop, "(not evaluated)", xasprintf("%s; the check failed: %s", expected, set->error));
		free(prop);
		return RS_UNKNOWN;
	}
	/* What the query reads must have been collected for this object, and
	 * for every object of its type, since the query may compare them. */
	const char *gap = reads_gap(r, o);
	if (gap) {
		ev_set(ev, gap, NOT_COLLECTED, xstrdup(expected));
		return RS_UNKNOWN;
	}
	if (set->gap) {
		ev_set(ev, set->gap_prop, set->gap, xstrdup(expected));
		return RS_UNKNOWN;
	}
	/* What the query found: this object's row (its value when the query
	 * gives one) and how many objects it returned in all. */
	const struct sqlrow *row = sqlset_find(set, o->moref);
	char *prop = sql_property(r);
	char *seen = xasprintf("%s (the query returned %zu of the %s objects)",
			       !row ? "not returned" : row->observed ? row->observed : "returned", set->n, r->object_type);
	ev_set(ev, prop, seen, xstrdup(expected));
	free(seen);
	free(prop);
	return row ? RS_FAIL : RS_PASS;
}

/* SQL checks run on read-only connections of their own, at most
 * SQL_THREADS at once, beside the evaluation of the types they do not
 * judge; the evaluation waits for them before the first type they do. */
#define SQL_THREADS 1

struct sqlrun {
	struct store *st;
	long long snap;
	const struct baseline *b;
	struct sqlset *sql;	/* per rule */
	pthread_mutex_t mu;
	unsigned next;		/* the next rule to look at */
	pthread_t th[SQL_THREADS];
	unsigned nth;
	bool done;
};

/* The next SQL rule no thread has taken, or nrules. */
static unsigned sqlrun_take(struct sqlrun *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->next < q->b->nrules && !q->b->rules[q->next].sql)
		q->next++;
	unsigned i = q->next < q->b->nrules ? q->next++ : q->b->nrules;
	pthread_mutex_unlock(&q->mu);
	return i;
}

static void *sqlrun_work(void *arg)
{
	struct sqlrun *q = arg;
	for (unsigned i; (i = sqlrun_take(q)) < q->b->nrules;) {
		const struct rule *r = &q->b->rules[i];
		struct sqlset *set = &q->sql[i];
		if (store_sql_check(q->st, q->snap, r->sql, r->sql_timeout_ms, sqlset_add, set) < 0)
			set->error = xstrdup(err_get());
		else if (set->n > 1)
			qsort(set->v, set->n, sizeof(*set->v), sqlrow_cmp);
	}
	return NULL;
}

static void sqlrun_start(struct sqlrun *q)
{
	unsigned n = 0;
	for (unsigned i = 0; i < q->b->nrules; i++)
		n += q->b->rules[i].sql != NULL;
	pthread_mutex_init(&q->mu, NULL);
	while (q->nth < n && q->nth < SQL_THREADS && pthread_create(&q->th[q->nth], NULL, sqlrun_work, q) == 0)
		q->nth++;
}

/* Every SQL check done (the ones no thread could take, here). */
static void sqlrun_wait(struct sqlrun *q)
{
	if (q->done)
		return;
	for (unsigned i = 0; i < q->nth; i++)
		pthread_join(q->th[i], NULL);
	sqlrun_work(q);
	pthread_mutex_destroy(&q->mu);
	q->done = true;
}

/* Whether an SQL rule of b judges objects of otype. */
static bool sql_judges(const struct baseline *b, const char *otype)
{
	for (unsigned i = 0; i < b->nrules; i++)
		if (b->rules[i].sql && !strcmp(b->rules[i].object_type, otype))
			return true;
	return false;
}

struct eval_ctx {
	struct store *st;
	const struct baseline *b;
	const char *otype;
	long long eval_id;
	const struct waivers *w;
	struct sqlset *sql;	/* per rule, for SQL rules */
	struct eval_summary *sum;
	long long seen;		/* objects of otype evaluated */
};

static int eval_object(void *vctx, const struct sobject *o)
{
	struct eval_ctx *x = vctx;
	x->seen++;
	for (unsigned i = 0; i < x->b->nrules; i++) {
		const struct rule *r = &x->b->rules[i];
		if (strcmp(r->object_type, x->otype))
			continue;
		struct evidence ev;
		enum rstatus s = r->sql ? sql_rule_eval(r, o, &x->sql[i], &ev) : rule_eval(r, o, &ev);
		long long waiver = 0;
		if (s == RS_FAIL) {
			/* An active waiver turns a failure into waived; an expired
			 * one stays attached to the failure so reports can say so. */
			const struct waiver *wv = waivers_match(x->w, x->b->id, r->id, &r->aliases, o);
			if (wv) {
				waiver = wv->id;
				if (!wv->expired)
					s = RS_WAIVED;
			}
		}
		x->sum->by_status[s]++;
		x->sum->by_sev[s][r->severity]++;
		int rc = store_finding(x->st, x->eval_id, r->id, o->id, s, ev.property,
				       ev.observed, ev.expected, waiver);
		evidence_release(&ev);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int find_first(void *ctx, const struct sobject *o)
{
	*(long long *)ctx = o->id;
	return 1;
}

/* Every rule over otype unknown: one result each, on the object of type
 * part_type (the part's own object), with why as the value seen.  Nothing
 * when the snapshot has no such object (it predates them). */
static int eval_unknown_on_part(struct eval_ctx *x, long long snap, const char *part_type, const char *prop,
				const char *why)
{
	long long mgr = 0;
	int rc = store_objects_each(x->st, snap, part_type, find_first, &mgr);
	if (rc < 0 || !mgr)
		return rc < 0 ? rc : 0;
	for (unsigned i = 0; rc >= 0 && i < x->b->nrules; i++) {
		const struct rule *r = &x->b->rules[i];
		if (strcmp(r->object_type, x->otype))
			continue;
		char *expected = r->check ? check_describe(r->check)
					  : xstrdup(r->sql_expected ? r->sql_expected : "not returned by the SQL check");
		x->sum->by_status[RS_UNKNOWN]++;
		x->sum->by_sev[RS_UNKNOWN][r->severity]++;
		rc = store_finding(x->st, x->eval_id, r->id, mgr, RS_UNKNOWN, prop, why, expected, 0);
		free(expected);
	}
	return rc < 0 ? rc : 0;
}

/* When the part that collects otype did not complete (the NSX part failed,
 * or the target names no NSX manager), every rule over otype is unknown. */
static int eval_missing_part(struct eval_ctx *x, long long snap, const struct part_info *p)
{
	char *why = !p || p->status == PS_NOT_CONFIGURED
			    ? xstrdup("(not collected: the target names no NSX manager)")
		    : p->status == PS_NOT_NEEDED
			    ? xstrdup("(not collected: no baseline of the scan read an NSX type, so NSX was not contacted)")
			    : xstrdup("(not collected: the NSX part failed; the snapshot's parts say why)");
	int rc = eval_unknown_on_part(x, snap, NSX_PART_OBJECT, part_name(PART_NSX), why);
	free(why);
	return rc;
}

/* vCenter completed but returned no object of otype: no rule over it has
 * anything to pass on, and an empty answer is what an account that may not
 * see the hosts gets, so every rule over otype is unknown. */
static int eval_no_objects(struct eval_ctx *x, long long snap)
{
	char *why = xasprintf("(not collected: vCenter returned no %s objects: the account may lack the privilege "
			      "to see them)", x->otype);
	char *prop = xasprintf("%s_count", x->otype);
	int rc = eval_unknown_on_part(x, snap, VCENTER_PART_OBJECT, prop, why);
	free(prop);
	free(why);
	return rc;
}

static int store_waivers(struct store *st, long long eval, const char *baseline, const struct waivers *w,
			 const char *source)
{
	for (size_t i = 0; w && i < w->n; i++) {
		struct waiver *x = &w->v[i];
		if (!waiver_for_baseline(x, baseline))
			continue;	/* another baseline's: not in force here */
		json_t *sel = json_object();
		if (x->moref)
			json_object_set_new(sel, "moref", json_string(x->moref));
		if (x->name)
			json_object_set_new(sel, "name", json_string(x->name));
		if (x->cluster)
			json_object_set_new(sel, "cluster", json_string(x->cluster));
		char *js = json_dumps(sel, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(sel);
		char *src = xasprintf("%s (%s)", source ? source : "", x->where);
		int rc = store_waiver(st, eval, x->rule, js, x->justification, x->approver, x->expires, x->ticket,
				      src, x->expired, &x->id);
		free(js);
		free(src);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int rules_evaluate(struct store *st, long long snap, const struct baseline *b, const char *kind,
		   const struct waivers *w, const char *waiver_source, struct eval_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	double t0 = now_ms();
	int rc = store_begin(st);
	if (rc < 0)
		return rc;
	char *params = baseline_params_json(b);
	struct eval_meta m = { b->id, b->title, b->version, b->path, kind, params };
	rc = store_evaluation_begin(st, snap, &m, &sum->eval_id);
	free(params);
	if (rc < 0)
		goto fail;
	if ((rc = store_waivers(st, sum->eval_id, b->id, w, waiver_source)) < 0)
		goto fail;
	for (unsigned i = 0; i < b->nrules; i++) {
		const struct rule *r = &b->rules[i];
		char *details = json_dumps(r->details, JSON_COMPACT | JSON_SORT_KEYS);
		rc = store_eval_rule(st, sum->eval_id, r->id, r->title, r->severity,
				     r->object_type, details);
		free(details);
		if (rc < 0)
			goto fail;
	}
	/* SQL checks run once each, on their own read-only connection. */
	struct sqlset *sql = xcalloc(b->nrules ? b->nrules : 1, sizeof(*sql));
	struct sqlrun run = { .st = st, .snap = snap, .b = b, .sql = sql };
	sqlrun_start(&run);
	struct strlist types = { 0 };
	for (unsigned i = 0; i < b->nrules; i++)
		if (!strlist_has(&types, b->rules[i].object_type))
			strlist_add(&types, b->rules[i].object_type);
	struct part_info *parts = NULL;
	unsigned nparts = 0;
	if (types.n && (rc = store_parts(st, snap, &parts, &nparts)) < 0)
		types.n = 0;
	for (size_t i = 0; i < types.n && rc >= 0; i++) {
		if (!run.done && sql_judges(b, types.v[i])) {
			sqlrun_wait(&run);
			rc = sql_gaps(st, snap, b, &types, sql);
			if (rc < 0)
				break;
		}
		struct eval_ctx x = { st, b, types.v[i], sum->eval_id, w, sql, sum, 0 };
		enum part part = vocab_part(types.v[i]);
		const struct part_info *p = part_find(parts, nparts, part);
		if (part != PART_VCENTER && (!p || p->status != PS_COMPLETED))
			rc = eval_missing_part(&x, snap, p);
		else
			rc = store_objects_each(st, snap, types.v[i], eval_object, &x);
		if (rc >= 0 && part == PART_VCENTER && !x.seen && strcmp(types.v[i], VCENTER_PART_OBJECT) &&
		    !vocab_may_be_absent(types.v[i]))
			rc = eval_no_objects(&x, snap);
		if (rc < 0)
			break;
	}
	sqlrun_wait(&run);
	part_list_free(parts, nparts);
	strlist_release(&types);
	for (unsigned i = 0; i < b->nrules; i++)
		sqlset_release(&sql[i]);
	free(sql);
	if (rc < 0)
		goto fail;
	sum->ms = now_ms() - t0;
	if ((rc = store_evaluation_end(st, sum->eval_id, sum->ms)) < 0)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return rc;
}
