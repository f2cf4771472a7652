/* vmware-pilot over MCP: see pilot.h. */
#include <stdlib.h>
#include <string.h>

#include "mcp/pilot.h"

static void split_words(const char *s, struct strlist *out)
{
	while (*s) {
		while (*s == ' ')
			s++;
		size_t n = strcspn(s, " ");
		if (n)
			strlist_add_owned(out, xstrndup(s, n));
		s += n;
	}
}

void pilot_command(const struct targets *t, struct strlist *argv, bool *explicit_cmd)
{
	const char *env = getenv("HARDEN_PILOT_COMMAND");
	*explicit_cmd = true;
	if (env && *env)
		split_words(env, argv);
	else if (t && t->pilot_command.n)
		for (size_t i = 0; i < t->pilot_command.n; i++)
			strlist_add(argv, t->pilot_command.v[i]);
	if (argv->n)
		return;
	*explicit_cmd = false;
	split_words(PILOT_DEFAULT_COMMAND, argv);
}

enum herr pilot_open(struct pilot *p, const struct targets *t)
{
	memset(p, 0, sizeof(*p));
	bool explicit_cmd;
	pilot_command(t, &p->argv, &explicit_cmd);
	const char **argv = xcalloc(p->argv.n + 1, sizeof(*argv));
	for (size_t i = 0; i < p->argv.n; i++)
		argv[i] = p->argv.v[i];
	enum herr rc = jrpc_spawn(&p->j, argv);
	free(argv);
	if (rc) {
		char *why = xstrdup(err_get());
		err_set("vmware-pilot is not installed or cannot start (%s); install it (uv tool install vmware-pilot) "
			"or set the command in the targets file's pilot: block or $HARDEN_PILOT_COMMAND", why);
		free(why);
		strlist_release(&p->argv);
		return rc == HERR_INPUT ? HERR_INPUT : rc;
	}
	p->open = true;
	if ((rc = mcp_client_initialize(&p->j, PILOT_TIMEOUT_MS)) != HERR_OK) {
		char *why = xstrdup(err_get());
		err_set("'%s' did not start an MCP session: %s", p->argv.v[0], why);
		free(why);
		pilot_close(p);
		return HERR_COLLECT;
	}
	return HERR_OK;
}

enum herr pilot_call(struct pilot *p, const char *tool, json_t *args, json_t **out, bool *refused)
{
	*out = NULL;
	*refused = false;
	return mcp_call_tool(&p->j, tool, args, out, refused, PILOT_TIMEOUT_MS);
}

void pilot_close(struct pilot *p)
{
	if (p->open)
		jrpc_close(&p->j, 2000);
	p->open = false;
	strlist_release(&p->argv);
}
