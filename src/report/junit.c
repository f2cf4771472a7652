/* JUnit XML (the Ant schema CI servers read): a testsuite per baseline, a
 * testcase per rule and object, passes included. */
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "report/report_util.h"
#include "version.h"

struct junit_ctx {
	xmlTextWriterPtr w;
	const char *baseline, *target;
	bool bad;	/* a write failed */
};

static char *evidence(const struct finding_row *r)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "rule: %s (%s)\nobject: %s %s (%s)\n", r->rule_id, severity_name(r->severity), r->object_type,
		   r->object_name ? r->object_name : "", r->moref);
	if (r->property)
		buf_printf(&b, "property: %s\nobserved: %s\nexpected: %s\n", r->property,
			   r->observed ? r->observed : "", r->expected ? r->expected : "");
	if (r->waiver_justification)
		buf_printf(&b, "waiver: %s by %s until %s%s%s%s: %s\n", r->waiver_expired ? "expired" : "in force",
			   r->waiver_approver ? r->waiver_approver : "", r->waiver_expires ? r->waiver_expires : "",
			   r->waiver_ticket ? " (" : "", r->waiver_ticket ? r->waiver_ticket : "",
			   r->waiver_ticket ? ")" : "", r->waiver_justification);
	return buf_detach(&b);
}

/* <failure>, <error> or <skipped>, with its message, type and text. */
static int outcome(xmlTextWriterPtr w, const char *elem, const char *type, const char *msg, const char *text)
{
	if (xmlTextWriterStartElement(w, BAD_CAST elem) < 0 || rpt_xml_attr(w, "message", msg) < 0 ||
	    rpt_xml_attr(w, "type", type) < 0 || rpt_xml_text(w, text) < 0)
		return -1;
	return xmlTextWriterFullEndElement(w);
}

static int junit_case(void *vctx, const struct finding_row *r)
{
	struct junit_ctx *x = vctx;
	xmlTextWriterPtr w = x->w;
	enum rstatus s = r->status;
	char *cls = xasprintf("%s.%s", x->baseline, r->rule_id), *ev = evidence(r), *msg = NULL;
	char vid[VIOLATION_ID_SIZE];
	int e = 0;
	e |= xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0;
	e |= rpt_xml_attr(w, "name", r->object_name ? r->object_name : r->moref) < 0;
	e |= rpt_xml_attr(w, "classname", cls) < 0;
	e |= rpt_xml_attr(w, "time", "0") < 0;
	switch (s) {
	case RS_FAIL:
		msg = xasprintf("%s [%s]", r->title, rpt_violation_id(vid, x->target, r));
		e |= outcome(w, "failure", severity_name(r->severity), msg, ev) < 0;
		break;
	case RS_UNKNOWN:
		msg = xasprintf("not collected: %s", r->title);
		e |= outcome(w, "error", "unknown", msg, ev) < 0;
		break;
	case RS_WAIVED:
		msg = xasprintf("waived: %s", r->waiver_justification ? r->waiver_justification : r->title);
		e |= outcome(w, "skipped", NULL, msg, ev) < 0;
		break;
	case RS_NA:
		msg = xasprintf("not applicable: %s", r->title);
		e |= outcome(w, "skipped", NULL, msg, ev) < 0;
		break;
	default:
		break;
	}
	e |= xmlTextWriterFullEndElement(w) < 0;
	x->bad |= e != 0;
	free(cls);
	free(ev);
	free(msg);
	return 0;
}

static int property(xmlTextWriterPtr w, const char *name, const char *value)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "property") < 0 || rpt_xml_attr(w, "name", name) < 0 ||
	    rpt_xml_attr(w, "value", value ? value : "") < 0)
		return -1;
	return xmlTextWriterEndElement(w);
}

/* <testsuite> of evaluation i, up to its test cases. */
static int suite_head(xmlTextWriterPtr w, const struct report_ctx *x, unsigned i, const char *host, const char *pkg,
		      const char *ts)
{
	const struct counts *c = &x->counts->per[i];
	const struct evaluation_info *ev = &x->evals[i];
	long long tests = 0;
	for (int s = 0; s < RS_COUNT; s++)
		tests += counts_status(c, (enum rstatus)s);
	int e = xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0;
	e |= rpt_xml_attr(w, "name", ev->baseline_id) < 0;
	e |= rpt_xml_attr(w, "package", pkg) < 0;
	e |= rpt_xml_attrf(w, "id", "%u", i) < 0;
	e |= rpt_xml_attr(w, "timestamp", ts) < 0;
	e |= rpt_xml_attr(w, "hostname", *host ? host : "localhost") < 0;
	e |= rpt_xml_attrf(w, "tests", "%lld", tests) < 0;
	e |= rpt_xml_attrf(w, "failures", "%lld", counts_status(c, RS_FAIL)) < 0;
	e |= rpt_xml_attrf(w, "errors", "%lld", counts_status(c, RS_UNKNOWN)) < 0;
	e |= rpt_xml_attrf(w, "skipped", "%lld", counts_status(c, RS_NA) + counts_status(c, RS_WAIVED)) < 0;
	e |= rpt_xml_attrf(w, "time", "%.3f", ev->eval_ms > 0 ? ev->eval_ms / 1000 : 0.0) < 0;

	char *snap_id = xasprintf("%lld", x->snap->id), *eval_id = xasprintf("%lld", ev->id);
	e |= xmlTextWriterStartElement(w, BAD_CAST "properties") < 0;
	e |= property(w, "target", x->snap->target) < 0;
	e |= property(w, "snapshot_id", snap_id) < 0;
	e |= property(w, "evaluation_id", eval_id) < 0;
	e |= property(w, "baseline_title", ev->baseline_title) < 0;
	e |= property(w, "baseline_version", ev->baseline_version) < 0;
	char *params = rpt_params_text(ev->params);
	e |= property(w, "parameters", params ? params : "") < 0;
	free(params);
	e |= property(w, "harden_version", HARDEN_VERSION) < 0;
	e |= xmlTextWriterFullEndElement(w) < 0;
	free(snap_id);
	free(eval_id);
	return e ? -1 : 0;
}

/* The rest of the <testsuite>: its summary, and the closing tag. */
static int suite_tail(xmlTextWriterPtr w, const struct counts *c)
{
	char *sum = xasprintf("%lld pass, %lld fail, %lld unknown, %lld waived, %lld not applicable",
			      counts_status(c, RS_PASS), counts_status(c, RS_FAIL), counts_status(c, RS_UNKNOWN),
			      counts_status(c, RS_WAIVED), counts_status(c, RS_NA));
	int e = rpt_xml_elem(w, "system-out", sum) < 0;
	free(sum);
	e |= rpt_xml_elem(w, "system-err", "") < 0;
	e |= xmlTextWriterFullEndElement(w) < 0;
	return e ? -1 : 0;
}

/* Every result, passes too, whatever --all says. */
static int junit_write(const struct report_ctx *x)
{
	xmlTextWriterPtr w = rpt_xml_open(x->f, "  ");
	if (!w)
		return REPORT_EOUTPUT;
	/* The schema's timestamp has no zone: UTC, without the Z. */
	char ts[32];
	time_iso8601(ts, x->snap->ended_at ? x->snap->ended_at : x->snap->started_at);
	ts[strcspn(ts, "Z")] = '\0';
	char *host = rpt_source_name(x->snap), *pkg = xasprintf("harden.%s", x->snap->target);
	struct junit_ctx j = { w, NULL, x->snap->target, false };
	int rc = 0;
	int e = xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
	e |= xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0;
	for (unsigned i = 0; i < x->n && rc >= 0; i++) {
		e |= suite_head(w, x, i, host, pkg, ts) < 0;
		j.baseline = x->evals[i].baseline_id;
		rc = rpt_findings_each(x, x->evals[i].id, junit_case, &j);
		e |= suite_tail(w, &x->counts->per[i]) < 0;
	}
	e |= xmlTextWriterEndDocument(w) < 0;
	rpt_xml_close(w);
	free(host);
	free(pkg);
	if (rc >= 0 && (e || j.bad)) {
		err_set("cannot write the JUnit report");
		rc = REPORT_EOUTPUT;
	}
	return rc < 0 ? rc : 0;
}

const struct report_writer report_junit = { "junit", junit_write, true };
