#include "common/sink.h"

#include <stdlib.h>

#include "util/util.h"

static void failed(struct sink *s, int rc)
{
	if (s->rc)
		return;
	s->rc = rc;
	s->err = xstrdup(err_get());
}

long long sink_object(struct sink *s, const char *type, const char *moref, const char *name)
{
	long long id = 0;
	if (s->rc)
		return 0;
	double t0 = now_ms();
	int rc = store_object_add(s->st, s->snap, type, moref, name, &id);
	s->ms += now_ms() - t0;
	if (rc < 0)
		failed(s, rc);
	s->objects++;
	return id;
}

void sink_prop(struct sink *s, long long obj, const char *name, enum ptype t, const char *value)
{
	if (s->rc)
		return;
	double t0 = now_ms();
	int rc = store_prop(s->st, obj, name, t, value);
	s->ms += now_ms() - t0;
	if (rc < 0)
		failed(s, rc);
}

void sink_release(struct sink *s)
{
	free(s->err);
	s->err = NULL;
}
