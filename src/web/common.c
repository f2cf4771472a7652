/* What every page of harden web shares: parameters, links, the language,
 * the scope (target and snapshot), the chrome around a page, and small
 * pieces (counts, score, bars). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/util.h"
#include "web/web.h"

/* ---- language ---- */

static const char *const zh[][2] = {
	{ "Overview", "概览" },
	{ "Framework", "框架" },
	{ "Violations", "违规项" },
	{ "Drift", "漂移" },
	{ "Waivers", "豁免" },
	{ "Target", "目标" },
	{ "Snapshot", "快照" },
	{ "Show", "显示" },
	{ "Language", "语言" },
	{ "pass", "通过" },
	{ "fail", "不通过" },
	{ "unknown", "未知" },
	{ "waived", "已豁免" },
	{ "not applicable", "不适用" },
	{ "total", "合计" },
	{ "critical", "严重" },
	{ "high", "高" },
	{ "medium", "中" },
	{ "low", "低" },
	{ "info", "信息" },
	{ "Score", "得分" },
	{ "score = passed / (passed + failed)", "得分 = 通过 / (通过 + 不通过)" },
	{ "none (nothing passed or failed)", "无 (没有通过或不通过的结果)" },
	{ "Not counted: unknown (data not collected), waived, not applicable.",
	  "不计入: 未知 (数据未采集)、已豁免、不适用。" },
	{ "Scope and provenance", "范围与来源" },
	{ "Source", "来源" },
	{ "Started", "开始" },
	{ "Ended", "结束" },
	{ "Status", "状态" },
	{ "Tool", "工具" },
	{ "Baselines", "基线" },
	{ "Baseline", "基线" },
	{ "Parameters", "参数" },
	{ "Objects", "对象" },
	{ "Parts", "采集部分" },
	{ "Site parameters are not recorded in the twin; the baselines' defaults apply unless the scan set them.",
	  "孪生库未记录站点参数; 除非扫描时设置, 否则使用基线默认值。" },
	{ "Failures by severity", "按严重程度的不通过项" },
	{ "Results by section", "按章节的结果" },
	{ "Trend", "趋势" },
	{ "Score and failures across the target's snapshots", "该目标各快照的得分与不通过数" },
	{ "failures", "不通过数" },
	{ "No completed snapshot in the twin.", "孪生库中没有已完成的快照。" },
	{ "No evaluation of this snapshot.", "该快照没有评估。" },
	{ "Section", "章节" },
	{ "Control", "控制项" },
	{ "Rule", "规则" },
	{ "Title", "标题" },
	{ "Severity", "严重程度" },
	{ "Object", "对象" },
	{ "Property", "属性" },
	{ "Observed", "观察值" },
	{ "Expected", "期望值" },
	{ "Waiver", "豁免" },
	{ "Cluster", "集群" },
	{ "Search", "搜索" },
	{ "words, or \"a phrase\"", "词语，或 \"短语\"" },
	{ "Each word must occur in the rule id, title, object name or moref, property or observed value; "
	  "\"words in quotes\" are one phrase.",
	  "每个词须出现在规则编号、标题、对象名称或 moref、属性或观察值之一中；引号内的 \"多个词\" 作为一个短语匹配。" },
	{ "Sort", "排序" },
	{ "Group", "分组" },
	{ "none", "无" },
	{ "any", "任意" },
	{ "open (fail, unknown, waived)", "未关闭 (不通过、未知、已豁免)" },
	{ "Filter", "筛选" },
	{ "Export CSV", "导出 CSV" },
	{ "Export JSON", "导出 JSON" },
	{ "Previous", "上一页" },
	{ "Next", "下一页" },
	{ "results", "条结果" },
	{ "page", "页" },
	{ "of", "/" },
	{ "No results match.", "没有匹配的结果。" },
	{ "Finding", "检查结果" },
	{ "Violation id", "违规编号" },
	{ "Collected", "已采集" },
	{ "yes", "是" },
	{ "no", "否" },
	{ "Description", "描述" },
	{ "Rationale", "理由" },
	{ "References", "参考" },
	{ "Remediation", "整改" },
	{ "Suggestion and review", "建议与评审" },
	{ "No stored suggestion: the advisor's records are not in this twin.", "没有已存储的建议: 孪生库中没有顾问记录。" },
	{ "No such result in this snapshot.", "该快照中没有此结果。" },
	{ "Timeline", "时间线" },
	{ "From", "从" },
	{ "To", "到" },
	{ "Change", "变化" },
	{ "Before", "之前" },
	{ "After", "之后" },
	{ "Events", "事件" },
	{ "No drift is stored for this target.", "该目标没有存储的漂移。" },
	{ "No changes.", "无变化。" },
	{ "Compare", "比较" },
	{ "Changed results only", "仅显示变化的结果" },
	{ "All results", "全部结果" },
	{ "History", "历史" },
	{ "Property history of an object", "对象的属性历史" },
	{ "Value", "值" },
	{ "(not collected)", "(未采集)" },
	{ "(absent)", "(不存在)" },
	{ "In force", "生效中" },
	{ "Expiring within 30 days", "30 天内到期" },
	{ "Expired", "已过期" },
	{ "Selector", "选择器" },
	{ "Justification", "理由" },
	{ "Approver", "批准人" },
	{ "Expires", "到期" },
	{ "Ticket", "工单" },
	{ "No waivers.", "没有豁免。" },
	{ "Kind", "类型" },
	{ "Type", "对象类型" },
	{ "Page not found.", "页面不存在。" },
	{ "Rules", "规则数" },
	{ "Shown at most", "最多显示" },
	{ "harden dashboard", "harden 仪表板" },
	{ "read-only view of the twin", "孪生库只读视图" },
	{ "view of the twin; reviews are recorded", "孪生库视图; 评审决定将被记录" },
	{ "Remediations", "整改" },
	{ "Step", "步骤" },
	{ "Rollback", "回滚" },
	{ "Risk", "风险" },
	{ "Destructive", "破坏性" },
	{ "Verified", "已验证" },
	{ "Execution plan", "执行计划" },
	{ "manual", "人工" },
	{ "Summary", "摘要" },
	{ "Revision", "修订版" },
	{ "Advised", "建议时间" },
	{ "Confidence", "置信度" },
	{ "Human review required", "需要人工评审" },
	{ "Impact prediction", "影响预测" },
	{ "Decided", "决定时间" },
	{ "Decision", "决定" },
	{ "Reviewer", "评审人" },
	{ "Comment", "意见" },
	{ "approved", "已批准" },
	{ "rejected", "已驳回" },
	{ "not submitted", "未提交" },
	{ "Approve", "批准" },
	{ "Reject", "驳回" },
	{ "Record the decision on revision", "记录对以下修订版的决定:" },
	{ "Review", "评审" },
	{ "No decision recorded yet.", "尚无评审决定。" },
	{ "Decisions are recorded when harden web runs with --allow-review.",
	  "以 --allow-review 运行 harden web 时才记录评审决定。" },
	{ "To review, open the address harden web printed at start: it carries the access token.",
	  "如需评审, 请打开 harden web 启动时打印的地址: 其中带有访问令牌。" },
	{ "State", "状态" },
	{ "Workflow", "工作流" },
	{ "Pilot state", "pilot 状态" },
	{ "Suggestion revision", "建议修订版" },
	{ "Applied to snapshot", "应用时的快照" },
	{ "Proof snapshot", "验证快照" },
	{ "Message", "消息" },
	{ "Updated", "更新时间" },
	{ "No stored suggestion for this violation; make one with:", "该违规项没有已存储的建议; 可用以下命令生成:" },
	{ "The stored suggestion cannot be read.", "无法读取已存储的建议。" },
	{ "Remediation state", "整改状态" },
	{ "Not submitted to vmware-pilot.", "尚未提交给 vmware-pilot。" },
	{ "submitted", "已提交" },
	{ "verified", "已验证" },
	{ "not_effective", "未生效" },
	{ "failed", "失败" },
	{ "rolled_back", "已回滚" },
	{ "cancelled", "已取消" },
	{ "Planned: awaiting review", "计划中: 等待评审" },
	{ "Approved, not yet submitted", "已批准, 尚未提交" },
	{ "Rejected", "已驳回" },
	{ "None.", "无。" },
	{ "Submitted to vmware-pilot", "已提交给 vmware-pilot" },
	{ "Verified by a later scan", "已由后续扫描验证" },
	{ "Not effective", "未生效" },
	{ "Failed, rolled back or cancelled", "失败、已回滚或已取消" },
	{ "Suggestions come from harden advise; a reviewer approves or rejects them on the finding page (harden web "
	  "--allow-review); harden apply --approved submits the approved ones to vmware-pilot; the next scan verifies "
	  "them.",
	  "建议由 harden advise 生成; 评审人在检查结果页面批准或驳回 (harden web --allow-review); harden apply "
	  "--approved 将已批准的建议提交给 vmware-pilot; 下一次扫描验证其效果。" },
	{ "Decision recorded", "决定已记录" },
	{ "Back to the finding", "返回检查结果" },
};

const char *web_tr(const struct web_req *r, const char *en)
{
	if (r->lang != WEB_ZH)
		return en;
	for (size_t i = 0; i < ARRAY_SIZE(zh); i++)
		if (!strcmp(zh[i][0], en))
			return zh[i][1];
	return en;
}

/* ---- parameters and links ---- */

const char *web_arg(const struct web_req *r, const char *name)
{
	const char *v = r->getarg ? r->getarg(r->conn, name) : NULL;
	return v && *v ? v : NULL;
}

long long web_arg_int(const struct web_req *r, const char *name, long long def)
{
	const char *v = web_arg(r, name);
	if (!v)
		return def;
	char *end;
	long long n = strtoll(v, &end, 10);
	return *end || n < 0 ? def : n;
}

static void url_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("-._~", *c)) {
			buf_putc(b, (char)*c);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[*c >> 4]);
			buf_putc(b, hex[*c & 15]);
		}
	}
}

static void url_pair(struct buf *b, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	buf_putc(b, strchr(b->data, '?') ? '&' : '?');
	buf_puts(b, name);
	buf_putc(b, '=');
	url_escape(b, value);
}

char *web_url(const struct web_req *r, const char *path, ...)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, path);
	bool own_target = false, own_snap = false;
	va_list ap;
	va_start(ap, path);
	for (const char *n; (n = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		own_target |= !strcmp(n, "target");
		own_snap |= !strcmp(n, "snap");
		url_pair(&b, n, v);
	}
	va_end(ap);
	if (!own_target)
		url_pair(&b, "target", r->target);
	if (!own_snap && r->si.id) {
		char id[24];
		snprintf(id, sizeof(id), "%lld", r->si.id);
		url_pair(&b, "snap", id);
	}
	if (web_arg(r, "lang"))
		url_pair(&b, "lang", r->lang == WEB_ZH ? "zh" : "en");
	return buf_detach(&b);
}

/* ---- scope ---- */


static int target_one(void *ctx, const struct snapshot_info *si)
{
	struct strlist *l = ctx;
	if (!l->n || strcmp(l->v[l->n - 1], si->target))
		strlist_add(l, si->target);
	return 0;
}

int web_scope(struct web_req *r)
{
	const char *t = web_arg(r, "target");
	long long id = web_arg_int(r, "snap", 0);
	int rc;
	if (t) {
		r->target = xstrdup(t);
	} else {
		long long latest;
		if ((rc = store_snapshot_latest(r->st, NULL, &latest)) < 0)
			return rc;
		if (rc == 0) {
			struct snapshot_info si;
			if ((rc = store_snapshot_get(r->st, latest, &si)) < 0)
				return rc;
			if (rc == 0) {
				r->target = xstrdup(si.target);
				snapshot_info_release(&si);
			}
		}
	}
	if (!r->target)
		return 0;
	if (id) {
		if ((rc = store_snapshot_get(r->st, id, &r->si)) < 0)
			return rc;
		if (rc == 0 && (strcmp(r->si.target, r->target) || r->si.status != SNAP_COMPLETED)) {
			snapshot_info_release(&r->si);
			rc = 1;
		}
		if (rc == 0)
			return 0;
	}
	memset(&r->si, 0, sizeof(r->si));
	if ((rc = store_snapshot_latest(r->st, r->target, &id)) != 0)
		return rc < 0 ? rc : 0;
	if ((rc = store_snapshot_get(r->st, id, &r->si)) != 0) {
		memset(&r->si, 0, sizeof(r->si));
		return rc < 0 ? rc : 0;
	}
	return 0;
}

/* ---- the chrome ---- */

static const char web_csp[] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'; "
			      "base-uri 'none'";

/* Added to the report's style: layout, cards, bars, and print. */
static const char web_css[] =
	"body{margin:0}"
	"header.top{background:#1f2d3d;color:#fff;padding:.6em 2em}"
	"header.top a{color:#fff;margin-right:1.2em;text-decoration:none}"
	"header.top a.here{font-weight:bold;text-decoration:underline}"
	"header.top .brand{font-weight:bold;margin-right:2em}"
	"main{margin:1em 2em}"
	"form.scope,form.filters{background:#f6f8fa;border:1px solid #ddd;padding:.5em 1em;margin:.5em 0}"
	"form label{margin-right:1em;white-space:nowrap}"
	".cards{display:flex;flex-wrap:wrap;gap:1em}"
	".card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;min-width:28em;flex:1}"
	".card table{font-size:.85em}.card th,.card td{padding:.2em .4em}"
	".card h3{margin:.2em 0}"
	"svg{display:block;margin:.5em 0}"
	"svg text{font-size:11px;font-family:system-ui,sans-serif}"
	".pager a{margin:0 .5em}"
	".muted{color:#777}"
	"td.num,th.num{text-align:right}"
	"td{white-space:normal}footer{margin:1em 2em}"
	"@media print{header.top,form.scope,form.filters,.pager,.export{display:none}"
	"main{margin:0}body{font-size:10pt}a{color:#000;text-decoration:none}"
	".card{break-inside:avoid}tr{break-inside:avoid}}";

static const char *const pages[][2] = {
	{ "/", "Overview" }, { "/framework", "Framework" }, { "/violations", "Violations" },
	{ "/drift", "Drift" }, { "/remediations", "Remediations" }, { "/waivers", "Waivers" },
};

struct snap_opts {
	struct html_page *p;
	const struct web_req *r;
};

static int snap_option(void *ctx, const struct snapshot_info *si)
{
	struct snap_opts *x = ctx;
	if (si->status != SNAP_COMPLETED)
		return 0;
	char id[24], label[64], when[32];
	snprintf(id, sizeof(id), "%lld", si->id);
	time_iso8601(when, si->started_at);
	snprintf(label, sizeof(label), "%lld  %s", si->id, when);
	html_open(x->p, "option", NULL);
	html_attr(x->p, "value", id);
	if (si->id == x->r->si.id)
		html_attr(x->p, "selected", "selected");
	html_text(x->p, label);
	html_close(x->p);
	return 0;
}

void web_form_open(struct html_page *p, const char *cls, const char *action)
{
	html_open(p, "form", cls);
	html_attr(p, "method", "get");
	html_attr(p, "action", action);
}

void web_label_open(struct html_page *p, const struct web_req *r, const char *label)
{
	html_open(p, "label", NULL);
	html_text(p, web_tr(r, label));
	html_text(p, " ");
}

void web_input_hint(struct html_page *p, const struct web_req *r, const char *label, const char *name,
		    const char *type, const char *placeholder, const char *help)
{
	web_label_open(p, r, label);
	html_open(p, "input", NULL);
	html_attr(p, "type", type);
	html_attr(p, "name", name);
	html_attr(p, "value", web_arg(r, name) ? web_arg(r, name) : "");
	if (placeholder)
		html_attr(p, "placeholder", web_tr(r, placeholder));
	if (help)
		html_attr(p, "title", web_tr(r, help));
	html_close_empty(p);
	html_close(p);
}

void web_input(struct html_page *p, const struct web_req *r, const char *label, const char *name, const char *type)
{
	web_input_hint(p, r, label, name, type, NULL, NULL);
}

void web_submit(struct html_page *p, const struct web_req *r, const char *label)
{
	html_open(p, "button", NULL);
	html_attr(p, "type", "submit");
	html_text(p, web_tr(r, label));
	html_close(p);
}

/* A hidden input carrying a parameter through a form. */
void web_hidden(struct html_page *p, const char *name, const char *value)
{
	if (!value)
		return;
	html_open(p, "input", NULL);
	html_attr(p, "type", "hidden");
	html_attr(p, "name", name);
	html_attr(p, "value", value);
	html_close_empty(p);
}

static void scope_form(struct html_page *p, struct web_req *r, const char *page)
{
	struct strlist targets = { 0 };
	store_snapshots_each(r->st, NULL, target_one, &targets);
	web_form_open(p, "scope", page);
	web_label_open(p, r, "Target");
	html_open(p, "select", NULL);
	html_attr(p, "name", "target");
	for (size_t i = 0; i < targets.n; i++) {
		html_open(p, "option", NULL);
		html_attr(p, "value", targets.v[i]);
		if (r->target && !strcmp(r->target, targets.v[i]))
			html_attr(p, "selected", "selected");
		html_text(p, targets.v[i]);
		html_close(p);
	}
	html_close(p);
	html_close(p);
	web_label_open(p, r, "Snapshot");
	html_open(p, "select", NULL);
	html_attr(p, "name", "snap");
	struct snap_opts x = { p, r };
	if (r->target)
		store_snapshots_each(r->st, r->target, snap_option, &x);
	html_close(p);
	html_close(p);
	web_label_open(p, r, "Language");
	html_open(p, "select", NULL);
	html_attr(p, "name", "lang");
	static const char *const langs[][2] = { { "en", "English" }, { "zh", "简体中文" } };
	for (int i = 0; i < 2; i++) {
		html_open(p, "option", NULL);
		html_attr(p, "value", langs[i][0]);
		if ((int)r->lang == i)
			html_attr(p, "selected", "selected");
		html_text(p, langs[i][1]);
		html_close(p);
	}
	html_close(p);
	html_close(p);
	web_submit(p, r, "Show");
	html_close(p);
	strlist_release(&targets);
}

struct html_page *web_page_begin(struct web_req *r, const char *page, const char *title)
{
	char *full = xasprintf("%s - harden", title);
	struct html_head h = { r->lang == WEB_ZH ? "zh-CN" : "en", web_csp, web_css };
	struct html_page *p = html_page_begin_head(r->f, full, NULL, &h);
	free(full);
	if (!p)
		return NULL;
	html_open(p, "header", "top");
	html_open(p, "nav", NULL);
	html_elem(p, "span", "brand", web_tr(r, "harden dashboard"));
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		char *u = web_url(r, pages[i][0], NULL);
		html_link(p, u, !strcmp(page, pages[i][0]) ? "here" : NULL, web_tr(r, pages[i][1]));
		free(u);
	}
	html_close(p);
	html_close(p);
	html_open(p, "main", NULL);
	html_elem(p, "h1", NULL, title);
	scope_form(p, r, page);
	return p;
}

int web_page_end(struct web_req *r, struct html_page *p)
{
	html_close(p);	/* main */
	char *foot = xasprintf("harden %s, %s.", HARDEN_VERSION,
			       web_tr(r, r->wst ? "view of the twin; reviews are recorded" : "read-only view of the twin"));
	int rc = html_page_end(p, foot);
	free(foot);
	return rc;
}

void web_plain(struct web_req *r, int status, const char *text)
{
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	fprintf(r->f, "%s\n", text);
}

/* ---- sections ---- */

void web_section(const char *rule_id, char *section, size_t ns, char *control, size_t nc)
{
	const char *s = rule_id;
	while (*s && !(*s >= '0' && *s <= '9'))
		s++;
	/* The numeric path: digits separated by '.' or '-'. */
	char path[64] = "";
	size_t n = 0, parts = 0, cut3 = 0, cut1 = 0;
	for (const char *c = s; *c && n + 1 < sizeof(path); c++) {
		if (*c >= '0' && *c <= '9') {
			path[n++] = *c;
		} else if ((*c == '.' || *c == '-') && c[1] >= '0' && c[1] <= '9' && n) {
			parts++;
			if (parts == 1)
				cut1 = n;
			if (parts == 3)
				cut3 = n;
			path[n++] = '.';
		} else {
			break;
		}
	}
	path[n] = 0;
	if (n) {
		parts++;
		size_t cut = parts >= 4 ? cut3 : parts > 1 ? cut1 : n;
		snprintf(section, ns, "%.*s", (int)cut, path);
		snprintf(control, nc, "%s", path);
		return;
	}
	/* No number: the word after the prefix (scg-vm-copy-disable -> vm). */
	const char *a = strchr(rule_id, '-');
	const char *w = a ? a + 1 : rule_id;
	const char *e = strchr(w, '-');
	snprintf(section, ns, "%.*s", (int)(e ? (size_t)(e - w) : strlen(w)), w);
	snprintf(control, nc, "%s", rule_id);
}

/* ---- pieces ---- */

const char *web_status_class(enum rstatus s)
{
	static const char *const cls[RS_COUNT] = { "st-pass", "st-fail", "st-not_applicable", "st-unknown",
						   "st-waived" };
	return (unsigned)s < RS_COUNT ? cls[s] : NULL;
}

const char *web_status_label(const struct web_req *r, enum rstatus s)
{
	return web_tr(r, s == RS_NA ? "not applicable" : rstatus_name(s));
}

const char *web_severity_label(const struct web_req *r, enum severity s)
{
	return web_tr(r, severity_name(s));
}

static const enum rstatus order[] = { RS_PASS, RS_FAIL, RS_UNKNOWN, RS_WAIVED, RS_NA };

void web_counts_row(struct html_page *p, const struct web_req *r, const struct counts *c)
{
	html_open(p, "table", "counts");
	html_open(p, "tr", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		html_elem(p, "th", web_status_class(order[i]), web_status_label(r, order[i]));
	html_elem(p, "th", NULL, web_tr(r, "total"));
	html_close(p);
	html_open(p, "tr", NULL);
	long long all = 0;
	char v[24];
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		long long n = counts_status(c, order[i]);
		all += n;
		snprintf(v, sizeof(v), "%lld", n);
		html_elem(p, "td", "num", v);
	}
	snprintf(v, sizeof(v), "%lld", all);
	html_elem(p, "td", "num", v);
	html_close(p);
	html_close(p);
}

void web_score(struct html_page *p, const struct web_req *r, const struct counts *c)
{
	double pct;
	long long pass = counts_status(c, RS_PASS), fail = counts_status(c, RS_FAIL);
	char *s = report_score(c, &pct) ? xasprintf("%s: %.1f%%", web_tr(r, "Score"), pct)
					 : xasprintf("%s: %s", web_tr(r, "Score"),
						     web_tr(r, "none (nothing passed or failed)"));
	char *f = xasprintf("%s = %lld / (%lld + %lld). %s", web_tr(r, "score = passed / (passed + failed)"), pass,
			    pass, fail, web_tr(r, "Not counted: unknown (data not collected), waived, not applicable."));
	html_elem(p, "p", "score", s);
	html_elem(p, "p", "formula", f);
	free(s);
	free(f);
}

static const char *const bar_fill[RS_COUNT] = {
	[RS_PASS] = "#4caf50", [RS_FAIL] = "#e53935", [RS_NA] = "#bdbdbd", [RS_UNKNOWN] = "#ffb300",
	[RS_WAIVED] = "#42a5f5",
};

void web_bar(struct html_page *p, const struct counts *c, int width)
{
	long long all = 0;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (order[i] != RS_NA)
			all += counts_status(c, order[i]);
	html_open(p, "svg", NULL);
	html_attrf(p, "width", "%d", width);
	html_attr(p, "height", "14");
	html_attr(p, "role", "img");
	double x = 0;
	for (size_t i = 0; i < ARRAY_SIZE(order) && all; i++) {
		if (order[i] == RS_NA)
			continue;
		double w = (double)counts_status(c, order[i]) * width / (double)all;
		if (w <= 0)
			continue;
		html_open(p, "rect", NULL);
		html_attrf(p, "x", "%.1f", x);
		html_attr(p, "y", "0");
		html_attrf(p, "width", "%.1f", w);
		html_attr(p, "height", "14");
		html_attr(p, "fill", bar_fill[order[i]]);
		html_close_empty(p);
		x += w;
	}
	if (!all) {
		html_open(p, "rect", NULL);
		html_attrf(p, "width", "%d", width);
		html_attr(p, "height", "14");
		html_attr(p, "fill", "#eeeeee");
		html_close_empty(p);
	}
	html_close(p);
}

void web_kv(struct html_page *p, const char *k, const char *v)
{
	html_open(p, "tr", NULL);
	html_elem(p, "th", NULL, k);
	html_elem(p, "td", NULL, v ? v : "");
	html_close(p);
}

void web_time(char out[32], long long t)
{
	if (t)
		time_iso8601(out, t);
	else
		snprintf(out, 32, "-");
}

char *web_finding_url(const struct web_req *r, const char *baseline, const char *rule, const char *type,
		      const char *moref, long long snap)
{
	if (!snap)
		return web_url(r, "/finding", "baseline", baseline, "rule", rule, "type", type, "moref", moref, NULL);
	char id[24];
	snprintf(id, sizeof(id), "%lld", snap);
	return web_url(r, "/finding", "baseline", baseline, "rule", rule, "type", type, "moref", moref, "snap", id,
		       NULL);
}

void web_remed_text(struct web_remed_text *t, const struct remediation_rec *m)
{
	snprintf(t->id, sizeof(t->id), "%lld", m->id);
	snprintf(t->rev, sizeof(t->rev), "%d", m->suggestion_revision);
	snprintf(t->applied, sizeof(t->applied), "%lld", m->applied_snapshot);
	snprintf(t->proof, sizeof(t->proof), "%lld", m->proof_snapshot);
	if (!m->applied_snapshot)
		snprintf(t->applied, sizeof(t->applied), "-");
	if (!m->proof_snapshot)
		snprintf(t->proof, sizeof(t->proof), "-");
	web_time(t->when, m->updated_at);
}

const char *web_remed_class(enum remed_state s)
{
	return s == RM_VERIFIED ? "st-pass" : s == RM_SUBMITTED ? "st-unknown" : "st-fail";
}
