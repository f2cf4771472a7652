/* harden as a client of vmware-pilot over MCP (stdio): the command that
 * starts it, the session, and its tools' results.  Pilot is a dispatcher:
 * it plans and gates workflows; harden never writes to vCenter or NSX. */
#ifndef HARDEN_PILOT_H
#define HARDEN_PILOT_H

#include <jansson.h>
#include <stdbool.h>

#include "config/targets.h"
#include "mcp/jsonrpc.h"
#include "util/util.h"

#define PILOT_DEFAULT_COMMAND "vmware-pilot mcp"
#define PILOT_TIMEOUT_MS 30000

struct pilot {
	struct jrpc j;
	struct strlist argv;
	bool open;
};

/* The command: $HARDEN_PILOT_COMMAND (split on spaces), else the targets
 * file's pilot: command (t may be NULL), else PILOT_DEFAULT_COMMAND.
 * *explicit says whether it was configured rather than the default. */
void pilot_command(const struct targets *t, struct strlist *argv, bool *explicit_cmd);
/* Starts pilot and initialises the MCP session.  HERR_INPUT when pilot
 * cannot be started (not installed), HERR_COLLECT when it does not speak
 * MCP; the error says which and with what command. */
enum herr pilot_open(struct pilot *p, const struct targets *t);
/* Calls a tool (args taken).  0 with *out (the result object, taken by the
 * caller); *refused when pilot answered with an error key or isError;
 * HERR_COLLECT when the session failed. */
enum herr pilot_call(struct pilot *p, const char *tool, json_t *args, json_t **out, bool *refused);
void pilot_close(struct pilot *p);

#endif
