/* Tools over harden's content, no twin needed: the baselines found in the
 * baseline directories, their rules, and the coverage files that map
 * benchmarks (the STIGs among them) to rules. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "mcp/server.h"
#include "rules/rules.h"
#include "util/util.h"
#include "util/yamlx.h"

static json_t *baseline_json(const struct baseline *b, const char *name, const char *path)
{
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:i, s:o}", "id", mcp_str(name), "title", mcp_str(b->title),
			      "version", mcp_str(b->version), "description", mcp_str(b->description), "rules",
			      (int)b->nrules, "path", mcp_str(path));
	json_t *params = json_array();
	for (unsigned i = 0; i < b->nparams; i++)
		json_array_append_new(params, mcp_str(b->params[i].name));
	json_object_set_new(o, "parameters", params);
	return o;
}

static enum herr list_baselines(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	(void)x;
	struct strlist names = { 0 }, paths = { 0 };
	struct mcp_page p;
	mcp_page_init(&p, args);
	baseline_catalog(NULL, &names, &paths);
	for (size_t i = 0; i < names.n; i++) {
		struct baseline *b;
		if (baseline_load(&b, paths.v[i]) < 0) {
			mcp_page_add(&p, json_pack("{s:o, s:o, s:o}", "id", mcp_str(names.v[i]), "path",
						   mcp_str(paths.v[i]), "invalid", mcp_str(err_get())));
			continue;
		}
		mcp_page_add(&p, baseline_json(b, names.v[i], paths.v[i]));
		baseline_free(b);
	}
	strlist_release(&names);
	strlist_release(&paths);
	*out = mcp_page_finish(&p, json_object(), "baselines");
	return HERR_OK;
}

static enum herr get_baseline_rules(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	(void)x;
	const char *id = mcp_arg_str(args, "baseline_id"), *sev = mcp_arg_str(args, "severity");
	if (mcp_baseline_name(id))
		return HERR_INPUT;
	char *path = baseline_resolve(id);
	struct baseline *b;
	if (!path || baseline_load(&b, path) < 0) {
		free(path);
		return HERR_INPUT;
	}
	struct mcp_page p;
	mcp_page_init(&p, args);
	for (unsigned i = 0; i < b->nrules; i++) {
		const struct rule *r = &b->rules[i];
		if (sev && strcmp(sev, severity_name(r->severity)))
			continue;
		if (!mcp_page_want(&p))
			continue;
		json_t *o = json_pack("{s:o, s:o, s:s, s:o, s:s}", "id", mcp_str(r->id), "title", mcp_str(r->title),
				      "severity", severity_name(r->severity), "object_type", mcp_str(r->object_type),
				      "check", r->sql ? "sql" : "expression");
		json_object_set(o, "details", r->details ? r->details : json_null());
		json_array_append_new(p.items, o);
	}
	json_t *o = json_pack("{s:{s:o, s:o, s:o}}", "baseline", "id", mcp_str(b->id), "title", mcp_str(b->title),
			      "version", mcp_str(b->version));
	*out = mcp_page_finish(&p, o, "rules");
	baseline_free(b);
	free(path);
	return HERR_OK;
}

/* ---- coverage files ---- */

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *k = yamlx_scalar(yaml_document_get_node(d, p->key));
		if (k && !strcmp(k, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static json_t *scalar_json(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	const char *s = yamlx_scalar(map_get(d, m, key));
	return s && strcmp(s, "null") && strcmp(s, "~") ? mcp_str(s) : json_null();
}

static json_t *scalars_json(yaml_document_t *d, yaml_node_t *seq)
{
	json_t *a = json_array();
	if (seq && seq->type == YAML_SEQUENCE_NODE)
		for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
			const char *s = yamlx_scalar(yaml_document_get_node(d, *i));
			if (s)
				json_array_append_new(a, mcp_str(s));
		}
	return a;
}

/* The comment paragraph of a coverage file that begins "# Source:". */
static char *source_note(const char *text)
{
	const char *s = strstr(text, "\n# Source:");
	struct buf b = BUF_INIT;
	for (s = s ? s + 3 : NULL; s && *s;) {
		const char *eol = strchr(s, '\n');
		size_t n = eol ? (size_t)(eol - s) : strlen(s);
		if (b.len)
			buf_putc(&b, ' ');
		buf_add(&b, s, n);
		if (!eol || strncmp(eol + 1, "# ", 2))
			break;
		s = eol + 3;
	}
	return b.len ? buf_detach(&b) : NULL;
}

/* Calls fn for each control of each coverage file. */
typedef void (*control_fn)(void *ctx, yaml_document_t *d, yaml_node_t *root, yaml_node_t *control,
			   const char *path, const char *text);

static enum herr coverage_each(control_fn fn, void *ctx)
{
	struct strlist names = { 0 }, paths = { 0 };
	enum herr rc = HERR_OK;
	baseline_catalog("coverage", &names, &paths);
	if (!names.n) {
		err_set("no coverage files found beside the baselines");
		rc = HERR_INPUT;
	}
	for (size_t i = 0; i < paths.n && !rc; i++) {
		size_t len;
		char *text = file_read(paths.v[i], &len);
		yaml_document_t d;
		if (!text || yamlx_parse(&d, paths.v[i], text, len) < 0) {
			free(text);
			rc = HERR_INPUT;
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&d), *controls = map_get(&d, root, "controls");
		fn(ctx, &d, root, NULL, paths.v[i], text);
		if (controls && controls->type == YAML_SEQUENCE_NODE)
			for (yaml_node_item_t *c = controls->data.sequence.items.start;
			     c < controls->data.sequence.items.top; c++)
				fn(ctx, &d, root, yaml_document_get_node(&d, *c), paths.v[i], text);
		yaml_document_delete(&d);
		free(text);
	}
	strlist_release(&names);
	strlist_release(&paths);
	return rc;
}

struct stig_ctx {
	struct mcp_page p;
	const char *framework;
};

static void stig_control(void *vctx, yaml_document_t *d, yaml_node_t *root, yaml_node_t *c, const char *path,
			 const char *text)
{
	struct stig_ctx *x = vctx;
	(void)path;
	(void)text;
	yaml_node_t *refs = map_get(d, c, "refs"), *stig = map_get(d, refs, "stig");
	const char *fw = yamlx_scalar(map_get(d, root, "framework"));
	if (!c || !stig || (x->framework && (!fw || strcmp(fw, x->framework))))
		return;
	if (!mcp_page_want(&x->p))
		return;
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "framework", mcp_str(fw),
			      "benchmark", scalar_json(d, root, "benchmark"), "control_id", scalar_json(d, c, "id"),
			      "title", scalar_json(d, c, "title"), "stig", scalars_json(d, stig), "severity",
			      scalar_json(d, refs, "severity"), "status", scalar_json(d, c, "status"), "rule",
			      scalar_json(d, c, "rule"), "kind", scalar_json(d, c, "kind"), "api",
			      scalar_json(d, c, "api"), "reason", scalar_json(d, c, "reason"));
	json_array_append_new(x->p.items, o);
}

static enum herr list_stig_controls(struct mcp_ctx *mx, const json_t *args, json_t **out)
{
	(void)mx;
	struct stig_ctx x = { .framework = mcp_arg_str(args, "framework") };
	mcp_page_init(&x.p, args);
	enum herr rc = coverage_each(stig_control, &x);
	if (rc) {
		json_decref(x.p.items);
		return rc;
	}
	*out = mcp_page_finish(&x.p, json_object(), "controls");
	return HERR_OK;
}

struct sync_ctx {
	json_t *files, *cur;
};

static void sync_control(void *vctx, yaml_document_t *d, yaml_node_t *root, yaml_node_t *c, const char *path,
			 const char *text)
{
	struct sync_ctx *x = vctx;
	if (!c) {
		char *src = source_note(text);
		x->cur = json_pack("{s:o, s:o, s:o, s:o, s:i, s:i, s:{}}", "framework",
				   scalar_json(d, root, "framework"), "benchmark", scalar_json(d, root, "benchmark"),
				   "path", mcp_str(path), "source", mcp_str(src), "controls", 0, "stig_controls", 0,
				   "by_status");
		free(src);
		json_array_append_new(x->files, x->cur);
		return;
	}
	json_t *n = json_object_get(x->cur, "controls");
	json_integer_set(n, json_integer_value(n) + 1);
	if (map_get(d, map_get(d, c, "refs"), "stig")) {
		n = json_object_get(x->cur, "stig_controls");
		json_integer_set(n, json_integer_value(n) + 1);
	}
	const char *st = yamlx_scalar(map_get(d, c, "status"));
	json_t *by = json_object_get(x->cur, "by_status");
	char *key = xstrdup(st ? st : "unspecified");
	text_sanitize(key);
	json_t *k = json_object_get(by, key);
	json_object_set_new(by, key, json_integer(k ? json_integer_value(k) + 1 : 1));
	free(key);
}

static enum herr describe_stig_content_sync(struct mcp_ctx *mx, const json_t *args, json_t **out)
{
	(void)mx;
	(void)args;
	struct sync_ctx x = { json_array(), NULL };
	enum herr rc = coverage_each(sync_control, &x);
	if (rc) {
		json_decref(x.files);
		return rc;
	}
	*out = json_pack("{s:s, s:s, s:o}", "mode", "offline",
			 "how", "harden fetches no STIG content at run time. Each coverage file maps one benchmark's "
			 "controls (STIG ids and V- numbers included) to harden's rules; it is curated from the "
			 "sources its header names and ships with harden's baselines. New content arrives with a "
			 "new harden release or a coverage file placed in a baseline directory's coverage/ folder.",
			 "files", x.files);
	return HERR_OK;
}

#define NO_ARGS "{\"type\": \"object\", \"properties\": {}, \"additionalProperties\": false}"
#define SEVERITIES "[\"critical\", \"high\", \"medium\", \"low\", \"info\"]"

const struct mcp_tool mcp_tools_content[] = {
	{ .name = "list_baselines", .title = "List baselines",
	  .description = "The compliance baselines harden can evaluate (built-in and the user's), with their "
			 "titles, versions, rule counts and site parameters.",
	  .input_schema = "{\"type\": \"object\", \"properties\": {" MCP_PAGE_IN "}, \"additionalProperties\": false}",
	  .output_schema = "{\"type\": \"object\", \"properties\": {\"baselines\": {\"type\": \"array\", \"items\": "
			   "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"}, \"title\": "
			   "{\"type\": [\"string\", \"null\"]}, \"rules\": {\"type\": \"integer\"}}, \"required\": "
			   "[\"id\"]}}, " MCP_PAGE_OUT "}, \"required\": [\"baselines\", " MCP_PAGE_REQ "]}",
	  .hints = MCP_READ_ONLY, .call = list_baselines },
	{ .name = "get_baseline_rules", .title = "Rules of a baseline",
	  .description = "The rules of one baseline: id, title, severity, object type, and details (description, "
			 "rationale, remediation, references).",
	  .input_schema = "{\"type\": \"object\", \"properties\": {\"baseline_id\": {\"type\": \"string\", "
			  "\"maxLength\": 256, \"description\": \"a baseline id from list_baselines\"}, "
			  "\"severity\": {\"type\": \"string\", \"enum\": " SEVERITIES ", \"description\": "
			  "\"only rules of this severity\"}, " MCP_PAGE_IN "}, \"required\": [\"baseline_id\"], "
			  "\"additionalProperties\": false}",
	  .output_schema = "{\"type\": \"object\", \"properties\": {\"baseline\": {\"type\": \"object\"}, \"rules\": "
			   "{\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": "
			   "\"string\"}, \"severity\": {\"type\": \"string\"}}, \"required\": [\"id\", \"severity\"]}}, "
			   MCP_PAGE_OUT "}, \"required\": [\"baseline\", \"rules\", " MCP_PAGE_REQ "]}",
	  .hints = MCP_READ_ONLY, .call = get_baseline_rules },
	{ .name = "list_stig_controls", .title = "List STIG controls",
	  .description = "DISA STIG controls (ESXi, vCenter, VM, NSX DFW) from harden's coverage files: STIG ids "
			 "and V- numbers, the harden rule that checks each, and its status (implemented, planned, "
			 "not_checkable with the reason).",
	  .input_schema = "{\"type\": \"object\", \"properties\": {\"framework\": {\"type\": \"string\", "
			  "\"maxLength\": 128, \"description\": \"only this coverage framework, e.g. "
			  "nsx-4-dfw-stig or vsphere-scg-8\"}, " MCP_PAGE_IN "}, \"additionalProperties\": false}",
	  .output_schema = "{\"type\": \"object\", \"properties\": {\"controls\": {\"type\": \"array\", \"items\": "
			   "{\"type\": \"object\", \"properties\": {\"control_id\": {\"type\": [\"string\", "
			   "\"null\"]}, \"stig\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}, "
			   "\"required\": [\"control_id\", \"stig\"]}}, " MCP_PAGE_OUT "}, \"required\": "
			   "[\"controls\", " MCP_PAGE_REQ "]}",
	  .hints = MCP_READ_ONLY, .call = list_stig_controls },
	{ .name = "describe_stig_content_sync", .title = "Where STIG content comes from",
	  .description = "How harden's STIG and benchmark content is kept: each coverage file, its framework, "
			 "benchmark, sources, and control counts by status.  Nothing is downloaded.",
	  .input_schema = NO_ARGS,
	  .output_schema = "{\"type\": \"object\", \"properties\": {\"mode\": {\"type\": \"string\"}, \"how\": "
			   "{\"type\": \"string\"}, \"files\": {\"type\": \"array\", \"items\": {\"type\": "
			   "\"object\", \"properties\": {\"framework\": {\"type\": [\"string\", \"null\"]}, "
			   "\"controls\": {\"type\": \"integer\"}, \"stig_controls\": {\"type\": \"integer\"}, "
			   "\"by_status\": {\"type\": \"object\"}}}}}, \"required\": [\"mode\", \"how\", \"files\"]}",
	  .hints = MCP_READ_ONLY, .call = describe_stig_content_sync },
	{ 0 },
};
