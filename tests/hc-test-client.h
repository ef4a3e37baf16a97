/* hyperconf — a fake socket client for driving an HcNode in unit tests. */
#pragma once

#include <hyperconf/hc-node.h>

G_BEGIN_DECLS

#define R_A      "runtime://localhost/aaaa"
#define R_B      "runtime://localhost/bbbb"
#define ALLOC    "domain://msg-node.localhost/address-allocation"
#define SM       "domain://msg-node.localhost/sm"
#define REGISTRY "domain://registry.localhost"

typedef struct {
  HcNode *node;
  HcNodeLink *link;
  GQueue frames;   /* JsonObject*: what the node sent, in order */
  gint close_code; /* set when the node asked to close the socket */
  gchar *token;
} Client;

Client *client_new (HcNode *node);
void client_free (Client *c);
/* The transport noticed the socket is gone. */
void client_drop (Client *c);
/* A new socket for the same client. */
void client_reconnect (Client *c);
void client_send (Client *c, const gchar *json);
void client_sendf (Client *c, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
/* Runs pending idles, then pops the next frame (asserts there is one). */
JsonObject *client_pop (Client *c);
void client_assert_silent (Client *c);
gint64 body_code (JsonObject *frame);
/* Pops a response with @id and @code (and a desc for errors). */
JsonObject *expect_response (Client *c, gint64 id, gint64 code);
void expect_code (Client *c, gint64 id, gint64 code);
/* open; stores the runtime token in c->token */
void client_open (Client *c, const gchar *runtime);
/* Returns: (transfer full): one new address of @scheme */
gchar *client_allocate (Client *c, const gchar *runtime, const gchar *scheme);
void client_subscribe (Client *c, const gchar *runtime, const gchar *resource);
/* "<url>/changes" in a static buffer */
gchar *changes_of (const gchar *url);
/* Sends @n registry reads (answered 404) from @runtime, fewer when the
 * node asks to close the socket meanwhile. */
void client_send_reads (Client *c, const gchar *runtime, guint n);
/* Pops every frame: how many were answered 404 and 429. */
void client_count_404_429 (Client *c, guint *n_404, guint *n_429);
void pump (void);
void run_for (guint ms);

G_END_DECLS
