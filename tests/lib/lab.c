#include "lib/lab.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/testutil.h"
#include "util/util.h"

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

void lab_config(struct lab *l, const char *url, const char *extra)
{
	/* The lab's site is bound by PCI DSS as well as CIS: passwords expire
	 * after 90 days, not CIS's 99999 (a parameter from the targets file). */
	bool own = extra && strstr(extra, "parameters:");
	char *text = xasprintf("targets:\n  lab:\n    vcenter:\n      url: %s\n      user: %s\n%s%s%s",
			       url, LAB_USER, extra ? extra : "      password_file: vc.pw\n",
			       l->nsx_section ? l->nsx_section : "",
			       own ? "" : "    parameters:\n      max_password_age_days: 90\n");
	free(tu_write(l->dir, "targets.yaml", text, 0644));
	free(text);
}

/* Starts a lab program and waits for the URL it writes once serving. */
static char *spawn(const char *const *argv, const char *urlfile, const char *log, pid_t *pid)
{
	*pid = fork();
	ck_assert_int_ge(*pid, 0);
	if (*pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 1200; i++) {
		char *u = file_read(urlfile, NULL);
		if (u && *u) {
			size_t len = strlen(u);
			while (len && (u[len - 1] == '\n' || u[len - 1] == ' '))
				u[--len] = '\0';
			return u;
		}
		free(u);
		int st;
		if (waitpid(*pid, &st, WNOHANG) == *pid)
			ck_abort_msg("%s exited early; see %s", argv[0], log);
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	ck_abort_msg("%s did not start in time; see %s", argv[0], log);
	return NULL;
}

static void reap(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	int st;
	for (int i = 0; i < 100; i++) {
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = 0;
			return;
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &st, 0);
	*pid = 0;
}

/* Starts one of the lab programs in l->dir as user with password, under
 * the file names given by name (its URL file, password file, certificate and
 * log); *cert is set when flags ask for TLS.  Returns the URL it serves. */
static char *start_lab(struct lab *l, const char *bin, const char *name, const char *user, const char *password,
		       const char *const *flags, char **cert, pid_t *pid)
{
	char *urlfile = xasprintf("%s/%s-url", l->dir, name);
	char *pwname = xasprintf("%s.pw", name);
	char *pwfile = tu_write(l->dir, pwname, password, 0600);
	bool tls = false;
	for (int i = 0; flags && flags[i]; i++)
		tls |= !strcmp(flags[i], "-tls");
	if (tls)
		*cert = xasprintf("%s/%s-cert.pem", l->dir, name);
	const char *argv[64];
	int n = 0;
	argv[n++] = bin;
	argv[n++] = "-listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "-url-file";
	argv[n++] = urlfile;
	argv[n++] = "-username";
	argv[n++] = user;
	argv[n++] = "-password-file";
	argv[n++] = pwfile;
	if (tls) {
		argv[n++] = "-cert-out";
		argv[n++] = *cert;
	}
	argv[n++] = "-exit-with-parent";
	for (int i = 0; flags && flags[i] && n < 62; i++)
		argv[n++] = flags[i];
	argv[n] = NULL;
	char *log = xasprintf("%s/%s-lab.log", l->dir, name);
	char *url = spawn(argv, urlfile, log, pid);
	free(urlfile);
	free(pwname);
	free(pwfile);
	free(log);
	return url;
}

void lab_start(struct lab *l, const char *const *flags)
{
	memset(l, 0, sizeof(*l));
	l->dir = tu_tmpdir();
	l->url = start_lab(l, env_or("HARDEN_LAB_BIN", "build/harden-vclab"), "vc", LAB_USER, LAB_PASSWORD "\n", flags,
			   &l->cert, &l->pid);
	char *sdk = strstr(l->url, "/sdk");
	l->base = sdk ? xstrndup(l->url, (size_t)(sdk - l->url)) : xstrdup(l->url);
	l->config = xasprintf("%s/targets.yaml", l->dir);
	l->db = xasprintf("%s/twin.db", l->dir);
	lab_config(l, l->url, l->cert ? "      password_file: vc.pw\n      ca_file: vc-cert.pem\n" : NULL);
}

void lab_stop(struct lab *l)
{
	reap(&l->nsx_pid);
	reap(&l->pid);
	if (l->dir && !getenv("HARDEN_KEEP_LAB"))
		tu_rmdir(l->dir);
	free(l->dir);
	free(l->url);
	free(l->base);
	free(l->config);
	free(l->db);
	free(l->cert);
	free(l->nsx_url);
	free(l->nsx_cert);
	free(l->nsx_section);
	memset(l, 0, sizeof(*l));
}

static char *drain(int fd)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	return buf_detach(&b);
}

const char *harden_bin(void)
{
	return env_or("HARDEN_BIN", "build/harden");
}

void harden_run(struct lab *l, struct run *r, const char *const *args)
{
	harden_run_limited(l, r, args, 0);
}

void harden_run_limited(struct lab *l, struct run *r, const char *const *args, long fsize)
{
	memset(r, 0, sizeof(*r));
	const char *argv[64];
	int n = 0;
	argv[n++] = harden_bin();
	argv[n++] = "--db";
	argv[n++] = l->db;
	argv[n++] = "--config";
	argv[n++] = l->config;
	for (int i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	char *outp = xasprintf("%s/out.txt", l->dir), *errp = xasprintf("%s/err.txt", l->dir);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(o, 1);
		dup2(e, 2);
		unsetenv("NO_COLOR");
		if (fsize > 0) {
			struct rlimit rl = { (rlim_t)fsize, (rlim_t)fsize };
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	int o = open(outp, O_RDONLY), e = open(errp, O_RDONLY);
	r->out = drain(o);
	r->err = drain(e);
	close(o);
	close(e);
	free(outp);
	free(errp);
}

void run_release(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

struct vc *lab_session(struct lab *l)
{
	struct vc_opts o = { .target = "lab", .url = l->url, .user = LAB_USER, .password = LAB_PASSWORD,
			     .ca_file = l->cert, .timeout_s = 30, .page_size = 100 };
	struct vc *v;
	ck_assert_msg(vc_connect(&v, &o) == 0, "cannot log in to the lab: %s", err_get());
	return v;
}

static void vsoap(struct vc *v, struct soap_result *res, const char *fmt, va_list ap)
{
	char *body = xvasprintf(fmt, ap);
	int rc = vc_call(v, body, NULL, NULL, res);
	ck_assert_msg(rc == 0, "SOAP call failed: %s\n%s", err_get(), body);
	free(body);
}

void lab_soap(struct vc *v, const char *fmt, ...)
{
	struct soap_result res;
	va_list ap;
	va_start(ap, fmt);
	vsoap(v, &res, fmt, ap);
	va_end(ap);
	soap_result_release(&res);
}

void lab_soap_task(struct vc *v, const char *fmt, ...)
{
	struct soap_result res;
	va_list ap;
	va_start(ap, fmt);
	vsoap(v, &res, fmt, ap);
	va_end(ap);
	char *task = xstrdup(xnode_text(res.body, "returnval"));
	soap_result_release(&res);
	for (int i = 0; i < 200; i++) {
		char *body = xasprintf("<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">%s</_this>"
				       "<specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet>"
				       "<objectSet><obj type=\"Task\">%s</obj></objectSet></specSet><options/></RetrievePropertiesEx>",
				       vc_service(v, "propertyCollector"), task);
		ck_assert_int_eq(vc_call(v, body, NULL, NULL, &res), 0);
		free(body);
		const struct xnode *objs = xnode_path(res.body, "returnval.objects.propSet");
		const char *state = objs ? xnode_text(objs, "val") : NULL;
		bool done = state && (!strcmp(state, "success") || !strcmp(state, "error"));
		bool ok = state && !strcmp(state, "success");
		soap_result_release(&res);
		if (done) {
			ck_assert_msg(ok, "task %s failed", task);
			free(task);
			return;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	ck_abort_msg("task %s did not finish", task);
}

char *lab_moref(struct vc *v, const char *type, const char *name)
{
	struct soap_result res;
	char *body = xasprintf("<CreateContainerView xmlns=\"urn:vim25\"><_this type=\"ViewManager\">%s</_this>"
			 "<container type=\"Folder\">%s</container><type>%s</type><recursive>true</recursive>"
			 "</CreateContainerView>", vc_service(v, "viewManager"), vc_service(v, "rootFolder"), type);
	ck_assert_int_eq(vc_call(v, body, NULL, NULL, &res), 0);
	free(body);
	char *view = xstrdup(xnode_text(res.body, "returnval"));
	soap_result_release(&res);
	body = xasprintf("<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">%s</_this>"
			 "<specSet><propSet><type>%s</type><pathSet>name</pathSet></propSet>"
			 "<objectSet><obj type=\"ContainerView\">%s</obj><skip>true</skip>"
			 "<selectSet xsi:type=\"TraversalSpec\"><name>v</name><type>ContainerView</type><path>view</path>"
			 "<skip>false</skip></selectSet></objectSet></specSet><options/></RetrievePropertiesEx>",
			 vc_service(v, "propertyCollector"), type, view);
	ck_assert_int_eq(vc_call(v, body, NULL, NULL, &res), 0);
	free(body);
	char *found = NULL;
	const struct xnode *rv = xnode_child(res.body, "returnval");
	for (const struct xnode *o = rv ? rv->child : NULL; o && !found; o = o->next) {
		if (strcmp(o->name, "objects"))
			continue;
		const struct xnode *ps = xnode_child(o, "propSet");
		if (ps && !strcmp(xnode_text(ps, "val"), name))
			found = xstrdup(xnode_text(o, "obj"));
	}
	soap_result_release(&res);
	lab_soap(v, "<DestroyView xmlns=\"urn:vim25\"><_this type=\"ContainerView\">%s</_this></DestroyView>", view);
	free(view);
	ck_assert_msg(found != NULL, "no %s named %s in the lab", type, name);
	return found;
}

char *lab_host_manager(struct vc *v, const char *host, const char *which)
{
	struct soap_result res;
	char *body = xasprintf("<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">%s</_this>"
			       "<specSet><propSet><type>HostSystem</type><pathSet>configManager.%s</pathSet></propSet>"
			       "<objectSet><obj type=\"HostSystem\">%s</obj></objectSet></specSet><options/>"
			       "</RetrievePropertiesEx>", vc_service(v, "propertyCollector"), which, host);
	ck_assert_int_eq(vc_call(v, body, NULL, NULL, &res), 0);
	free(body);
	const struct xnode *ps = xnode_path(res.body, "returnval.objects.propSet");
	ck_assert_msg(ps != NULL, "host %s has no configManager.%s", host, which);
	char *m = xstrdup(xnode_text(ps, "val"));
	soap_result_release(&res);
	return m;
}

void lab_start_nsx(struct lab *l, const char *const *flags)
{
	l->nsx_url = start_lab(l, env_or("HARDEN_NSXLAB_BIN", "build/harden-nsxlab"), "nsx", NSX_LAB_USER,
			       NSX_LAB_PASSWORD "\n", flags, &l->nsx_cert, &l->nsx_pid);
	lab_config_nsx(l, l->nsx_cert ? "      ca_file: nsx-cert.pem\n" : NULL);
}

void lab_config_nsx(struct lab *l, const char *extra)
{
	free(l->nsx_section);
	l->nsx_section = xasprintf("    nsx:\n      url: %s\n      user: %s\n      password_file: nsx.pw\n%s", l->nsx_url,
				   NSX_LAB_USER, extra ? extra : "");
	lab_config(l, l->url, l->cert ? "      password_file: vc.pw\n      ca_file: vc-cert.pem\n" : NULL);
}

static size_t sink(char *d, size_t s, size_t n, void *u)
{
	(void)d, (void)u;
	return s * n;
}

static size_t keep(char *d, size_t s, size_t n, void *u)
{
	buf_add(u, d, s * n);
	return s * n;
}

char *lab_sql_text(struct lab *l, const char *sql, long long id)
{
	sqlite3 *h;
	char *out = NULL;
	ck_assert_int_eq(sqlite3_open_v2(l->db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 2000);
	sqlite3_stmt *s;
	ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
	if (sqlite3_bind_parameter_count(s) > 0)
		sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		out = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(h);
	return out;
}

json_t *lab_stats(struct lab *l)
{
	CURL *c = curl_easy_init();
	char *url = xasprintf("%s/lab/stats", l->base);
	struct buf body = BUF_INIT;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if (l->cert)
		curl_easy_setopt(c, CURLOPT_CAINFO, l->cert);
	CURLcode cc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	ck_assert_msg(cc == CURLE_OK, "GET %s failed", url);
	json_t *j = json_loads(body.data ? body.data : "", 0, NULL);
	ck_assert_msg(j && json_is_object(j), "GET %s: not a JSON object", url);
	buf_release(&body);
	free(url);
	return j;
}

long long lab_stat(struct lab *l, const char *key)
{
	json_t *j = lab_stats(l);
	ck_assert_msg(json_is_integer(json_object_get(j, key)), "no counter '%s' in the lab's stats", key);
	long long v = json_integer_value(json_object_get(j, key));
	json_decref(j);
	return v;
}

void lab_control(struct lab *l, const char *path)
{
	CURL *c = curl_easy_init();
	char *url = xasprintf("%s%s", l->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	if (l->cert)
		curl_easy_setopt(c, CURLOPT_CAINFO, l->cert);
	CURLcode cc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	ck_assert_msg(cc == CURLE_OK && code / 100 == 2, "lab control %s failed: %d/%ld", url, (int)cc, code);
	free(url);
}

int json_count(const char *json, const char *rule, const char *status, const char *object)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	ck_assert_msg(j != NULL, "report is not JSON: %s at line %d", je.text, je.line);
	int n = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		if (rule && strcmp(json_string_value(json_object_get(f, "rule_id")), rule))
			continue;
		if (status && strcmp(json_string_value(json_object_get(f, "status")), status))
			continue;
		if (object && strcmp(json_string_value(json_object_get(json_object_get(f, "object"), "name")), object))
			continue;
		n++;
	}
	json_decref(j);
	return n;
}

char *nsx_request(struct lab *l, const char *method, const char *path, const char *body, long *status)
{
	CURL *c = curl_easy_init();
	char *url = xasprintf("%s%s", l->nsx_url, path);
	struct buf out = BUF_INIT;
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_USERNAME, NSX_LAB_USER);
	curl_easy_setopt(c, CURLOPT_PASSWORD, NSX_LAB_PASSWORD);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	if (l->nsx_cert)
		curl_easy_setopt(c, CURLOPT_CAINFO, l->nsx_cert);
	CURLcode cc = curl_easy_perform(c);
	*status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	ck_assert_msg(cc == CURLE_OK, "%s %s failed: %s", method, url, curl_easy_strerror(cc));
	free(url);
	if (!out.data)
		buf_puts(&out, "");
	return buf_detach(&out);
}

void nsx_patch(struct lab *l, const char *path, const char *json)
{
	long status;
	char *full = xasprintf("/policy/api/v1%s", path);
	char *b = nsx_request(l, "PATCH", full, json, &status);
	ck_assert_msg(status / 100 == 2, "PATCH %s answered %ld: %s", full, status, b);
	free(b);
	free(full);
}

void nsx_control(struct lab *l, const char *path)
{
	long status;
	char *b = nsx_request(l, "POST", path, "", &status);
	ck_assert_msg(status / 100 == 2, "NSX lab control %s answered %ld: %s", path, status, b);
	free(b);
}

long long nsx_stat(struct lab *l, const char *key)
{
	long status;
	char *b = nsx_request(l, "GET", "/lab/stats", NULL, &status);
	json_t *j = json_loads(b, 0, NULL);
	ck_assert_msg(j && json_is_integer(json_object_get(j, key)), "no counter '%s' in NSX lab stats: %s", key, b);
	long long v = json_integer_value(json_object_get(j, key));
	json_decref(j);
	free(b);
	return v;
}

int json_count_moref(const char *json, const char *rule, const char *status, const char *moref)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	ck_assert_msg(j != NULL, "report is not JSON: %s at line %d", je.text, je.line);
	int n = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		if (rule && strcmp(json_string_value(json_object_get(f, "rule_id")), rule))
			continue;
		if (status && strcmp(json_string_value(json_object_get(f, "status")), status))
			continue;
		const char *m = json_string_value(json_object_get(json_object_get(f, "object"), "id"));
		if (moref && (!m || strcmp(m, moref)))
			continue;
		n++;
	}
	json_decref(j);
	return n;
}

void json_rule_statuses(json_t *seen, json_t *report)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(report, "findings"), i, f) {
		const char *id = json_string_value(json_object_get(f, "rule_id"));
		json_t *e = json_object_get(seen, id);
		if (!e)
			json_object_set_new(seen, id, e = json_object());
		json_object_set_new(e, json_string_value(json_object_get(f, "status")), json_true());
	}
}

static const char *member(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

char *drift_event_lines(json_t *drift)
{
	ck_assert_str_eq(member(drift, "schema"), "harden.drift");
	struct strlist l = { 0 };
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(drift, "events"), i, e) {
		json_t *o = json_object_get(e, "object");
		/* The manager's name is its URL, which changes with the lab's port. */
		const char *name = !strcmp(member(o, "type"), "nsx_manager") ? member(o, "id") : member(o, "name");
		if (json_object_get(e, "rule_id"))
			strlist_add_owned(&l, xasprintf("%s %s %s %s/ %s->%s", member(e, "kind"), name,
							member(e, "rule_id"), member(e, "baseline_id"),
							member(e, "old_status"), member(e, "new_status")));
		else if (json_object_get(e, "property"))
			strlist_add_owned(&l, xasprintf("%s %s %s %s->%s", member(e, "kind"), name,
							member(e, "property"), member(e, "old_value"),
							member(e, "new_value")));
		else
			strlist_add_owned(&l, xasprintf("%s %s %s", member(e, "kind"), member(o, "type"),
							member(o, "id")));
	}
	return tu_sorted_lines(&l);
}
