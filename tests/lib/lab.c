#include "lib/lab.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
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
	char *text = xasprintf("targets:\n  lab:\n    vcenter:\n      url: %s\n      user: %s\n%s",
			       url, LAB_USER, extra ? extra : "      password_file: vc.pw\n");
	free(tu_write(l->dir, "targets.yaml", text, 0644));
	free(text);
}

void lab_start(struct lab *l, const char *const *flags)
{
	memset(l, 0, sizeof(*l));
	l->dir = tu_tmpdir();
	char *urlfile = xasprintf("%s/url", l->dir);
	char *pwfile = tu_write(l->dir, "vc.pw", LAB_PASSWORD "\n", 0600);
	bool tls = false;
	for (int i = 0; flags && flags[i]; i++)
		tls |= !strcmp(flags[i], "-tls");
	if (tls)
		l->cert = xasprintf("%s/lab-cert.pem", l->dir);
	const char *argv[64];
	int n = 0;
	argv[n++] = env_or("HARDEN_LAB_BIN", "build/harden-vclab");
	argv[n++] = "-listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "-url-file";
	argv[n++] = urlfile;
	argv[n++] = "-username";
	argv[n++] = LAB_USER;
	argv[n++] = "-password-file";
	argv[n++] = pwfile;
	if (tls) {
		argv[n++] = "-cert-out";
		argv[n++] = l->cert;
	}
	argv[n++] = "-exit-with-parent";
	for (int i = 0; flags && flags[i] && n < 62; i++)
		argv[n++] = flags[i];
	argv[n] = NULL;
	char *log = xasprintf("%s/lab.log", l->dir);
	l->pid = fork();
	ck_assert_int_ge(l->pid, 0);
	if (l->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	/* The lab writes its URL once it serves. */
	for (int i = 0; i < 1200; i++) {
		char *u = file_read(urlfile, NULL);
		if (u && *u) {
			size_t len = strlen(u);
			while (len && (u[len - 1] == '\n' || u[len - 1] == ' '))
				u[--len] = '\0';
			l->url = u;
			break;
		}
		free(u);
		int st;
		if (waitpid(l->pid, &st, WNOHANG) == l->pid)
			ck_abort_msg("lab exited early; see %s", log);
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	ck_assert_msg(l->url != NULL, "lab did not start in time");
	char *sdk = strstr(l->url, "/sdk");
	l->base = sdk ? xstrndup(l->url, (size_t)(sdk - l->url)) : xstrdup(l->url);
	l->config = xasprintf("%s/targets.yaml", l->dir);
	l->db = xasprintf("%s/twin.db", l->dir);
	lab_config(l, l->url, tls ? "      password_file: vc.pw\n      ca_file: lab-cert.pem\n" : NULL);
	free(urlfile);
	free(pwfile);
	free(log);
}

void lab_stop(struct lab *l)
{
	if (l->pid > 0) {
		kill(l->pid, SIGTERM);
		int st;
		for (int i = 0; i < 100; i++) {
			if (waitpid(l->pid, &st, WNOHANG) == l->pid) {
				l->pid = 0;
				break;
			}
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		if (l->pid) {
			kill(l->pid, SIGKILL);
			waitpid(l->pid, &st, 0);
		}
	}
	if (l->dir && !getenv("HARDEN_KEEP_LAB"))
		tu_rmdir(l->dir);
	free(l->dir);
	free(l->url);
	free(l->base);
	free(l->config);
	free(l->db);
	free(l->cert);
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

long long lab_stat(struct lab *l, const char *key)
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
	ck_assert_msg(j && json_is_integer(json_object_get(j, key)), "no counter '%s' in %s", key, url);
	long long v = json_integer_value(json_object_get(j, key));
	json_decref(j);
	buf_release(&body);
	free(url);
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
