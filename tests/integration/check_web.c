/* harden web against a twin scanned from the labs: every page over HTTP,
 * parsed with libxml2's HTML parser; counts against the JSON report,
 * filters, paging, exports, a hostile VM name, the Host header, unknown
 * paths, the language; and, where Debian's chromium is installed, a
 * screenshot of each page with no console message (a blocked resource or
 * a script would log one). */
#include <curl/curl.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define HOSTILE_VM "<script>alert(1)</script>&\"vm"

static struct lab lab;
static pid_t web_pid;
static char *web_url;	/* http://127.0.0.1:PORT/ */
static char *web_log;

static const char *const scan_args[] = { "scan", "--target", "lab", "--baseline", "dengbao-2.0-level3-vmware",
					 "--baseline", "pci-dss-4.0-vmware", "--baseline", "vsphere-scg-v8-subset",
					 "--fail-on", "none", "--quiet", NULL };

static void scan(void)
{
	struct run r;
	harden_run(&lab, &r, scan_args);
	ck_assert_msg(r.status == EXIT_CLEAN, "scan exit %d: %s", r.status, r.err);
	run_release(&r);
}

/* Starts harden web on listen; returns the URL it printed. */
static char *spawn_web(const char *log, const char *listen, bool remote, pid_t *pid)
{
	*pid = fork();
	ck_assert_int_ge(*pid, 0);
	if (*pid == 0) {
		FILE *f = freopen(log, "w", stdout);
		if (!f || dup2(1, 2) < 0)
			_exit(127);
		execl(harden_bin(), harden_bin(), "--db", lab.db, "web", "--listen", listen,
		      remote ? "--allow-remote" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	char *url = NULL;
	for (int i = 0; i < 2400 && !url; i++) {	/* a minute: it reads the counts first */
		char *t = file_read(log, NULL);
		char *s = t ? strstr(t, "serving ") : NULL;
		if (s && strchr(s, '\n')) {
			*strchr(s, '\n') = 0;
			url = xstrdup(s + 8);
		}
		free(t);
		struct timespec ts = { 0, 25 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	ck_assert_msg(url != NULL, "harden web did not start; see %s", log);
	return url;
}

static void start(void)
{
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, NULL);
	scan();
	/* An attacker names a VM with markup. */
	struct vc *v = lab_session(&lab);
	char *vm = lab_moref(v, "VirtualMachine", "DC0_C0_H0_VM0");
	lab_soap_task(v, "<Rename_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">%s</_this>"
			 "<newName>&lt;script&gt;alert(1)&lt;/script&gt;&amp;\"vm</newName></Rename_Task>", vm);
	free(vm);
	vc_close(v);
	scan();
	web_log = xasprintf("%s/web.log", lab.dir);
	web_url = spawn_web(web_log, "127.0.0.1:0", false, &web_pid);
}

static void stop(void)
{
	if (web_pid > 0) {
		kill(web_pid, SIGTERM);
		int st = 0;
		waitpid(web_pid, &st, 0);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "harden web did not stop cleanly");
		char *t = file_read(web_log, NULL);
		ck_assert_ptr_nonnull(strstr(t, "harden web: stopped"));
		free(t);
	}
	web_pid = 0;
	free(web_url);
	free(web_log);
	web_url = web_log = NULL;
	lab_stop(&lab);
}

static size_t keep(char *d, size_t s, size_t n, void *u)
{
	buf_add(u, d, s * n);
	return s * n;
}

struct resp {
	long status;
	char *body;
	char *ctype;
	char *headers;
	double ms;
};

/* GET path (relative to the server), with an extra header or none. */
static struct resp get(const char *path, const char *header)
{
	CURL *c = curl_easy_init();
	char *url = xasprintf("%s%s", web_url, path[0] == '/' ? path + 1 : path);
	struct buf body = BUF_INIT, head = BUF_INIT;
	struct curl_slist *h = header ? curl_slist_append(NULL, header) : NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	CURLcode cc = curl_easy_perform(c);
	ck_assert_msg(cc == CURLE_OK, "GET %s: %s", url, curl_easy_strerror(cc));
	struct resp r = { 0 };
	char *ct = NULL;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	r.ctype = xstrdup(ct ? ct : "");
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r.ms);
	r.ms *= 1000;
	buf_putc(&body, 0);
	r.body = buf_detach(&body);
	buf_putc(&head, 0);
	r.headers = buf_detach(&head);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(url);
	return r;
}

static void resp_free(struct resp *r)
{
	free(r->body);
	free(r->ctype);
	free(r->headers);
}

static htmlDocPtr parse(const struct resp *r)
{
	htmlDocPtr d = htmlReadMemory(r->body, (int)strlen(r->body), "page.html", "UTF-8",
				      HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	ck_assert_ptr_nonnull(d);
	return d;
}

/* Whether an element tag (NULL: any) has text containing `text` (NULL: any). */
static bool has(xmlNode *n, const char *tag, const char *text)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && (!tag || !strcmp((const char *)n->name, tag))) {
			xmlChar *c = xmlNodeGetContent(n);
			bool ok = !text || (c && strstr((const char *)c, text));
			xmlFree(c);
			if (ok)
				return true;
		}
		if (has(n->children, tag, text))
			return true;
	}
	return false;
}

static long long count_el(xmlNode *n, const char *tag, const char *cls)
{
	long long k = 0;
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, tag)) {
			xmlChar *c = xmlGetProp(n, BAD_CAST "class");
			if (!cls || (c && !strcmp((const char *)c, cls)))
				k++;
			xmlFree(c);
		}
		k += count_el(n->children, tag, cls);
	}
	return k;
}

static const char *const pages[] = { "/", "/framework", "/violations", "/drift", "/waivers",
				     "/history?object=DC0_C0_H0", "/violations?status=all&group=rule",
				     "/framework?baseline=dengbao-2.0-level3-vmware", "/?lang=zh" };

START_TEST(test_every_page_is_html_without_script)
{
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		struct resp r = get(pages[i], NULL);
		ck_assert_msg(r.status == 200, "%s: %ld", pages[i], r.status);
		ck_assert_str_eq(r.ctype, "text/html; charset=utf-8");
		htmlDocPtr d = parse(&r);
		xmlNode *root = xmlDocGetRootElement(d);
		ck_assert(!has(root, "script", NULL));
		ck_assert(!has(root, "img", NULL));
		ck_assert(!has(root, "link", NULL));
		ck_assert(has(root, "h1", NULL));
		ck_assert(has(root, "nav", NULL));
		ck_assert(has(root, "style", "@media print"));
		ck_assert_ptr_nonnull(strstr(r.headers, "Content-Security-Policy: default-src 'none'; "));
		ck_assert_ptr_nonnull(strstr(r.headers, "X-Content-Type-Options: nosniff"));
		ck_assert_ptr_nonnull(strstr(r.headers, "X-Frame-Options: DENY"));
		xmlFreeDoc(d);
		fprintf(stderr, "web: %-50s %6.1f ms %7zu bytes\n", pages[i], r.ms, strlen(r.body));
		resp_free(&r);
	}
	/* Only the routes: no file serving, no traversal. */
	static const char *const bad[] = { "/etc/passwd", "/../../etc/passwd", "/static/app.js", "/favicon.ico",
					   "/violations/", "/index.html" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct resp r = get(bad[i], NULL);
		ck_assert_msg(r.status == 404, "%s: %ld", bad[i], r.status);
		resp_free(&r);
	}
}
END_TEST

static long long total_of(const char *query)
{
	char *path = xasprintf("/violations?%s&format=json&per=500", query);
	struct resp r = get(path, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.ctype, "application/json");
	json_t *j = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	long long n = json_integer_value(json_object_get(j, "total"));
	ck_assert_int_eq((long long)json_array_size(json_object_get(j, "results")), n < 500 ? n : 500);
	json_decref(j);
	resp_free(&r);
	free(path);
	return n;
}

START_TEST(test_counts_match_the_json_report)
{
	const char *const args[] = { "report", "--target", "lab", "--format", "json", "--all", NULL };
	struct run rr;
	harden_run(&lab, &rr, args);
	ck_assert_msg(rr.status == EXIT_CLEAN || rr.status == EXIT_FINDINGS, "%s", rr.err);
	static const char *const st[] = { "fail", "pass", "unknown", "waived", "not_applicable" };
	for (size_t i = 0; i < ARRAY_SIZE(st); i++) {
		char *q = xasprintf("status=%s", st[i]);
		ck_assert_int_eq(total_of(q), json_count(rr.out, NULL, st[i], NULL));
		free(q);
	}
	/* Filters: a rule, an object, a baseline with a severity. */
	ck_assert_int_eq(total_of("status=fail&rule=scg-vm-copy-disable"),
			 json_count(rr.out, "scg-vm-copy-disable", "fail", NULL));
	ck_assert_int_eq(total_of("status=all&object=DC0_C0_H0"), json_count(rr.out, NULL, NULL, "DC0_C0_H0"));
	json_t *j = json_loads(rr.out, 0, NULL);
	long long crit = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f)
		crit += !strcmp(json_string_value(json_object_get(f, "severity")), "critical") &&
			!strcmp(json_string_value(json_object_get(f, "status")), "fail") &&
			!strcmp(json_string_value(json_object_get(f, "baseline_id")), "dengbao-2.0-level3-vmware");
	json_decref(j);
	ck_assert_int_eq(total_of("severity=critical&status=fail&baseline=dengbao-2.0-level3-vmware"), crit);
	ck_assert_int_gt(total_of("q=DC0_C0_H0&status=all"), 0);
	ck_assert_int_eq(total_of("q=no-such-thing-anywhere&status=all"), 0);
	ck_assert_int_gt(total_of("cluster=DC0_C0&status=all"), 0);
	ck_assert_int_eq(total_of("cluster=no-such-cluster&status=all"), 0);
	run_release(&rr);
}
END_TEST

START_TEST(test_paging_and_exports_show_what_is_shown)
{
	long long all = total_of("status=all");
	ck_assert_int_gt(all, 20);
	struct resp a = get("/violations?status=all&per=7&page=1&format=json", NULL);
	struct resp b = get("/violations?status=all&per=7&page=2&format=json", NULL);
	json_t *ja = json_loads(a.body, 0, NULL), *jb = json_loads(b.body, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(ja, "results")), 7);
	ck_assert_int_eq(json_array_size(json_object_get(jb, "results")), 7);
	char *x = json_dumps(json_array_get(json_object_get(ja, "results"), 0), JSON_SORT_KEYS);
	char *y = json_dumps(json_array_get(json_object_get(jb, "results"), 0), JSON_SORT_KEYS);
	ck_assert_str_ne(x, y);
	free(x);
	free(y);
	json_decref(ja);
	json_decref(jb);
	resp_free(&a);
	resp_free(&b);
	/* The HTML page shows the same 7 rows, and links to the next page. */
	struct resp h = get("/violations?status=all&per=7&page=2", NULL);
	htmlDocPtr d = parse(&h);
	xmlNode *root = xmlDocGetRootElement(d);
	ck_assert_int_eq(count_el(root, "tr", "st-pass") + count_el(root, "tr", "st-fail") +
				 count_el(root, "tr", "st-unknown") + count_el(root, "tr", "st-waived") +
				 count_el(root, "tr", "st-not_applicable"),
			 7);
	ck_assert_int_eq(count_el(root, "a", "next"), 1);
	ck_assert_int_eq(count_el(root, "a", "prev"), 1);
	xmlFreeDoc(d);
	resp_free(&h);
	/* CSV: a header and the rows of the page. */
	struct resp c = get("/violations?status=all&per=7&page=2&format=csv", NULL);
	ck_assert_str_eq(c.ctype, "text/csv; charset=utf-8");
	ck_assert(!strncmp(c.body, "baseline,rule_id,title,severity,status,", 39));
	long long lines = 0;
	for (const char *s = c.body; *s; s++)
		lines += *s == '\n';
	ck_assert_int_eq(lines, 8);
	resp_free(&c);
	/* A page past the end shows the last one. */
	struct resp e = get("/violations?status=all&per=7&page=999999&format=json", NULL);
	json_t *je = json_loads(e.body, 0, NULL);
	ck_assert_int_eq((long long)json_array_size(json_object_get(je, "results")), all % 7 ? all % 7 : 7);
	json_decref(je);
	resp_free(&e);
}
END_TEST

START_TEST(test_hostile_names_stay_text)
{
	char *q = xasprintf("/violations?status=all&object=%s", "%3Cscript%3Ealert(1)%3C%2Fscript%3E%26%22vm");
	struct resp r = get(q, NULL);
	free(q);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "<script>"));
	htmlDocPtr d = parse(&r);
	xmlNode *root = xmlDocGetRootElement(d);
	ck_assert(!has(root, "script", NULL));
	ck_assert(has(root, "td", HOSTILE_VM));
	ck_assert(has(root, "input", NULL));
	xmlFreeDoc(d);
	resp_free(&r);
	/* The drift page names it too (the rename is a property change). */
	r = get("/drift", NULL);
	ck_assert_ptr_null(strstr(r.body, "<script>"));
	d = parse(&r);
	root = xmlDocGetRootElement(d);
	ck_assert(!has(root, "script", NULL));
	ck_assert(has(root, "a", HOSTILE_VM));
	xmlFreeDoc(d);
	resp_free(&r);
	/* The finding page of one of its results. */
	r = get("/violations?status=all&object=DC0_C0_H0_VM0&format=json&per=1", NULL);
	json_t *j = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "total")), 0);	/* renamed */
	json_decref(j);
	resp_free(&r);
}
END_TEST

START_TEST(test_host_header_language_and_finding)
{
	struct resp r = get("/", "Host: attacker.example:80");
	ck_assert_int_eq(r.status, 403);
	resp_free(&r);
	char *port = strrchr(web_url, ':') + 1;
	char *h = xasprintf("Host: localhost:%.*s", (int)strcspn(port, "/"), port);
	r = get("/", h);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	free(h);
	r = get("/", "Accept-Language: zh-CN,zh;q=0.9");
	htmlDocPtr d = parse(&r);
	ck_assert(has(xmlDocGetRootElement(d), "h1", "概览"));
	xmlFreeDoc(d);
	resp_free(&r);
	r = get("/?lang=en", "Accept-Language: zh-CN");
	d = parse(&r);
	ck_assert(has(xmlDocGetRootElement(d), "h1", "Overview"));
	xmlFreeDoc(d);
	resp_free(&r);
	/* A finding: the rule's text, the violation id, the remediation. */
	r = get("/violations?status=fail&baseline=dengbao-2.0-level3-vmware&rule=dengbao-8.1.3.2-a&format=json", NULL);
	json_t *j = json_loads(r.body, 0, NULL);
	json_t *f = json_array_get(json_object_get(j, "results"), 0);
	ck_assert_ptr_nonnull(f);
	char *path = xasprintf("/finding?baseline=dengbao-2.0-level3-vmware&rule=dengbao-8.1.3.2-a&type=%s&moref=%s",
			       json_string_value(json_object_get(f, "object_type")),
			       json_string_value(json_object_get(f, "object_id")));
	char *vid = xstrdup(json_string_value(json_object_get(f, "violation_id")));
	json_decref(j);
	resp_free(&r);
	r = get(path, NULL);
	ck_assert_msg(r.status == 200, "%s: %ld", path, r.status);
	d = parse(&r);
	xmlNode *root = xmlDocGetRootElement(d);
	ck_assert(has(root, "td", vid));
	ck_assert(has(root, "h2", "References"));
	ck_assert(has(root, "li", "GB/T 22239-2019 8.1.3.2"));
	ck_assert(has(root, "h2", "Remediation"));
	xmlFreeDoc(d);
	resp_free(&r);
	free(path);
	free(vid);
	r = get("/finding?baseline=x&rule=y&type=vm&moref=z", NULL);
	ck_assert_int_eq(r.status, 404);
	resp_free(&r);
	/* Not a loopback address without --allow-remote: refused. */
	const char *const remote[] = { "web", "--listen", "192.0.2.1:8080", NULL };
	struct run rr;
	harden_run(&lab, &rr, remote);
	ck_assert_int_eq(rr.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(rr.err, "--allow-remote"));
	run_release(&rr);
}
END_TEST

/* Off loopback every request needs the per-run token: as ?token= (which
 * sets a cookie), the cookie, or a bearer header. */
START_TEST(test_remote_needs_the_token)
{
	char *log = xasprintf("%s/web-remote.log", lab.dir);
	pid_t pid;
	char *url = spawn_web(log, "0.0.0.0:0", true, &pid);
	char *tok = strstr(url, "?token=");
	ck_assert_ptr_nonnull(tok);
	char *token = xstrdup(tok + 7);
	char *port = strrchr(url, ':') + 1;
	char *base = xasprintf("http://127.0.0.1:%.*s/", (int)strcspn(port, "/"), port);
	char *saved = web_url;
	web_url = base;
	struct resp r = get("/", NULL);
	ck_assert_int_eq(r.status, 401);
	resp_free(&r);
	r = get("/?token=0123456789abcdef0123456789abcdef", NULL);
	ck_assert_int_eq(r.status, 401);
	resp_free(&r);
	char *q = xasprintf("/violations?token=%s", token);
	r = get(q, NULL);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	char *ck = xasprintf("Cookie: harden_token=%s", token);
	r = get("/drift", ck);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	char *bearer = xasprintf("Authorization: Bearer %s", token);
	r = get("/waivers", bearer);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	r = get("/nope", bearer);
	ck_assert_int_eq(r.status, 404);
	resp_free(&r);
	web_url = saved;
	kill(pid, SIGTERM);
	int st = 0;
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(bearer);
	free(ck);
	free(q);
	free(base);
	free(token);
	free(url);
	free(log);
}
END_TEST

static bool is_png(const char *path)
{
	size_t len = 0;
	char *t = file_read_max(path, 64u << 20, &len);
	bool ok = t && len > 1000 && !memcmp(t, "\x89PNG\r\n\x1a\n", 8);
	free(t);
	return ok;
}

START_TEST(test_chromium_screenshots)
{
	if (system("command -v chromium >/dev/null 2>&1") != 0) {
		fprintf(stderr, "web: chromium is not installed (scripts/deps.sh installs it): screenshots skipped\n");
		return;
	}
	static const char *const shots[][2] = {
		{ "overview", "" }, { "framework", "framework?baseline=dengbao-2.0-level3-vmware" },
		{ "violations", "violations?status=all&group=rule" }, { "drift", "drift" }, { "waivers", "waivers" },
		{ "history", "history?object=DC0_C0_H0" }, { "overview-zh", "?lang=zh" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(shots); i++) {
		char *png = xasprintf("%s/%s.png", lab.dir, shots[i][0]);
		char *log = xasprintf("%s/%s.chromium.log", lab.dir, shots[i][0]);
		char *cmd = xasprintf("timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic "
				      "--no-first-run --disable-background-networking --disable-component-update "
				      "--disable-sync --enable-logging=stderr --v=0 --user-data-dir=%s/chromium-%zu "
				      "--screenshot=%s --window-size=1280,2000 '%s%s' >%s 2>&1",
				      lab.dir, i, png, web_url, shots[i][1], log);
		int rc = system(cmd);
		ck_assert_msg(rc == 0, "chromium failed (%d); see %s", rc, log);
		ck_assert_msg(is_png(png), "%s is not a PNG", png);
		/* Chromium logs console messages, CSP refusals among them, as CONSOLE lines. */
		char *text = file_read_max(log, 64u << 20, NULL);
		ck_assert_ptr_nonnull(text);
		char *line = strstr(text, ":CONSOLE");
		ck_assert_msg(!line, "%s: console message: %.300s", shots[i][0], line);
		fprintf(stderr, "web: screenshot %s\n", png);
		free(text);
		free(cmd);
		free(log);
		free(png);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("web");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, test_every_page_is_html_without_script);
	tcase_add_test(tc, test_counts_match_the_json_report);
	tcase_add_test(tc, test_paging_and_exports_show_what_is_shown);
	tcase_add_test(tc, test_hostile_names_stay_text);
	tcase_add_test(tc, test_host_header_language_and_finding);
	tcase_add_test(tc, test_remote_needs_the_token);
	tcase_add_test(tc, test_chromium_screenshots);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = tu_run(suite()) ? 1 : 0;
	curl_global_cleanup();
	return rc;
}
