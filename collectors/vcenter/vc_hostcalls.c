/* The host settings vim25 offers only through a manager's method, not as
 * a property: lockdown exception users (HostAccessManager.
 * QueryLockdownExceptions) and the image acceptance level
 * (HostImageConfigManager.HostImageConfigGetAcceptance).  One call each
 * per host, after the bulk host retrieval; a fault, or a host without the
 * manager, leaves the property not collected. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "vcenter/vc_internal.h"

/* Calls METHOD on the manager; on success *out is the returnval elements'
 * texts.  0, HERR_FAULT (*out NULL), or a transport error. */
static int manager_call(struct vc *v, const char *method, const char *mtype, const char *moref, json_t **out)
{
	*out = NULL;
	struct buf b = BUF_INIT;
	struct soap_result res;
	buf_printf(&b, "<%s xmlns=\"urn:vim25\"><_this type=\"%s\">", method, mtype);
	buf_xml_escape(&b, moref);
	buf_printf(&b, "</_this></%s>", method);
	int rc = vc_call(v, b.data, NULL, NULL, &res);
	buf_release(&b);
	if (rc == 0) {
		*out = json_array();
		for (const struct xnode *n = res.body ? res.body->child : NULL; n; n = n->next)
			if (!strcmp(n->name, "returnval") && n->text)
				json_array_append_new(*out, json_string(n->text));
	}
	soap_result_release(&res);
	return rc;
}

int vc_host_calls(struct vc *v, struct sink *out, long long obj, const char *access_mgr, const char *image_mgr,
		  bool want_access, bool want_image)
{
	json_t *users = NULL, *level = NULL;
	int rc = 0;
	if (want_access && access_mgr)
		rc = manager_call(v, "QueryLockdownExceptions", "HostAccessManager", access_mgr, &users);
	if ((rc == 0 || rc == HERR_FAULT) && want_image && image_mgr)
		rc = manager_call(v, "HostImageConfigGetAcceptance", "HostImageConfigManager", image_mgr, &level);
	if (rc < 0 && rc != HERR_FAULT)
		goto out;
	rc = 0;
	if (want_access) {
		char *s = users ? json_dumps(users, JSON_COMPACT) : NULL;
		sink_prop(out, obj, "lockdown.exception_users", PT_LIST, s);
		free(s);
	}
	/* One string comes back; anything else is not a level. */
	const char *lv = level && json_array_size(level) == 1 ? json_string_value(json_array_get(level, 0)) : NULL;
	if (want_image)
		sink_prop(out, obj, "image.acceptance_level", PT_STRING, lv);
out:
	json_decref(users);
	json_decref(level);
	return rc;
}
