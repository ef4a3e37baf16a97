/* hyperconf — the daemon's HcAdminProvider: the conference behind the
 * admin API and /metrics.  Pass the HcConference as its user_data. */
#pragma once

#include <hyperconf/hc-http-server.h>

G_BEGIN_DECLS

extern const HcAdminProvider hc_admin_provider;

G_END_DECLS
