/* hyperconf — what the files of src/conference share of HcConference. */
#pragma once

#include <hyperconf/hc-conference.h>

#include "hc-room.h"

G_BEGIN_DECLS

/* Returns: (transfer none) (nullable): the live room of that name */
HcRoom *hc_conference_lookup_room (HcConference *self, const gchar *name);

G_END_DECLS
