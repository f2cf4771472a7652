/* JSON-RPC 2.0 over a pair of file descriptors, one message per line, as
 * MCP's stdio transport carries it.  One module serves both ends: harden
 * as a client of vmware-pilot (apply) and harden as an MCP server
 * (harden mcp).  Everything read is untrusted: lines are bounded, every
 * message is validated, and a response is matched to its request by id. */
#ifndef HARDEN_JSONRPC_H
#define HARDEN_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"
#include "util/util.h"

/* JSON-RPC error codes. */
#define JRPC_PARSE_ERROR (-32700)
#define JRPC_INVALID_REQUEST (-32600)
#define JRPC_METHOD_NOT_FOUND (-32601)
#define JRPC_INVALID_PARAMS (-32602)
#define JRPC_INTERNAL_ERROR (-32603)

/* The longest line either end accepts. */
#define JRPC_MAX_LINE (16u * 1024 * 1024)

struct jrpc {
	int in, out;		/* read from in, write to out */
	struct buf rbuf;	/* bytes read and not yet a whole line */
	long long next_id;
	pid_t child;		/* with jrpc_spawn: the peer process, else 0 */
	char *peer;		/* the peer's name, for messages */
	bool eof;
};

enum jrpc_kind { JRPC_REQUEST, JRPC_NOTIFICATION, JRPC_RESPONSE, JRPC_INVALID };

/* A peer on existing descriptors (harden mcp: 0 and 1). */
void jrpc_init(struct jrpc *j, int in, int out, const char *peer);
/* Starts argv[0] (searched in PATH) with its standard input and output on
 * pipes and its standard error inherited.  HERR_INPUT when it cannot be
 * started (not installed), with the error set. */
enum herr jrpc_spawn(struct jrpc *j, const char *const argv[]);
/* Closes the pipes; a spawned peer gets timeout_ms to exit, then SIGTERM
 * and SIGKILL.  Returns the child's exit status, or -1. */
int jrpc_close(struct jrpc *j, int timeout_ms);

/* Reads one line as a JSON value.  Returns 0 with *msg set, 1 at the end
 * of input, HERR_COLLECT on a read error or timeout, or JRPC_PARSE_ERROR
 * (with *msg NULL and the error set) for a line that is not JSON, so a
 * server can answer it and read on.  timeout_ms < 0 waits forever. */
int jrpc_read(struct jrpc *j, json_t **msg, int timeout_ms);
/* Writes msg (not taken) as one compact line and flushes. */
enum herr jrpc_write(struct jrpc *j, const json_t *msg);

enum jrpc_kind jrpc_classify(const json_t *msg);
/* {"jsonrpc":"2.0","id":id,"result":result} (result taken). */
json_t *jrpc_result(const json_t *id, json_t *result);
/* {"jsonrpc":"2.0","id":id or null,"error":{"code","message"}}. */
json_t *jrpc_error(const json_t *id, int code, const char *message);

/* Sends a request and waits for the response with its id, skipping
 * notifications and answers to other ids (logged).  Returns 0 with
 * *result (taken by the caller), HERR_COLLECT when the peer answered with
 * an error, closed, sent garbage or timed out (message set). */
enum herr jrpc_call(struct jrpc *j, const char *method, json_t *params, json_t **result, int timeout_ms);
/* Sends a notification (params taken, may be NULL). */
enum herr jrpc_notify(struct jrpc *j, const char *method, json_t *params);

/* MCP on top: the client's handshake (initialize with protocolVersion
 * 2025-06-18, then notifications/initialized), and tools/call whose
 * result is the JSON object held in content[0].text (or
 * structuredContent).  A result with isError true, or whose object has a
 * top-level "error" key, is a tool failure: *out still gets the object,
 * *tool_failed is set. */
#define MCP_PROTOCOL_VERSION "2025-06-18"
enum herr mcp_client_initialize(struct jrpc *j, int timeout_ms);
enum herr mcp_call_tool(struct jrpc *j, const char *tool, json_t *args, json_t **out, bool *tool_failed,
			int timeout_ms);

#endif
