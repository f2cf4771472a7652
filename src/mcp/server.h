/* harden as an MCP server (harden mcp): the protocol on top of the JSON-RPC
 * core (jsonrpc.h), a table of tools, and the helpers the tools share.
 * Everything a tool returns from the estate is data: strings are sanitised
 * of control characters and every list is paged with a hard maximum. */
#ifndef HARDEN_MCP_SERVER_H
#define HARDEN_MCP_SERVER_H

#include <jansson.h>
#include <stdbool.h>

#include "store/store.h"
#include "util/error.h"

/* Protocol versions accepted; an unknown one is answered with the latest
 * this server knows well. */
#define MCP_SERVER_FALLBACK_VERSION "2025-06-18"

/* Paging: the default page, and the most a page may hold. */
#define MCP_PAGE_DEFAULT 50
#define MCP_PAGE_MAX 200

struct targets;

/* What the tools share: where the twin and the targets file are. */
struct mcp_ctx {
	const char *db;		/* the twin's path */
	const char *config;	/* the targets file's path */
	struct store *st;	/* opened by mcp_twin, closed after each call */
	bool st_write;
	struct targets *targets;	/* loaded by mcp_targets, released after each call */
};

#define MCP_READ_ONLY 0x1
#define MCP_IDEMPOTENT 0x2
#define MCP_OPEN_WORLD 0x4

/* A tool: on failure its call sets the error and returns non-zero; the
 * server turns that into a result with isError true. */
struct mcp_tool {
	const char *name, *title, *description;
	const char *input_schema;	/* JSON text: an object schema, closed */
	const char *output_schema;	/* JSON text */
	unsigned hints;
	enum herr (*call)(struct mcp_ctx *x, const json_t *args, json_t **out);
};

/* The tool tables, each ended by an entry without name. */
extern const struct mcp_tool mcp_tools_content[];	/* baselines and STIG content */
extern const struct mcp_tool mcp_tools_twin[];	/* targets, snapshots, results, drift */
extern const struct mcp_tool mcp_tools_scan[];	/* scan_target, evaluate_snapshot */
extern const struct mcp_tool mcp_tools_advice[];	/* get_remediation, advise */

/* Serves MCP on in/out until the end of input: 0, or HERR_COLLECT when
 * the connection failed. */
enum herr mcp_serve(struct mcp_ctx *x, int in, int out);

/* Handles one message; returns the answer to write (NULL for none).
 * Exposed for the unit tests. */
json_t *mcp_handle(struct mcp_ctx *x, json_t *msg);

/* ---- helpers for the tools ---- */

/* The twin, opened on first use: HERR_INPUT when there is none yet. */
enum herr mcp_twin(struct mcp_ctx *x, bool write, struct store **st);
/* The targets file, loaded on first use. */
enum herr mcp_targets(struct mcp_ctx *x, struct targets **t);

/* A string from the estate or a file as JSON data: a sanitised copy, or
 * null. */
json_t *mcp_str(const char *s);
/* Every string value in j sanitised in place, as mcp_str does; returns j. */
json_t *mcp_data(json_t *j);
/* Time as ISO 8601, or null for 0. */
json_t *mcp_time(long long t);
/* A baseline named as list_baselines names it: never a path, so that a
 * client cannot have harden read files of its choosing.  HERR_INPUT with
 * the error set otherwise. */
enum herr mcp_baseline_name(const char *name);
/* Arguments, already checked against the tool's input schema. */
const char *mcp_arg_str(const json_t *args, const char *name);
long long mcp_arg_int(const json_t *args, const char *name, long long deflt);

/* A page of a list: count every item with mcp_page_want, which says
 * whether it falls in the page (append those to items), or hand every
 * item to mcp_page_add. */
struct mcp_page {
	long long limit, offset, total, returned;
	json_t *items;
};
void mcp_page_init(struct mcp_page *p, const json_t *args);
bool mcp_page_want(struct mcp_page *p);
/* Adds item (taken) when it falls in the page. */
void mcp_page_add(struct mcp_page *p, json_t *item);
/* The page as members of obj: key (the items), total, offset, limit,
 * truncated.  Returns obj. */
json_t *mcp_page_finish(struct mcp_page *p, json_t *obj, const char *key);
/* The paging members of an input and of an output schema, as JSON text
 * to paste into a tool's schemas. */
#define MCP_PAGE_IN \
	"\"limit\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 200, " \
	"\"description\": \"items per page (default 50, at most 200)\"}, " \
	"\"offset\": {\"type\": \"integer\", \"minimum\": 0, \"description\": \"items to skip (default 0)\"}"
#define MCP_PAGE_OUT \
	"\"total\": {\"type\": \"integer\"}, \"offset\": {\"type\": \"integer\"}, " \
	"\"limit\": {\"type\": \"integer\"}, \"truncated\": {\"type\": \"boolean\"}"
#define MCP_PAGE_REQ "\"total\", \"offset\", \"limit\", \"truncated\""

/* A failing or waived result as JSON, with its violation id. */
struct finding_row;
json_t *mcp_finding_json(const char *target, long long snapshot_id, const char *baseline_id,
			 const struct finding_row *r);

/* The advisor's hooks (mcp/tools_advice.c): what a finding gains from the
 * suggestion and remediation tables, when the build has them. */
void mcp_advice_attach(struct mcp_ctx *x, const char *violation_id, json_t *finding);

#endif
