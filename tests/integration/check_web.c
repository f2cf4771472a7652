/* harden web against a twin scanned from the labs: every page over HTTP,
 * parsed with libxml2's HTML parser; counts against the JSON report,
 * filters, paging, exports, a hostile VM name, the Host header, unknown
 * paths, the language; and, where Debian's chromium is installed, a
 * screenshot of each page with no console message (a blocked resource or
 * a script would log one). */
#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>
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
/* The longest reviewer name the server takes (WEB_REVIEWER_MAX). */
#define WEB_NAME_TEST 128

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
static char *spawn_web(const char *log, const char *listen, const char *flag, pid_t *pid)
{
	*pid = fork();
	ck_assert_int_ge(*pid, 0);
	if (*pid == 0) {
		FILE *f = freopen(log, "w", stdout);
		if (!f || dup2(1, 2) < 0)
			_exit(127);
		execl(harden_bin(), harden_bin(), "--db", lab.db, "web", "--listen", listen, flag, (char *)NULL);
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
	web_url = spawn_web(web_log, "127.0.0.1:0", NULL, &web_pid);
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

/* A request to path (relative to the server) with up to two extra headers;
 * a POST of the form body when post is not NULL. */
static struct resp request(const char *path, const char *h1, const char *h2, const char *post)
{
	CURL *c = curl_easy_init();
	char *url = xasprintf("%s%s", web_url, path[0] == '/' ? path + 1 : path);
	struct buf body = BUF_INIT, head = BUF_INIT;
	struct curl_slist *h = h1 ? curl_slist_append(NULL, h1) : NULL;
	if (h2)
		h = curl_slist_append(h, h2);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	CURLcode cc = curl_easy_perform(c);
	ck_assert_msg(cc == CURLE_OK, "%s %s: %s", post ? "POST" : "GET", url, curl_easy_strerror(cc));
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

static struct resp get(const char *path, const char *header)
{
	return request(path, header, NULL, NULL);
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

static const char *const pages[] = { "/", "/framework", "/violations", "/drift", "/waivers", "/remediations",
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

static const char *text_of(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The report's findings each of whose words occurs, case aside, in one of
 * its rule id, title, object name, moref, property and observed value:
 * what a search of those words shows. */
static long long json_count_words(const char *json, const char *const *words)
{
	json_t *j = json_loads(json, 0, NULL);
	long long n = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		json_t *o = json_object_get(f, "object");
		const char *t[] = { text_of(f, "rule_id"), text_of(f, "title"), text_of(o, "name"),
				    text_of(o, "id"),	   text_of(f, "property"), text_of(f, "observed") };
		bool all = true;
		for (const char *const *w = words; *w && all; w++) {
			bool any = false;
			for (size_t k = 0; k < ARRAY_SIZE(t) && !any; k++)
				any = t[k] && strcasestr(t[k], *w);
			all = any;
		}
		n += all;
	}
	json_decref(j);
	return n;
}

/* Searches of several words over HTTP: each word in one of a result's
 * texts (a rule's word and a VM's), a quoted phrase within one text. */
static void multi_word_searches(const char *report)
{
	static const char *const w1[] = { "copy", "dc0_c0_h0", NULL }, *const w2[] = { "copy from", "H0_VM1", NULL },
				 *const w3[] = { "from dc0", NULL }, *const w4[] = { "copy", "no-such-vm", NULL };
	long long n = total_of("q=Copy+DC0_C0_H0&status=all");
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(n, json_count_words(report, w1));
	ck_assert_int_lt(n, total_of("q=DC0_C0_H0&status=all"));
	n = total_of("q=%22copy+from%22%09H0_VM1&status=all&sort=object");
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(n, json_count_words(report, w2));
	ck_assert_int_eq(total_of("q=%22from+dc0%22&status=all"), 0);
	ck_assert_int_eq(json_count_words(report, w3), 0);
	ck_assert_int_eq(total_of("q=copy+no-such-vm&status=all"), json_count_words(report, w4));
	/* The rows shown are those words' rows. */
	struct resp r = get("/violations?q=Copy+DC0_C0_H0&status=all&format=json&per=500", NULL);
	json_t *j = json_loads(r.body, 0, NULL);
	size_t i;
	json_t *row;
	json_array_foreach(json_object_get(j, "results"), i, row) {
		const char *t[] = { text_of(row, "rule_id"), text_of(row, "title"), text_of(row, "property"),
				    text_of(row, "observed") };
		bool copy = false;
		for (size_t k = 0; k < ARRAY_SIZE(t); k++)
			copy = copy || (t[k] && strcasestr(t[k], "copy"));
		ck_assert(copy);
		ck_assert_ptr_nonnull(strstr(text_of(row, "object_name"), "DC0_C0_H0"));
	}
	json_decref(j);
	resp_free(&r);
	/* More words than a search takes: a one-line refusal. */
	struct buf q = BUF_INIT;
	buf_puts(&q, "/violations?q=");
	for (int k = 0; k <= 32; k++)
		buf_printf(&q, "w%d+", k);
	r = get(q.data, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.body, "q: the search has more than 32 words\n");
	resp_free(&r);
	buf_release(&q);
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
	multi_word_searches(rr.out);
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
	/* The export keeps to its shipped schema (harden.violations). */
	char *doc = tu_write(lab.dir, "violations.json", a.body, 0644);
	ck_assert(tu_schema_valid("harden.violations", doc));
	free(doc);
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
	char *url = spawn_web(log, "0.0.0.0:0", "--allow-remote", &pid);
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

/* ---- reviews ---- */

#define HOSTILE_REVIEWER "<b>eve</b>&\"'"
#define HOSTILE_COMMENT "ok <script>alert(2)</script>"

/* The twin's bytes (file and WAL), to see that nothing wrote it. */
static char *twin_bytes(size_t *n)
{
	size_t a = 0, b = 0;
	char *wal = xasprintf("%s-wal", lab.db);
	char *x = file_read(lab.db, &a), *y = file_read(wal, &b);
	free(wal);
	x = xrealloc(x, a + b + 1);
	if (y)
		memcpy(x + a, y, b);
	free(y);
	*n = a + b;
	return x;
}

/* The value attribute of <input name="name">, or NULL. */
static char *input_value(xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, "input")) {
			xmlChar *nm = xmlGetProp(n, BAD_CAST "name");
			bool hit = nm && !strcmp((const char *)nm, name);
			xmlFree(nm);
			if (hit) {
				xmlChar *v = xmlGetProp(n, BAD_CAST "value");
				char *out = xstrdup(v ? (const char *)v : "");
				xmlFree(v);
				return out;
			}
		}
		char *v = input_value(n->children, name);
		if (v)
			return v;
	}
	return NULL;
}

/* The finding page of rule's first failing result, and its violation id. */
static char *finding_path(const char *rule, char **vid)
{
	char *q = xasprintf("/violations?status=fail&rule=%s&format=json&per=1", rule);
	struct resp r = get(q, NULL);
	free(q);
	json_t *j = json_loads(r.body, 0, NULL);
	json_t *f = json_array_get(json_object_get(j, "results"), 0);
	ck_assert_msg(f != NULL, "no failing %s", rule);
	CURL *c = curl_easy_init();
	char *m = curl_easy_escape(c, json_string_value(json_object_get(f, "object_id")), 0);
	char *path = xasprintf("/finding?baseline=%s&rule=%s&type=%s&moref=%s",
			       json_string_value(json_object_get(f, "baseline")), rule,
			       json_string_value(json_object_get(f, "object_type")), m);
	*vid = xstrdup(json_string_value(json_object_get(f, "violation_id")));
	curl_free(m);
	curl_easy_cleanup(c);
	json_decref(j);
	resp_free(&r);
	return path;
}

/* A review form's body. */
static char *review_body(const char *vid, int rev, const char *decision, const char *reviewer, const char *comment,
			 const char *csrf)
{
	CURL *c = curl_easy_init();
	char *who = curl_easy_escape(c, reviewer, 0), *what = curl_easy_escape(c, comment, 0);
	char *b = xasprintf("violation_id=%s&revision=%d&decision=%s&reviewer=%s&comment=%s%s%s", vid, rev, decision,
			    who, what, csrf ? "&csrf=" : "", csrf ? csrf : "");
	curl_free(who);
	curl_free(what);
	curl_easy_cleanup(c);
	return b;
}

/* A server with --allow-review: its base URL and access token. */
struct review_server {
	pid_t pid;
	char *base, *token, *bearer, *cookie, *log, *saved;
};

static void review_start(struct review_server *rs)
{
	rs->log = xasprintf("%s/web-review.log", lab.dir);
	char *url = spawn_web(rs->log, "127.0.0.1:0", "--allow-review", &rs->pid);
	char *tok = strstr(url, "?token=");
	ck_assert_ptr_nonnull(tok);
	rs->token = xstrdup(tok + 7);
	*tok = 0;
	rs->base = url;
	rs->bearer = xasprintf("Authorization: Bearer %s", rs->token);
	rs->cookie = xasprintf("Cookie: harden_token=%s", rs->token);
	rs->saved = web_url;
	web_url = rs->base;
}

static void review_stop(struct review_server *rs)
{
	web_url = rs->saved;
	kill(rs->pid, SIGTERM);
	int st = 0;
	waitpid(rs->pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(rs->base), free(rs->token), free(rs->bearer), free(rs->cookie), free(rs->log);
}

/* The CSRF token of the finding page at path, read with the access token. */
static char *csrf_of(const struct review_server *rs, const char *path)
{
	struct resp r = get(path, rs->bearer);
	ck_assert_int_eq(r.status, 200);
	htmlDocPtr d = parse(&r);
	char *csrf = input_value(xmlDocGetRootElement(d), "csrf");
	ck_assert_msg(csrf != NULL, "no review form on %s", path);
	xmlFreeDoc(d);
	resp_free(&r);
	return csrf;
}

/* Without --allow-review the server refuses every POST and never writes. */
START_TEST(test_read_only_server_never_writes)
{
	size_t n0, n1;
	char *b0 = twin_bytes(&n0);
	char *vid, *path = finding_path("dengbao-8.1.3.2-a", &vid);
	char *body = review_body(vid, 1, "approve", "x", "", "0123");
	static const char *const posts[] = { "/review", "/", "/finding" };
	for (size_t i = 0; i < ARRAY_SIZE(posts); i++) {
		struct resp r = request(posts[i], NULL, NULL, body);
		ck_assert_msg(r.status == 405, "POST %s: %ld", posts[i], r.status);
		resp_free(&r);
	}
	/* The finding page says how a suggestion is made, and shows no form. */
	struct resp r = get(path, NULL);
	ck_assert_int_eq(r.status, 200);
	htmlDocPtr d = parse(&r);
	xmlNode *root = xmlDocGetRootElement(d);
	ck_assert(has(root, "p", "No stored suggestion for this violation"));
	ck_assert(has(root, "p", vid));
	ck_assert(has(root, "p", "Not submitted to vmware-pilot."));
	ck_assert(!has(root, "form", "Approve"));
	xmlFreeDoc(d);
	resp_free(&r);
	r = get("/remediations", NULL);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	char *b1 = twin_bytes(&n1);
	ck_assert(n0 == n1 && !memcmp(b0, b1, n0));
	free(b0), free(b1), free(body), free(path), free(vid);
}
END_TEST

static long long reviews_in_twin(char **reviewer, char **comment)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open_v2(lab.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT reviewer, comment, (SELECT count(*) FROM suggestion_review) "
						"FROM suggestion_review ORDER BY id DESC LIMIT 1", -1, &st, NULL),
			 SQLITE_OK);
	long long n = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*reviewer = xstrdup((const char *)sqlite3_column_text(st, 0));
		*comment = xstrdup((const char *)sqlite3_column_text(st, 1));
		n = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

START_TEST(test_review_needs_token_and_csrf)
{
	char *vid, *path = finding_path("dengbao-8.1.3.2-a", &vid);
	const char *advise[] = { "advise", "--violation-id", vid, "--format", "json", NULL };
	struct run rr;
	harden_run(&lab, &rr, advise);
	ck_assert_msg(rr.status == EXIT_CLEAN, "%s", rr.err);
	run_release(&rr);
	struct review_server rs;
	review_start(&rs);
	/* Without the access token: the suggestion, and no form. */
	struct resp r = get(path, NULL);
	htmlDocPtr d = parse(&r);
	xmlNode *root = xmlDocGetRootElement(d);
	ck_assert(has(root, "h3", "Execution plan"));
	ck_assert(has(root, "td", "nsx-security.delete_dfw_rule"));
	ck_assert(has(root, "h3", "Impact prediction"));
	ck_assert(has(root, "p", "To review, open the address"));
	ck_assert_ptr_null(input_value(root, "csrf"));
	xmlFreeDoc(d);
	resp_free(&r);
	char *csrf = csrf_of(&rs, path);
	char *good = review_body(vid, 1, "approve", HOSTILE_REVIEWER, HOSTILE_COMMENT, csrf);
	char *none = review_body(vid, 1, "approve", "x", "", NULL);
	char *wrong = review_body(vid, 1, "approve", "x", "", "00000000000000000000000000000000");
	char *q = xasprintf("/review?token=%s", rs.token);
	const struct {
		const char *path, *header, *body;
		long want;
	} cases[] = {
		{ "/review", NULL, good, 403 },	/* no access token */
		{ q, NULL, good, 403 },		/* not in the query of a POST */
		{ "/review", rs.bearer, none, 403 },	/* no CSRF token */
		{ "/review", rs.cookie, wrong, 403 },	/* a wrong one */
		{ "/nowhere", rs.bearer, good, 404 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		r = request(cases[i].path, cases[i].header, NULL, cases[i].body);
		ck_assert_msg(r.status == cases[i].want, "case %zu: %ld", i, r.status);
		resp_free(&r);
	}
	char *who = NULL, *what = NULL;
	ck_assert_int_eq(reviews_in_twin(&who, &what), 0);
	/* Out of bounds, or not the latest revision. */
	char long_name[WEB_NAME_TEST + 2];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	char *too_long = review_body(vid, 1, "approve", long_name, "", csrf);
	char *stale = review_body(vid, 2, "approve", "x", "", csrf);
	char *odd = review_body(vid, 1, "maybe", "x", "", csrf);
	r = request("/review", rs.cookie, NULL, too_long);
	ck_assert_int_eq(r.status, 400);
	resp_free(&r);
	r = request("/review", rs.cookie, NULL, odd);
	ck_assert_int_eq(r.status, 400);
	resp_free(&r);
	r = request("/review", rs.cookie, NULL, stale);
	ck_assert_int_eq(r.status, 409);
	resp_free(&r);
	/* A twin locked by another writer: a clear answer, not a hang. */
	sqlite3 *lock;
	ck_assert_int_eq(sqlite3_open(lab.db, &lock), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	r = request("/review", rs.cookie, NULL, good);
	ck_assert_int_eq(r.status, 503);
	ck_assert_ptr_nonnull(strstr(r.body, "busy"));
	resp_free(&r);
	sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(lock);
	ck_assert_int_eq(reviews_in_twin(&who, &what), 0);
	/* Both tokens: recorded as given, shown as text. */
	r = request("/review", rs.cookie, NULL, good);
	ck_assert_int_eq(r.status, 303);
	ck_assert_ptr_nonnull(strstr(r.headers, "Location: /finding?"));
	resp_free(&r);
	ck_assert_int_eq(reviews_in_twin(&who, &what), 1);
	ck_assert_str_eq(who, HOSTILE_REVIEWER);
	ck_assert_str_eq(what, HOSTILE_COMMENT);
	free(who), free(what);
	static const char *const show[] = { NULL, "/remediations" };
	for (size_t i = 0; i < ARRAY_SIZE(show); i++) {
		r = get(show[i] ? show[i] : path, NULL);
		ck_assert_ptr_null(strstr(r.body, "<script>"));
		ck_assert_ptr_null(strstr(r.body, "<b>eve"));
		d = parse(&r);
		root = xmlDocGetRootElement(d);
		ck_assert(!has(root, "script", NULL));
		ck_assert(!has(root, "b", NULL));
		ck_assert(has(root, "td", HOSTILE_REVIEWER));
		ck_assert(has(root, "td", HOSTILE_COMMENT));
		ck_assert(has(root, show[i] ? "a" : "td", show[i] ? vid : "approved"));
		xmlFreeDoc(d);
		resp_free(&r);
	}
	review_stop(&rs);
	free(q), free(good), free(none), free(wrong), free(too_long), free(stale), free(odd);
	free(csrf), free(path), free(vid);
}
END_TEST

/* ---- workflow 3: the auditor's loop, end to end on the labs ---- */

#define PILOT "python3 tests/lab/pilot/vmware-pilot mcp"
#define DENGBAO "dengbao-2.0-level3-vmware"

static void wf3_start(void)
{
	ck_assert_ptr_nonnull(freopen("/dev/null", "r", stdin));
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, NULL);
	char *pilot_db = xasprintf("%s/pilot.db", lab.dir);
	setenv("PILOT_LAB_DB", pilot_db, 1);
	setenv("HARDEN_PILOT_COMMAND", PILOT, 1);
	free(pilot_db);
}

static void wf3_stop(void)
{
	unsetenv("PILOT_LAB_DB");
	unsetenv("HARDEN_PILOT_COMMAND");
	lab_stop(&lab);
}

static void run_want(struct run *r, const char *const *args, int want)
{
	harden_run(&lab, r, args);
	ck_assert_msg(r->status == want, "harden %s: exit %d, want %d\nstdout: %s\nstderr: %s", args[0], r->status,
		      want, r->out, r->err);
}

/* Posts a decision through the panel: 303 or the status it got. */
static long decide(const struct review_server *rs, const char *path, const char *vid, int rev, const char *decision,
		   const char *reviewer)
{
	char *csrf = csrf_of(rs, path);
	char *body = review_body(vid, rev, decision, reviewer, "checked the impact prediction", csrf);
	struct resp r = request("/review", rs->cookie, NULL, body);
	long st = r.status;
	resp_free(&r);
	free(body);
	free(csrf);
	return st;
}

/* Whether the page at path (read with the access token) has an element
 * tag with text. */
static bool page_has(const struct review_server *rs, const char *path, const char *tag, const char *text)
{
	struct resp r = get(path, rs->bearer);
	ck_assert_msg(r.status == 200, "%s: %ld", path, r.status);
	htmlDocPtr d = parse(&r);
	bool yes = has(xmlDocGetRootElement(d), tag, text);
	xmlFreeDoc(d);
	resp_free(&r);
	return yes;
}

static char *advise_critical(int want_revision)
{
	static const char *const advise[] = { "advise", "--all-critical", "--target", "lab", "--format", "json", NULL };
	struct run r;
	run_want(&r, advise, EXIT_CLEAN);
	json_t *j = json_loads(r.out, 0, NULL);
	json_t *s = NULL, *x;
	size_t i;
	json_array_foreach(json_object_get(j, "suggestions"), i, x)
		if (!strcmp(json_string_value(json_object_get(x, "rule_id")), "dengbao-8.1.3.2-a"))
			s = x;
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "revision")), want_revision);
	char *vid = xstrdup(json_string_value(json_object_get(s, "violation_id")));
	json_decref(j);
	run_release(&r);
	return vid;
}

START_TEST(test_workflow3_review_apply_verify)
{
	/* 1. The scan against 等保 2.0 level 3, and the web panel. */
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", DENGBAO, "--fail-on", "none",
					     "--quiet", NULL };
	struct run r;
	run_want(&r, scan, EXIT_CLEAN);
	run_release(&r);
	struct review_server rs;
	review_start(&rs);
	/* 2. Advise on the criticals: the ANY/ANY rule's deletion. */
	char *vid = advise_critical(1);
	char *path0, *vid0;
	path0 = finding_path("dengbao-8.1.3.2-a", &vid0);
	ck_assert_str_eq(vid0, vid);
	char *path = xasprintf("%s&snap=1", path0);	/* the object is gone after the fix */
	ck_assert(page_has(&rs, path, "td", "nsx-security.delete_dfw_rule"));
	ck_assert(page_has(&rs, path, "th", "affects_running_workload"));
	ck_assert(page_has(&rs, path, "p", "Not submitted to vmware-pilot."));
	/* 3. A rejection is not submitted. */
	ck_assert_int_eq(decide(&rs, path, vid, 1, "reject", "auditor li"), 303);
	static const char *const apply[] = { "apply", "--approved", "--target", "lab", NULL };
	run_want(&r, apply, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "skipped: rejected by auditor li"));
	ck_assert_ptr_nonnull(strstr(r.out, "0 approved suggestions submitted"));
	run_release(&r);
	/* An approval of a revision since superseded is stale. */
	ck_assert_int_eq(decide(&rs, path, vid, 1, "approve", "auditor wang"), 303);
	free(advise_critical(2));
	ck_assert_int_eq(decide(&rs, path, vid, 1, "approve", "auditor wang"), 409);
	run_want(&r, apply, EXIT_STALE);
	ck_assert_ptr_nonnull(strstr(r.out, "skipped: stale: auditor wang approved revision 1, but revision 2"));
	run_release(&r);
	ck_assert(page_has(&rs, "/remediations", "h2", "Planned: awaiting review"));
	/* 4. Approve the latest through the panel; apply --approved submits it. */
	ck_assert_int_eq(decide(&rs, path, vid, 2, "approve", "auditor wang"), 303);
	ck_assert(page_has(&rs, "/remediations", "a", vid));
	run_want(&r, apply, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "revision 2 approved in harden web by auditor wang"));
	ck_assert_ptr_nonnull(strstr(r.out, "approved in pilot as auditor wang"));
	ck_assert_ptr_nonnull(strstr(r.out, "1 approved suggestion submitted"));
	run_release(&r);
	run_want(&r, apply, EXIT_CLEAN);	/* once only */
	ck_assert_ptr_nonnull(strstr(r.out, "0 approved suggestions submitted"));
	run_release(&r);
	ck_assert(page_has(&rs, path, "td", "submitted"));
	ck_assert(page_has(&rs, path, "td", "auditor wang"));
	static const char *const list[] = { "remediation", "list", "--format", "json", NULL };
	run_want(&r, list, EXIT_CLEAN);
	json_t *j = json_loads(r.out, 0, NULL);
	json_t *rem = json_array_get(json_object_get(j, "remediations"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(rem, "approver")), "auditor wang");
	ck_assert_int_eq(json_integer_value(json_object_get(rem, "suggestion_revision")), 2);
	char *wf = xstrdup(json_string_value(json_object_get(rem, "workflow_id")));
	json_decref(j);
	run_release(&r);
	/* 5. The lab agent dispatches pilot's step to the NSX lab. */
	const char *agent[] = { "python3", "tests/lab/skills/lab-agent", "--targets", lab.config, "drive", "--pilot",
				PILOT, "--workflow", wf, "--approver", "agent", NULL };
	char *cmd = xasprintf("'%s' '%s' '%s' '%s' '%s' '%s' '%s' '%s' '%s' '%s' '%s' >%s/agent.out 2>&1", agent[0],
			      agent[1], agent[2], agent[3], agent[4], agent[5], agent[6], agent[7], agent[8], agent[9],
			      agent[10], lab.dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	/* 6. The re-scan verifies it; drift and the pages show it. */
	static const char *const rescan[] = { "scan", "--target", "lab", "--baseline", DENGBAO, "--fail-on", "none",
					       NULL };
	harden_run(&lab, &r, rescan);
	ck_assert_msg(strstr(r.err, "1 remediation verified"), "%s", r.err);
	run_release(&r);
	ck_assert(page_has(&rs, "/drift", "a", "legacy-any-any"));
	ck_assert(page_has(&rs, "/remediations", "h2", "Verified by a later scan"));
	ck_assert(page_has(&rs, "/remediations", "td", "verified"));
	ck_assert(page_has(&rs, path, "td", "verified"));
	ck_assert(!page_has(&rs, "/remediations", "td", "submitted"));
	review_stop(&rs);
	free(wf), free(path), free(path0), free(vid0), free(vid);
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
		{ "remediations", "remediations" }, { "remediations-zh", "remediations?lang=zh" },
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
	tcase_add_test(tc, test_read_only_server_never_writes);
	tcase_add_test(tc, test_review_needs_token_and_csrf);
	tcase_add_test(tc, test_chromium_screenshots);
	suite_add_tcase(s, tc);
	tc = tcase_create("workflow3");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, wf3_start, wf3_stop);
	tcase_add_test(tc, test_workflow3_review_apply_verify);
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
