/* hyperconf — the server conference hyperty's presence on the node.
 *
 * A placeholder until conference rooms exist: it opens the in-process
 * session runtime://<domain>/hyperconf-server, allocates a hyperty://
 * address, registers it for user://<domain>/conference (PROTOCOL.md §7,
 * §9.1) and answers every request with 501.  The conference issue
 * replaces this object; its URL is what /config.json advertises.
 */
#pragma once

#include <glib-object.h>
#include <hyperconf/hc-node.h>

G_BEGIN_DECLS

#define HC_TYPE_SERVER_HYPERTY (hc_server_hyperty_get_type ())
G_DECLARE_FINAL_TYPE (HcServerHyperty, hc_server_hyperty, HC, SERVER_HYPERTY,
                      GObject)

/**
 * hc_server_hyperty_new:
 * @node: (transfer none): the node; the hyperty keeps a reference and
 *   closes its session when finalized
 * Returns: (transfer full) (nullable): the registered hyperty, or %NULL
 *   with @error when allocation or registration failed
 */
HcServerHyperty *hc_server_hyperty_new (HcNode *node, GError **error);

/**
 * hc_server_hyperty_get_url:
 * Returns: (transfer none): its hyperty:// address
 */
const gchar *hc_server_hyperty_get_url (HcServerHyperty *self);

G_END_DECLS
