/* The offline advisor: from a failing result to an exact plan.  The plan
 * is derived generically from the family of the property that failed
 * (host advanced settings, services, NTP, lockdown, firewall, VM
 * extraConfig, VM devices, DFW rules and policies), with the value the
 * check wants and, for the rollback, the value observed, so that undoing
 * is exact.  A rule's remediation block may name a tool of its own; it is
 * used when the catalog lists it and the family offers no tool. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "advise/advise.h"
#include "vocab.h"

struct plan {
	json_t *steps;
	json_t *impact;
	char *summary;
	double confidence;
	bool exact;		/* every value comes from the check and the evidence */
	json_t *notes;		/* reasons a human must look, from the derivation */
	json_t *change;		/* [{property, from, to}]: what the plan changes */
};

/* ---- quoting: names and values come from the estate ---- */

/* A single-quoted word in which a quote is written as esc: '' for
 * PowerShell, '\'' for a POSIX shell.  Control characters become spaces. */
static char *quoted(const char *s, const char *esc)
{
	struct buf b = BUF_INIT;
	buf_putc(&b, '\'');
	for (; s && *s; s++) {
		if (*s == '\'')
			buf_puts(&b, esc);
		else
			buf_putc(&b, (unsigned char)*s < 0x20 ? ' ' : *s);
	}
	buf_putc(&b, '\'');
	return buf_detach(&b);
}

static char *ps_q(const char *s)
{
	return quoted(s, "''");
}

static char *sh_q(const char *s)
{
	return quoted(s, "'\\''");
}

static json_t *command(const char *shell, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *command(const char *shell, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	json_t *c = json_pack("{s:s, s:s}", "shell", shell, "command", text);
	free(text);
	return c;
}

/* ---- what the object holds, what the check wants ---- */

/* A property's collected value: the object's, else the evidence's. */
static const char *prop(const struct advise_in *in, const char *name)
{
	const struct sprop *p = in->obj ? sobject_find(in->obj, name) : NULL;
	if (p && p->collected)
		return p->value;
	if (in->property && !strcmp(in->property, name))
		return in->observed;
	return NULL;
}

static void leaves_of(const struct check *c, const char *name, const struct check **out, unsigned *n, unsigned max)
{
	if (!c)
		return;
	if (c->op == OP_ALL || c->op == OP_ANY || c->op == OP_NOT) {
		for (unsigned i = 0; i < c->nkids; i++)
			leaves_of(c->kids[i], name, out, n, max);
		return;
	}
	if (c->property && !strcmp(c->property, name) && *n < max)
		out[(*n)++] = c;
}

/* The token a "(^|,) *TOKEN *(,|$)" pattern asks a comma list to hold. */
static char *list_token(const char *re)
{
	static const char head[] = "(^|,) *", tail[] = " *(,|$)";
	size_t n = re ? strlen(re) : 0;
	if (n <= strlen(head) + strlen(tail) || strncmp(re, head, strlen(head)) ||
	    strcmp(re + n - strlen(tail), tail))
		return NULL;
	struct buf b = BUF_INIT;
	for (const char *p = re + strlen(head); p < re + n - strlen(tail); p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (strchr("()[]{}|*+?^$", *p)) {
			buf_release(&b);
			return NULL;
		}
		buf_putc(&b, *p);
	}
	return buf_detach(&b);
}

/* The value that passes every leaf on the property, from the observed
 * one: NULL when the checks do not say (a human must choose). */
static char *desired_value(const struct advise_in *in, const char *name, enum ptype *type)
{
	const struct check *lv[8];
	unsigned n = 0;
	leaves_of(in->rule->check, name, lv, &n, ARRAY_SIZE(lv));
	const char *observed = prop(in, name);
	char *v = NULL;
	*type = n ? lv[0]->ptype : PT_STRING;
	for (unsigned i = 0; i < n; i++) {
		const struct check *c = lv[i];
		char *next = NULL;
		switch (c->op) {
		case OP_EQ:
		case OP_LE:
		case OP_GE:
		case OP_VERSION_GE:
			next = c->value ? xstrdup(c->value) : NULL;
			break;
		case OP_LT:
		case OP_GT:
			if (c->value)
				next = xasprintf("%lld", strtoll(c->value, NULL, 10) + (c->op == OP_LT ? -1 : 1));
			break;
		case OP_IN:
			next = c->values.n ? xstrdup(c->values.v[0]) : NULL;
			break;
		case OP_EMPTY:
			next = c->flag ? xstrdup("") : NULL;
			break;
		case OP_MATCHES:
		case OP_CONTAINS: {
			char *tok = c->op == OP_CONTAINS ? (c->value ? xstrdup(c->value) : NULL) : list_token(c->value);
			const char *base = v ? v : observed;
			if (tok && base && check_value(c, c->ptype, base) == RS_PASS)
				next = xstrdup(base);
			else if (tok)
				next = base && *base ? xasprintf("%s,%s", base, tok) : xstrdup(tok);
			free(tok);
			break;
		}
		default:
			break;
		}
		if (!next) {
			free(v);
			return NULL;
		}
		free(v);
		v = next;
	}
	return v;
}

/* The value the rule's remediation block gives for key (params.value
 * beside params.key), as a string; NULL when it gives none. */
static char *remediation_value(const struct advise_in *in, const char *key)
{
	json_t *params = json_object_get(json_object_get(in->rule->details, "remediation"), "params");
	const char *k = json_string_value(json_object_get(params, "key"));
	json_t *v = json_object_get(params, "value");
	if (!v || (k && strcmp(k, key)))
		return NULL;
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return NULL;
}

/* ---- building the plan ---- */

static void plan_tool(struct plan *p, const struct advise_in *in, const char *skill, const char *tool,
		      json_t *params, const char *rb_tool, json_t *rb_params, const char *desc)
{
	bool verified = catalog_has(in->cat, skill, tool) && (!rb_tool || catalog_has(in->cat, skill, rb_tool));
	const char *risk = catalog_risk(in->cat, skill, tool);
	json_t *s = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:o, s:s}", "step",
			      (json_int_t)json_array_size(p->steps) + 1, "skill", skill, "tool", tool, "params", params,
			      "rollback_tool", rb_tool ? json_string(rb_tool) : json_null(), "rollback_params",
			      rb_params ? rb_params : json_null(), "destructive",
			      step_destructive(in->cat, skill, tool, params), "verified", verified, "risk",
			      risk ? json_string(risk) : json_null(), "description", desc ? desc : "");
	json_array_append_new(p->steps, s);
}

static void plan_manual(struct plan *p, const char *desc, json_t *commands, json_t *rollback)
{
	json_array_append_new(p->steps, json_pack("{s:I, s:b, s:s, s:o, s:o}", "step",
						  (json_int_t)json_array_size(p->steps) + 1, "manual", true,
						  "description", desc, "commands", commands, "rollback_commands",
						  rollback ? rollback : json_array()));
}

static void plan_impact(struct plan *p, bool affects, bool window, const char *duration, const char *rollback)
{
	json_decref(p->impact);
	p->impact = json_pack("{s:b, s:b, s:s, s:s}", "affects_running_workload", affects,
			      "requires_maintenance_window", window, "estimated_duration", duration, "rollback_plan",
			      rollback);
}

static void plan_change(struct plan *p, const char *property, const char *from, const char *to)
{
	json_array_append_new(p->change, json_pack("{s:s, s:o, s:o}", "property", property, "from",
						   from ? json_string(from) : json_null(), "to",
						   to ? json_string(to) : json_null()));
}

static void plan_note(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void plan_note(struct plan *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	json_array_append_new(p->notes, json_string(s));
	free(s);
}

/* A property value as JSON of its type. */
static json_t *typed(enum ptype t, const char *v)
{
	if (!v)
		return json_null();
	if (t == PT_BOOL)
		return json_boolean(!strcmp(v, "true"));
	if (t == PT_INT) {
		char *end;
		long long n = strtoll(v, &end, 10);
		if (!*end && *v)
			return json_integer(n);
	}
	if (t == PT_LIST) {
		json_t *j = json_loads(v, 0, NULL);
		if (json_is_array(j))
			return j;
		json_decref(j);
	}
	return json_string(v);
}

/* ---- host families ---- */

/* PowerShell and esxcli spellings of an advanced option's value. */
static char *ps_value(enum ptype t, const char *v)
{
	if (t == PT_BOOL)
		return xstrdup(!strcmp(v, "true") ? "$true" : "$false");
	if (t == PT_INT)
		return xstrdup(v);
	return ps_q(v);
}

static char *esxcli_value(enum ptype t, const char *v)
{
	if (t == PT_BOOL)
		return xstrdup(!strcmp(v, "true") ? "-i 1" : "-i 0");
	if (t == PT_INT)
		return xasprintf("-i %s", v);
	char *q = sh_q(v);
	char *out = xasprintf("-s %s", q);
	free(q);
	return out;
}

static void option_commands(json_t *cmds, const char *host, const char *key, enum ptype t, const char *v)
{
	char *h = ps_q(host), *k = ps_q(key), *pv = ps_value(t, v), *ev = esxcli_value(t, v), *hs = sh_q(host);
	char *path = xasprintf("/%s", key), *gv = sh_q(v);
	for (char *c = path; *c; c++)
		if (*c == '.')
			*c = '/';
	json_array_append_new(cmds, command("powercli", "Get-AdvancedSetting -Entity (Get-VMHost -Name %s) -Name %s | "
						       "Set-AdvancedSetting -Value %s -Confirm:$false", h, k, pv));
	json_array_append_new(cmds, command("esxcli", "esxcli system settings advanced set -o %s %s", path, ev));
	json_array_append_new(cmds, command("govc", "govc host.option.set -host %s %s %s", hs, key, gv));
	free(h), free(k), free(pv), free(ev), free(hs), free(path), free(gv);
}

static int fam_option(struct plan *p, const struct advise_in *in)
{
	const char *key = in->property + strlen("option.");
	enum ptype t;
	char *want = desired_value(in, in->property, &t);
	const char *seen = prop(in, in->property);
	if (!want && (want = remediation_value(in, key)))
		plan_note(p, "%s = %s comes from the baseline's remediation: make sure it is the site's value", key,
			  want);
	if (!want) {
		plan_note(p, "the check on %s does not name one value; choose it", in->property);
		want = xstrdup("<value>");
		p->exact = false;
	}
	json_t *cmds = json_array(), *back = json_array();
	plan_change(p, in->property, seen, want);
	option_commands(cmds, in->object_name, key, t, want);
	if (seen)
		option_commands(back, in->object_name, key, t, seen);
	char *desc = xasprintf("Set the advanced option %s on host %s to %s (seen %s).", key, in->object_name,
			       *want ? want : "\"\"", seen ? (*seen ? seen : "\"\"") : "nothing");
	plan_manual(p, desc, cmds, back);
	bool boot = !strncmp(key, "VMkernel.Boot.", 14);
	char *rb = xasprintf("Set %s back to %s with the same commands.", key, seen ? (*seen ? seen : "\"\"") : "its value");
	plan_impact(p, boot, boot, boot ? "30 minutes (a reboot)" : "1 minute", rb);
	if (boot)
		plan_note(p, "%s takes effect at the next boot", key);
	p->summary = xasprintf("Set %s to %s on %s.", key, *want ? want : "\"\"", in->object_name);
	free(desc), free(rb), free(want);
	return 1;
}

/* password_quality.*: derived from the passwdqc option, which the plan sets
 * to the baseline's remediation value (the rollback restores the old one). */
static int fam_passwdqc(struct plan *p, const struct advise_in *in)
{
	struct advise_in opt = *in;
	opt.property = "option.Security.PasswordQualityControl";
	opt.observed = prop(in, opt.property);
	return fam_option(p, &opt);
}

/* service.KEY.running / service.KEY.policy */
static void service_commands(json_t *cmds, const char *host, const char *svc, const char *running,
			     const char *policy)
{
	char *h = ps_q(host), *k = ps_q(svc), *hs = sh_q(host);
	if (running) {
		bool on = !strcmp(running, "true");
		json_array_append_new(cmds, command("powercli", "Get-VMHostService -VMHost (Get-VMHost -Name %s) | "
							       "Where-Object Key -eq %s | %s-VMHostService -Confirm:$false",
						    h, k, on ? "Start" : "Stop"));
		json_array_append_new(cmds, command("govc", "govc host.service -host %s %s %s", hs, on ? "start" : "stop",
						    svc));
	}
	if (policy) {
		const char *cap = !strcmp(policy, "on") ? "On" : !strcmp(policy, "automatic") ? "Automatic" : "Off";
		json_array_append_new(cmds, command("powercli", "Get-VMHostService -VMHost (Get-VMHost -Name %s) | "
							       "Where-Object Key -eq %s | Set-VMHostService -Policy %s "
							       "-Confirm:$false", h, k, cap));
		json_array_append_new(cmds, command("govc", "govc host.service -host %s %s %s", hs,
						    !strcmp(policy, "off") ? "disable" : "enable", svc));
	}
	free(h), free(k), free(hs);
}

static int fam_service(struct plan *p, const struct advise_in *in)
{
	const char *rest = in->property + strlen("service.");
	const char *dot = strrchr(rest, '.');
	if (!dot)
		return 0;
	char *svc = xstrndup(rest, (size_t)(dot - rest));
	char *rn = xasprintf("service.%s.running", svc), *pn = xasprintf("service.%s.policy", svc);
	enum ptype t;
	char *want_run = desired_value(in, rn, &t), *want_pol = desired_value(in, pn, &t);
	const char *seen_run = prop(in, rn), *seen_pol = prop(in, pn);
	json_t *cmds = json_array(), *back = json_array();
	if (want_run)
		plan_change(p, rn, seen_run, want_run);
	if (want_pol)
		plan_change(p, pn, seen_pol, want_pol);
	service_commands(cmds, in->object_name, svc, want_run, want_pol);
	service_commands(back, in->object_name, svc, want_run ? seen_run : NULL, want_pol ? seen_pol : NULL);
	char *desc = xasprintf("Service %s on host %s: running %s, policy %s (seen running %s, policy %s).", svc,
			       in->object_name, want_run ? want_run : "unchanged", want_pol ? want_pol : "unchanged",
			       seen_run ? seen_run : "?", seen_pol ? seen_pol : "?");
	plan_manual(p, desc, cmds, back);
	bool stops = want_run && !strcmp(want_run, "false");
	char *rb = xasprintf("Restore running %s and policy %s with the same commands.", seen_run ? seen_run : "?",
			     seen_pol ? seen_pol : "?");
	plan_impact(p, false, false, "1 minute", rb);
	if (stops)
		plan_note(p, "stopping %s ends the sessions it serves", svc);
	p->summary = xasprintf("%s service %s on %s%s.", stops ? "Stop" : "Start", svc, in->object_name,
			       want_pol ? (!strcmp(want_pol, "off") ? " and set its policy to off"
								   : " and set its policy to start with the host")
					: "");
	free(svc), free(rn), free(pn), free(want_run), free(want_pol), free(desc), free(rb);
	return 1;
}

/* NTP: the seed's aiops.host_ntp_configure (servers, start, policy on). */
static int fam_ntp(struct plan *p, const struct advise_in *in)
{
	json_t *rem = json_object_get(in->rule->details, "remediation");
	json_t *servers = json_object_get(json_object_get(rem, "params"), "servers");
	json_t *want = json_is_array(servers) && json_array_size(servers) ? json_deep_copy(servers) : NULL;
	if (!want) {
		plan_note(p, "the rule names no NTP servers: fill in the site's");
		want = json_pack("[s]", "<ntp-server>");
		p->exact = false;
	}
	json_t *seen = typed(PT_LIST, prop(in, "ntp.servers"));
	if (!json_is_array(seen)) {
		json_decref(seen);
		seen = json_array();
	}
	const char *running = prop(in, "service.ntpd.running");
	bool was_on = running && !strcmp(running, "true");
	json_t *params = json_pack("{s:s, s:O, s:b, s:s}", "host", in->object_name, "servers", want, "enabled", true,
				   "target", in->target);
	/* The tool wants servers: an empty list observed rolls back to the
	 * daemon stopped with the new servers kept. */
	json_t *rb = json_pack("{s:s, s:O, s:b, s:s}", "host", in->object_name, "servers",
			       json_array_size(seen) ? seen : want, "enabled", was_on, "target", in->target);
	char *wants = json_dumps(want, JSON_COMPACT), *seens = json_dumps(seen, JSON_COMPACT);
	plan_change(p, "ntp.servers", seens, wants);
	plan_change(p, "service.ntpd.running", running, "true");
	plan_change(p, "service.ntpd.policy", prop(in, "service.ntpd.policy"), "on");
	free(wants), free(seens);
	char *desc = xasprintf("Configure NTP on host %s: servers, ntpd running, policy on.", in->object_name);
	plan_tool(p, in, "aiops", "host_ntp_configure", params, "host_ntp_configure", rb, desc);
	char *joined = json_dumps(want, JSON_COMPACT), *was = json_dumps(seen, JSON_COMPACT);
	char *rbs = xasprintf("host_ntp_configure with servers %s and ntpd %s, as observed%s.", was,
			      was_on ? "running" : "stopped",
			      json_array_size(seen) ? "" : " (no servers were set: the new ones stay, unused)");
	plan_impact(p, false, false, "1 minute", rbs);
	p->summary = xasprintf("Configure NTP servers %s on %s, start ntpd and set its policy to on.", joined,
			       in->object_name);
	free(desc), free(joined), free(was), free(rbs);
	json_decref(want);
	json_decref(seen);
	return 1;
}

static int fam_lockdown(struct plan *p, const struct advise_in *in)
{
	enum ptype t;
	char *want = desired_value(in, "lockdown_mode", &t);
	const char *seen = prop(in, "lockdown_mode");
	if (!want)
		want = xstrdup("lockdownNormal");
	plan_change(p, "lockdown_mode", seen, want);
	char *h = ps_q(in->object_name);
	json_t *cmds = json_pack("[o]", command("powercli", "(Get-View (Get-VMHost -Name %s).ExtensionData.ConfigManager."
							      "HostAccessManager).ChangeLockdownMode(%s)", h, want));
	json_t *back = json_pack("[o]", command("powercli", "(Get-View (Get-VMHost -Name %s).ExtensionData.ConfigManager."
							      "HostAccessManager).ChangeLockdownMode(%s)", h,
						seen ? seen : "lockdownDisabled"));
	char *desc = xasprintf("Set lockdown mode on host %s to %s (seen %s).", in->object_name, want,
			       seen ? seen : "?");
	plan_manual(p, desc, cmds, back);
	char *rb = xasprintf("ChangeLockdownMode('%s') through vCenter.", seen ? seen : "lockdownDisabled");
	plan_impact(p, false, false, "1 minute", rb);
	plan_note(p, "lockdown mode ends direct logins to the host: check the exception users first");
	p->summary = xasprintf("Put %s in lockdown mode %s.", in->object_name, want);
	free(want), free(h), free(desc), free(rb);
	return 1;
}

static int fam_firewall(struct plan *p, const struct advise_in *in)
{
	const char *name = in->property;
	enum ptype t;
	char *want = desired_value(in, name, &t);
	const char *seen = prop(in, name);
	if (!want || !seen)
		goto unknown;
	char *h = ps_q(in->object_name);
	json_t *cmds = json_array(), *back = json_array();
	char *desc;
	if (!strcmp(name, "firewall.incoming_blocked")) {
		bool block = !strcmp(want, "true"), was = !strcmp(seen, "true");
		json_array_append_new(cmds, command("powercli", "Get-VMHostFirewallDefaultPolicy -VMHost (Get-VMHost -Name %s) | "
							       "Set-VMHostFirewallDefaultPolicy -AllowIncoming $%s -Confirm:$false",
						    h, block ? "false" : "true"));
		json_array_append_new(cmds, command("esxcli", "esxcli network firewall set --default-action %s",
						    block ? "false" : "true"));
		json_array_append_new(back, command("esxcli", "esxcli network firewall set --default-action %s",
						    was ? "false" : "true"));
		desc = xasprintf("Make the host firewall of %s %s incoming traffic by default.", in->object_name,
				 block ? "block" : "allow");
	} else if (!strncmp(name, "firewall.ruleset.", 17)) {
		const char *rest = name + 17, *dot = strrchr(rest, '.');
		if (!dot)
			goto unknown_h;
		char *rs = xstrndup(rest, (size_t)(dot - rest)), *rq = sh_q(rs);
		const char *flag = !strcmp(dot + 1, "enabled") ? "-e" : !strcmp(dot + 1, "allowed_all_ip") ? "-a" : NULL;
		if (!flag) {
			free(rs), free(rq);
			goto unknown_h;
		}
		json_array_append_new(cmds, command("esxcli", "esxcli network firewall ruleset set -r %s %s %s", rq, flag,
						    want));
		json_array_append_new(back, command("esxcli", "esxcli network firewall ruleset set -r %s %s %s", rq, flag,
						    seen));
		if (!strcmp(flag, "-a") && !strcmp(want, "false")) {
			json_t *nets = json_object_get(json_object_get(json_object_get(in->rule->details, "remediation"),
								       "params"), "allowed_networks");
			size_t i;
			json_t *n;
			json_array_foreach(nets, i, n)
				if (json_is_string(n)) {
					char *nq = sh_q(json_string_value(n));
					json_array_append_new(cmds, command("esxcli", "esxcli network firewall ruleset allowedip "
										      "add -r %s -i %s", rq, nq));
					json_array_append_new(back, command("esxcli", "esxcli network firewall ruleset allowedip "
										      "remove -r %s -i %s", rq, nq));
					free(nq);
				}
			if (!json_array_size(nets))
				plan_note(p, "add the networks allowed to reach %s (esxcli network firewall ruleset "
					     "allowedip add)", rs);
		}
		desc = xasprintf("Firewall ruleset %s on host %s: %s %s (seen %s).", rs, in->object_name,
				 dot + 1, want, seen);
		free(rs), free(rq);
	} else {
		json_decref(cmds), json_decref(back);
		goto unknown_h;
	}
	plan_change(p, name, seen, want);
	plan_manual(p, desc, cmds, back);
	char *rb = xasprintf("Set %s back to %s with the rollback commands.", name, seen);
	plan_impact(p, false, false, "5 minutes", rb);
	plan_note(p, "firewall changes can cut management connections: keep a console open");
	p->summary = xasprintf("Set %s to %s on %s.", name, want, in->object_name);
	free(desc), free(rb), free(h), free(want);
	return 1;
unknown_h:
	free(h);
unknown:
	free(want);
	return 0;
}

static int fam_host_version(struct plan *p, const struct advise_in *in)
{
	char *h = ps_q(in->object_name);
	json_t *cmds = json_pack("[o, o, o]",
				 command("powercli", "Set-VMHost -VMHost (Get-VMHost -Name %s) -State Maintenance", h),
				 command("powercli", "Get-Baseline -Name <baseline> | Update-Entity -Entity (Get-VMHost -Name %s) -Confirm:$false", h),
				 command("powercli", "Set-VMHost -VMHost (Get-VMHost -Name %s) -State Connected", h));
	plan_manual(p, "Upgrade the host through vSphere Lifecycle Manager, in maintenance mode.", cmds, NULL);
	plan_impact(p, true, true, "1 hour per host", "none: an upgrade is not rolled back; restore the host from its backup image if it fails");
	plan_note(p, "an upgrade cannot be undone by a rollback step");
	p->exact = false;
	p->summary = xasprintf("Upgrade %s to a supported ESXi release.", in->object_name);
	free(h);
	return 1;
}

/* ---- VM families ---- */

/* Whether the rule wants the property absent (present: false). */
static bool wants_absent(const struct advise_in *in, const char *name)
{
	const struct check *lv[8];
	unsigned n = 0;
	leaves_of(in->rule->check, name, lv, &n, ARRAY_SIZE(lv));
	for (unsigned i = 0; i < n; i++)
		if (lv[i]->op == OP_PRESENT && !lv[i]->flag)
			return true;
	return false;
}

/* The commands that set a VM's option KEY to value, or remove it (NULL). */
static void extra_commands(json_t *out, const char *vm, const char *key, const char *value)
{
	char *v = ps_q(vm), *k = ps_q(key), *vs = sh_q(vm);
	char *kv = xasprintf("%s=%s", key, value ? value : ""), *kvq = sh_q(kv);
	if (value) {
		char *val = ps_q(value);
		json_array_append_new(out, command("powercli", "New-AdvancedSetting -Entity (Get-VM -Name %s) -Name %s "
							       "-Value %s -Force -Confirm:$false", v, k, val));
		free(val);
	} else {
		json_array_append_new(out, command("powercli", "Get-AdvancedSetting -Entity (Get-VM -Name %s) -Name %s | "
							       "Remove-AdvancedSetting -Confirm:$false", v, k));
	}
	json_array_append_new(out, command("govc", "govc vm.change -vm %s -e %s", vs, kvq));
	free(v), free(k), free(vs), free(kv), free(kvq);
}

/* extra.KEY that must not be set: remove it; the rollback sets it again. */
static int fam_extra_remove(struct plan *p, const struct advise_in *in, const char *key, const char *seen)
{
	plan_change(p, in->property, seen, NULL);
	json_t *cmds = json_array(), *back = json_array();
	extra_commands(cmds, in->object_name, key, NULL);
	if (seen)
		extra_commands(back, in->object_name, key, seen);
	char *desc = xasprintf("Remove the VM option %s of %s (seen %s).", key, in->object_name, seen ? seen : "unset");
	plan_manual(p, desc, cmds, back);
	char *rb = xasprintf("Set %s back to %s.", key, seen ? seen : "its value");
	plan_impact(p, false, true, "5 minutes, effective at the next power cycle", rb);
	p->summary = xasprintf("Remove %s from VM %s.", key, in->object_name);
	free(desc), free(rb);
	return 1;
}

static int fam_extra(struct plan *p, const struct advise_in *in)
{
	const char *key = in->property + strlen("extra.");
	if (wants_absent(in, in->property))
		return fam_extra_remove(p, in, key, prop(in, in->property));
	enum ptype t;
	char *want = desired_value(in, in->property, &t);
	const char *seen = prop(in, in->property);
	if (!want) {
		plan_note(p, "the check on %s does not name one value; choose it", in->property);
		want = xstrdup("<value>");
		p->exact = false;
	}
	plan_change(p, in->property, seen, want);
	json_t *cmds = json_array(), *back = json_array();
	extra_commands(cmds, in->object_name, key, want);
	extra_commands(back, in->object_name, key, seen);
	char *desc = xasprintf("Set the VM option %s of %s to %s (seen %s).", key, in->object_name, want,
			       seen ? seen : "unset");
	plan_manual(p, desc, cmds, back);
	char *rb = seen ? xasprintf("Set %s back to %s.", key, seen) : xasprintf("Remove %s again (it was unset).", key);
	plan_impact(p, false, true, "5 minutes, effective at the next power cycle", rb);
	p->summary = xasprintf("Set %s = %s on VM %s.", key, want, in->object_name);
	free(desc), free(rb), free(want);
	return 1;
}

static int fam_device(struct plan *p, const struct advise_in *in)
{
	const char *rest = in->property + strlen("device."), *dot = strrchr(rest, '.');
	if (!dot)
		return 0;
	char *dev = xstrndup(rest, (size_t)(dot - rest));
	static const struct {
		const char *dev, *govc_prefix, *rb_shell, *govc_add;
	} devs[] = {
		{ "floppy", "floppy-", "govc", "govc device.floppy.add -vm" },
		{ "serial", "serialport-", "govc", "govc device.serial.add -vm" },
		{ "parallel", "parallelport-", "govc", "govc device.parallel.add -vm" },
		{ "usb", "usb-", "govc", "govc device.usb.add -vm" },
		{ "cdrom", "cdrom-", "govc", "govc device.cdrom.add -vm" },
		{ "pci_passthrough", "pcipassthrough-", "govc", "govc device.pci.add -vm" },
		{ "sound", "(hdaudio|ensoniq1371|soundblaster16)-", "prose",
		  "In the vSphere Client, Edit Settings > Add New Device > Sound Card, on VM" },
		{ "ahci", "(sata|ahci)-", "govc", "govc device.sata.add -vm" },
	};
	size_t i;
	for (i = 0; i < ARRAY_SIZE(devs) && strcmp(devs[i].dev, dev); i++)
		;
	if (i == ARRAY_SIZE(devs)) {
		free(dev);
		return 0;
	}
	char *v = ps_q(in->object_name), *vs = sh_q(in->object_name);
	json_t *cmds = json_array(), *back = json_array();
	char *desc;
	bool connected = !strcmp(dot + 1, "connected");
	plan_change(p, in->property, prop(in, in->property), "false");
	if (connected) {
		json_array_append_new(cmds, command("powercli", "Get-CDDrive -VM (Get-VM -Name %s) | Set-CDDrive -NoMedia "
								"-Connected:$false -Confirm:$false", v));
		json_array_append_new(cmds, command("govc", "govc device.disconnect -vm %s $(govc device.ls -vm %s | awk "
							    "'/^%s/ {print $1}')", vs, vs, devs[i].govc_prefix));
		json_array_append_new(back, command("govc", "govc device.connect -vm %s $(govc device.ls -vm %s | awk "
							    "'/^%s/ {print $1}')", vs, vs, devs[i].govc_prefix));
		desc = xasprintf("Disconnect the %s device of VM %s.", dev, in->object_name);
		plan_impact(p, true, false, "1 minute", "Reconnect the device (govc device.connect).");
	} else {
		json_array_append_new(cmds, command("powercli", "Stop-VMGuest -VM (Get-VM -Name %s) -Confirm:$false", v));
		json_array_append_new(cmds, command("govc", "govc device.remove -vm %s $(govc device.ls -vm %s | awk "
							    "'/^%s/ {print $1}')", vs, vs, devs[i].govc_prefix));
		json_array_append_new(cmds, command("powercli", "Start-VM -VM (Get-VM -Name %s) -Confirm:$false", v));
		json_array_append_new(back, command(devs[i].rb_shell, "%s %s", devs[i].govc_add, vs));
		desc = xasprintf("With VM %s powered off, remove its %s device, then power it on.", in->object_name, dev);
		char *rb = xasprintf("Power the VM off and add a %s device back (%s).", dev, "govc device.*.add");
		plan_impact(p, true, true, "15 minutes per VM (a guest shutdown)", rb);
		free(rb);
		plan_note(p, "removing a device needs the VM powered off");
	}
	plan_manual(p, desc, cmds, back);
	p->summary = xasprintf("%s the %s device of VM %s.", connected ? "Disconnect" : "Remove", dev, in->object_name);
	free(dev), free(v), free(vs), free(desc);
	return 1;
}

static int fam_vm_version(struct plan *p, const struct advise_in *in)
{
	enum ptype t;
	char *want = desired_value(in, "hw_version", &t);
	char *v = ps_q(in->object_name), *vs = sh_q(in->object_name);
	const char *num = want ? want + strcspn(want, "0123456789") : "<n>";
	json_t *cmds = json_pack("[o, o]",
				 command("powercli", "Set-VM -VM (Get-VM -Name %s) -HardwareVersion vmx-%s -Confirm:$false", v, num),
				 command("govc", "govc vm.upgrade -vm %s -version %s", vs, num));
	plan_manual(p, "Power the VM off, upgrade its compatibility (virtual hardware), power it on.", cmds, NULL);
	plan_impact(p, true, true, "15 minutes per VM", "none: virtual hardware is not downgraded; restore from a snapshot taken before");
	plan_note(p, "a hardware upgrade cannot be undone by a rollback step: take a snapshot first");
	p->exact = false;
	p->summary = xasprintf("Upgrade the virtual hardware of %s.", in->object_name);
	free(want), free(v), free(vs);
	return 1;
}

static int fam_tools(struct plan *p, const struct advise_in *in)
{
	char *v = ps_q(in->object_name), *vs = sh_q(in->object_name);
	json_t *cmds = json_pack("[o, o]", command("powercli", "Update-Tools -VM (Get-VM -Name %s) -NoReboot", v),
				 command("govc", "govc vm.guest.tools -vm %s -upgrade", vs));
	plan_manual(p, "Install or upgrade VMware Tools in the guest.", cmds, NULL);
	plan_impact(p, true, false, "10 minutes per VM", "none needed: Tools are not downgraded");
	p->exact = false;
	p->summary = xasprintf("Upgrade VMware Tools on %s.", in->object_name);
	free(v), free(vs);
	return 1;
}

/* ---- DFW ---- */

static const char *last_segment(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s ? s + 1 : path;
}

static json_t *dfw_ids(const struct advise_in *in)
{
	const char *policy = prop(in, "policy"), *id = prop(in, "id");
	return json_pack("{s:s, s:s, s:s}", "policy_id", last_segment(policy ? policy : ""), "rule_id",
			 id ? id : last_segment(in->moref), "target", in->target);
}

/* The rule as observed, for create_dfw_rule to put it back exactly. */
static json_t *dfw_rule_as_seen(const struct advise_in *in)
{
	json_t *r = dfw_ids(in);
	static const struct {
		const char *param, *prop;
		enum ptype t;
	} f[] = {
		{ "display_name", "name", PT_STRING },	 { "action", "action", PT_STRING },
		{ "sources", "source_groups", PT_LIST }, { "destinations", "destination_groups", PT_LIST },
		{ "services", "services", PT_LIST },	 { "scope", "scope", PT_LIST },
		{ "direction", "direction", PT_STRING }, { "ip_protocol", "ip_protocol", PT_STRING },
		{ "logged", "logged", PT_BOOL },	 { "disabled", "disabled", PT_BOOL },
		{ "sequence_number", "sequence_number", PT_INT },
	};
	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		const char *v = prop(in, f[i].prop);
		if (v)
			json_object_set_new(r, f[i].param, typed(f[i].t, v));
	}
	return r;
}

static int fam_dfw_rule(struct plan *p, const struct advise_in *in)
{
	const char *name = in->property;
	bool any = strstr(name, "_any") != NULL;
	if (any) {
		/* ANY/ANY: delete (with confirm, destructive); the rollback
		 * recreates the rule as it was. */
		json_t *params = dfw_ids(in);
		json_object_set_new(params, "confirm", json_true());
		plan_change(p, "(rule)", "present", "deleted");
		char *desc = xasprintf("Delete DFW rule %s (%s) of policy %s; scoping its sources, destinations or "
				       "Applied To to the groups that need the flow is the alternative.",
				       in->object_name, json_string_value(json_object_get(params, "rule_id")),
				       json_string_value(json_object_get(params, "policy_id")));
		plan_tool(p, in, "nsx-security", "delete_dfw_rule", params, "create_dfw_rule", dfw_rule_as_seen(in),
			  desc);
		free(desc);
		plan_impact(p, true, true, "5 minutes",
			    "create_dfw_rule with the rule's observed fields (sources, destinations, services, scope, "
			    "action, sequence number) puts it back as it was.");
		plan_note(p, "flows that only this rule admitted will be dropped");
		p->summary = xasprintf("Delete the ANY/ANY ALLOW rule %s, or scope it to the groups that need it.",
				       in->object_name);
		return 1;
	}
	enum ptype t;
	char *want = desired_value(in, name, &t);
	const char *seen = prop(in, name);
	static const char *const fields[] = { "logged", "disabled", "action", "sequence_number", "direction",
					      "ip_protocol" };
	size_t i;
	for (i = 0; i < ARRAY_SIZE(fields) && strcmp(fields[i], name); i++)
		;
	if (!want || !seen || i == ARRAY_SIZE(fields)) {
		free(want);
		return 0;
	}
	plan_change(p, name, seen, want);
	json_t *params = dfw_ids(in), *rb = dfw_ids(in);
	json_object_set_new(params, name, typed(t, want));
	json_object_set_new(rb, name, typed(t, seen));
	char *desc = xasprintf("Set %s of DFW rule %s to %s (seen %s).", name, in->object_name, want, seen);
	plan_tool(p, in, "nsx-security", "update_dfw_rule", params, "update_dfw_rule", rb, desc);
	char *rbs = xasprintf("update_dfw_rule with %s %s, as observed.", name, seen);
	bool drops = !strcmp(name, "action") || !strcmp(name, "disabled");
	plan_impact(p, drops, drops, "1 minute", rbs);
	p->summary = xasprintf("Set %s = %s on DFW rule %s.", name, want, in->object_name);
	free(want), free(desc), free(rbs);
	return 1;
}

static int fam_dfw_policy(struct plan *p, const struct advise_in *in)
{
	enum ptype t;
	char *want = desired_value(in, in->property, &t);
	const char *seen = prop(in, in->property);
	if (!want || !seen || strcmp(in->property, "stateful")) {
		free(want);
		return 0;
	}
	const char *id = prop(in, "id");
	json_t *params = json_pack("{s:s, s:s}", "policy_id", id ? id : last_segment(in->moref), "target", in->target);
	json_t *rb = json_deep_copy(params);
	plan_change(p, "stateful", seen, want);
	json_object_set_new(params, "stateful", typed(PT_BOOL, want));
	json_object_set_new(rb, "stateful", typed(PT_BOOL, seen));
	char *desc = xasprintf("Make DFW policy %s %s.", in->object_name, !strcmp(want, "true") ? "stateful" : "stateless");
	plan_tool(p, in, "nsx-security", "update_dfw_policy", params, "update_dfw_policy", rb, desc);
	char *rbs = xasprintf("update_dfw_policy with stateful %s, as observed.", seen);
	plan_impact(p, true, true, "5 minutes", rbs);
	plan_note(p, "changing a policy's statefulness resets the connections it tracks");
	p->summary = xasprintf("Set stateful = %s on DFW policy %s.", want, in->object_name);
	free(want), free(desc), free(rbs);
	return 1;
}

/* ---- from the rule's own remediation block ---- */

static json_t *fill_template(const json_t *v, const struct advise_in *in)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		struct { const char *key, *val; } subst[] = {
			{ "{object.name}", in->object_name }, { "{object.moref}", in->moref },
			{ "{object.id}", in->moref }, { "{observed}", in->observed },
			{ "{expected}", in->expected }, { "{target}", in->target },
		};
		struct buf b = BUF_INIT;
		while (*s) {
			size_t k;
			for (k = 0; k < ARRAY_SIZE(subst); k++)
				if (!strncmp(s, subst[k].key, strlen(subst[k].key)))
					break;
			if (k < ARRAY_SIZE(subst)) {
				buf_puts(&b, subst[k].val ? subst[k].val : "");
				s += strlen(subst[k].key);
			} else {
				buf_putc(&b, *s++);
			}
		}
		json_t *out = json_string(b.data ? b.data : "");
		buf_release(&b);
		return out;
	}
	if (json_is_array(v)) {
		json_t *a = json_array();
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			json_array_append_new(a, fill_template(x, in));
		return a;
	}
	if (json_is_object(v)) {
		json_t *o = json_object();
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(o, k, fill_template(x, in));
		return o;
	}
	return json_deep_copy(v);
}

/* The rule's mcp_tool when the catalog lists it, else its prose steps. */
static int fam_rule_block(struct plan *p, const struct advise_in *in, bool tool_only)
{
	json_t *rem = json_object_get(in->rule->details, "remediation");
	const char *q = json_string_value(json_object_get(rem, "mcp_tool"));
	char *skill = NULL, *tool = NULL;
	json_t *rbp = json_object_get(rem, "rollback_params");
	if (q && tool_split(q, &skill, &tool) == 0 && catalog_has(in->cat, skill, tool) && tool_only && !rbp) {
		plan_note(p, "the baseline names %s without rollback parameters: the exact plan above is used instead",
			  q);
	} else if (q && skill && catalog_has(in->cat, skill, tool)) {
		json_t *params = fill_template(json_object_get(rem, "params"), in);
		if (!json_is_object(params)) {
			json_decref(params);
			params = json_object();
		}
		plan_tool(p, in, skill, tool, params, json_string_value(json_object_get(rem, "rollback_tool")),
			  rbp ? fill_template(rbp, in) : NULL, json_string_value(json_object_get(rem, "summary")));
		if (!rbp) {
			plan_note(p, "the baseline's remediation gives no rollback for %s.%s", skill, tool);
			p->exact = false;
		}
		free(skill), free(tool);
		if (!p->impact)
			plan_impact(p, false, false, "unknown", "as the baseline's remediation describes");
		return 1;
	}
	if (q && skill && !catalog_has(in->cat, skill, tool))
		plan_note(p, "the baseline names %s, which the catalog (%s) does not list", q,
			  in->cat && in->cat->source ? in->cat->source : "none");
	free(skill), free(tool);
	if (tool_only)
		return 0;
	json_t *cmds = json_array(), *steps = json_object_get(rem, "steps");
	size_t i;
	json_t *s;
	json_array_foreach(steps, i, s)
		json_array_append_new(cmds, json_pack("{s:s, s:O}", "shell", "prose", "command", s));
	const char *summary = json_string_value(json_object_get(rem, "summary"));
	if (!json_array_size(cmds))
		json_array_append_new(cmds, json_pack("{s:s, s:s}", "shell", "prose", "command",
						      summary ? summary : in->rule->title));
	plan_manual(p, summary ? summary : in->rule->title, cmds, NULL);
	plan_impact(p, false, false, "unknown", "review before applying: the baseline gives no exact rollback");
	plan_note(p, "no exact plan derives from this check: a person must carry out the steps");
	p->exact = false;
	p->summary = xstrdup(summary ? summary : in->rule->title);
	return 1;
}

/* ---- host networking, trust, dvFilters and vCenter settings ---- */

/* The elements of a collected list; an empty array when it is not one. */
static json_t *list_of(const char *v)
{
	json_t *a = v ? json_loads(v, 0, NULL) : NULL;
	if (!json_is_array(a)) {
		json_decref(a);
		a = json_array();
	}
	return a;
}

/* network.{promiscuous,mac_changes,forged_transmits}_allowed: the switches
 * ("vSwitch0") and port groups ("vSwitch0/VM Network") that accept. */
static int fam_net_security(struct plan *p, const struct advise_in *in)
{
	static const struct {
		const char *prop, *ps, *govc;
	} fields[] = {
		{ "network.promiscuous_allowed", "AllowPromiscuous", "allow-promiscuous" },
		{ "network.mac_changes_allowed", "MacChanges", "mac-changes" },
		{ "network.forged_transmits_allowed", "ForgedTransmits", "forged-transmits" },
	};
	size_t f;
	for (f = 0; f < ARRAY_SIZE(fields) && strcmp(fields[f].prop, in->property); f++)
		;
	if (f == ARRAY_SIZE(fields))
		return 0;
	json_t *seen = list_of(prop(in, in->property)), *e;
	json_t *cmds = json_array(), *back = json_array();
	char *h = ps_q(in->object_name), *hs = sh_q(in->object_name);
	size_t i;
	json_array_foreach(seen, i, e) {
		const char *name = json_string_value(e), *slash = name ? strchr(name, '/') : NULL;
		if (!name)
			continue;
		for (int on = 0; on < 2; on++) {
			json_t *to = on ? back : cmds;
			const char *v = on ? "$true" : "$false";
			if (!slash) {
				char *sw = ps_q(name);
				json_array_append_new(to, command("powercli", "Get-VirtualSwitch -VMHost (Get-VMHost -Name %s) "
									   "-Standard -Name %s | Get-SecurityPolicy | "
									   "Set-SecurityPolicy -%s %s", h, sw, fields[f].ps, v));
				free(sw);
			} else {
				char *pg = sh_q(slash + 1);
				json_array_append_new(to, command("govc", "govc host.portgroup.change -host %s -%s=%s %s", hs,
								  fields[f].govc, on ? "true" : "false", pg));
				free(pg);
			}
		}
	}
	if (!json_array_size(cmds)) {
		json_array_append_new(cmds, command("powercli", "Get-VirtualSwitch -VMHost (Get-VMHost -Name %s) -Standard | "
								"Get-SecurityPolicy | Set-SecurityPolicy -%s $false", h, fields[f].ps));
		json_array_append_new(back, command("powercli", "Get-VirtualSwitch -VMHost (Get-VMHost -Name %s) -Standard | "
								"Get-SecurityPolicy | Set-SecurityPolicy -%s $true", h, fields[f].ps));
	}
	plan_change(p, in->property, prop(in, in->property), "[]");
	char *desc = xasprintf("Reject %s on the standard switches and port groups of host %s that accept it.",
			       fields[f].ps, in->object_name);
	plan_manual(p, desc, cmds, back);
	plan_impact(p, true, false, "1 minute", "Set the policy back to accept with the rollback commands.");
	plan_note(p, "a guest that relies on %s (a nested hypervisor, a load balancer) loses that traffic", fields[f].ps);
	p->summary = xasprintf("Reject %s on host %s.", fields[f].ps, in->object_name);
	json_decref(seen);
	free(h), free(hs), free(desc);
	return 1;
}

/* network.vgt_portgroups / network.native_vlan_portgroups: the port group
 * needs a VLAN of its own, which only the network's design can name. */
static int fam_net_vlan(struct plan *p, const struct advise_in *in)
{
	json_t *seen = list_of(prop(in, in->property)), *e;
	json_t *cmds = json_array(), *back = json_array();
	char *hs = sh_q(in->object_name);
	bool vgt = !strcmp(in->property, "network.vgt_portgroups");
	size_t i;
	json_array_foreach(seen, i, e) {
		const char *name = json_string_value(e), *slash = name ? strchr(name, '/') : NULL;
		char *pg = sh_q(slash ? slash + 1 : name ? name : "");
		json_array_append_new(cmds, command("govc", "govc host.portgroup.change -host %s -vlan-id <vlan> %s", hs, pg));
		if (vgt)
			json_array_append_new(back, command("govc", "govc host.portgroup.change -host %s -vlan-id 4095 %s",
							    hs, pg));
		free(pg);
	}
	if (!json_array_size(cmds))
		json_array_append_new(cmds, command("govc", "govc host.portgroup.change -host %s -vlan-id <vlan> <port group>",
						    hs));
	plan_change(p, in->property, prop(in, in->property), "[]");
	plan_manual(p, vgt ? "Give each port group on VLAN 4095 the single VLAN its guests use."
			   : "Move each port group off the native VLAN (0 or 1) onto the VLAN of its network.", cmds, back);
	plan_impact(p, true, true, "15 minutes", "Set the port group's VLAN back to what it was.");
	plan_note(p, "the VLAN a port group belongs on is the site's network design, and the physical switch port "
		     "must carry it: a person names it and reviews the change");
	p->exact = false;
	p->summary = xasprintf("Put the port groups of host %s on their own VLANs.", in->object_name);
	json_decref(seen);
	free(hs);
	return 1;
}

/* network.*_vnics_shared: "vmk0:vmotion" entries; the other service moves
 * off that adapter. */
static int fam_vnic(struct plan *p, const struct advise_in *in)
{
	json_t *seen = list_of(prop(in, in->property)), *e;
	json_t *cmds = json_array(), *back = json_array();
	char *hs = sh_q(in->object_name);
	size_t i;
	json_array_foreach(seen, i, e) {
		const char *entry = json_string_value(e), *colon = entry ? strchr(entry, ':') : NULL;
		if (!colon)
			continue;
		char *dev = xstrndup(entry, (size_t)(colon - entry)), *d = sh_q(dev), *svc = sh_q(colon + 1);
		json_array_append_new(cmds, command("govc", "govc host.vnic.service -host %s -enable=false %s %s", hs, svc, d));
		json_array_append_new(back, command("govc", "govc host.vnic.service -host %s -enable=true %s %s", hs, svc, d));
		free(dev), free(d), free(svc);
	}
	if (!json_array_size(cmds)) {
		json_array_append_new(cmds, command("govc", "govc host.vnic.info -host %s", hs));
		json_array_append_new(back, command("govc", "govc host.vnic.info -host %s", hs));
	}
	plan_change(p, in->property, prop(in, in->property), "[]");
	plan_manual(p, "Take the other services off the adapter, leaving it to its own traffic.", cmds, back);
	plan_impact(p, true, true, "15 minutes", "Select the service on the adapter again (govc host.vnic.service -enable=true).");
	plan_note(p, "the service needs another VMkernel adapter on its own network first, or it stops");
	p->summary = xasprintf("Separate the VMkernel services of host %s.", in->object_name);
	json_decref(seen);
	free(hs);
	return 1;
}

static int fam_lockdown_exceptions(struct plan *p, const struct advise_in *in)
{
	json_t *seen = list_of(prop(in, in->property)), *e;
	char *h = ps_q(in->object_name);
	struct buf users = BUF_INIT;
	size_t i;
	json_array_foreach(seen, i, e) {
		char *u = ps_q(json_string_value(e) ? json_string_value(e) : "");
		buf_printf(&users, "%s%s", i ? "," : "", u);
		free(u);
	}
	char *mgr = xasprintf("(Get-View (Get-VMHost -Name %s).ExtensionData.ConfigManager.HostAccessManager)", h);
	json_t *cmds = json_pack("[o]", command("powercli", "%s.UpdateLockdownExceptions(@())", mgr));
	json_t *back = json_pack("[o]", command("powercli", "%s.UpdateLockdownExceptions(@(%s))", mgr,
						users.data ? users.data : ""));
	plan_change(p, in->property, prop(in, in->property), "[]");
	plan_manual(p, "Empty the lockdown exception users list (HostAccessManager.UpdateLockdownExceptions).", cmds, back);
	plan_impact(p, true, false, "1 minute", "Restore the list with the rollback command.");
	plan_note(p, "a service account on the list (a backup agent) loses direct access while lockdown mode is on; "
		     "an approved one is waived rather than removed");
	p->summary = xasprintf("Remove the lockdown exception users of host %s.", in->object_name);
	json_decref(seen);
	buf_release(&users);
	free(h), free(mgr);
	return 1;
}

static const char *esxcli_level(const char *level)
{
	static const char *const map[][2] = { { "vmware_certified", "VMwareCertified" },
					      { "vmware_accepted", "VMwareAccepted" },
					      { "partner", "PartnerSupported" },
					      { "community", "CommunitySupported" } };
	for (size_t i = 0; level && i < ARRAY_SIZE(map); i++)
		if (!strcmp(map[i][0], level))
			return map[i][1];
	return NULL;
}

static int fam_acceptance(struct plan *p, const struct advise_in *in)
{
	json_t *params = json_object_get(json_object_get(in->rule->details, "remediation"), "params");
	const char *want = json_string_value(json_object_get(params, "level"));
	const char *seen = prop(in, in->property);
	if (!esxcli_level(want))
		want = "partner";
	char *hs = sh_q(in->object_name);
	json_t *cmds = json_pack("[o]", command("govc", "govc host.esxcli -host %s software acceptance set --level=%s", hs,
						esxcli_level(want)));
	json_t *back = json_array();
	if (esxcli_level(seen))
		json_array_append_new(back, command("govc", "govc host.esxcli -host %s software acceptance set --level=%s",
						    hs, esxcli_level(seen)));
	else
		json_array_append_new(back, command("govc", "govc host.esxcli -host %s software acceptance get", hs));
	plan_change(p, in->property, seen, want);
	plan_manual(p, "Raise the host's image acceptance level.", cmds, back);
	plan_impact(p, false, false, "1 minute", "Set the level back with the rollback command.");
	plan_note(p, "VIBs already installed below the new level stay installed: list them with "
		     "esxcli software vib list and remove the community ones");
	p->summary = xasprintf("Set the acceptance level of host %s to %s.", in->object_name, want);
	free(hs);
	return 1;
}

/* dvfilters: "ethernet0.filter0.name=NAME" entries; an empty value removes
 * the key. */
static int fam_dvfilter(struct plan *p, const struct advise_in *in)
{
	json_t *seen = list_of(prop(in, in->property)), *e;
	json_t *cmds = json_array(), *back = json_array();
	char *vs = sh_q(in->object_name);
	size_t i;
	json_array_foreach(seen, i, e) {
		const char *entry = json_string_value(e), *eq = entry ? strchr(entry, '=') : NULL;
		if (!eq)
			continue;
		char *key = xstrndup(entry, (size_t)(eq - entry)), *k = sh_q(key), *kv = sh_q(entry);
		json_array_append_new(cmds, command("govc", "govc vm.change -vm %s -e %s=", vs, k));
		json_array_append_new(back, command("govc", "govc vm.change -vm %s -e %s", vs, kv));
		free(key), free(k), free(kv);
	}
	if (!json_array_size(cmds)) {
		json_array_append_new(cmds, command("govc", "govc vm.info -e -vm %s", vs));
		json_array_append_new(back, command("govc", "govc vm.info -e -vm %s", vs));
	}
	plan_change(p, in->property, prop(in, in->property), "[]");
	plan_manual(p, "Remove the dvFilter entries (ethernetN.filterM.name) from the VM's advanced settings.", cmds, back);
	plan_impact(p, true, false, "1 minute", "Add the entries back with the rollback commands.");
	plan_note(p, "a security appliance that inspects the VM's traffic through the filter stops seeing it");
	p->summary = xasprintf("Remove the dvFilters of VM %s.", in->object_name);
	json_decref(seen);
	free(vs);
	return 1;
}

static void vc_option_commands(json_t *cmds, const char *key, const char *value)
{
	char *k = ps_q(key), *v = ps_q(value), *ks = sh_q(key), *vs = sh_q(value);
	json_array_append_new(cmds, command("powercli", "Get-AdvancedSetting -Entity $global:DefaultVIServer -Name %s | "
							"Set-AdvancedSetting -Value %s -Confirm:$false", k, v));
	json_array_append_new(cmds, command("govc", "govc option.set %s %s", ks, vs));
	free(k), free(v), free(ks), free(vs);
}

/* vCenter's own advanced settings (vpxd). */
static int fam_vc_option(struct plan *p, const struct advise_in *in)
{
	const char *key = in->property + strlen("option.");
	enum ptype t;
	char *want = desired_value(in, in->property, &t);
	const char *seen = prop(in, in->property);
	if (!want)
		want = remediation_value(in, key);
	if (!want) {
		plan_note(p, "the check on %s does not name one value; choose it", in->property);
		want = xstrdup("<value>");
		p->exact = false;
	}
	json_t *cmds = json_array(), *back = json_array();
	plan_change(p, in->property, seen, want);
	vc_option_commands(cmds, key, want);
	/* An absent setting had vCenter's default: setting that default back is the rollback. */
	vc_option_commands(back, key, seen ? seen : want);
	char *desc = xasprintf("Set vCenter's advanced setting %s to %s (seen %s).", key, want, seen ? seen : "nothing");
	plan_manual(p, desc, cmds, back);
	plan_impact(p, false, false, "1 minute", "Set the setting back to the value seen.");
	p->summary = xasprintf("Set %s to %s on vCenter.", key, want);
	free(desc), free(want);
	return 1;
}

/* iscsi.chap_not_mutual: the adapters need CHAP both ways, with secrets
 * only the site can choose. */
static int fam_iscsi(struct plan *p, const struct advise_in *in)
{
	json_t *seen = list_of(prop(in, in->property)), *e;
	json_t *cmds = json_array(), *back = json_array();
	char *h = ps_q(in->object_name);
	size_t i;
	json_array_foreach(seen, i, e) {
		char *dev = ps_q(json_string_value(e) ? json_string_value(e) : "");
		json_array_append_new(cmds, command("powercli", "Get-VMHostHba -VMHost (Get-VMHost -Name %s) -Device %s | "
								"Set-VMHostHba -ChapType Required -ChapName <name> -ChapPassword "
								"<secret> -MutualChapEnabled $true -MutualChapName <name> "
								"-MutualChapPassword <secret>", h, dev));
		json_array_append_new(back, command("powercli", "Get-VMHostHba -VMHost (Get-VMHost -Name %s) -Device %s | "
								"Select-Object Device, AuthenticationProperties", h, dev));
		free(dev);
	}
	if (!json_array_size(cmds))
		json_array_append_new(cmds, command("powercli", "Get-VMHostHba -VMHost (Get-VMHost -Name %s) -Type IScsi", h));
	plan_change(p, in->property, prop(in, in->property), "[]");
	plan_manual(p, "Require CHAP and mutual CHAP on the iSCSI adapters, with the secrets the targets expect.", cmds,
		    back);
	plan_impact(p, true, true, "30 minutes", "Record the adapters' authentication settings first; set them back the same way.");
	plan_note(p, "the CHAP names and secrets must match what the storage targets are configured with, which only "
		     "the site knows; a mismatch cuts the host off its iSCSI datastores");
	p->exact = false;
	p->summary = xasprintf("Require mutual CHAP on the iSCSI adapters of host %s.", in->object_name);
	json_decref(seen);
	free(h);
	return 1;
}

/* A ReconfigureDVPortgroup_Task that copies the port group's current
 * default port setting and policy and changes one part (ps, PowerCLI). */
static json_t *dvpg_reconfigure(const char *pg, const char *change)
{
	return command("powercli", "$pg = Get-VDPortgroup -Name %s; $s = New-Object VMware.Vim.DVPortgroupConfigSpec; "
				   "$s.ConfigVersion = $pg.ExtensionData.Config.ConfigVersion; "
				   "$s.DefaultPortConfig = $pg.ExtensionData.Config.DefaultPortConfig; "
				   "$s.Policy = $pg.ExtensionData.Config.Policy; %s; "
				   "$pg.ExtensionData.ReconfigureDVPortgroup_Task($s)", pg, change);
}

/* Distributed port group policies. */
static int fam_dvpg(struct plan *p, const struct advise_in *in)
{
	static const struct {
		const char *prop, *ps;
	} sec[] = { { "allow_promiscuous", "AllowPromiscuous" }, { "mac_changes", "MacChanges" },
		    { "forged_transmits", "ForgedTransmits" } };
	const char *prop_name = in->property;
	char *pg = ps_q(in->object_name);
	json_t *cmds = json_array(), *back = json_array();
	const char *want = "false";
	for (size_t i = 0; i < ARRAY_SIZE(sec); i++)
		if (!strcmp(prop_name, sec[i].prop)) {
			json_array_append_new(cmds, command("powercli", "Get-VDPortgroup -Name %s | Get-VDSecurityPolicy | "
									"Set-VDSecurityPolicy -%s $false", pg, sec[i].ps));
			json_array_append_new(back, command("powercli", "Get-VDPortgroup -Name %s | Get-VDSecurityPolicy | "
									"Set-VDSecurityPolicy -%s $true", pg, sec[i].ps));
		}
	if (!strcmp(prop_name, "mac_learning")) {
		json_array_append_new(cmds, dvpg_reconfigure(pg, "$s.DefaultPortConfig.MacManagementPolicy.MacLearningPolicy.Enabled = $false"));
		json_array_append_new(back, dvpg_reconfigure(pg, "$s.DefaultPortConfig.MacManagementPolicy.MacLearningPolicy.Enabled = $true"));
	} else if (!strcmp(prop_name, "reset_at_disconnect")) {
		want = "true";
		json_array_append_new(cmds, dvpg_reconfigure(pg, "$s.Policy.PortConfigResetAtDisconnect = $true"));
		json_array_append_new(back, dvpg_reconfigure(pg, "$s.Policy.PortConfigResetAtDisconnect = $false"));
	} else if (!strcmp(prop_name, "overrides_allowed")) {
		want = "[]";
		json_t *seen = list_of(prop(in, prop_name)), *e;
		size_t i;
		json_array_foreach(seen, i, e) {
			const char *n = json_string_value(e);
			if (!n || !*n || strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(n))
				continue;	/* only the policy's own field names reach a command */
			bool live = !strcmp(n, "livePortMoving");
			char *off = xasprintf("$s.Policy.%c%s%s = $false", toupper((unsigned char)n[0]), n + 1,
					      live ? "Allowed" : "OverrideAllowed");
			char *on = xasprintf("$s.Policy.%c%s%s = $true", toupper((unsigned char)n[0]), n + 1,
					     live ? "Allowed" : "OverrideAllowed");
			json_array_append_new(cmds, dvpg_reconfigure(pg, off));
			json_array_append_new(back, dvpg_reconfigure(pg, on));
			free(off), free(on);
		}
		json_decref(seen);
		if (!json_array_size(cmds)) {
			json_array_append_new(cmds, command("powercli", "(Get-VDPortgroup -Name %s).ExtensionData.Config.Policy", pg));
			json_array_append_new(back, command("powercli", "(Get-VDPortgroup -Name %s).ExtensionData.Config.Policy", pg));
		}
	} else if (!strcmp(prop_name, "vlan_trunk")) {
		json_array_append_new(cmds, command("powercli", "Get-VDPortgroup -Name %s | Set-VDVlanConfiguration -VlanId <vlan>", pg));
		plan_note(p, "the VLAN the port group belongs on is the site's network design: a person names it");
		p->exact = false;
	}
	if (!json_array_size(cmds)) {
		json_decref(cmds), json_decref(back), free(pg);
		return 0;
	}
	plan_change(p, prop_name, prop(in, prop_name), want);
	char *desc = xasprintf("Set %s of distributed port group %s to %s.", prop_name, in->object_name, want);
	plan_manual(p, desc, cmds, back);
	plan_impact(p, true, false, "1 minute", "Apply the rollback commands, which set the value back.");
	p->summary = xasprintf("Set %s to %s on port group %s.", prop_name, want, in->object_name);
	free(desc), free(pg);
	return 1;
}

/* ---- the suggestion ---- */

struct family {
	const char *object_type;	/* NULL: any */
	const char *prefix;		/* the property, or its prefix ending in '.' */
	int (*build)(struct plan *p, const struct advise_in *in);
};

static const struct family families[] = {
	{ "host", "ntp.servers", fam_ntp },
	{ "host", "service.ntpd.", fam_ntp },
	{ "host", "option.", fam_option },
	{ "host", "password_quality.", fam_passwdqc },
	{ "host", "service.", fam_service },
	{ "host", "lockdown_mode", fam_lockdown },
	{ "host", "firewall.", fam_firewall },
	{ "host", "version", fam_host_version },
	{ "vm", "extra.", fam_extra },
	{ "vm", "device.", fam_device },
	{ "vm", "hw_version", fam_vm_version },
	{ "vm", "tools_status", fam_tools },
	{ "host", "network.promiscuous_allowed", fam_net_security },
	{ "host", "network.mac_changes_allowed", fam_net_security },
	{ "host", "network.forged_transmits_allowed", fam_net_security },
	{ "host", "network.vgt_portgroups", fam_net_vlan },
	{ "host", "network.native_vlan_portgroups", fam_net_vlan },
	{ "host", "network.management_vnics_shared", fam_vnic },
	{ "host", "network.vsan_vnics_shared", fam_vnic },
	{ "host", "lockdown.exception_users", fam_lockdown_exceptions },
	{ "host", "image.acceptance_level", fam_acceptance },
	{ "vm", "dvfilters", fam_dvfilter },
	{ "vcenter", "option.", fam_vc_option },
	{ "host", "iscsi.chap_not_mutual", fam_iscsi },
	{ "dvportgroup", "", fam_dvpg },
	{ "dfw_rule", "", fam_dfw_rule },
	{ "dfw_policy", "", fam_dfw_policy },
};

static bool family_matches(const struct family *f, const struct advise_in *in)
{
	if (!in->property || (f->object_type && strcmp(f->object_type, in->object_type)))
		return false;
	size_t n = strlen(f->prefix);
	if (n && f->prefix[n - 1] == '.')
		return !strncmp(in->property, f->prefix, n);
	return !n || !strcmp(in->property, f->prefix);
}

static void split_properties(const char *property, struct strlist *out)
{
	for (const char *p = property; p && *p;) {
		size_t n = strcspn(p, ";");
		strlist_add_owned(out, xstrndup(p, n));
		p += n;
		while (*p == ';' || *p == ' ')
			p++;
	}
}

static size_t count_tool_steps(const json_t *steps)
{
	size_t n = 0, i;
	json_t *st;
	json_array_foreach(steps, i, st)
		n += !json_is_true(json_object_get(st, "manual"));
	return n;
}

static double round2(double d)
{
	return floor(d * 100 + 0.5) / 100;
}

json_t *advise_offline(const struct advise_in *in)
{
	struct plan p = { json_array(), NULL, NULL, 0.95, true, json_array(), json_array() };
	int done = 0;
	/* Evidence of an all/any check names its properties joined by "; ":
	 * the first a family can fix is the one the plan changes. */
	struct strlist parts = { 0 };
	split_properties(in->property, &parts);
	for (size_t k = 0; k < parts.n && !done; k++) {
		struct advise_in one = *in;
		one.property = parts.v[k];
		if (parts.n > 1)
			one.observed = prop(in, parts.v[k]);
		for (size_t i = 0; i < ARRAY_SIZE(families) && !done; i++)
			if (family_matches(&families[i], &one))
				done = families[i].build(&p, &one);
	}
	strlist_release(&parts);
	/* The rule's own tool, when the family offers only commands. */
	if (done && !count_tool_steps(p.steps)) {
		struct plan alt = { json_array(), NULL, NULL, 0.9, true, json_array(), json_array() };
		if (fam_rule_block(&alt, in, true)) {
			json_array_extend(p.steps, alt.steps);
			for (size_t i = 0; i < json_array_size(p.steps); i++)
				json_object_set_new(json_array_get(p.steps, i), "step", json_integer((json_int_t)i + 1));
		}
		json_array_extend(p.notes, alt.notes);
		json_decref(alt.steps), json_decref(alt.notes), json_decref(alt.impact), json_decref(alt.change);
		free(alt.summary);
	}
	if (!done)
		fam_rule_block(&p, in, false);
	if (!p.exact)
		p.confidence = 0.6;
	else if (!count_tool_steps(p.steps))
		p.confidence = 0.9;

	json_t *review = json_object_get(in->rule->details, "review");
	json_t *s = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "schema", SUGGESTION_SCHEMA, "schema_version",
			      SUGGESTION_VERSION, "violation_id", in->violation_id, "target", in->target, "baseline",
			      in->baseline_id ? in->baseline_id : "", "rule_id", in->rule->id, "rule_title",
			      in->rule->title, "severity", severity_name(in->rule->severity));
	json_object_set_new(s, "object", json_pack("{s:s, s:s, s:s}", "type", in->object_type, "id", in->moref, "name",
						   in->object_name ? in->object_name : ""));
	json_object_set_new(s, "evidence", json_pack("{s:o, s:o, s:o}", "property",
						     in->property ? json_string(in->property) : json_null(), "observed",
						     in->observed ? json_string(in->observed) : json_null(), "expected",
						     in->expected ? json_string(in->expected) : json_null()));
	json_object_set_new(s, "summary", json_string(p.summary ? p.summary : in->rule->title));
	json_object_set_new(s, "change", p.change);
	json_object_set_new(s, "execution_plan", json_pack("{s:o}", "steps", p.steps));
	json_object_set_new(s, "impact_prediction", p.impact ? p.impact : json_pack("{s:b, s:b, s:s, s:s}",
					"affects_running_workload", false, "requires_maintenance_window", false,
					"estimated_duration", "unknown", "rollback_plan", "none"));
	json_object_set_new(s, "confidence", json_real(round2(p.confidence)));
	json_object_set_new(s, "review", review ? json_deep_copy(review) : json_object());
	json_object_set_new(s, "notes", p.notes);
	json_object_set_new(s, "source", json_pack("{s:s, s:{s:o, s:o}}", "kind", "baseline", "catalog", "source",
						   in->cat && in->cat->source ? json_string(in->cat->source) : json_null(),
						   "date", in->cat && in->cat->date ? json_string(in->cat->date) : json_null()));
	advise_settle_review(s, !p.exact);
	free(p.summary);
	return s;
}

size_t advise_tool_steps(const json_t *suggestion)
{
	return count_tool_steps(json_object_get(json_object_get(suggestion, "execution_plan"), "steps"));
}

void advise_settle_review(json_t *s, bool own)
{
	json_object_set_new(s, "human_review_required", json_boolean(own));
	struct strlist why = { 0 };
	bool need = advise_review_needed(s, &why);
	json_t *reasons = json_array();
	for (size_t i = 0; i < why.n; i++)
		json_array_append_new(reasons, json_string(why.v[i]));
	strlist_release(&why);
	json_object_set_new(s, "human_review_required", json_boolean(need));
	json_object_set_new(s, "review_reasons", reasons);
}

bool advise_review_needed(const json_t *s, struct strlist *why)
{
	bool need = false;
	json_t *review = json_object_get(s, "review");
#define REASON(...)                                                    \
	do {                                                           \
		need = true;                                           \
		if (why)                                               \
			strlist_add_owned(why, xasprintf(__VA_ARGS__)); \
	} while (0)
	if (json_is_true(json_object_get(review, "human_review_required")))
		REASON("the rule asks for human review");
	json_t *minc = json_object_get(review, "min_confidence");
	double conf = json_number_value(json_object_get(s, "confidence"));
	if (json_is_number(minc) && conf < json_number_value(minc))
		REASON("confidence %.2f is below the rule's minimum %.2f", conf, json_number_value(minc));
	json_t *steps = json_object_get(json_object_get(s, "execution_plan"), "steps");
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st) {
		const char *tool = json_string_value(json_object_get(st, "tool"));
		if (json_is_true(json_object_get(st, "destructive")))
			REASON("step %zu (%s) is destructive", i + 1, tool ? tool : "?");
		if (tool && !json_is_true(json_object_get(st, "verified")))
			REASON("step %zu names %s.%s, which the skill catalog does not list", i + 1,
			       json_string_value(json_object_get(st, "skill")), tool);
		else if (tool && !json_is_true(json_object_get(st, "destructive")) &&
			 !json_is_string(json_object_get(st, "risk")))
			REASON("step %zu (%s) has no risk class in the catalog: pilot gates it, and its approval "
			       "needs a person", i + 1, tool);
	}
	if (!need && json_is_true(json_object_get(s, "human_review_required")))
		REASON("the suggestion asks for human review");
#undef REASON
	return need;
}
