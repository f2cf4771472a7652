/* The advisor's tools: get_remediation and advise, and what get_finding
 * shows of a suggestion and its remediation state.  This build has no
 * advisor (src/advise/ and its suggestion and remediation tables): the
 * tools answer with a tool error, and this file is the one place to wire
 * the advisor in. */
#include "mcp/server.h"
#include "status.h"
#include "util/util.h"

/* The one hook: a violation's suggestion (advise) or remediation state
 * (get_remediation), as a JSON object. */
static enum herr advisor_answer(struct mcp_ctx *x, const char *what, const char *violation_id, json_t **out)
{
	(void)x;
	(void)out;
	if (!violation_id_valid(violation_id)) {
		err_set("'%.16s' is not a violation id (V- and eight letters or digits)", violation_id);
		return HERR_INPUT;
	}
	err_set("no advisor in this build: %s is not available (get_finding shows the rule's remediation text)",
		what);
	return HERR_INPUT;
}

void mcp_advice_attach(struct mcp_ctx *x, const char *violation_id, json_t *finding)
{
	(void)x;
	(void)violation_id;
	json_object_set_new(finding, "suggestion", json_null());
	json_object_set_new(finding, "remediation_state", json_null());
}

static enum herr get_remediation(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	return advisor_answer(x, "get_remediation", mcp_arg_str(args, "violation_id"), out);
}

static enum herr advise(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	return advisor_answer(x, "advise", mcp_arg_str(args, "violation_id"), out);
}

#define VID_IN "{\"type\": \"object\", \"properties\": {\"violation_id\": {\"type\": \"string\", \"maxLength\": 16, " \
	"\"description\": \"an id from list_violations\"}}, \"required\": [\"violation_id\"], " \
	"\"additionalProperties\": false}"

const struct mcp_tool mcp_tools_advice[] = {
	{ .name = "get_remediation", .title = "Remediation of a violation",
	  .description = "The remediation proposed for a violation and its state (suggested, approved, applied, "
			 "verified).  Needs the advisor; nothing is applied.",
	  .input_schema = VID_IN,
	  .output_schema = "{\"type\": \"object\", \"properties\": {\"violation_id\": {\"type\": \"string\"}, "
			   "\"state\": {\"type\": [\"string\", \"null\"]}}, \"required\": [\"violation_id\"]}",
	  .hints = MCP_READ_ONLY, .call = get_remediation },
	{ .name = "advise", .title = "Advise on a violation",
	  .description = "An offline suggestion for fixing a violation, from the rule's remediation and the "
			 "evidence (the model only when configured).  Needs the advisor; nothing is applied.",
	  .input_schema = VID_IN,
	  .output_schema = "{\"type\": \"object\", \"properties\": {\"violation_id\": {\"type\": \"string\"}, "
			   "\"suggestion\": {\"type\": [\"object\", \"null\"]}}, \"required\": [\"violation_id\"]}",
	  .hints = MCP_IDEMPOTENT, .call = advise },
	{ 0 },
};
