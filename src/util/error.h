/* The one set of error codes every module returns across its boundary.
 * A function returns 0 on success or one of these, with the message in
 * err_get(); the command layer alone turns them into exit codes (cmd.c).
 * Inside a module, helpers may return -1; the module's public functions
 * say which of these they return instead. */
#ifndef HARDEN_ERROR_H
#define HARDEN_ERROR_H

enum herr {
	HERR_OK = 0,
	HERR_INPUT = -1,	/* a bad argument, targets file, baseline or waiver file */
	HERR_COLLECT = -2,	/* unreachable, TLS, timeout, HTTP or protocol error */
	HERR_AUTH = -3,		/* the server refused the credentials */
	HERR_STORE = -4,	/* the twin cannot be read or written */
	HERR_FULL = -5,		/* the disk or the database is full */
	HERR_BUSY = -6,		/* another scan holds the twin */
	HERR_OUTPUT = -7,	/* a report file cannot be written */
	HERR_FAULT = -8,	/* the server answered with a SOAP fault (vc_call only) */
};

#endif
