/* libFuzzer harness: the JSON-RPC / MCP reader (src/mcp/jsonrpc.c).  The
 * input is what a peer wrote to harden: read as messages and classified,
 * then replayed as the answers to an MCP handshake and a tools/call. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mcp/jsonrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A descriptor reading data from its start. */
static int input(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-jsonrpc", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void read_all(const uint8_t *data, size_t size)
{
	struct jrpc j;
	int in = input(data, size), out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (in < 0 || out < 0)
		goto out;
	jrpc_init(&j, in, out, "fuzz");
	for (int i = 0; i < 64; i++) {
		json_t *msg;
		int rc = jrpc_read(&j, &msg, 100);
		if (rc == JRPC_PARSE_ERROR)
			continue;
		if (rc != 0)
			break;
		(void)jrpc_classify(msg);
		json_decref(msg);
	}
	jrpc_close(&j, 0);
	return;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

static void as_mcp_server(const uint8_t *data, size_t size)
{
	struct jrpc j;
	int in = input(data, size), out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (in < 0 || out < 0) {
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
		return;
	}
	jrpc_init(&j, in, out, "fuzz");
	if (mcp_client_initialize(&j, 100) == 0) {
		json_t *res = NULL;
		bool failed = false;
		(void)mcp_call_tool(&j, "list_pending", json_object(), &res, &failed, 100);
		json_decref(res);
	}
	jrpc_close(&j, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_all(data, size);
	as_mcp_server(data, size);
	return 0;
}
