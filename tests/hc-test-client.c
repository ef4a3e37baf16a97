/* hyperconf — a fake socket client for driving an HcNode in unit tests:
 * frames in through an HcNodeLink, frames out parsed into a queue. */
#include "hc-test-client.h"

#include <string.h>

static void
fake_send (gpointer user_data, const gchar *text)
{
  Client *c = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  g_queue_push_tail (&c->frames, json_object_ref (json_node_get_object (
                                     json_parser_get_root (parser))));
}

static void
fake_close (gpointer user_data, gushort code, const gchar *reason)
{
  Client *c = user_data;

  /* A socket closes asynchronously; the test disconnects it later. */
  c->close_code = code;
}

static const HcNodeLinkFuncs fake_funcs = { fake_send, fake_close };

Client *
client_new (HcNode *node)
{
  Client *c = g_new0 (Client, 1);

  c->node = node;
  c->link = hc_node_attach_link (node, &fake_funcs, c);
  g_queue_init (&c->frames);
  return c;
}

void
pump (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The transport noticed the socket is gone. */
void
client_drop (Client *c)
{
  if (c->link)
    hc_node_link_disconnected (c->link);
  c->link = NULL;
}

void
client_reconnect (Client *c)
{
  client_drop (c);
  c->close_code = 0;
  c->link = hc_node_attach_link (c->node, &fake_funcs, c);
}

void
client_free (Client *c)
{
  client_drop (c);
  g_queue_clear_full (&c->frames, (GDestroyNotify)json_object_unref);
  g_free (c->token);
  g_free (c);
}

void
client_send (Client *c, const gchar *json)
{
  hc_node_link_receive (c->link, json, -1);
}

void
client_sendf (Client *c, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  client_send (c, text);
}

JsonObject *
client_pop (Client *c)
{
  pump ();
  g_assert_false (g_queue_is_empty (&c->frames));
  return g_queue_pop_head (&c->frames);
}

void
client_assert_silent (Client *c)
{
  pump ();
  g_assert_cmpuint (g_queue_get_length (&c->frames), ==, 0);
}

gint64
body_code (JsonObject *frame)
{
  JsonObject *body = json_object_get_object_member (frame, "body");

  return body ? json_object_get_int_member (body, "code") : -1;
}

/* Pops the next frame: a response with @id and @code. */
JsonObject *
expect_response (Client *c, gint64 id, gint64 code)
{
  JsonObject *frame = client_pop (c);

  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==,
                   "response");
  g_assert_cmpint (json_object_get_int_member (frame, "id"), ==, id);
  g_assert_cmpint (body_code (frame), ==, code);
  if (code >= 400)
    g_assert_nonnull (json_object_get_string_member (
        json_object_get_object_member (frame, "body"), "desc"));
  return frame;
}

void
expect_code (Client *c, gint64 id, gint64 code)
{
  json_object_unref (expect_response (c, id, code));
}

void
client_open (Client *c, const gchar *runtime)
{
  JsonObject *frame;

  client_sendf (
      c, "{\"id\":1,\"type\":\"open\",\"from\":\"%s\",\"to\":\"mn:/session\"}",
      runtime);
  frame = expect_response (c, 1, 200);
  g_assert_cmpstr (json_object_get_string_member (frame, "to"), ==, runtime);
  g_free (c->token);
  c->token = g_strdup (json_object_get_string_member (
      json_object_get_object_member (frame, "body"), "runtimeToken"));
  g_assert_nonnull (c->token);
  json_object_unref (frame);
}

/* Allocates one address of @scheme; returns it. */
gchar *
client_allocate (Client *c, const gchar *runtime, const gchar *scheme)
{
  JsonObject *frame, *value;
  gchar *address;

  client_sendf (
      c,
      "{\"id\":2,\"type\":\"create\",\"from\":\"%s/address-allocation\","
      "\"to\":\"" ALLOC "\",\"body\":{\"scheme\":\"%s\",\"value\":"
      "{\"number\":1}}}",
      runtime, scheme);
  frame = expect_response (c, 2, 200);
  value = json_object_get_object_member (
      json_object_get_object_member (frame, "body"), "value");
  address = g_strdup (json_array_get_string_element (
      json_object_get_array_member (value, "allocated"), 0));
  json_object_unref (frame);
  return address;
}

gchar *
changes_of (const gchar *url)
{
  static gchar buffer[512];

  g_snprintf (buffer, sizeof buffer, "%s/changes", url);
  return buffer;
}

void
client_subscribe (Client *c, const gchar *runtime, const gchar *resource)
{
  client_sendf (
      c,
      "{\"id\":3,\"type\":\"subscribe\",\"from\":\"%s/sm\",\"to\":\"" SM
      "\",\"body\":{\"resources\":[\"%s\"]}}",
      runtime, resource);
  expect_code (c, 3, 200);
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

void
run_for (guint ms)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (ms, quit_loop, loop);
  g_main_loop_run (loop);
}

void
client_send_reads (Client *c, const gchar *runtime, guint n)
{
  for (guint i = 0; i < n && c->close_code == 0; i++)
    client_sendf (c,
                  "{\"id\":%u,\"type\":\"read\",\"from\":\"%s\",\"to\":"
                  "\"" REGISTRY "\",\"body\":{\"resource\":"
                  "\"user://localhost/x\"}}",
                  i, runtime);
  pump ();
}

void
client_count_404_429 (Client *c, guint *n_404, guint *n_429)
{
  *n_404 = *n_429 = 0;
  while (!g_queue_is_empty (&c->frames)) {
    JsonObject *frame = g_queue_pop_head (&c->frames);

    if (body_code (frame) == 429)
      (*n_429)++;
    else if (body_code (frame) == 404)
      (*n_404)++;
    json_object_unref (frame);
  }
}
