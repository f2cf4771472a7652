/* The table: plain text for people, coloured on a terminal. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "report/report_util.h"

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define GREEN "\033[32m"
#define DIM "\033[2m"
#define CYAN "\033[36m"
#define RESET "\033[0m"

/* Object names come from vCenter: never let them drive the terminal. */
struct table_ctx {
	FILE *f;
	const struct report_opts *o;
	const char *target;
	long long shown;
};

static const char *status_color(enum rstatus status)
{
	switch (status) {
	case RS_FAIL: return RED;
	case RS_UNKNOWN: return YELLOW;
	case RS_PASS: return GREEN;
	case RS_WAIVED: return CYAN;
	default: return DIM;
	}
}

static void status_label(FILE *f, enum rstatus status, bool color)
{
	const char *label = status == RS_NA ? "N/A" : rstatus_name(status);
	char up[16];
	size_t n = strlen(label), i;
	if (n >= sizeof(up))
		n = sizeof(up) - 1;
	for (i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)label[i]);
	up[n] = '\0';
	if (color)
		fprintf(f, "%s%-7s" RESET " ", status_color(status), up);
	else
		fprintf(f, "%-7s ", up);
}

static void waiver_line(FILE *f, const struct finding_row *r)
{
	fputs(r->waiver_expired ? "        waiver expired " : "        waived until ", f);
	fput_safe(f, r->waiver_expires, 0);
	fputs(" by ", f);
	fput_safe(f, r->waiver_approver, 0);
	if (r->waiver_ticket) {
		fputs(" (", f);
		fput_safe(f, r->waiver_ticket, 0);
		fputc(')', f);
	}
	fputs(": ", f);
	fput_safe(f, r->waiver_justification, 0);
	fputc('\n', f);
}

static int table_row(void *vctx, const struct finding_row *r)
{
	struct table_ctx *x = vctx;
	if (!rpt_show(x->o, r->status))
		return 0;
	FILE *f = x->f;
	status_label(f, r->status, x->o->color);
	fprintf(f, "%-8s  %-16s  ", severity_name(r->severity), r->rule_id);
	fput_safe(f, r->object_name, 0);
	char vid[VIOLATION_ID_SIZE];
	if (rpt_violation_id(vid, x->target, r))
		fprintf(f, "  [%s]", vid);
	fprintf(f, "\n        %s\n", r->title);
	if (r->property) {
		fputs("        ", f);
		if (x->o->color)
			fputs(DIM, f);
		fput_safe(f, r->property, 0);
		fputs(": ", f);
		fput_safe(f, r->observed && *r->observed ? r->observed : "\"\"", 0);
		fputs(", expected ", f);
		fput_safe(f, r->expected, 0);
		if (x->o->color)
			fputs(RESET, f);
		fputc('\n', f);
	}
	if (r->waiver_justification)
		waiver_line(f, r);
	x->shown++;
	return 0;
}

/* --group-by rule: a rule, its counts, and the first objects of its worst
 * status ("... and N more"), in three lines whatever the object count. */
static int table_group(void *vctx, const struct rule_group *g)
{
	struct table_ctx *x = vctx;
	if (!rpt_group_shown(x->o, g))
		return 0;
	FILE *f = x->f;
	enum rstatus worst = rpt_group_status(g);
	status_label(f, worst, x->o->color);
	fprintf(f, "%-8s  ", severity_name(g->severity));
	fput_safe(f, g->rule_id, 16);
	static const enum rstatus order[] = { RS_FAIL, RS_UNKNOWN, RS_WAIVED, RS_PASS, RS_NA };
	const char *sep = "  ";
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (!g->by_status[order[i]])
			continue;
		fprintf(f, "%s%lld %s", sep, g->by_status[order[i]], order[i] == RS_NA ? "n/a" : rstatus_name(order[i]));
		sep = ", ";
	}
	fputs("\n        ", f);
	fput_safe(f, g->title, 0);
	fputc('\n', f);
	char *objs = worst == RS_PASS || worst == RS_NA ? NULL : rpt_group_objects(g, worst);
	if (objs) {
		fprintf(f, "        %s: ", worst == RS_FAIL ? "failing" : rstatus_name(worst));
		fput_safe(f, objs, 0);
		fputc('\n', f);
	}
	free(objs);
	x->shown++;
	return 0;
}

static void by_severity(FILE *f, const char *label, const struct counts *c, enum rstatus st)
{
	fputs(label, f);
	for (int s = SEV_COUNT - 1; s >= 0; s--)
		fprintf(f, " %s %lld%s", severity_name((enum severity)s), c->by[st][s], s ? "," : "\n");
}

static void table_summary(FILE *f, const struct counts *c, const struct report_opts *o)
{
	long long total = 0;
	for (int s = 0; s < RS_COUNT; s++)
		total += counts_status(c, (enum rstatus)s);
	fprintf(f, "Results: %lld pass, %lld fail, %lld unknown, %lld waived, %lld not applicable (%lld checks)\n",
		counts_status(c, RS_PASS), counts_status(c, RS_FAIL), counts_status(c, RS_UNKNOWN),
		counts_status(c, RS_WAIVED), counts_status(c, RS_NA), total);
	by_severity(f, "Failing by severity:", c, RS_FAIL);
	if (counts_status(c, RS_UNKNOWN))
		by_severity(f, "Unknown by severity:", c, RS_UNKNOWN);
	double pct;
	if (report_score(c, &pct))
		fprintf(f, "Score: %.1f%% = passed / (passed + failed) = %lld / (%lld + %lld); "
			"waived %lld and unknown %lld are not counted\n", pct, counts_status(c, RS_PASS),
			counts_status(c, RS_PASS), counts_status(c, RS_FAIL), counts_status(c, RS_WAIVED),
			counts_status(c, RS_UNKNOWN));
	else
		fputs("Score: none (nothing passed or failed)\n", f);
	if (o->fail_on >= 0)
		fprintf(f, "Gate: --fail-on %s\n", severity_name((enum severity)o->fail_on));
}

static int table_write(const struct report_ctx *x)
{
	FILE *f = x->f;
	const struct report_opts *o = x->o;
	int rc = 0;
	rpt_snapshot_header(f, x->st, x->snap);
	char *view = rpt_filter_text(o->filter);
	if (view) {
		/* The counts stay the whole evaluation's: say the list is not. */
		fputs("Filtered view: ", f);
		fput_safe(f, view, 0);
		fputs(" (the counts and score are of all results)\n", f);
	}
	for (unsigned i = 0; i < x->n && !rc; i++) {
		const struct evaluation_info *ev = &x->evals[i];
		fprintf(f, "Baseline %s", ev->baseline_id);
		if (ev->baseline_version && *ev->baseline_version)
			fprintf(f, " v%s", ev->baseline_version);
		fprintf(f, " (%s evaluation %lld)\n", ev->kind, ev->id);
		char *params = rpt_params_text(ev->params);
		if (params) {
			char *clean = rpt_clean(params, false);
			fprintf(f, "Parameters: %s\n", clean);
			free(clean);
		}
		free(params);
		fputc('\n', f);
		struct table_ctx t = { f, o, x->snap->target, 0 };
		rc = o->by_rule ? rpt_rules_each(x, ev->id, table_group, &t) : rpt_findings_each(x, ev->id, table_row, &t);
		if (rc < 0)
			break;
		if (!t.shown)
			fputs(view ? "No results in this view.\n" : o->all ? "(no results)\n"
								      : "No failing or unknown results.\n", f);
		fputc('\n', f);
		table_summary(f, &x->counts->per[i], o);
		if (i + 1 < x->n)
			fputc('\n', f);
	}
	free(view);
	return rc;
}

const struct report_writer report_table = { "table", table_write, false };
