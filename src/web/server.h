/* harden web's server: libmicrohttpd on one internal thread answering GET
 * for the dashboard's routes from a read-only twin. */
#ifndef HARDEN_WEB_SERVER_H
#define HARDEN_WEB_SERVER_H

#include <stdbool.h>
#include <stdio.h>

#include "store/store.h"

struct web_opts {
	const char *listen;	/* ADDR:PORT or [ADDR]:PORT; port 0 picks a free one */
	bool allow_remote;	/* a non-loopback address, with the access token */
	struct store *review;	/* a write connection: POST /review records decisions; NULL: never writes */
};

/* Serves until SIGINT or SIGTERM, having printed the URL (with the access
 * token when one is needed) on out.  HERR_INPUT for a bad or refused
 * address, HERR_OUTPUT when the server cannot start. */
int web_serve(struct store *st, const struct web_opts *o, FILE *out);

#endif
