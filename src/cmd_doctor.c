/* harden doctor: checks what a scan, advise and apply depend on, one line
 * each with ok, warn or FAIL and the reason: the targets file and its
 * passwords, each target's vCenter (and NSX manager): reachable, TLS,
 * credentials (login and logout, nothing read), the pilot command, the
 * advisor's model, every baseline in the search path, and the twin.  No
 * secret is ever printed. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_common.h"
#include "common/transport.h"
#include "config/targets.h"
#include "mcp/pilot.h"
#include "nsx/nsx.h"
#include "rules/rules.h"
#include "store/store.h"
#include "util/util.h"
#include "vcenter/vc.h"

struct doctor_opts {
	const char *target;
	bool online;
	int format;
};

#define O(f) offsetof(struct doctor_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target),
	  .help = "check only this target of the targets file (the other checks still run)" },
	{ .name = "online", .kind = OPT_FLAG, .off = O(online),
	  .help = "also connect to the advisor's model endpoint (no key is sent, nothing is asked)" },
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = O(format), .choices = cmd_table_json,
	  .help = "table (one line a check) or json (schema harden.doctor)" },
	{ 0 },
};
#undef O

enum { D_OK, D_WARN, D_FAIL };
static const char *const status_word[] = { "ok", "warn", "FAIL" };
static const char *const status_json[] = { "ok", "warn", "fail" };

struct doctor {
	const struct doctor_opts *o;
	json_t *checks;		/* -f json: every check */
	unsigned count[3];
};

/* One check's line: status, what was checked, and why. */
__attribute__((format(printf, 4, 5))) static int say(struct doctor *d, int status, const char *check,
						     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	text_sanitize(msg);
	d->count[status]++;
	if (d->checks)
		json_array_append_new(d->checks, json_pack("{s:s, s:s, s:s}", "check", check, "status",
							   status_json[status], "message", msg));
	else {
		printf("%-4s  %s: %s\n", status_word[status], check, msg);
		fflush(stdout);
	}
	free(msg);
	return status;
}

/* ---- the targets file ---- */

static struct targets *check_targets_file(struct doctor *d, struct cmd_ctx *ctx)
{
	char *path = cmd_config_path(ctx);
	if (!path) {
		say(d, D_FAIL, "targets file", "%s", err_get());
		return NULL;
	}
	struct targets *t = NULL;
	if (access(path, F_OK) != 0)
		say(d, D_FAIL, "targets file", "none at '%s' (--config, $HARDEN_CONFIG, $XDG_CONFIG_HOME/harden or "
			       "/etc/harden/targets.yaml): see harden(1), TARGETS FILE", path);
	else {
		t = xcalloc(1, sizeof(*t));
		if (targets_load(t, path) < 0) {
			say(d, D_FAIL, "targets file", "%s", err_get());
			targets_release(t);
			free(t);
			t = NULL;
		} else {
			say(d, D_OK, "targets file", "%s: %u target%s", path, t->n, t->n == 1 ? "" : "s");
		}
	}
	free(path);
	return t;
}

/* ---- an endpoint: password, reachable, TLS, credentials ---- */

struct endpoint_check {
	struct doctor *d;
	const struct target *t;
	const struct endpoint *e;
	bool nsx;
	char *name;		/* "lab: vcenter" */
	char *password;		/* read, or NULL */
};

static void check_password(struct endpoint_check *x)
{
	const struct endpoint *e = x->e;
	char *check = xasprintf("%s password", x->name);
	if (endpoint_password(e, x->t->name, &x->password) < 0)
		say(x->d, D_FAIL, check, "%s", err_get());
	else if (e->password_env)
		say(x->d, D_OK, check, "$%s is set", e->password_env);
	else
		say(x->d, D_OK, check, "'%s' is readable by its owner only", e->password_file);
	free(check);
}

/* A connection to the endpoint (TLS handshake included), verifying as
 * the targets file says, or not at all. */
static CURLcode probe(const char *url, const struct endpoint *e, bool verify, char *errbuf)
{
	CURL *c = curl_easy_init();
	if (!c)
		return CURLE_FAILED_INIT;
	errbuf[0] = '\0';
	struct transport_opts to = { .timeout_s = e->timeout_s > 0 && e->timeout_s < 15 ? e->timeout_s : 15,
				     .insecure = !verify || e->insecure, .ca_file = e->ca_file, .errbuf = errbuf };
	transport_setup(c, &to);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	CURLcode cc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	return cc;
}

static const char *curl_why(CURLcode cc, const char *errbuf)
{
	return errbuf[0] ? errbuf : curl_easy_strerror(cc);
}

/* Reachable and TLS: D_OK or D_WARN when the login may be tried. */
static int check_transport(struct endpoint_check *x)
{
	char errbuf[CURL_ERROR_SIZE], *check = xasprintf("%s reachable", x->name);
	const struct endpoint *e = x->e;
	const char *what = x->nsx ? "the NSX manager" : "vCenter";
	CURLcode cc = probe(e->url, e, false, errbuf);
	int st = cc == CURLE_OK ? say(x->d, D_OK, check, "%s answers at %s", what, e->url)
				: say(x->d, D_FAIL, check, "cannot reach %s of target '%s' at %s: %s", what, x->t->name,
				      e->url, curl_why(cc, errbuf));
	free(check);
	if (st == D_FAIL)
		return st;
	check = xasprintf("%s tls", x->name);
	if (!strncmp(e->url, "http://", 7))
		st = say(x->d, D_WARN, check, "%s is plain http: the password crosses the network unencrypted "
			 "(use https:// with ca_file)", e->url);
	else if (e->insecure)
		st = say(x->d, D_WARN, check, "verification is off (insecure: true): %s is not authenticated; "
			 "set ca_file: to the CA that signed its certificate instead", e->url);
	else if ((cc = probe(e->url, e, true, errbuf)) == CURLE_OK)
		st = say(x->d, D_OK, check, "certificate of %s verified against %s", e->url,
			 e->ca_file ? e->ca_file : "the system's CAs");
	else if (transport_tls_error(cc))
		st = say(x->d, D_FAIL, check, "the certificate of %s is not trusted (%s): set ca_file: in the "
			 "target's %s block to the CA that signed it (or insecure: true, for a lab only)", e->url,
			 curl_why(cc, errbuf), x->nsx ? "nsx:" : "vcenter:");
	else
		st = say(x->d, D_FAIL, check, "TLS with %s failed: %s", e->url, curl_why(cc, errbuf));
	free(check);
	return st;
}

/* Login and logout: the collectors' own session code, nothing read. */
static void check_login(struct endpoint_check *x, bool can)
{
	const struct endpoint *e = x->e;
	char *check = xasprintf("%s login", x->name);
	int rc;
	if (!can || !x->password) {
		say(x->d, D_WARN, check, "not tried: %s failed above", x->password ? "the connection" : "the password");
	} else if (x->nsx && e->auth_basic) {
		say(x->d, D_WARN, check, "not tried: with auth: basic the first request of a scan is the login, and "
			"doctor reads nothing");
	} else if (x->nsx) {
		struct nsx *n;
		struct nsx_opts no = { .target = x->t->name, .url = e->url, .user = e->user, .password = x->password,
				       .ca_file = e->ca_file, .insecure = e->insecure, .timeout_s = e->timeout_s };
		if ((rc = nsx_connect(&n, &no)) == 0) {
			nsx_close(n);
			say(x->d, D_OK, check, "user '%s' logged in and out of %s", e->user, e->url);
		} else {
			say(x->d, D_FAIL, check, "%s", err_get());
		}
	} else {
		struct vc *v;
		struct vc_opts vo = { .target = x->t->name, .url = e->url, .user = e->user, .password = x->password,
				      .ca_file = e->ca_file, .insecure = e->insecure, .timeout_s = e->timeout_s };
		if ((rc = vc_connect(&v, &vo)) == 0) {
			vc_close(v);
			say(x->d, D_OK, check, "user '%s' logged in and out of %s", e->user, e->url);
		} else {
			say(x->d, D_FAIL, check, "%s", err_get());
		}
	}
	free(check);
}

static void check_endpoint(struct doctor *d, const struct target *t, const struct endpoint *e, bool nsx)
{
	struct endpoint_check x = { d, t, e, nsx, xasprintf("%s: %s", t->name, nsx ? "nsx" : "vcenter"), NULL };
	check_password(&x);
	int st = check_transport(&x);
	check_login(&x, st != D_FAIL);
	if (x.password)
		targets_password_free(x.password);
	free(x.name);
}

/* ---- pilot, the model, baselines, the twin ---- */

/* Whether argv0 names an executable file, itself or on $PATH. */
static bool executable(const char *argv0)
{
	if (strchr(argv0, '/'))
		return access(argv0, X_OK) == 0;
	const char *path = getenv("PATH");
	char *dirs = xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL;
	bool found = false;
	for (char *dir = strtok_r(dirs, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *dir ? dir : ".", argv0);
		struct stat sb;
		found = stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, X_OK) == 0;
		free(p);
	}
	free(dirs);
	return found;
}

static void check_pilot(struct doctor *d, const struct targets *t)
{
	struct strlist argv = { 0 };
	bool explicit_cmd;
	pilot_command(t, &argv, &explicit_cmd);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < argv.n; i++) {
		if (i)
			buf_puts(&b, " ");
		buf_puts(&b, argv.v[i]);
	}
	const char *cmd = b.data ? b.data : "";
	if (!argv.n || !executable(argv.v[0])) {
		say(d, explicit_cmd ? D_FAIL : D_WARN, "pilot", "'%s' is not installed or not executable: harden apply "
		    "cannot submit fixes (set the pilot: block or $HARDEN_PILOT_COMMAND)", argv.n ? argv.v[0] : "");
	} else {
		struct pilot p;
		if (pilot_open(&p, t) == HERR_OK) {
			pilot_close(&p);
			say(d, D_OK, "pilot", "'%s' answers MCP initialize", cmd);
		} else {
			say(d, D_FAIL, "pilot", "%s", err_get());
		}
	}
	buf_release(&b);
	strlist_release(&argv);
}

static void check_advisor(struct doctor *d, const struct targets *t)
{
	const struct advisor_conf *a = t ? &t->advisor : NULL;
	if (!a || !a->present) {
		say(d, D_OK, "advisor", "no advisor: block: harden advise is offline");
		return;
	}
	const char *key = a->api_key_env ? getenv(a->api_key_env) : NULL;
	if (!key || !*key) {
		say(d, D_FAIL, "advisor", "%s model %s: $%s is not set, so advise --llm stays offline",
		    a->provider, a->model ? a->model : "?", a->api_key_env ? a->api_key_env : "(api_key_env)");
		return;
	}
	if (!d->o->online) {
		say(d, D_OK, "advisor", "%s model %s at %s, key in $%s (not contacted; --online to connect)", a->provider,
		    a->model ? a->model : "?", a->base_url, a->api_key_env);
		return;
	}
	char errbuf[CURL_ERROR_SIZE];
	struct endpoint e = { .timeout_s = a->timeout_s };
	CURLcode cc = probe(a->base_url, &e, true, errbuf);
	if (cc == CURLE_OK)
		say(d, D_OK, "advisor", "%s model %s: %s answers (no key sent)", a->provider, a->model ? a->model : "?",
		    a->base_url);
	else
		say(d, D_FAIL, "advisor", "cannot reach the model endpoint %s: %s", a->base_url, curl_why(cc, errbuf));
}

static void check_baselines(struct doctor *d)
{
	struct strlist stems = { 0 }, paths = { 0 };
	baseline_catalog(NULL, &stems, &paths);
	if (!stems.n)
		say(d, D_FAIL, "baselines", "none in the search path (harden baseline list shows where it looks)");
	for (size_t i = 0; i < stems.n; i++) {
		struct baseline *b;
		char *check = xasprintf("baseline %s", stems.v[i]);
		if (baseline_load(&b, paths.v[i]) < 0) {
			say(d, D_FAIL, check, "%s", err_get());
		} else {
			if (baseline_params_used(b) < 0)
				say(d, D_FAIL, check, "%s", err_get());
			else
				say(d, D_OK, check, "%s: %u rules", paths.v[i], b->nrules);
			baseline_free(b);
		}
		free(check);
	}
	strlist_release(&stems);
	strlist_release(&paths);
}

static void check_twin(struct doctor *d, struct cmd_ctx *ctx)
{
	char *db = cmd_db_path(ctx);
	struct store_health h;
	if (!db) {
		say(d, D_FAIL, "twin", "%s", err_get());
		return;
	}
	int r = store_health(db, &h);
	if (r > 0)
		say(d, D_WARN, "twin", "no twin at '%s' yet: run harden scan", db);
	else if (r < 0)
		say(d, D_FAIL, "twin", "%s: move it aside (harden scan then starts a new twin)", err_get());
	else if (h.problems)
		say(d, D_FAIL, "twin", "'%s' is damaged (PRAGMA quick_check: %s): restore it from a backup or move it "
		    "aside", db, h.quick_check);
	else if (h.schema_version > STORE_SCHEMA_VERSION)
		say(d, D_FAIL, "twin", "'%s' has schema version %lld, newer than this harden's %d: upgrade harden", db,
		    h.schema_version, STORE_SCHEMA_VERSION);
	else
		say(d, h.schema_version < STORE_SCHEMA_VERSION ? D_WARN : D_OK, "twin",
		    "'%s': %.1f MiB, schema version %lld%s, %lld snapshot%s (%lld completed), quick_check ok", db,
		    (double)h.bytes / (1024.0 * 1024.0), h.schema_version,
		    h.schema_version < STORE_SCHEMA_VERSION ? " (the next scan migrates it)" : "", h.snapshots,
		    h.snapshots == 1 ? "" : "s", h.completed);
	store_health_release(&h);
	free(db);
}

static int run(struct cmd_ctx *ctx, void *vopts)
{
	const struct doctor_opts *o = vopts;
	struct doctor d = { .o = o, .checks = o->format == 1 ? json_array() : NULL };
	struct targets *t = check_targets_file(&d, ctx);
	if (t && o->target && !targets_find(t, o->target)) {
		const char **names = xcalloc(t->n + 1, sizeof(*names));
		for (unsigned i = 0; i < t->n; i++)
			names[i] = t->v[i].name;
		const char *best = cmd_closest(o->target, names, t->n);
		log_error("unknown target '%s' in '%s'%s%s%s", o->target, t->path, best ? "; did you mean '" : "",
			  best ? best : "", best ? "'?" : "");
		free(names);
		targets_release(t);
		free(t);
		json_decref(d.checks);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; t && i < t->n; i++) {
		if (o->target && strcmp(o->target, t->v[i].name))
			continue;
		check_endpoint(&d, &t->v[i], &t->v[i].vcenter, false);
		if (t->v[i].nsx.present)
			check_endpoint(&d, &t->v[i], &t->v[i].nsx, true);
	}
	check_pilot(&d, t);
	check_advisor(&d, t);
	check_baselines(&d);
	check_twin(&d, ctx);
	int rc = d.count[D_FAIL] ? EXIT_FINDINGS : EXIT_CLEAN;
	if (d.checks) {
		json_t *doc = json_pack("{s:s, s:i, s:o, s:{s:i, s:i, s:i}, s:i}", "schema", "harden.doctor",
					"schema_version", 1, "checks", d.checks, "counts", "ok", d.count[D_OK], "warn",
					d.count[D_WARN], "fail", d.count[D_FAIL], "exit_code", rc);
		json_dumpf(doc, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(doc);
	} else if (!ctx->quiet) {
		log_info("%u ok, %u warning%s, %u failed", d.count[D_OK], d.count[D_WARN], d.count[D_WARN] == 1 ? "" : "s",
			 d.count[D_FAIL]);
	}
	if (t) {
		targets_release(t);
		free(t);
	}
	return rc;
}

const struct cmd cmd_doctor = {
	.name = "doctor",
	.summary = "Check the targets file, targets, TLS, credentials, pilot, model, baselines and twin",
	.description = "Each check prints one line: ok, warn or FAIL, what was checked and why.  Credentials are "
		       "checked by logging in and out (nothing is read); passwords are never printed.  The model "
		       "is only contacted with --online.",
	.optsets = { { opts, 0 } },
	.opts_size = sizeof(struct doctor_opts),
	.setup = CMD_NETWORK,
	.exits = EXITS(EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE),
	.exit_texts = { [EXIT_CLEAN] = "no check failed (warnings may remain)",
			[EXIT_FINDINGS] = "at least one check failed: each FAIL line says what and why",
			[EXIT_USAGE] = "usage error, or --target names no target of the targets file" },
	.run = run,
};
