/* Shared between the vCenter transport and the collection logic. */
#ifndef HARDEN_VC_INTERNAL_H
#define HARDEN_VC_INTERNAL_H

#include "vcenter/vc.h"

int vc_page_size(const struct vc *v);
bool vc_progress(const struct vc *v);
const struct prop_needs *vc_needs(const struct vc *v);

/* The target's name, for messages. */
const char *vc_target(const struct vc *v);

#endif
