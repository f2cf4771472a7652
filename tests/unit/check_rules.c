/* The baseline loader and the rule engine. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testutil.h"
#include "rules/coverage.h"
#include "rules/rules.h"
#include "rules/waiver.h"
#include "util/util.h"

static char *dir;

static void setup(void)
{
	dir = tu_tmpdir();
}

static void teardown(void)
{
	tu_rmdir(dir);
	free(dir);
}

static const char head[] = "id: t\ntitle: Test\nrules:\n";

/* Loads head + rules text; returns 0 or -1 with the error in err_get(). */
static int load(const char *rules, struct baseline **b)
{
	char *text = xasprintf("%s%s", head, rules);
	char *p = tu_write(dir, "b.yaml", text, 0644);
	int rc = baseline_load(b, p);
	free(text);
	free(p);
	return rc;
}

/* Each tests/data/baseline-errors/NAME.yaml is a baseline that must fail to
 * load; its first line, "# expect: LINE:COL: REASON", is the whole message
 * after the file's path. */
#define BASELINE_ERRORS "tests/data/baseline-errors"

static int yaml_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 5 && !strcmp(d->d_name + n - 5, ".yaml");
}

static char *first_line(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char line[1024];
	char *s = fgets(line, sizeof(line), f) ? xstrdup(line) : xstrdup("");
	fclose(f);
	s[strcspn(s, "\n")] = '\0';
	return s;
}

START_TEST(test_valid_rule_loads)
{
	struct baseline *b;
	ck_assert_int_eq(load("  - id: r1\n    title: NTP\n    severity: high\n    object: host\n"
			      "    when: { property: connection_state, eq: connected }\n"
			      "    check:\n      all:\n        - { property: service.ntpd.running, eq: true }\n"
			      "        - { property: ntp.servers, empty: false }\n"
			      "    remediation: { summary: fix it, mcp_tool: a.b, params: { x: 1 }, risk: low }\n"
			      "    review: { human_review_required: true, min_confidence: 0.8 }\n"
			      "    references: [CIS 2.1]\n", &b), 0);
	ck_assert_uint_eq(b->nrules, 1);
	ck_assert_str_eq(b->rules[0].id, "r1");
	ck_assert_int_eq(b->rules[0].severity, SEV_HIGH);
	ck_assert_int_eq(b->rules[0].check->op, OP_ALL);
	ck_assert_uint_eq(b->rules[0].check->nkids, 2);
	ck_assert_ptr_nonnull(b->rules[0].when);
	json_t *rem = json_object_get(b->rules[0].details, "remediation");
	ck_assert_str_eq(json_string_value(json_object_get(rem, "mcp_tool")), "a.b");
	baseline_free(b);
}
END_TEST

START_TEST(test_unused_parameter_is_refused)
{
	/* A declared parameter no rule reads fails validation; one read only
	 * by a rule's when counts as used. */
	char *text = xasprintf("id: t\ntitle: Test\nparameters:\n  used: 5\n  unused: 7\n  cond: connected\n"
			       "rules:\n  - id: r1\n    title: T\n    severity: low\n    object: host\n"
			       "    when: { property: connection_state, eq: { param: cond } }\n"
			       "    check: { property: option.Security.AccountLockFailures, le: { param: used } }\n");
	char *p = tu_write(dir, "u.yaml", text, 0644);
	struct baseline *b;
	ck_assert_int_eq(baseline_load(&b, p), 0);
	ck_assert_int_eq(baseline_params_used(b), -1);
	ck_assert_msg(strstr(err_get(), "parameter 'unused' is declared but no rule uses it"), "%s", err_get());
	ck_assert_msg(strstr(err_get(), "u.yaml:5:"), "%s", err_get());
	baseline_free(b);
	free(text);
	free(p);
}
END_TEST

/* ---- evaluation ---- */

struct objb {
	struct sobject o;
	unsigned cap;
};

static void prop(struct objb *b, const char *name, enum ptype t, const char *value)
{
	if (b->o.nprops == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->o.props = xrealloc(b->o.props, b->cap * sizeof(*b->o.props));
	}
	struct sprop *p = &b->o.props[b->o.nprops++];
	p->name = xstrdup(name);
	p->type = t;
	p->collected = value != NULL;
	p->value = value ? xstrdup(value) : NULL;
}

static int sprop_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sprop *)a)->name, ((const struct sprop *)b)->name);
}

static void finish(struct objb *b, const char *type)
{
	b->o.type = xstrdup(type);
	b->o.name = xstrdup("obj");
	b->o.moref = xstrdup("host-1");
	qsort(b->o.props, b->o.nprops, sizeof(*b->o.props), sprop_cmp);
}

static void release(struct objb *b)
{
	for (unsigned i = 0; i < b->o.nprops; i++) {
		free(b->o.props[i].name);
		free(b->o.props[i].value);
	}
	free(b->o.props);
	free(b->o.type);
	free(b->o.name);
	free(b->o.moref);
	memset(b, 0, sizeof(*b));
}

static struct objb host;

static void host_setup(void)
{
	setup();
	memset(&host, 0, sizeof(host));
	prop(&host, "connection_state", PT_STRING, "connected");
	prop(&host, "version", PT_VERSION, "8.0.10");
	prop(&host, "build", PT_INT, "22380479");
	prop(&host, "lockdown_mode", PT_STRING, NULL);	/* not collected */
	prop(&host, "service.*", PT_GROUP, "");
	prop(&host, "service.ntpd.running", PT_BOOL, "true");
	prop(&host, "service.ntpd.policy", PT_STRING, "on");
	prop(&host, "ntp.servers", PT_LIST, "[\"0.pool\",\"1.pool\"]");
	prop(&host, "option.*", PT_GROUP, "");
	prop(&host, "option.UserVars.ESXiShellTimeOut", PT_INT, "600");
	prop(&host, "option.Syslog.global.logHost", PT_STRING, "");
	finish(&host, "host");
}

static void host_teardown(void)
{
	release(&host);
	teardown();
}

/* Evaluates a single check given as YAML flow text against the host. */
static enum rstatus eval_on(const struct sobject *o, const char *check, const char *when, struct evidence *ev)
{
	char *rules = xasprintf("  - id: r\n    title: t\n    severity: high\n    object: %s\n%s%s%s    check: %s\n",
				o->type, when ? "    when: " : "", when ? when : "", when ? "\n" : "", check);
	struct baseline *b;
	int rc = load(rules, &b);
	free(rules);
	ck_assert_msg(rc == 0, "load failed: %s", err_get());
	enum rstatus s = rule_eval(&b->rules[0], o, ev);
	baseline_free(b);
	return s;
}

static enum rstatus ev(const char *check)
{
	struct evidence e;
	enum rstatus s = eval_on(&host.o, check, NULL, &e);
	evidence_release(&e);
	return s;
}

START_TEST(test_eval_typed_comparisons)
{
	ck_assert_int_eq(ev("{ property: service.ntpd.running, eq: true }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: service.ntpd.running, eq: TRUE }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: service.ntpd.policy, eq: \"off\" }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: build, ge: 22380479 }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: build, gt: 22380479 }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: version, version_ge: \"8.0.9\" }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: version, version_lt: \"8.0.9\" }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: version, ge: \"8.0.2\" }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: option.UserVars.ESXiShellTimeOut, le: 600 }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: option.UserVars.ESXiShellTimeOut, lt: 600 }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: service.ntpd.policy, in: [on, automatic] }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: service.ntpd.policy, not_in: [on, automatic] }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: connection_state, matches: '^conn' }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: connection_state, matches: '^CONN', nocase: true }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: connection_state, matches: '^CONN' }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: ntp.servers, contains: 1.pool }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: ntp.servers, contains: 2.pool }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: ntp.servers, empty: false }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: option.Syslog.global.logHost, empty: true }"), RS_PASS);
	/* Orderings need numbers: equal text is not "<=". */
	ck_assert_int_eq(ev("{ property: option.Syslog.global.logHost, ge: \"\" }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: ntp.servers, matches: '^1\\.' }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: ntp.servers, not_matches: '^2\\.' }"), RS_PASS);
}
END_TEST

START_TEST(test_eval_not_collected_is_unknown)
{
	struct evidence e;
	ck_assert_int_eq(eval_on(&host.o, "{ property: lockdown_mode, eq: lockdownNormal }", NULL, &e), RS_UNKNOWN);
	ck_assert_str_eq(e.observed, "(not collected)");
	evidence_release(&e);
	/* A negative test on uncollected data is still unknown, never pass. */
	ck_assert_int_eq(ev("{ property: lockdown_mode, ne: lockdownDisabled }"), RS_UNKNOWN);
	ck_assert_int_eq(ev("{ not: { property: lockdown_mode, eq: lockdownDisabled } }"), RS_UNKNOWN);
	/* A fixed property with no row at all was not collected either. */
	ck_assert_int_eq(ev("{ property: maintenance_mode, eq: false }"), RS_UNKNOWN);
	/* A family that was never collected: firewall rulesets. */
	ck_assert_int_eq(ev("{ property: firewall.ruleset.sshServer.enabled, eq: false }"), RS_UNKNOWN);
}
END_TEST

START_TEST(test_eval_absent_in_collected_family)
{
	struct evidence e;
	ck_assert_int_eq(eval_on(&host.o, "{ property: option.Net.BlockGuestBPDU, eq: 1 }", NULL, &e), RS_FAIL);
	ck_assert_str_eq(e.observed, "(absent)");
	evidence_release(&e);
	ck_assert_int_eq(ev("{ property: option.Net.BlockGuestBPDU, eq: 1, default: 1 }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: option.Net.BlockGuestBPDU, le: 5, default: 0 }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: option.Net.BlockGuestBPDU, present: false }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: option.UserVars.ESXiShellTimeOut, present: false }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: service.snmpd.running, eq: false }"), RS_FAIL);
	ck_assert_int_eq(ev("{ property: service.snmpd.running, ne: true }"), RS_PASS);
	ck_assert_int_eq(ev("{ property: option.Net.DVFilterBindIpAddress, empty: true }"), RS_PASS);
}
END_TEST

START_TEST(test_eval_tristate_combinators)
{
	const char *known_fail = "{ property: service.ntpd.policy, eq: \"off\" }";
	const char *known_pass = "{ property: service.ntpd.policy, eq: \"on\" }";
	const char *unknown = "{ property: lockdown_mode, eq: lockdownNormal }";
	char *c;
	c = xasprintf("{ all: [ %s, %s ] }", unknown, known_fail);
	ck_assert_int_eq(ev(c), RS_FAIL);	/* a failure decides */
	free(c);
	c = xasprintf("{ all: [ %s, %s ] }", known_pass, unknown);
	ck_assert_int_eq(ev(c), RS_UNKNOWN);	/* never pass on a gap */
	free(c);
	c = xasprintf("{ any: [ %s, %s ] }", unknown, known_pass);
	ck_assert_int_eq(ev(c), RS_PASS);
	free(c);
	c = xasprintf("{ any: [ %s, %s ] }", known_fail, unknown);
	ck_assert_int_eq(ev(c), RS_UNKNOWN);
	free(c);
	c = xasprintf("{ not: %s }", known_fail);
	ck_assert_int_eq(ev(c), RS_PASS);
	free(c);
}
END_TEST

START_TEST(test_eval_evidence)
{
	struct evidence e;
	ck_assert_int_eq(eval_on(&host.o, "{ all: [ { property: service.ntpd.running, eq: true }, "
				 "{ property: option.UserVars.ESXiShellTimeOut, le: 300 } ] }", NULL, &e), RS_FAIL);
	ck_assert_str_eq(e.property, "option.UserVars.ESXiShellTimeOut");
	ck_assert_str_eq(e.observed, "600");
	ck_assert_str_eq(e.expected, "<= 300");
	evidence_release(&e);
	ck_assert_int_eq(eval_on(&host.o, "{ all: [ { property: service.ntpd.running, eq: true }, "
				 "{ property: ntp.servers, empty: false } ] }", NULL, &e), RS_PASS);
	ck_assert_str_eq(e.property, "service.ntpd.running; ntp.servers");
	ck_assert_str_eq(e.observed, "true; [\"0.pool\",\"1.pool\"]");
	evidence_release(&e);
}
END_TEST

START_TEST(test_eval_applicability)
{
	struct evidence e;
	ck_assert_int_eq(eval_on(&host.o, "{ property: build, gt: 0 }", "{ property: connection_state, eq: disconnected }", &e), RS_NA);
	evidence_release(&e);
	ck_assert_int_eq(eval_on(&host.o, "{ property: build, gt: 0 }", "{ property: connection_state, eq: connected }", &e), RS_PASS);
	evidence_release(&e);
	/* Unknown applicability is unknown, not pass and not n/a. */
	ck_assert_int_eq(eval_on(&host.o, "{ property: build, gt: 0 }", "{ property: lockdown_mode, eq: lockdownNormal }", &e), RS_UNKNOWN);
	evidence_release(&e);
}
END_TEST

START_TEST(test_builtin_baselines_load)
{
	/* Every builtin baseline loads, and loading checks that every
	 * property its rules read is in the vocabulary collectors fill. */
	const char *d = getenv("HARDEN_BASELINE_DIR");
	ck_assert_ptr_nonnull(d);
	DIR *dir_ = opendir(d);
	ck_assert_ptr_nonnull(dir_);
	struct dirent *e;
	int loaded = 0;
	bool ntp = false;
	while ((e = readdir(dir_))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".yaml"))
			continue;
		char *p = xasprintf("%s/%s", d, e->d_name);
		struct baseline *b;
		ck_assert_msg(baseline_load(&b, p) == 0, "%s", err_get());
		ck_assert_msg(baseline_params_used(b) == 0, "%s", err_get());
		ck_assert_uint_ge(b->nrules, 6);
		for (unsigned i = 0; i < b->nrules; i++)
			ntp |= !strcmp(b->rules[i].id, "cis-esxi-2.7");
		baseline_free(b);
		free(p);
		loaded++;
	}
	closedir(dir_);
	ck_assert_int_ge(loaded, 2);
	ck_assert(ntp);
}
END_TEST

static const char parent_yaml[] =
	"id: parent\ntitle: Parent\nrules:\n"
	"  - { id: r1, title: old, severity: low, object: host, check: { property: name, eq: a } }\n"
	"  - { id: r2, title: kept, severity: low, object: host, check: { property: name, eq: b } }\n";

START_TEST(test_extends_inherits_and_overrides)
{
	free(tu_write(dir, "parent.yaml", parent_yaml, 0644));
	char *p = tu_write(dir, "child.yaml",
			   "id: child\ntitle: Child\nextends: parent.yaml\nrules:\n"
			   "  - { id: r1, title: new, severity: high, object: host, check: { property: name, eq: c } }\n"
			   "  - { id: r3, title: added, severity: low, object: host, check: { property: name, eq: d } }\n",
			   0644);
	struct baseline *b;
	ck_assert_msg(baseline_load(&b, p) == 0, "%s", err_get());
	ck_assert_str_eq(b->id, "child");
	ck_assert_uint_eq(b->nrules, 3);
	ck_assert_str_eq(b->rules[0].id, "r2");
	ck_assert_str_eq(b->rules[1].id, "r1");
	ck_assert_str_eq(b->rules[1].title, "new");
	ck_assert_int_eq(b->rules[1].severity, SEV_HIGH);
	ck_assert_str_eq(b->rules[2].id, "r3");
	ck_assert_str_eq(b->parents.v[0], "parent.yaml");
	baseline_free(b);
	free(p);
}
END_TEST

START_TEST(test_extends_cycles_and_missing_parents)
{
	free(tu_write(dir, "a.yaml", "id: a\ntitle: A\nextends: b.yaml\n", 0644));
	char *b_path = tu_write(dir, "b.yaml", "id: b\ntitle: B\nextends: [a.yaml]\n", 0644);
	struct baseline *b;
	ck_assert_int_eq(baseline_load(&b, b_path), -1);
	ck_assert_msg(strstr(err_get(), "a.yaml:3:10: extends 'b.yaml' makes a cycle: b.yaml -> a.yaml -> b.yaml"),
		      "%s", err_get());
	char *self = tu_write(dir, "self.yaml", "id: s\ntitle: S\nextends: self.yaml\n", 0644);
	ck_assert_int_eq(baseline_load(&b, self), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "makes a cycle"));
	char *orphan = tu_write(dir, "orphan.yaml", "id: o\ntitle: O\nextends: no-such-baseline\n", 0644);
	ck_assert_int_eq(baseline_load(&b, orphan), -1);
	ck_assert_msg(strstr(err_get(), "orphan.yaml:3:10: extends 'no-such-baseline': unknown baseline"), "%s", err_get());
	free(b_path);
	free(self);
	free(orphan);
}
END_TEST

START_TEST(test_user_baseline_overrides_builtin_of_the_same_name)
{
	char *userdir = xasprintf("%s/harden/baselines", dir);
	char *mk = xasprintf("mkdir -p '%s'", userdir);
	ck_assert_int_eq(system(mk), 0);
	free(mk);
	char *name = xasprintf("harden/baselines/cis-vmware-esxi-8.0-subset.yaml");
	free(tu_write(dir, name,
		      "id: cis-vmware-esxi-8.0-subset\ntitle: CIS, site edition\nextends: cis-vmware-esxi-8.0-subset\n"
		      "rules:\n  - { id: cis-esxi-3.9, title: Shell time-out (site), severity: low, object: host,\n"
		      "      check: { property: option.UserVars.ESXiShellTimeOut, le: 900 } }\n", 0644));
	free(name);
	char *old = getenv("XDG_CONFIG_HOME") ? xstrdup(getenv("XDG_CONFIG_HOME")) : NULL;
	setenv("XDG_CONFIG_HOME", dir, 1);
	char *p = baseline_resolve("cis-vmware-esxi-8.0-subset");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, userdir));
	struct baseline *b;
	ck_assert_msg(baseline_load(&b, p) == 0, "%s", err_get());
	ck_assert_str_eq(b->title, "CIS, site edition");
	ck_assert_uint_eq(b->nrules, 85);
	ck_assert_str_eq(b->rules[b->nrules - 1].id, "cis-esxi-3.9");
	ck_assert_int_eq(b->rules[b->nrules - 1].severity, SEV_LOW);
	baseline_free(b);
	free(p);
	if (old)
		setenv("XDG_CONFIG_HOME", old, 1);
	else
		unsetenv("XDG_CONFIG_HOME");
	free(old);
	free(userdir);
}
END_TEST

static const char params_yaml[] =
	"id: p\ntitle: P\nparameters:\n  min_build: 100\n  states: { default: [connected], description: d }\n"
	"rules:\n"
	"  - { id: r-build, title: b, severity: high, object: host, check: { property: build, ge: { param: min_build } } }\n"
	"  - { id: r-state, title: s, severity: high, object: host, check: { property: connection_state, in: { param: states } } }\n";

START_TEST(test_parameters_bind_defaults_and_overrides)
{
	char *p = tu_write(dir, "p.yaml", params_yaml, 0644);
	struct baseline *b;
	ck_assert_msg(baseline_load(&b, p) == 0, "%s", err_get());
	struct evidence e;
	ck_assert_int_eq(rule_eval(&b->rules[0], &host.o, &e), RS_PASS);
	ck_assert_str_eq(e.expected, ">= 100");
	evidence_release(&e);
	ck_assert_int_eq(rule_eval(&b->rules[1], &host.o, &e), RS_PASS);
	evidence_release(&e);
	struct param_override ov[] = { { "min_build", "99999999", "--set" }, { "states", "disconnected,notResponding", "--set" } };
	ck_assert_int_eq(baseline_bind(b, ov, 2), 0);
	ck_assert_int_eq(rule_eval(&b->rules[0], &host.o, &e), RS_FAIL);
	ck_assert_str_eq(e.expected, ">= 99999999");
	evidence_release(&e);
	ck_assert_int_eq(rule_eval(&b->rules[1], &host.o, &e), RS_FAIL);
	ck_assert_str_eq(e.expected, "one of [disconnected, notResponding]");
	evidence_release(&e);
	/* A bad override names its source and leaves the rule as it was bound. */
	struct param_override bad[] = { { "min_build", "latest", "--set" } };
	ck_assert_int_eq(baseline_bind(b, bad, 1), -1);
	ck_assert_msg(strstr(err_get(), "rule 'r-build': parameter 'min_build' (from --set): 'latest' is not an integer"),
		      "%s", err_get());
	baseline_free(b);
	free(p);
}
END_TEST

START_TEST(test_parameter_errors_at_load)
{
	char *p = tu_write(dir, "q.yaml", "id: q\ntitle: Q\nparameters:\n  m: abc\n  l: [1, 2]\nrules:\n"
			   "  - { id: r1, title: x, severity: low, object: host, check: { property: build, ge: { param: m } } }\n", 0644);
	struct baseline *b;
	ck_assert_int_eq(baseline_load(&b, p), -1);
	ck_assert_msg(strstr(err_get(), "parameter 'm' (from ") && strstr(err_get(), "q.yaml:4:3): 'abc' is not an integer"),
		      "%s", err_get());
	free(p);
	p = tu_write(dir, "l.yaml", "id: l\ntitle: L\nparameters:\n  l: [1, 2]\nrules:\n"
		     "  - { id: r1, title: x, severity: low, object: host, check: { property: build, ge: { param: l } } }\n", 0644);
	ck_assert_int_eq(baseline_load(&b, p), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "is a list; 'ge' takes one value"));
	free(p);
}
END_TEST

static void waiver_error(const char *body, const char *where, const char *what)
{
	char *text = xasprintf("waivers:\n%s", body);
	char *p = tu_write(dir, "w.yaml", text, 0644);
	struct waivers w;
	ck_assert_int_eq(waivers_load(&w, p, "2026-11-21"), -1);
	ck_assert_msg(strstr(err_get(), where) && strstr(err_get(), what), "'%s' lacks '%s' or '%s'", err_get(), where, what);
	free(text);
	free(p);
}

START_TEST(test_waiver_file_errors)
{
	waiver_error("  - { rule: r, objects: { name: h }, approver: a, expires: 2027-01-01 }\n", "w.yaml:2:5",
		     "needs a justification");
	waiver_error("  - { rule: r, objects: { name: h }, justification: long enough text, approver: a, expires: 2027-02-30 }\n",
		     "w.yaml:2:", "not a date");
	waiver_error("  - { rule: r, justification: long enough text, approver: a, expires: 2027-01-01 }\n", "w.yaml:2:5",
		     "no objects selector");
	waiver_error("  - { rule: r, objects: { host: h }, justification: long enough text, approver: a, expires: 2027-01-01 }\n",
		     "w.yaml:2:", "unknown selector 'host'");
	waiver_error("  - { rule: r, objects: { name: h }, justification: long enough text, approver: a }\n", "w.yaml:2:5",
		     "waivers must expire");
	waiver_error("  - { rule: r, objects: { name: h }, justification: long enough text, approver: a, expires: 2027-01-01, "
		     "owner: x }\n", "w.yaml:2:", "unknown key 'owner'");
}
END_TEST

START_TEST(test_waiver_matching_and_expiry)
{
	char *p = tu_write(dir, "w.yaml",
			   "waivers:\n"
			   "  - { rule: r1, objects: { name: 'ob*' }, justification: expired exception, approver: a, expires: 2026-11-20 }\n"
			   "  - { rule: r1, objects: { cluster: C1 }, justification: the live exception, approver: b, expires: 2026-11-21 }\n"
			   "  - { rule: r2, objects: { moref: host-9 }, justification: other object only, approver: c, expires: 2030-01-01 }\n",
			   0644);
	struct waivers w;
	ck_assert_int_eq(waivers_load(&w, p, "2026-11-21"), 0);
	ck_assert(w.v[0].expired);
	ck_assert(!w.v[1].expired);	/* expires is the last day it applies */
	/* host fixture: name "obj", moref host-1, no cluster collected. */
	const struct waiver *m = waivers_match(&w, NULL, "r1", NULL, &host.o);
	ck_assert_ptr_eq(m, &w.v[0]);	/* only the expired one selects it */
	ck_assert_ptr_null(waivers_match(&w, NULL, "r2", NULL, &host.o));
	ck_assert_ptr_null(waivers_match(&w, NULL, "r3", NULL, &host.o));
	/* A rule renamed from r1 keeps r1's waivers through its alias. */
	struct strlist aliases = { 0 };
	strlist_add(&aliases, "r0");
	ck_assert_ptr_null(waivers_match(&w, NULL, "r9", &aliases, &host.o));
	strlist_add(&aliases, "r1");
	ck_assert_ptr_eq(waivers_match(&w, NULL, "r9", &aliases, &host.o), &w.v[0]);
	strlist_release(&aliases);
	waivers_release(&w);
	free(p);
}
END_TEST

static void count_conflict(void *ctx, const struct rule *ra, const struct check *ca, const struct rule *rb,
			   const struct check *cb)
{
	(void)ra, (void)rb;
	ck_assert_str_eq(ca->property, cb->property);
	(*(int *)ctx)++;
}

/* How many conflicts between one-rule baselines with these checks. */
static int conflicts_between(const char *check_a, const char *check_b)
{
	char *ta = xasprintf("id: a\ntitle: A\nrules:\n  - { id: ra, title: t, severity: low, object: host, check: %s }\n", check_a);
	char *tb = xasprintf("id: b\ntitle: B\nrules:\n  - { id: rb, title: t, severity: low, object: host, check: %s }\n", check_b);
	char *pa = tu_write(dir, "ca.yaml", ta, 0644), *pb = tu_write(dir, "cb.yaml", tb, 0644);
	struct baseline *a, *b;
	ck_assert_msg(baseline_load(&a, pa) == 0, "%s", err_get());
	ck_assert_msg(baseline_load(&b, pb) == 0, "%s", err_get());
	int n = 0;
	ck_assert_int_eq(baselines_conflicts(a, b, count_conflict, &n), n);
	baseline_free(a);
	baseline_free(b);
	free(ta);
	free(tb);
	free(pa);
	free(pb);
	return n;
}

START_TEST(test_conflicts_use_the_engine_semantics)
{
	const char *lock5 = "{ property: option.Security.AccountLockFailures, eq: 5 }";
	ck_assert_int_eq(conflicts_between(lock5, "{ property: option.Security.AccountLockFailures, eq: 3 }"), 1);
	ck_assert_int_eq(conflicts_between(lock5, "{ property: option.Security.AccountLockFailures, le: 5 }"), 0);
	ck_assert_int_eq(conflicts_between(lock5, "{ property: option.Security.AccountLockFailures, lt: 5 }"), 1);
	ck_assert_int_eq(conflicts_between("{ property: option.Security.AccountUnlockTime, ge: 900 }",
					   "{ all: [ { property: option.Security.AccountUnlockTime, gt: 0 }, "
					   "{ property: option.Security.AccountUnlockTime, le: 600 } ] }"), 1);
	ck_assert_int_eq(conflicts_between("{ property: lockdown_mode, in: [lockdownNormal, lockdownStrict] }",
					   "{ property: lockdown_mode, eq: lockdownDisabled }"), 1);
	ck_assert_int_eq(conflicts_between("{ property: lockdown_mode, in: [lockdownNormal, lockdownStrict] }",
					   "{ property: lockdown_mode, ne: lockdownNormal }"), 0);
	ck_assert_int_eq(conflicts_between("{ property: service.TSM.running, eq: true }",
					   "{ property: service.TSM.running, eq: TRUE }"), 0);
	ck_assert_int_eq(conflicts_between("{ property: service.TSM.running, eq: true }",
					   "{ property: service.TSM.running, ne: true }"), 1);
	/* 'any' and 'not' do not require a value outright: no claim is made. */
	ck_assert_int_eq(conflicts_between(lock5, "{ any: [ { property: option.Security.AccountLockFailures, eq: 3 }, "
					   "{ property: name, eq: x } ] }"), 0);
	/* Different properties never conflict. */
	ck_assert_int_eq(conflicts_between(lock5, "{ property: option.Security.AccountUnlockTime, eq: 3 }"), 0);
}
END_TEST

START_TEST(test_sql_checks_are_read_only_and_scoped)
{
	struct baseline *b;
	ck_assert_msg(load("  - { id: s1, title: x, severity: low, object: host, reads: [cluster], timeout: 2,\n"
			   "      sql: 'SELECT p.moref FROM props p, json_each(''[\"a\"]'') j "
			   "WHERE p.name = ''cluster'' AND p.value = j.value' }\n", &b) == 0, "%s", err_get());
	ck_assert_int_eq(b->rules[0].sql_timeout_ms, 2000);
	baseline_free(b);
	ck_assert_msg(load("  - { id: s1, title: x, severity: low, object: host, reads: [cluster],\n"
			   "      sql: 'WITH c AS (SELECT moref FROM props WHERE name = ''cluster'') "
			   "SELECT o.moref FROM objects o WHERE EXISTS (SELECT 1 FROM c) AND o.moref IN (SELECT moref FROM c)' }\n",
			   &b) == 0, "%s", err_get());
	baseline_free(b);
}
END_TEST

START_TEST(test_resolve_refuses_escaping_names)
{
	ck_assert_ptr_null(baseline_resolve("..cis"));
	ck_assert_ptr_null(baseline_resolve("cis;rm"));
	ck_assert_ptr_null(baseline_resolve("no-such-baseline"));
	ck_assert_ptr_nonnull(strstr(err_get(), "unknown baseline"));
	char *p = baseline_resolve("cis-vmware-esxi-8.0-subset");
	ck_assert_ptr_nonnull(p);
	free(p);
}
END_TEST

START_TEST(test_baseline_error_files)
{
	static const char tag[] = "# expect: ";
	struct dirent **names;
	int n = scandir(BASELINE_ERRORS, &names, yaml_name, alphasort);
	ck_assert_msg(n > 0, "no baseline error cases in " BASELINE_ERRORS);
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", BASELINE_ERRORS, names[i]->d_name);
		char *line = first_line(path);
		ck_assert_msg(!strncmp(line, tag, strlen(tag)) && line[strlen(tag)] != '\0',
			      "%s: first line must be '%s<line>:<col>: <reason>'", path, tag);
		char *want = xasprintf("%s:%s", path, line + strlen(tag));
		struct baseline *b = NULL;
		int rc = baseline_load(&b, path);
		ck_assert_msg(rc == -1, "%s loaded (rc %d); it should fail with '%s'", path, rc, want);
		ck_assert_ptr_null(b);
		ck_assert_msg(!strcmp(err_get(), want), "%s:\n got  '%s'\n want '%s'", path, err_get(), want);
		free(want);
		free(line);
		free(path);
		free(names[i]);
	}
	free(names);
}
END_TEST

/* The coverage files of the CIS and SCG baselines agree with them: every
 * rule of the baseline is named by a control (its rule, or rule.KIND), and
 * every control the file calls implemented names a rule the baseline has. */
START_TEST(test_coverage_files_match_builtin_rules)
{
	static const char *const pairs[][2] = { { "cis-esxi-8.0", "cis-vmware-esxi-8.0-subset" },
						{ "vsphere-scg-8", "vsphere-scg-v8-subset" } };
	for (unsigned k = 0; k < ARRAY_SIZE(pairs); k++) {
		char *cp = coverage_resolve(pairs[k][0]), *bp = baseline_resolve(pairs[k][1]);
		ck_assert_msg(cp && bp, "%s", err_get());
		struct coverage *c;
		struct baseline *b;
		ck_assert_msg(coverage_load(&c, cp) == 0, "%s", err_get());
		ck_assert_msg(baseline_load(&b, bp) == 0, "%s", err_get());
		ck_assert_str_eq(c->baseline, b->id);
		for (unsigned r = 0; r < b->nrules; r++) {
			const char *id = b->rules[r].id;
			bool named = false;
			for (size_t i = 0; i < c->n && !named; i++) {
				const char *rule = c->v[i].rule;
				size_t l = rule ? strlen(rule) : 0;
				named = rule && (!strcmp(id, rule) || (!strncmp(id, rule, l) && id[l] == '.'));
			}
			ck_assert_msg(named, "%s: rule %s is named by no control of %s", pairs[k][1], id, cp);
		}
		for (size_t i = 0; i < c->n; i++) {
			if (strcmp(c->v[i].status, "implemented"))
				continue;
			const char *rule = c->v[i].rule;
			ck_assert_msg(rule, "%s: control %s is implemented by no rule", cp, c->v[i].id);
			bool found = false;
			size_t l = strlen(rule);
			for (unsigned r = 0; r < b->nrules && !found; r++)
				found = !strcmp(b->rules[r].id, rule) ||
					(!strncmp(b->rules[r].id, rule, l) && b->rules[r].id[l] == '.');
			ck_assert_msg(found, "%s: control %s says implemented, but %s has no rule %s", cp, c->v[i].id,
				      pairs[k][1], rule);
		}
		coverage_free(c);
		baseline_free(b);
		free(cp);
		free(bp);
	}
	/* Every builtin coverage file loads. */
	static const char *const all[] = { "cis-esxi-8.0", "vsphere-scg-8", "pci-dss-4.0", "dengbao-2.0-l3",
					   "nsx-4-dfw-stig" };
	for (unsigned k = 0; k < ARRAY_SIZE(all); k++) {
		char *cp = coverage_resolve(all[k]);
		struct coverage *c;
		ck_assert_msg(cp && coverage_load(&c, cp) == 0, "%s: %s", all[k], err_get());
		ck_assert_uint_gt(c->n, 0);
		coverage_free(c);
		free(cp);
	}
	ck_assert_ptr_null(coverage_resolve("../cis-esxi-8.0"));
}
END_TEST

/* Every builtin baseline loads, and each cross-reference it makes to a
 * harden rule ("...(harden): id, id") names a rule of a builtin baseline. */
START_TEST(test_builtin_cross_references_resolve)
{
	static const char *const names[] = { "cis-vmware-esxi-8.0-subset", "vsphere-scg-v8-subset", "pci-dss-4.0-vmware",
					      "dengbao-2.0-level3-vmware", "nsx-4-dfw-stig" };
	struct baseline *b[ARRAY_SIZE(names)];
	struct strlist ids = { 0 };
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = baseline_resolve(names[i]);
		ck_assert_msg(p != NULL, "%s", err_get());
		ck_assert_msg(baseline_load(&b[i], p) == 0, "%s", err_get());
		free(p);
		for (unsigned r = 0; r < b[i]->nrules; r++)
			strlist_add(&ids, b[i]->rules[r].id);
	}
	ck_assert_uint_eq(ids.n, 85 + 93 + 22 + 26 + 7);
	unsigned refs = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		for (unsigned r = 0; r < b[i]->nrules; r++) {
			json_t *list = json_object_get(b[i]->rules[r].details, "references"), *e;
			size_t k;
			ck_assert_msg(json_array_size(list) > 0, "%s has no references", b[i]->rules[r].id);
			json_array_foreach(list, k, e) {
				const char *at = strstr(json_string_value(e), "(harden): ");
				if (!at)
					continue;
				char *copy = xstrdup(at + strlen("(harden): "));
				for (char *tok = strtok(copy, ", "); tok; tok = strtok(NULL, ", ")) {
					ck_assert_msg(strlist_has(&ids, tok), "%s refers to unknown rule '%s'", b[i]->rules[r].id,
						      tok);
					refs++;
				}
				free(copy);
			}
		}
	}
	ck_assert_uint_gt(refs, 100);
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		baseline_free(b[i]);
	strlist_release(&ids);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_valid_rule_loads);
	tcase_add_test(tc, test_baseline_error_files);
	tcase_add_test(tc, test_builtin_cross_references_resolve);
	tcase_add_test(tc, test_coverage_files_match_builtin_rules);
	tcase_add_test(tc, test_builtin_baselines_load);
	tcase_add_test(tc, test_unused_parameter_is_refused);
	tcase_add_test(tc, test_resolve_refuses_escaping_names);
	tcase_add_test(tc, test_extends_inherits_and_overrides);
	tcase_add_test(tc, test_extends_cycles_and_missing_parents);
	tcase_add_test(tc, test_user_baseline_overrides_builtin_of_the_same_name);
	suite_add_tcase(s, tc);
	TCase *te = tcase_create("eval");
	tcase_add_checked_fixture(te, host_setup, host_teardown);
	tcase_add_test(te, test_eval_typed_comparisons);
	tcase_add_test(te, test_eval_not_collected_is_unknown);
	tcase_add_test(te, test_eval_absent_in_collected_family);
	tcase_add_test(te, test_eval_tristate_combinators);
	tcase_add_test(te, test_eval_evidence);
	tcase_add_test(te, test_eval_applicability);
	tcase_add_test(te, test_parameters_bind_defaults_and_overrides);
	tcase_add_test(te, test_parameter_errors_at_load);
	tcase_add_test(te, test_waiver_file_errors);
	tcase_add_test(te, test_waiver_matching_and_expiry);
	tcase_add_test(te, test_conflicts_use_the_engine_semantics);
	tcase_add_test(te, test_sql_checks_are_read_only_and_scoped);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
