/* The targets file: which vCenter (and NSX manager) each target names, and
 * where its password comes from.  Passwords themselves are read only when
 * a scan needs them, from the environment or a file of mode 0600. */
#ifndef HARDEN_TARGETS_H
#define HARDEN_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

struct endpoint {
	bool present;
	char *url;
	char *user;
	char *password_env;
	char *password_file;	/* resolved against the targets file's directory */
	char *ca_file;
	bool insecure;
	long timeout_s;
	bool auth_basic;	/* nsx: HTTP Basic on every request instead of a session */
	int line;
};

struct target {
	char *name;
	struct endpoint vcenter;
	struct endpoint nsx;
	/* Site parameters for baselines: name, value (a list joined with
	 * commas) and where it was set, index by index. */
	struct strlist param_names, param_values, param_sources;
	char *waivers;		/* waiver file, resolved against the targets file */
	int line;
};

/* The top-level advisor: block: the optional model of advise --llm.  The
 * key itself is never in the file, only the name of the variable holding
 * it. */
struct advisor_conf {
	bool present;
	char *provider;		/* "anthropic" or "openai" */
	char *base_url;
	char *model;
	char *api_key_env;
	long timeout_s;
};

struct targets {
	char *path;
	struct target *v;
	unsigned n;
	/* The top-level pilot: block: the command that starts vmware-pilot's
	 * MCP server (empty: the default) and the oldest snapshot apply
	 * accepts, in seconds (0: the default). */
	struct strlist pilot_command;
	long pilot_max_age_s;
	struct advisor_conf advisor;
};

/* The default path: $XDG_CONFIG_HOME/harden/targets.yaml. */
char *targets_default_path(void);
int targets_load(struct targets *t, const char *path);
/* The same from memory; path names the file in messages and anchors
 * relative password and CA files. */
int targets_parse(struct targets *t, const char *path, const char *text, size_t len);
void targets_release(struct targets *t);
const struct target *targets_find(const struct targets *t, const char *name);
/* Reads the endpoint's password; the caller frees it with targets_password_free. */
int endpoint_password(const struct endpoint *e, const char *target, char **out);
void targets_password_free(char *pw);

#endif
