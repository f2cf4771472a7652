/* Suggestions for people (a plan on the terminal) and for other tools (an
 * Ansible playbook using the community.vmware collection, a PowerCLI
 * script).  harden writes them; it never runs them. */
#include <stdlib.h>
#include <string.h>

#include "advise/advise.h"

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* One line of a script: line breaks in s become spaces. */
static void put_line(FILE *f, const char *prefix, const char *s)
{
	fputs(prefix, f);
	for (; s && *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	fputc('\n', f);
}

static void put_json(FILE *f, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	fput_safe(f, s ? s : "null", 0);
	free(s);
}

static void put_commands(FILE *f, const char *indent, const json_t *cmds)
{
	size_t i;
	json_t *c;
	json_array_foreach(cmds, i, c) {
		fprintf(f, "%s%-8s ", indent, jstr(c, "shell"));
		fput_safe(f, jstr(c, "command"), 0);
		fputc('\n', f);
	}
}

void advise_print(FILE *f, const json_t *s)
{
	const json_t *obj = json_object_get(s, "object");
	fprintf(f, "%s  %s  %s  %s ", jstr(s, "violation_id"), jstr(s, "severity"), jstr(s, "rule_id"),
		jstr(obj, "type"));
	fput_safe(f, jstr(obj, "name"), 0);
	json_t *rev = json_object_get(s, "revision");
	if (rev)
		fprintf(f, "  (revision %lld)", (long long)json_integer_value(rev));
	fputs("\n  ", f);
	fput_safe(f, jstr(s, "summary"), 0);
	fputc('\n', f);
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(json_object_get(s, "execution_plan"), "steps"), i, st) {
		if (json_is_true(json_object_get(st, "manual"))) {
			fprintf(f, "  step %zu (manual): ", i + 1);
			fput_safe(f, jstr(st, "description"), 0);
			fputc('\n', f);
			put_commands(f, "      ", json_object_get(st, "commands"));
			if (json_array_size(json_object_get(st, "rollback_commands"))) {
				fputs("    rollback:\n", f);
				put_commands(f, "      ", json_object_get(st, "rollback_commands"));
			}
			continue;
		}
		fprintf(f, "  step %zu: %s.%s ", i + 1, jstr(st, "skill"), jstr(st, "tool"));
		put_json(f, json_object_get(st, "params"));
		if (json_is_true(json_object_get(st, "destructive")))
			fputs("  [destructive]", f);
		if (!json_is_true(json_object_get(st, "verified")))
			fputs("  [unverified: not in the skill catalog]", f);
		fputc('\n', f);
		if (json_is_string(json_object_get(st, "rollback_tool"))) {
			fprintf(f, "    rollback: %s.%s ", jstr(st, "skill"), jstr(st, "rollback_tool"));
			put_json(f, json_object_get(st, "rollback_params"));
			fputc('\n', f);
		}
	}
	const json_t *imp = json_object_get(s, "impact_prediction");
	fprintf(f, "  impact: affects running workload %s, maintenance window %s, about %s\n",
		json_is_true(json_object_get(imp, "affects_running_workload")) ? "yes" : "no",
		json_is_true(json_object_get(imp, "requires_maintenance_window")) ? "yes" : "no",
		jstr(imp, "estimated_duration"));
	fputs("  rollback plan: ", f);
	fput_safe(f, jstr(imp, "rollback_plan"), 0);
	fputc('\n', f);
	json_array_foreach(json_object_get(s, "notes"), i, st) {
		fputs("  note: ", f);
		fput_safe(f, json_string_value(st), 0);
		fputc('\n', f);
	}
	fprintf(f, "  confidence %.2f; human review %s", json_number_value(json_object_get(s, "confidence")),
		json_is_true(json_object_get(s, "human_review_required")) ? "required" : "not required");
	json_array_foreach(json_object_get(s, "review_reasons"), i, st) {
		fputs(i ? "; " : ": ", f);
		fput_safe(f, json_string_value(st), 0);
	}
	fputc('\n', f);
}

/* ---- Ansible ---- */

/* A YAML scalar: JSON's double-quoted string is valid YAML. */
static void yq(FILE *f, const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *q = json_dumps(j ? j : json_string(""), JSON_ENCODE_ANY);
	fputs(q ? q : "\"\"", f);
	free(q);
	json_decref(j);
}

static void yjson(FILE *f, const json_t *v)
{
	char *q = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	fputs(q ? q : "null", f);
	free(q);
}

/* The change to property, or NULL. */
static const json_t *change_of(const json_t *s, const char *property, bool prefix)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(s, "change"), i, c) {
		const char *p = jstr(c, "property");
		if (prefix ? !strncmp(p, property, strlen(property)) : !strcmp(p, property))
			return c;
	}
	return NULL;
}

static void vc_args(FILE *f)
{
	fputs("        hostname: \"{{ vcenter_hostname }}\"\n"
	      "        username: \"{{ vcenter_username }}\"\n"
	      "        password: \"{{ vcenter_password }}\"\n"
	      "        validate_certs: \"{{ vcenter_validate_certs }}\"\n", f);
}

static void task_head(FILE *f, const json_t *s, const char *module, const char *what)
{
	fputs("    - name: ", f);
	char *name = xasprintf("%s %s: %s", jstr(s, "violation_id"), jstr(s, "rule_id"), what);
	yq(f, name);
	free(name);
	fprintf(f, "\n      community.vmware.%s:\n", module);
	vc_args(f);
}

static void commented_manual(FILE *f, const json_t *s)
{
	fprintf(f, "    # %s %s: no community.vmware module does this; the plan's commands:\n", jstr(s, "violation_id"),
		jstr(s, "rule_id"));
	size_t i, k;
	json_t *st, *c;
	json_array_foreach(json_object_get(json_object_get(s, "execution_plan"), "steps"), i, st) {
		if (!json_is_true(json_object_get(st, "manual"))) {
			fprintf(f, "    #   pilot step: %s.%s ", jstr(st, "skill"), jstr(st, "tool"));
			yjson(f, json_object_get(st, "params"));
			fputc('\n', f);
			continue;
		}
		json_array_foreach(json_object_get(st, "commands"), k, c) {
			fprintf(f, "    #   %s: ", jstr(c, "shell"));
			put_line(f, "", jstr(c, "command"));
		}
	}
}

static void ansible_one(FILE *f, const json_t *s)
{
	const json_t *obj = json_object_get(s, "object");
	const char *type = jstr(obj, "type"), *name = jstr(obj, "name");
	const json_t *c;
	if (!strcmp(type, "host") && (c = change_of(s, "ntp.servers", false))) {
		json_t *servers = json_loads(jstr(c, "to"), 0, NULL);
		task_head(f, s, "vmware_host_ntp", "NTP servers");
		fputs("        esxi_hostname: ", f), yq(f, name), fputs("\n        ntp_servers: ", f);
		yjson(f, servers), fputs("\n        state: present\n", f);
		json_decref(servers);
		task_head(f, s, "vmware_host_service_manager", "ntpd running, policy on");
		fputs("        esxi_hostname: ", f), yq(f, name);
		fputs("\n        service_name: ntpd\n        state: start\n        service_policy: \"on\"\n", f);
	} else if (!strcmp(type, "host") && (c = change_of(s, "option.", true))) {
		task_head(f, s, "vmware_host_config_manager", "advanced option");
		fputs("        esxi_hostname: ", f), yq(f, name), fputs("\n        options:\n          ", f);
		yq(f, jstr(c, "property") + strlen("option.")), fputs(": ", f), yq(f, jstr(c, "to")), fputc('\n', f);
	} else if (!strcmp(type, "host") && (c = change_of(s, "service.", true))) {
		char *svc = xstrdup(jstr(c, "property") + strlen("service."));
		char *dot = strrchr(svc, '.');
		if (dot)
			*dot = '\0';
		char *rn = xasprintf("service.%s.running", svc), *pn = xasprintf("service.%s.policy", svc);
		const json_t *run = change_of(s, rn, false), *pol = change_of(s, pn, false);
		task_head(f, s, "vmware_host_service_manager", "service");
		fputs("        esxi_hostname: ", f), yq(f, name), fputs("\n        service_name: ", f), yq(f, svc);
		fprintf(f, "\n        state: %s\n", run ? (!strcmp(jstr(run, "to"), "true") ? "start" : "stop") : "present");
		if (pol)
			fputs("        service_policy: ", f), yq(f, jstr(pol, "to")), fputc('\n', f);
		free(svc), free(rn), free(pn);
	} else if (!strcmp(type, "host") && (c = change_of(s, "lockdown_mode", false))) {
		task_head(f, s, "vmware_host_lockdown", "lockdown mode");
		fputs("        esxi_hostname: ", f), yq(f, name);
		fprintf(f, "\n        state: %s\n", !strcmp(jstr(c, "to"), "lockdownDisabled") ? "disabled"
							  : !strcmp(jstr(c, "to"), "lockdownStrict") ? "strict" : "normal");
	} else if (!strcmp(type, "host") && (c = change_of(s, "firewall.ruleset.", true))) {
		char *rs = xstrdup(jstr(c, "property") + strlen("firewall.ruleset."));
		char *dot = strrchr(rs, '.');
		const char *field = dot ? dot + 1 : "";
		if (dot)
			*dot = '\0';
		task_head(f, s, "vmware_host_firewall_manager", "firewall ruleset");
		fputs("        esxi_hostname: ", f), yq(f, name), fputs("\n        rules:\n          - name: ", f), yq(f, rs);
		if (!strcmp(field, "enabled"))
			fprintf(f, "\n            enabled: %s\n", jstr(c, "to"));
		else
			fprintf(f, "\n            enabled: true\n            allowed_hosts:\n              all_ip: %s\n",
				jstr(c, "to"));
		free(rs);
	} else if (!strcmp(type, "vm") && (c = change_of(s, "extra.", true))) {
		task_head(f, s, "vmware_guest", "VM advanced setting");
		fputs("        name: ", f), yq(f, name), fputs("\n        advanced_settings:\n          - key: ", f);
		yq(f, jstr(c, "property") + strlen("extra.")), fputs("\n            value: ", f), yq(f, jstr(c, "to"));
		fputc('\n', f);
	} else {
		commented_manual(f, s);
	}
}

void advise_write_ansible(FILE *f, const json_t *list)
{
	fputs("# Written by harden advise: a remediation playbook for review.  harden never\n"
	      "# runs it.  Needs the community.vmware collection; set the vcenter_* variables\n"
	      "# (e.g. with -e or a vault).\n"
	      "- name: harden remediation\n"
	      "  hosts: localhost\n"
	      "  gather_facts: false\n"
	      "  vars:\n"
	      "    vcenter_hostname: \"{{ lookup('env', 'VMWARE_HOST') }}\"\n"
	      "    vcenter_username: \"{{ lookup('env', 'VMWARE_USER') }}\"\n"
	      "    vcenter_password: \"{{ lookup('env', 'VMWARE_PASSWORD') }}\"\n"
	      "    vcenter_validate_certs: true\n"
	      "  tasks:\n", f);
	size_t i;
	json_t *s;
	json_array_foreach(list, i, s)
		ansible_one(f, s);
	if (!json_array_size(list))
		fputs("    []\n", f);
}

/* ---- PowerCLI ---- */


void advise_write_powercli(FILE *f, const json_t *list)
{
	fputs("# Written by harden advise: a remediation script for review.  harden never runs\n"
	      "# it.  Connect first: Connect-VIServer -Server <vcenter>\n"
	      "$ErrorActionPreference = 'Stop'\n", f);
	size_t i, k, n;
	json_t *s, *st, *c;
	json_array_foreach(list, i, s) {
		fprintf(f, "\n# %s %s: ", jstr(s, "violation_id"), jstr(s, "rule_id"));
		put_line(f, "", jstr(s, "summary"));
		const json_t *obj = json_object_get(s, "object"), *ch = change_of(s, "ntp.servers", false);
		if (ch && !strcmp(jstr(obj, "type"), "host")) {
			json_t *servers = json_loads(jstr(ch, "to"), 0, NULL);
			struct buf hq = BUF_INIT;
			buf_putc(&hq, '\'');
			for (const char *p = jstr(obj, "name"); *p; p++)
				buf_puts(&hq, *p == '\'' ? "''" : (char[]){ *p < 0x20 ? ' ' : *p, 0 });
			buf_putc(&hq, '\'');
			json_array_foreach(servers, n, c) {
				fprintf(f, "Add-VMHostNtpServer -VMHost (Get-VMHost -Name %s) -NtpServer '", hq.data);
				for (const char *p = json_string_value(c) ? json_string_value(c) : ""; *p; p++)
					fputs(*p == '\'' ? "''" : (char[]){ *p < 0x20 ? ' ' : *p, 0 }, f);
				fputs("'\n", f);
			}
			fprintf(f, "Get-VMHostService -VMHost (Get-VMHost -Name %s) | Where-Object Key -eq 'ntpd' | "
				   "Start-VMHostService -Confirm:$false\n", hq.data);
			fprintf(f, "Get-VMHostService -VMHost (Get-VMHost -Name %s) | Where-Object Key -eq 'ntpd' | "
				   "Set-VMHostService -Policy On -Confirm:$false\n", hq.data);
			buf_release(&hq);
			json_decref(servers);
			continue;
		}
		json_array_foreach(json_object_get(json_object_get(s, "execution_plan"), "steps"), k, st) {
			if (!json_is_true(json_object_get(st, "manual"))) {
				fprintf(f, "# pilot step %s.%s (no PowerCLI equivalent written): ", jstr(st, "skill"),
					jstr(st, "tool"));
				char *pj = json_dumps(json_object_get(st, "params"), JSON_COMPACT | JSON_SORT_KEYS);
				put_line(f, "", pj ? pj : "{}");
				free(pj);
				continue;
			}
			bool any = false;
			json_array_foreach(json_object_get(st, "commands"), n, c)
				if (!strcmp(jstr(c, "shell"), "powercli")) {
					put_line(f, "", jstr(c, "command"));
					any = true;
				}
			if (!any)
				json_array_foreach(json_object_get(st, "commands"), n, c) {
					fprintf(f, "# %s: ", jstr(c, "shell"));
					put_line(f, "", jstr(c, "command"));
				}
		}
	}
}
