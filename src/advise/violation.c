/* From stored results to the advisor's input: the failing results of a
 * snapshot with their violation ids, and the rule and object behind one. */
#include <stdlib.h>
#include <string.h>

#include "advise/advise.h"

struct each_ctx {
	const char *target, *baseline_id;
	long long snap;
	violation_fn fn;
	void *ctx;
};

static int each_finding(void *vctx, const struct finding_row *r)
{
	struct each_ctx *x = vctx;
	if (r->status != RS_FAIL)
		return 0;
	struct violation v = { .target = x->target, .baseline_id = x->baseline_id, .snapshot_id = x->snap, .f = r };
	violation_id(v.id, x->target, r->rule_id, r->object_type, r->moref);
	return x->fn(x->ctx, &v);
}

int violations_each(struct store *st, const char *target, long long snap, violation_fn fn, void *ctx)
{
	struct evaluation_info *ev = NULL;
	unsigned n = 0;
	int rc = store_evaluations(st, snap, &ev, &n);
	struct each_ctx x = { target, NULL, snap, fn, ctx };
	for (unsigned i = 0; i < n && rc == 0; i++) {
		x.baseline_id = ev[i].baseline_id;
		rc = store_findings_each(st, ev[i].id, each_finding, &x);
	}
	evaluation_list_free(ev, n);
	return rc;
}

struct find_obj {
	const char *moref;
	struct sobject copy;
	bool hit;
};

static int find_object(void *vctx, const struct sobject *o)
{
	struct find_obj *x = vctx;
	if (strcmp(o->moref, x->moref))
		return 0;
	x->copy.id = o->id;
	x->copy.type = xstrdup(o->type);
	x->copy.moref = xstrdup(o->moref);
	x->copy.name = xstrdup(o->name);
	x->copy.nprops = o->nprops;
	x->copy.props = xcalloc(o->nprops ? o->nprops : 1, sizeof(*o->props));
	for (unsigned i = 0; i < o->nprops; i++) {
		x->copy.props[i] = o->props[i];
		x->copy.props[i].name = xstrdup(o->props[i].name);
		x->copy.props[i].value = o->props[i].value ? xstrdup(o->props[i].value) : NULL;
	}
	x->hit = true;
	return 1;
}

static void sobject_copy_release(struct sobject *o)
{
	for (unsigned i = 0; i < o->nprops; i++) {
		free(o->props[i].name);
		free(o->props[i].value);
	}
	free(o->props);
	free(o->type);
	free(o->moref);
	free(o->name);
}

int advise_violation(struct store *st, const struct violation *v, const struct target *t,
		     const struct catalog *cat, const struct advisor_conf *llm, json_t **out, int *model)
{
	*out = NULL;
	if (model)
		*model = 1;
	struct baseline *b = NULL;
	struct find_obj fo = { .moref = v->f->moref };
	int rc = HERR_INPUT;
	char *path = baseline_resolve(v->baseline_id);
	if (!path || baseline_load(&b, path) < 0)
		goto out;
	if (t) {
		size_t n = t->param_names.n;
		struct param_override *ov = xcalloc(n ? n : 1, sizeof(*ov));
		for (size_t i = 0; i < n; i++)
			if (baseline_has_param(b, t->param_names.v[i]))
				ov[i] = (struct param_override){ t->param_names.v[i], t->param_values.v[i],
								 t->param_sources.v[i] };
			else
				ov[i] = (struct param_override){ NULL, NULL, NULL };
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (ov[i].name)
				ov[k++] = ov[i];
		int r = baseline_bind(b, ov, k);
		free(ov);
		if (r < 0)
			goto out;
	}
	const struct rule *rule = NULL;
	for (unsigned i = 0; i < b->nrules && !rule; i++)
		if (!strcmp(b->rules[i].id, v->f->rule_id))
			rule = &b->rules[i];
	if (!rule) {
		err_set("baseline '%s' has no rule '%s' any more", v->baseline_id, v->f->rule_id);
		goto out;
	}
	if ((rc = store_objects_each(st, v->snapshot_id, v->f->object_type, find_object, &fo)) < 0)
		goto out;
	struct advise_in in = {
		.target = v->target, .violation_id = v->id, .baseline_id = v->baseline_id, .rule = rule,
		.property = v->f->property, .observed = v->f->observed, .expected = v->f->expected,
		.object_type = v->f->object_type, .moref = v->f->moref,
		.object_name = v->f->object_name ? v->f->object_name : v->f->moref, .obj = fo.hit ? &fo.copy : NULL,
		.cat = cat,
	};
	*out = advise_offline(&in);
	rc = 0;
	json_t *m;
	if (llm && model && (*model = advise_llm(llm, &in, *out, cat, &m)) == 0) {
		json_decref(*out);
		*out = m;
	}
out:
	if (fo.hit)
		sobject_copy_release(&fo.copy);
	free(path);
	if (b)
		baseline_free(b);
	return rc;
}
