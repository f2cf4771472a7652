/* The skill catalog remediation tools are checked against: pilot's own
 * (get_skill_catalog) when pilot answers, else the dated file shipped with
 * harden. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advise/advise.h"

char *catalog_default_path(void)
{
	const char *env = getenv("HARDEN_CATALOG");
	if (env && *env)
		return xstrdup(env);
	struct strlist dirs = { 0 };
	baseline_dirs(&dirs);
	char *found = NULL;
	for (size_t i = 0; i < dirs.n && !found; i++) {
		char *p = xasprintf("%s/catalog.json", dirs.v[i]);
		if (access(p, R_OK) == 0)
			found = realpath(p, NULL);
		free(p);
	}
	strlist_release(&dirs);
	return found;
}

int catalog_load(struct catalog *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root) {
		err_set("%s:%d: %s", path, je.line, je.text);
		return HERR_INPUT;
	}
	json_t *skills = json_object_get(root, "catalog");
	if (!json_is_object(skills)) {
		json_decref(root);
		err_set("%s: no 'catalog' object", path);
		return HERR_INPUT;
	}
	c->skills = json_incref(skills);
	const char *date = json_string_value(json_object_get(root, "date"));
	c->date = date ? xstrdup(date) : NULL;
	c->source = xstrdup(path);
	json_decref(root);
	return 0;
}

void catalog_from_pilot(struct catalog *c, json_t *result)
{
	memset(c, 0, sizeof(*c));
	c->skills = result;
	c->source = xstrdup("vmware-pilot get_skill_catalog");
}

void catalog_release(struct catalog *c)
{
	json_decref(c->skills);
	free(c->source);
	free(c->date);
	memset(c, 0, sizeof(*c));
}

/* "vmware_nsx_security" and "vmware-nsx-security" -> "nsx-security". */
static char *skill_normalise(const char *s, size_t n)
{
	if (n > 7 && (!strncmp(s, "vmware_", 7) || !strncmp(s, "vmware-", 7))) {
		s += 7;
		n -= 7;
	}
	char *out = xstrndup(s, n);
	for (char *p = out; *p; p++)
		if (*p == '_')
			*p = '-';
	return out;
}

int tool_split(const char *qualified, char **skill, char **tool)
{
	const char *dot = strrchr(qualified, '.');
	if (!dot || dot == qualified || !dot[1])
		return -1;
	*skill = skill_normalise(qualified, (size_t)(dot - qualified));
	*tool = xstrdup(dot + 1);
	return 0;
}

static const json_t *catalog_tool(const struct catalog *c, const char *skill, const char *tool)
{
	if (!c || !c->skills || !skill || !tool)
		return NULL;
	char *norm = skill_normalise(skill, strlen(skill));
	const json_t *t = json_object_get(json_object_get(json_object_get(c->skills, norm), "tools"), tool);
	free(norm);
	return t;
}

const char *catalog_risk(const struct catalog *c, const char *skill, const char *tool)
{
	return json_string_value(json_object_get(catalog_tool(c, skill, tool), "risk"));
}

bool catalog_has(const struct catalog *c, const char *skill, const char *tool)
{
	return catalog_tool(c, skill, tool) != NULL;
}

static bool truthy(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_string(v)) {
		static const char *const no[] = { "", "0", "false", "no", "off", "none", "null" };
		for (size_t i = 0; i < ARRAY_SIZE(no); i++)
			if (!strcasecmp(json_string_value(v), no[i]))
				return false;
	}
	return true;
}

bool step_destructive(const struct catalog *c, const char *skill, const char *tool, const json_t *params)
{
	static const char *const words[] = { "delete", "remove", "destroy", "force_power_off", "shutdown", "drop",
					     "rollback" };
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strstr(tool, words[i]))
			return true;
	const char *risk = json_string_value(json_object_get(catalog_tool(c, skill, tool), "risk"));
	if (risk && (!strcmp(risk, "high") || !strcmp(risk, "critical")))
		return true;
	return truthy(json_object_get(params, "confirm")) || truthy(json_object_get(params, "confirmed"));
}
