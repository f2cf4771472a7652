#include "config/targets.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "util/util.h"
#include "util/yamlx.h"

struct tctx {
	const char *file;
	yaml_document_t *doc;
};

static int parse_pilot(struct tctx *y, yaml_node_t *n, struct targets *t);
static int parse_advisor(struct tctx *y, yaml_node_t *n, struct advisor_conf *a);

char *targets_default_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (x && *x)
		return xasprintf("%s/harden/targets.yaml", x);
	return xasprintf("%s/.config/harden/targets.yaml", home && *home ? home : ".");
}

static char *resolve_against(const char *cfg, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	const char *slash = strrchr(cfg, '/');
	if (!slash)
		return xstrdup(p);
	return xasprintf("%.*s/%s", (int)(slash - cfg), cfg, p);
}

/* An http or https URL with a host, and no user name or password in it:
 * a credential there would end up in logs, the twin and every report.  The
 * URL itself is not repeated in the message for that reason. */
static int check_url(struct tctx *y, yaml_node_t *v, const char *s)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL, *pw = NULL;
	int rc = 0;
	if (!u || curl_url_set(u, CURLUPART_URL, s, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "https") && strcmp(scheme, "http")) || strncasecmp(s, scheme, strlen(scheme)))
		rc = yamlx_error(y->file, v, "key 'url' is not an http or https URL");
	else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
		 curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK)
		rc = yamlx_error(y->file, v, "key 'url' holds a user name or password; give them as 'user' and "
					     "'password_env' or 'password_file'");
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		rc = yamlx_error(y->file, v, "key 'url' has no host");
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	if (pw) {
		for (volatile char *q = pw; *q; q++)
			*q = '\0';
		curl_free(pw);
	}
	curl_url_cleanup(u);
	return rc;
}

static int parse_endpoint(struct tctx *y, yaml_node_t *n, const char *what, struct endpoint *e)
{
	if (n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "'%s' must be a mapping", what);
	yaml_node_t *dup = yamlx_duplicate_key(y->doc, n);
	if (dup)
		return yamlx_error(y->file, dup, "duplicate key '%s' in %s", (const char *)dup->data.scalar.value, what);
	e->present = true;
	e->line = (int)n->start_mark.line + 1;
	e->timeout_s = 60;
	yaml_node_t *insecure_node = NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(y->doc, p->key), *v = yaml_document_get_node(y->doc, p->value);
		const char *k = yamlx_scalar(kn), *s = yamlx_scalar(v);
		if (!k)
			return yamlx_error(y->file, kn, "keys must be scalars");
		if (!s)
			return yamlx_error(y->file, v, "key '%s' must be a scalar", k);
		if (!strcmp(k, "url")) {
			if (check_url(y, v, s) < 0)
				return -1;
			e->url = xstrdup(s);
		} else if (!strcmp(k, "user")) {
			e->user = xstrdup(s);
		} else if (!strcmp(k, "password_env")) {
			e->password_env = xstrdup(s);
		} else if (!strcmp(k, "password_file")) {
			e->password_file = resolve_against(y->file, s);
		} else if (!strcmp(k, "ca_file")) {
			e->ca_file = resolve_against(y->file, s);
		} else if (!strcmp(k, "insecure")) {
			if (strcmp(s, "true") && strcmp(s, "false"))
				return yamlx_error(y->file, v, "key 'insecure' must be true or false");
			e->insecure = !strcmp(s, "true");
			insecure_node = v;
		} else if (!strcmp(k, "timeout")) {
			long long t;
			if (!parse_int64(s, &t) || t <= 0 || t > 86400)
				return yamlx_error(y->file, v, "key 'timeout' must be a number of seconds from 1 to 86400");
			e->timeout_s = (long)t;
		} else if (!strcmp(k, "auth") && !strcmp(what, "nsx")) {
			if (strcmp(s, "session") && strcmp(s, "basic"))
				return yamlx_error(y->file, v, "key 'auth' must be session or basic");
			e->auth_basic = !strcmp(s, "basic");
		} else if (!strcmp(k, "password")) {
			return yamlx_error(y->file, kn, "key 'password' is not allowed: use password_env or password_file (mode 0600)");
		} else {
			return yamlx_error(y->file, kn, "unknown key '%s' in %s", yamlx_name(k), what);
		}
	}
	(void)insecure_node;
	if (!e->url)
		return yamlx_error(y->file, n, "%s has no 'url'", what);
	if (!e->user)
		return yamlx_error(y->file, n, "%s has no 'user'", what);
	if (!e->password_env == !e->password_file)
		return yamlx_error(y->file, n, "%s needs exactly one of 'password_env' or 'password_file'", what);
	return 0;
}

static int parse_params(struct tctx *y, yaml_node_t *n, struct target *t)
{
	if (n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "'parameters' must be a mapping of names to values");
	yaml_node_t *dup = yamlx_duplicate_key(y->doc, n);
	if (dup)
		return yamlx_error(y->file, dup, "duplicate key '%s' in parameters", (const char *)dup->data.scalar.value);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(y->doc, p->key), *v = yaml_document_get_node(y->doc, p->value);
		const char *k = yamlx_scalar(kn);
		if (!k || !*k)
			return yamlx_error(y->file, kn, "parameter names must be scalars");
		struct buf val = BUF_INIT;
		if (v->type == YAML_SCALAR_NODE) {
			buf_puts(&val, yamlx_scalar(v));
		} else if (v->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
				const char *s = yamlx_scalar(yaml_document_get_node(y->doc, *it));
				if (!s || strchr(s, ',')) {
					buf_release(&val);
					return yamlx_error(y->file, v, "parameter '%s': list items must be scalars without commas", k);
				}
				buf_printf(&val, "%s%s", it == v->data.sequence.items.start ? "" : ",", s);
			}
		} else {
			return yamlx_error(y->file, v, "parameter '%s' takes a value or a list of values", k);
		}
		strlist_add(&t->param_names, k);
		strlist_add_owned(&t->param_values, buf_detach(&val));
		strlist_add_owned(&t->param_sources, xasprintf("%s:%zu:%zu", y->file, kn->start_mark.line + 1,
							       kn->start_mark.column + 1));
	}
	return 0;
}

static int parse_target(struct tctx *y, const char *name, yaml_node_t *n, struct target *t)
{
	t->name = xstrdup(name);
	t->line = (int)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "target '%s' must be a mapping", name);
	yaml_node_t *dup = yamlx_duplicate_key(y->doc, n);
	if (dup)
		return yamlx_error(y->file, dup, "duplicate key '%s' in target '%s'", (const char *)dup->data.scalar.value, name);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(y->doc, p->key), *v = yaml_document_get_node(y->doc, p->value);
		const char *k = yamlx_scalar(kn);
		if (!k)
			return yamlx_error(y->file, kn, "keys must be scalars");
		if (!strcmp(k, "vcenter")) {
			if (parse_endpoint(y, v, "vcenter", &t->vcenter) < 0)
				return -1;
		} else if (!strcmp(k, "nsx")) {
			if (parse_endpoint(y, v, "nsx", &t->nsx) < 0)
				return -1;
		} else if (!strcmp(k, "parameters")) {
			if (parse_params(y, v, t) < 0)
				return -1;
		} else if (!strcmp(k, "waivers")) {
			const char *s = yamlx_scalar(v);
			if (!s || !*s)
				return yamlx_error(y->file, v, "'waivers' takes the path of a waiver file");
			t->waivers = resolve_against(y->file, s);
		} else {
			return yamlx_error(y->file, kn, "unknown key '%s' in target '%s'", yamlx_name(k), name);
		}
	}
	if (!t->vcenter.present)
		return yamlx_error(y->file, n, "target '%s' has no 'vcenter'", name);
	return 0;
}

int targets_load(struct targets *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	size_t len;
	char *text = file_read(path, &len);
	if (!text) {
		err_set("cannot read targets file '%s': %s (create it or pass --config FILE)", path, strerror(errno));
		return -1;
	}
	int rc = targets_parse(t, path, text, len);
	free(text);
	return rc;
}

int targets_parse(struct targets *t, const char *path, const char *text, size_t len)
{
	memset(t, 0, sizeof(*t));
	t->path = xstrdup(path);
	yaml_document_t doc;
	int rc = -1;
	if (yamlx_parse(&doc, path, text, len) < 0)
		goto out;
	struct tctx y = { path, &doc };
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_t *targets = NULL;
	if (!root || root->type != YAML_MAPPING_NODE) {
		yamlx_error(y.file, root, "the targets file must be a mapping with a 'targets' key");
		goto out_doc;
	}
	if (yamlx_duplicate_key(&doc, root)) {
		yamlx_error(y.file, yamlx_duplicate_key(&doc, root), "duplicate key at the top level");
		goto out_doc;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&doc, p->key);
		const char *k = yamlx_scalar(kn);
		if (k && !strcmp(k, "targets")) {
			targets = yaml_document_get_node(&doc, p->value);
		} else if (k && !strcmp(k, "pilot")) {
			if (parse_pilot(&y, yaml_document_get_node(&doc, p->value), t) < 0)
				goto out_doc;
		} else if (k && !strcmp(k, "advisor")) {
			if (parse_advisor(&y, yaml_document_get_node(&doc, p->value), &t->advisor) < 0)
				goto out_doc;
		} else {
			yamlx_error(y.file, kn, "unknown key '%s' at the top level", yamlx_name(k ? k : ""));
			goto out_doc;
		}
	}
	if (!targets || targets->type != YAML_MAPPING_NODE) {
		yamlx_error(y.file, targets ? targets : root, "'targets' must be a mapping of target names");
		goto out_doc;
	}
	unsigned n = (unsigned)(targets->data.mapping.pairs.top - targets->data.mapping.pairs.start);
	t->v = xcalloc(n, sizeof(*t->v));
	for (yaml_node_pair_t *p = targets->data.mapping.pairs.start; p < targets->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&doc, p->key);
		const char *k = yamlx_scalar(kn);
		if (!k) {
			yamlx_error(y.file, kn, "target names must be scalars");
			goto out_doc;
		}
		if (targets_find(t, k)) {
			yamlx_error(y.file, kn, "duplicate target '%s'", k);
			goto out_doc;
		}
		if (parse_target(&y, k, yaml_document_get_node(&doc, p->value), &t->v[t->n++]) < 0)
			goto out_doc;
	}
	rc = 0;
out_doc:
	yaml_document_delete(&doc);
out:
	if (rc < 0) {
		char *saved = xstrdup(err_get());
		targets_release(t);
		err_set("%s", saved);
		free(saved);
	}
	return rc;
}

/* pilot: { command: [vmware-pilot, mcp], max_snapshot_age: 86400 } */
static int parse_pilot(struct tctx *y, yaml_node_t *n, struct targets *t)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "'pilot' must be a mapping");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(y->doc, p->key), *v = yaml_document_get_node(y->doc, p->value);
		const char *k = yamlx_scalar(kn);
		if (k && !strcmp(k, "command")) {
			if (!v || v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start)
				return yamlx_error(y->file, v, "pilot command must be a list of words");
			for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
				const char *w = yamlx_scalar(yaml_document_get_node(y->doc, *i));
				if (!w || !*w)
					return yamlx_error(y->file, v, "pilot command words must be non-empty strings");
				strlist_add(&t->pilot_command, w);
			}
		} else if (k && !strcmp(k, "max_snapshot_age")) {
			const char *s = yamlx_scalar(v);
			char *end;
			long age = s ? strtol(s, &end, 10) : 0;
			if (!s || *end || age <= 0)
				return yamlx_error(y->file, v, "max_snapshot_age must be a number of seconds");
			t->pilot_max_age_s = age;
		} else {
			return yamlx_error(y->file, kn, "unknown key '%s' in pilot", yamlx_name(k ? k : ""));
		}
	}
	return 0;
}

/* advisor: { provider: anthropic, base_url: ..., model: ..., api_key_env: NAME, timeout: 60 } */
static int parse_advisor(struct tctx *y, yaml_node_t *n, struct advisor_conf *a)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "'advisor' must be a mapping");
	a->present = true;
	a->timeout_s = 60;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(y->doc, p->key), *v = yaml_document_get_node(y->doc, p->value);
		const char *k = yamlx_scalar(kn), *s = yamlx_scalar(v);
		char **dst = NULL;
		if (!k || !s)
			return yamlx_error(y->file, kn, "advisor keys and values must be scalars");
		if (!strcmp(k, "provider")) {
			if (strcmp(s, "anthropic") && strcmp(s, "openai"))
				return yamlx_error(y->file, v, "advisor provider must be anthropic or openai, not '%s'", s);
			dst = &a->provider;
		} else if (!strcmp(k, "base_url")) {
			dst = &a->base_url;
		} else if (!strcmp(k, "model")) {
			dst = &a->model;
		} else if (!strcmp(k, "api_key_env")) {
			dst = &a->api_key_env;
		} else if (!strcmp(k, "timeout")) {
			char *end;
			a->timeout_s = strtol(s, &end, 10);
			if (*end || a->timeout_s <= 0)
				return yamlx_error(y->file, v, "advisor timeout must be a number of seconds");
			continue;
		} else {
			return yamlx_error(y->file, kn, "unknown key '%s' in advisor", yamlx_name(k));
		}
		free(*dst);
		*dst = xstrdup(s);
	}
	if (!a->provider || !a->model || !a->api_key_env)
		return yamlx_error(y->file, n, "advisor needs provider, model and api_key_env");
	if (!a->base_url)
		a->base_url = xstrdup(!strcmp(a->provider, "anthropic") ? "https://api.anthropic.com"
									 : "https://api.openai.com");
	return 0;
}

static void endpoint_release(struct endpoint *e)
{
	free(e->url);
	free(e->user);
	free(e->password_env);
	free(e->password_file);
	free(e->ca_file);
}

void targets_release(struct targets *t)
{
	for (unsigned i = 0; i < t->n; i++) {
		free(t->v[i].name);
		endpoint_release(&t->v[i].vcenter);
		endpoint_release(&t->v[i].nsx);
		strlist_release(&t->v[i].param_names);
		strlist_release(&t->v[i].param_values);
		strlist_release(&t->v[i].param_sources);
		free(t->v[i].waivers);
	}
	free(t->v);
	strlist_release(&t->pilot_command);
	free(t->advisor.provider);
	free(t->advisor.base_url);
	free(t->advisor.model);
	free(t->advisor.api_key_env);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

const struct target *targets_find(const struct targets *t, const char *name)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->v[i].name && !strcmp(t->v[i].name, name))
			return &t->v[i];
	return NULL;
}

int endpoint_password(const struct endpoint *e, const char *target, char **out)
{
	*out = NULL;
	if (e->password_env) {
		const char *v = getenv(e->password_env);
		if (!v || !*v) {
			err_set("target '%s': environment variable '%s' (password_env) is not set", target, e->password_env);
			return -1;
		}
		*out = xstrdup(v);
		return 0;
	}
	/* O_NONBLOCK: a FIFO must not hang the scan; it is refused below. */
	int fd = open(e->password_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		err_set("target '%s': cannot open password file '%s': %s", target, e->password_file, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		err_set("target '%s': password file '%s' is not a regular file", target, e->password_file);
		close(fd);
		return -1;
	}
	if (sb.st_mode & 077) {
		err_set("target '%s': password file '%s' has mode %04o; it must not be readable by group or others (chmod 600)",
			target, e->password_file, (unsigned)(sb.st_mode & 07777));
		close(fd);
		return -1;
	}
	char buf[4098];
	const ssize_t room = (ssize_t)sizeof(buf) - 1;
	ssize_t n = 0, r = 0;
	while (n < room && (r = read(fd, buf + n, (size_t)(room - n))) > 0)
		n += r;
	close(fd);
	const char *problem = NULL;
	if (n == room)
		problem = "is longer than 4096 bytes";
	else if (r < 0)
		problem = "cannot be read";
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (!problem && n == 0)
		problem = "is empty";
	if (!problem && strlen(buf) != (size_t)n)
		problem = "holds a NUL byte";
	if (!problem)
		*out = xstrdup(buf);
	else
		err_set("target '%s': password file '%s' %s", target, e->password_file, problem);
	volatile char *p = buf;
	for (size_t i = 0; i < sizeof(buf); i++)
		p[i] = 0;
	return problem ? -1 : 0;
}

void targets_password_free(char *pw)
{
	free_secret(pw);
}
