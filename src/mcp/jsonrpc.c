#include "mcp/jsonrpc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void jrpc_init(struct jrpc *j, int in, int out, const char *peer)
{
	memset(j, 0, sizeof(*j));
	j->in = in;
	j->out = out;
	j->next_id = 1;
	j->peer = xstrdup(peer ? peer : "peer");
}

enum herr jrpc_spawn(struct jrpc *j, const char *const argv[])
{
	int to_child[2], from_child[2], status_pipe[2];
	jrpc_init(j, -1, -1, argv[0]);
	if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(from_child, O_CLOEXEC) < 0 || pipe2(status_pipe, O_CLOEXEC) < 0) {
		err_set("cannot create pipes for '%s': %s", argv[0], strerror(errno));
		return HERR_COLLECT;
	}
	pid_t pid = fork();
	if (pid < 0) {
		err_set("cannot start '%s': %s", argv[0], strerror(errno));
		return HERR_COLLECT;
	}
	if (pid == 0) {
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		execvp(argv[0], (char *const *)argv);
		int e = errno;
		ssize_t w = write(status_pipe[1], &e, sizeof(e));
		(void)w;
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	close(status_pipe[1]);
	int e = 0;
	ssize_t n = read(status_pipe[0], &e, sizeof(e));
	close(status_pipe[0]);
	j->in = from_child[0];
	j->out = to_child[1];
	j->child = pid;
	if (n == (ssize_t)sizeof(e)) {
		err_set("cannot run '%s': %s", argv[0], strerror(e));
		/* The child is exiting with 127: reap it, no signal needed. */
		jrpc_close(j, 5000);
		return HERR_INPUT;
	}
	return HERR_OK;
}

static bool reap(pid_t pid, int *status, int timeout_ms)
{
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return r == pid;
		if (waited >= timeout_ms)
			return false;
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

int jrpc_close(struct jrpc *j, int timeout_ms)
{
	int rc = -1, status;
	if (j->out >= 0)
		close(j->out);
	if (j->in >= 0)
		close(j->in);
	j->in = j->out = -1;
	if (j->child > 0) {
		if (reap(j->child, &status, timeout_ms) ||
		    (kill(j->child, SIGTERM) == 0 && reap(j->child, &status, 1000)) ||
		    (kill(j->child, SIGKILL) == 0 && reap(j->child, &status, 5000)))
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		j->child = 0;
	}
	buf_release(&j->rbuf);
	free(j->peer);
	j->peer = NULL;
	return rc;
}

/* Waits for the next whole line in j->rbuf; returns its length (without
 * the newline), -1 at end of input, or -2 on error or timeout. */
static long next_line(struct jrpc *j, int timeout_ms)
{
	for (;;) {
		char *nl = j->rbuf.len ? memchr(j->rbuf.data, '\n', j->rbuf.len) : NULL;
		if (nl)
			return nl - j->rbuf.data;
		if (j->rbuf.len > JRPC_MAX_LINE) {
			err_set("%s sent a line longer than %u bytes", j->peer, JRPC_MAX_LINE);
			return -2;
		}
		if (j->eof)
			return -1;
		struct pollfd pfd = { j->in, POLLIN, 0 };
		int pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			err_set("%s did not answer within %d ms", j->peer, timeout_ms);
			return -2;
		}
		char chunk[65536];
		ssize_t n = pr < 0 ? -1 : read(j->in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set("cannot read from %s: %s", j->peer, strerror(errno));
			return -2;
		}
		if (n == 0)
			j->eof = true;
		else
			buf_add(&j->rbuf, chunk, (size_t)n);
	}
}

int jrpc_read(struct jrpc *j, json_t **msg, int timeout_ms)
{
	*msg = NULL;
	for (;;) {
		long len = next_line(j, timeout_ms);
		if (len == -1) {
			if (!j->rbuf.len)
				return 1;
			len = (long)j->rbuf.len;	/* a last line without its newline */
			buf_putc(&j->rbuf, '\n');
		}
		if (len < 0)
			return HERR_COLLECT;
		size_t used = (size_t)len + 1;
		bool blank = true;
		for (long i = 0; i < len && blank; i++)
			blank = strchr(" \t\r", j->rbuf.data[i]) != NULL;
		json_error_t je;
		/* Any JSON value: a bare 42 is an invalid request, not a parse error. */
		json_t *v = blank ? NULL
				  : json_loadb(j->rbuf.data, (size_t)len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
		memmove(j->rbuf.data, j->rbuf.data + used, j->rbuf.len - used);
		j->rbuf.len -= used;
		j->rbuf.data[j->rbuf.len] = '\0';
		if (blank)
			continue;
		if (!v) {
			err_set("%s sent a line that is not JSON: %s (column %d)", j->peer, je.text, je.column);
			return JRPC_PARSE_ERROR;
		}
		*msg = v;
		return 0;
	}
}

enum herr jrpc_write(struct jrpc *j, const json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
	if (!s) {
		err_set("cannot encode a message for %s", j->peer);
		return HERR_COLLECT;
	}
	size_t len = strlen(s), off = 0;
	s[len] = '\0';
	struct buf b = BUF_INIT;
	buf_add(&b, s, len);
	buf_putc(&b, '\n');
	free(s);
	while (off < b.len) {
		ssize_t n = write(j->out, b.data + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set("cannot write to %s: %s", j->peer, strerror(n < 0 ? errno : EPIPE));
			buf_release(&b);
			return HERR_COLLECT;
		}
		off += (size_t)n;
	}
	buf_release(&b);
	return HERR_OK;
}

static bool valid_id(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id);
}

enum jrpc_kind jrpc_classify(const json_t *msg)
{
	if (!json_is_object(msg) || !json_is_string(json_object_get(msg, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0"))
		return JRPC_INVALID;
	const json_t *id = json_object_get(msg, "id"), *method = json_object_get(msg, "method");
	const json_t *params = json_object_get(msg, "params");
	if (method) {
		if (!json_is_string(method) || (params && !json_is_object(params) && !json_is_array(params)))
			return JRPC_INVALID;
		if (!id)
			return JRPC_NOTIFICATION;
		return valid_id(id) ? JRPC_REQUEST : JRPC_INVALID;
	}
	bool has_result = json_object_get(msg, "result") != NULL, has_error = json_object_get(msg, "error") != NULL;
	if (has_result == has_error || !(valid_id(id) || json_is_null(id)))
		return JRPC_INVALID;
	return JRPC_RESPONSE;
}

json_t *jrpc_result(const json_t *id, json_t *result)
{
	json_t *m = json_pack("{s:s, s:O}", "jsonrpc", "2.0", "id", id);
	json_object_set_new(m, "result", result ? result : json_object());
	return m;
}

json_t *jrpc_error(const json_t *id, int code, const char *message)
{
	json_t *m = json_pack("{s:s}", "jsonrpc", "2.0");
	json_object_set(m, "id", id ? (json_t *)id : json_null());
	json_object_set_new(m, "error", json_pack("{s:i, s:s}", "code", code, "message", message));
	return m;
}

static bool same_id(const json_t *id, long long want)
{
	return json_is_integer(id) && json_integer_value(id) == want;
}

enum herr jrpc_call(struct jrpc *j, const char *method, json_t *params, json_t **result, int timeout_ms)
{
	*result = NULL;
	long long id = j->next_id++;
	json_t *req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)id, "method", method);
	if (params)
		json_object_set_new(req, "params", params);
	enum herr rc = jrpc_write(j, req);
	json_decref(req);
	while (rc == HERR_OK) {
		json_t *m;
		int r = jrpc_read(j, &m, timeout_ms);
		if (r == 1) {
			err_set("%s closed the connection before answering %s", j->peer, method);
			return HERR_COLLECT;
		}
		if (r < 0)
			return HERR_COLLECT;
		enum jrpc_kind k = jrpc_classify(m);
		if (k == JRPC_RESPONSE && same_id(json_object_get(m, "id"), id)) {
			json_t *err = json_object_get(m, "error");
			if (err) {
				const char *msg = json_string_value(json_object_get(err, "message"));
				err_set("%s refused %s: %s (code %lld)", j->peer, method, msg ? msg : "no message",
					(long long)json_integer_value(json_object_get(err, "code")));
				rc = HERR_COLLECT;
			} else {
				*result = json_incref(json_object_get(m, "result"));
			}
			json_decref(m);
			return rc;
		}
		if (k == JRPC_INVALID)
			log_warn("%s sent a message that is not JSON-RPC 2.0; ignored", j->peer);
		json_decref(m);
	}
	return rc;
}

enum herr jrpc_notify(struct jrpc *j, const char *method, json_t *params)
{
	json_t *n = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);
	if (params)
		json_object_set_new(n, "params", params);
	enum herr rc = jrpc_write(j, n);
	json_decref(n);
	return rc;
}

enum herr mcp_client_initialize(struct jrpc *j, int timeout_ms)
{
	json_t *params = json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion", MCP_PROTOCOL_VERSION,
				   "capabilities", "clientInfo", "name", "harden", "version", HARDEN_VERSION);
	json_t *res;
	enum herr rc = jrpc_call(j, "initialize", params, &res, timeout_ms);
	if (rc)
		return rc;
	if (!json_is_object(res) || !json_is_string(json_object_get(res, "protocolVersion"))) {
		err_set("%s answered initialize without a protocol version", j->peer);
		json_decref(res);
		return HERR_COLLECT;
	}
	json_decref(res);
	return jrpc_notify(j, "notifications/initialized", NULL);
}

/* The object a tool returned: structuredContent, else the JSON held in
 * the first text block. */
static json_t *tool_object(const json_t *res)
{
	json_t *sc = json_object_get(res, "structuredContent");
	if (json_is_object(sc))
		return json_incref(sc);
	json_t *first = json_array_get(json_object_get(res, "content"), 0);
	const char *text = json_string_value(json_object_get(first, "text"));
	json_t *v = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (json_is_object(v))
		return v;
	json_decref(v);
	return text ? json_pack("{s:s}", "text", text) : NULL;
}

enum herr mcp_call_tool(struct jrpc *j, const char *tool, json_t *args, json_t **out, bool *tool_failed,
			int timeout_ms)
{
	*out = NULL;
	*tool_failed = false;
	json_t *params = json_pack("{s:s, s:o}", "name", tool, "arguments", args ? args : json_object());
	json_t *res;
	enum herr rc = jrpc_call(j, "tools/call", params, &res, timeout_ms);
	if (rc)
		return rc;
	json_t *obj = json_is_object(res) ? tool_object(res) : NULL;
	if (!obj) {
		err_set("%s answered tools/call %s without a result object", j->peer, tool);
		json_decref(res);
		return HERR_COLLECT;
	}
	*tool_failed = json_is_true(json_object_get(res, "isError")) || json_object_get(obj, "error") != NULL;
	*out = obj;
	json_decref(res);
	return HERR_OK;
}
