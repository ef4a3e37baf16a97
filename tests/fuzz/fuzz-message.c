/* hyperconf — libFuzzer target: one WebSocket frame into the node.
 *
 * Each input is fed to an HcNode through a fake link, first on a socket
 * without a session, then on one with a session, so the envelope parser,
 * the checks of §2 and every node component see it.
 */
#include <hyperconf/hc-node.h>

#include "hc-fuzz.h"

static void
discard_text (gpointer user_data, const gchar *text)
{
}

static void
discard_close (gpointer user_data, gushort code, const gchar *reason)
{
}

static const HcNodeLinkFuncs funcs = { discard_text, discard_close };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* not warnings: the node warns about a full queue, a refused update */
  hc_fuzz_abort_on_log (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const gchar open[] = "{\"id\":1,\"type\":\"open\",\"from\":"
                              "\"runtime://localhost/fuzz\",\"to\":"
                              "\"mn:/session\"}";
  HcNodeConfig config;
  HcNode *node;
  HcNodeLink *fresh, *opened;
  HcMessage *message;

  hc_node_config_init_defaults (&config);
  node = hc_node_new (&config);
  g_free (config.domain);

  fresh = hc_node_attach_link (node, &funcs, NULL);
  hc_node_link_receive (fresh, (const gchar *)data, size);

  opened = hc_node_attach_link (node, &funcs, NULL);
  hc_node_link_receive (opened, open, -1);
  hc_node_link_receive (opened, (const gchar *)data, size);
  /* Twice: the second may find what the first allocated or claimed. */
  hc_node_link_receive (opened, (const gchar *)data, size);

  message = hc_message_parse ((const gchar *)data, size, NULL);
  if (message) {
    g_free (hc_message_to_string (message));
    hc_message_unref (message);
  }

  hc_node_link_disconnected (fresh);
  hc_node_link_disconnected (opened);
  g_object_unref (node);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
