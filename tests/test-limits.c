/* hyperconf — the message node's limits ([node] in data/hyperconf.conf),
 * each provoked through fake socket links as a hostile client would, with
 * the code it must answer and its count for /metrics. */
#include "hc-test-client.h"

#include <hyperconf/hc-message.h>

#include <string.h>

static HcNode *
node_with (void (*tweak) (HcNodeConfig *config))
{
  HcNodeConfig config;
  HcNode *node;

  hc_node_config_init_defaults (&config);
  tweak (&config);
  node = hc_node_new (&config);
  g_free (config.domain);
  return node;
}

/* "[[[ ... ]]]" @depth deep inside an object member. */
static gchar *
nested (guint depth)
{
  GString *text = g_string_new ("{\"id\":1,\"a\":");

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

/* ---- JSON depth ------------------------------------------------------ */

static void
test_json_depth_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *deep = nested (10000);
  g_autofree gchar *at_limit = nested (63); /* plus the outer object */
  g_autofree gchar *over = nested (64);
  g_autofree gchar *very_deep = nested (1000000);
  JsonObject *object;

  /* json-glib's parser recurses per level: 1,000,000 levels would
   * overflow the stack if it ever saw them. */
  object = hc_message_parse_object (very_deep, -1, &error);
  g_assert_null (object);
  g_assert_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_TOO_DEEP);
  g_clear_error (&error);
  object = hc_message_parse_object (deep, -1, &error);
  g_assert_null (object);
  g_assert_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_TOO_DEEP);
  g_clear_error (&error);

  object = hc_message_parse_object_full (at_limit, -1, 64, &error);
  g_assert_no_error (error);
  json_object_unref (object);
  object = hc_message_parse_object_full (over, -1, 64, &error);
  g_assert_null (object);
  g_assert_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_TOO_DEEP);
  g_clear_error (&error);

  /* Brackets inside strings are text, not nesting. */
  object = hc_message_parse_object_full ("{\"a\":\"[[[[[[[[[[[[\"}", -1, 2,
                                         &error);
  g_assert_no_error (error);
  json_object_unref (object);
}

static void
depth_8 (HcNodeConfig *config)
{
  config->max_json_depth = 8;
}

static void
test_json_depth_dropped (void)
{
  g_autoptr (HcNode) node = node_with (depth_8);
  Client *c = client_new (node);
  g_autofree gchar *deep = nested (10000);

  client_open (c, R_A);
  /* §1: not parsed, dropped and counted; the socket stays open. */
  client_send (c, deep);
  client_assert_silent (c);
  g_assert_cmpint (c->close_code, ==, 0);
  g_assert_cmpuint (hc_node_get_dropped_frames (node), ==, 1);
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_JSON_DEPTH), ==, 1);
  /* Seven levels inside the envelope are fine. */
  client_send (c, "{\"id\":2,\"type\":\"read\",\"from\":\"" R_A
                  "\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":\"user://"
                  "localhost/x\",\"criteria\":{\"x\":[[[[[1]]]]]}}}");
  expect_code (c, 2, 404);
  client_free (c);
}

/* ---- rate: 429, then 1008 ---------------------------------------------- */

static void
rate_5_close_50 (HcNodeConfig *config)
{
  config->max_rate = 5;
  config->rate_close_after = 50;
}

static void
test_rate_close (void)
{
  g_autoptr (HcNode) node = node_with (rate_5_close_50);
  Client *c = client_new (node);
  guint ok, limited;

  client_open (c, R_A);
  client_send_reads (c, R_A, 1000);
  g_assert_cmpint (c->close_code, ==, HC_CLOSE_POLICY_VIOLATION);
  client_count_404_429 (c, &ok, &limited);
  /* The burst passes, 50 are answered 429, the 51st refusal closes. */
  g_assert_cmpuint (limited, ==, 50);
  g_assert_cmpuint (ok, >=, 10);
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_RATE), ==, 51);
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_RATE_CLOSE), ==, 1);
  client_free (c);
}

/* Frames before an open, and opens themselves, count on the socket's
 * own bucket: a client cannot flood the server with 401s or with sessions
 * made and ended one after the other. */
static void
test_rate_without_session (void)
{
  g_autoptr (HcNode) node = node_with (rate_5_close_50);
  Client *c = client_new (node);
  Client *d = client_new (node);
  guint unauthorized = 0, limited = 0, opened = 0;

  client_send_reads (c, R_A, 1000);
  g_assert_cmpint (c->close_code, ==, HC_CLOSE_POLICY_VIOLATION);
  while (!g_queue_is_empty (&c->frames)) {
    JsonObject *frame = g_queue_pop_head (&c->frames);

    unauthorized += body_code (frame) == 401;
    limited += body_code (frame) == 429;
    json_object_unref (frame);
  }
  /* The burst (twice the rate), and what refilled meanwhile. */
  g_assert_cmpuint (unauthorized, >=, 10);
  g_assert_cmpuint (unauthorized, <, 100);
  g_assert_cmpuint (limited, ==, 50);

  for (guint i = 0; i < 1000 && d->close_code == 0; i++)
    client_sendf (d,
                  "{\"id\":%u,\"type\":\"open\",\"from\":\"runtime://"
                  "localhost/r%u\",\"to\":\"mn:/session\"}",
                  i, i);
  pump ();
  g_assert_cmpint (d->close_code, ==, HC_CLOSE_POLICY_VIOLATION);
  while (!g_queue_is_empty (&d->frames)) {
    JsonObject *frame = g_queue_pop_head (&d->frames);

    opened += body_code (frame) == 200;
    json_object_unref (frame);
  }
  g_assert_cmpuint (opened, >=, 10);
  g_assert_cmpuint (opened, <, 100);
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_RATE_CLOSE), ==, 2);
  client_free (c);
  client_free (d);
}

/* A client that backs off after its 429s is not closed. */
static void
test_rate_pause_forgiven (void)
{
  g_autoptr (HcNode) node = node_with (rate_5_close_50);
  Client *c = client_new (node);

  client_open (c, R_A);
  for (guint round = 0; round < 3; round++) {
    client_send_reads (c, R_A, 40);
    run_for (1100);
  }
  g_assert_cmpint (c->close_code, ==, 0);
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_RATE_CLOSE), ==, 0);
  client_free (c);
}

/* ---- sessions in total and per client address ------------------------ */

static void
sessions_3_per_ip_2 (HcNodeConfig *config)
{
  config->max_sessions = 3;
  config->max_sessions_per_ip = 2;
}

/* A socket from @peer; @admitted: whether it fits the limits. */
static Client *
client_from (HcNode *node, const gchar *peer, gboolean admitted)
{
  Client *c = client_new (node);

  g_assert_cmpint (hc_node_link_set_peer (c->link, peer), ==, admitted);
  return c;
}

static void
open_refused (Client *c, const gchar *runtime)
{
  client_sendf (c,
                "{\"id\":1,\"type\":\"open\",\"from\":\"%s\",\"to\":"
                "\"mn:/session\"}",
                runtime);
  expect_code (c, 1, 503);
  g_assert_cmpint (c->close_code, ==, HC_CLOSE_TRY_AGAIN_LATER);
}

static void
test_sessions_limits (void)
{
  g_autoptr (HcNode) node = node_with (sessions_3_per_ip_2);
  Client *a1 = client_from (node, "10.0.0.1", TRUE);
  Client *a2 = client_from (node, "10.0.0.1", TRUE);
  Client *a3, *b1, *c1;

  client_open (a1, "runtime://localhost/a1");
  client_open (a2, "runtime://localhost/a2");
  /* A third socket from that address: refused before any message. */
  a3 = client_from (node, "10.0.0.1", FALSE);
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_SESSIONS_PER_IP),
                    ==, 1);
  client_free (a3); /* the transport closed it */

  /* A session waiting for its re-open still counts: a new socket from
   * that address fits, but its open is refused. */
  client_drop (a1);
  a3 = client_from (node, "10.0.0.1", TRUE);
  open_refused (a3, "runtime://localhost/a3");
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_SESSIONS_PER_IP),
                    ==, 2);
  client_free (a3);
  /* Its re-open adds no session. */
  client_reconnect (a1);
  g_assert_true (hc_node_link_set_peer (a1->link, "10.0.0.1"));
  client_sendf (a1,
                "{\"id\":2,\"type\":\"re-open\",\"from\":"
                "\"runtime://localhost/a1/%s\",\"to\":\"mn:/session\"}",
                a1->token);
  expect_code (a1, 2, 200);

  /* Three sessions in all: the server is full for every address. */
  b1 = client_from (node, "10.0.0.2", TRUE);
  client_open (b1, "runtime://localhost/b1");
  client_drop (a2);
  c1 = client_from (node, "10.0.0.3", TRUE);
  open_refused (c1, "runtime://localhost/c1");
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_SESSIONS), ==, 1);
  /* A socket's new open replaces its own session: no new one. */
  client_open (b1, "runtime://localhost/b1-again");
  /* A closed session frees its place. */
  client_sendf (b1, "{\"id\":3,\"type\":\"close\",\"from\":"
                    "\"runtime://localhost/b1-again\",\"to\":\"mn:/session\"}");
  expect_code (b1, 3, 200);
  client_reconnect (c1);
  g_assert_true (hc_node_link_set_peer (c1->link, "10.0.0.3"));
  client_open (c1, "runtime://localhost/c1");
  g_assert_cmpuint (hc_node_count_sessions (node), ==, 3);

  client_free (a1);
  client_free (a2);
  client_free (b1);
  client_free (c1);
}

/* ---- addresses named in one request ------------------------------------ */

static void
resources_4 (HcNodeConfig *config)
{
  config->max_resources = 4;
  config->max_subscriptions = 6;
}

static gchar *
resource_list (guint n)
{
  GString *list = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (list, "%s\"hyperty://localhost/r%u/changes\"",
                            i ? "," : "", i);
  g_string_append_c (list, ']');
  return g_string_free (list, FALSE);
}

static void
test_resources_per_request (void)
{
  g_autoptr (HcNode) node = node_with (resources_4);
  Client *c = client_new (node);
  g_autofree gchar *five = resource_list (5);
  g_autofree gchar *four = resource_list (4);
  g_autofree gchar *three = resource_list (3);
  g_autofree gchar *mine = NULL;

  client_open (c, R_A);
  client_sendf (c,
                "{\"id\":1,\"type\":\"subscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"" SM "\",\"body\":{\"resources\":%s}}",
                five);
  expect_code (c, 1, 400);
  client_sendf (c,
                "{\"id\":2,\"type\":\"subscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"" SM "\",\"body\":{\"subscribe\":%s}}",
                four);
  expect_code (c, 2, 200);
  client_sendf (c,
                "{\"id\":3,\"type\":\"unsubscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"" SM "\",\"body\":{\"resources\":%s,"
                "\"resource\":\"hyperty://localhost/x\",\"childrenResources\":"
                "[\"hyperty://localhost/y\"]}}",
                four);
  expect_code (c, 3, 400);
  mine = client_allocate (c, R_A, "hyperty");
  client_sendf (c,
                "{\"id\":4,\"type\":\"delete\",\"from\":\"" R_A
                "/x\",\"to\":\"" ALLOC "\",\"body\":{\"childrenResources\":"
                "[\"%s\",\"a://b/1\",\"a://b/2\",\"a://b/3\",\"a://b/4\"]}}",
                mine);
  expect_code (c, 4, 400);
  g_assert_nonnull (hc_node_lookup_owner (node, mine)); /* nothing done */
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_RESOURCES), ==, 3);

  /* [node] max-subscriptions (6, 4 held): a subscribe of three more adds
   * none of them. */
  client_sendf (c, "{\"id\":5,\"type\":\"subscribe\",\"from\":\"" R_A
                   "/sm\",\"to\":\"" SM "\",\"body\":{\"resources\":"
                   "[\"comm://localhost/s1/changes\",\"comm://localhost/s2/"
                   "changes\",\"comm://localhost/s3/changes\"]}}");
  expect_code (c, 5, 429);
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_SUBSCRIPTIONS), ==,
                    1);
  /* Resubscribing to what it holds costs nothing. */
  client_sendf (c,
                "{\"id\":6,\"type\":\"subscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"" SM "\",\"body\":{\"resources\":%s}}",
                three);
  expect_code (c, 6, 200);
  client_free (c);
}

/* ---- addresses and queued messages per session ----------------------- */

static void
addresses_2_queue_3 (HcNodeConfig *config)
{
  config->max_addresses = 2;
  config->max_queued = 3;
}

static void
test_addresses_and_queue (void)
{
  g_autoptr (HcNode) node = node_with (addresses_2_queue_3);
  Client *a = client_new (node);
  Client *b = client_new (node);
  g_autofree gchar *ha = NULL, *hb = NULL, *hb2 = NULL;

  client_open (a, R_A);
  client_open (b, R_B);
  ha = client_allocate (a, R_A, "hyperty");
  hb = client_allocate (b, R_B, "hyperty");
  hb2 = client_allocate (b, R_B, "hyperty");
  client_send (b, "{\"id\":9,\"type\":\"create\",\"from\":\"" R_B
                  "/x\",\"to\":\"" ALLOC "\"}");
  expect_code (b, 9, 429);
  /* Claiming a third one (sending from it) is not allowed either. */
  client_send (b, "{\"id\":10,\"type\":\"read\",\"from\":\"hyperty://"
                  "localhost/mine-now\",\"to\":\"" REGISTRY "\",\"body\":{"
                  "\"resource\":\"user://localhost/x\"}}");
  expect_code (b, 10, 403);
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_ADDRESSES), ==, 2);

  /* B's socket drops: five messages for it, three kept. */
  client_drop (b);
  for (guint i = 0; i < 5; i++)
    client_sendf (a,
                  "{\"id\":%u,\"type\":\"create\",\"from\":\"%s\",\"to\":"
                  "\"%s\"}",
                  20 + i, ha, hb);
  pump ();
  g_assert_cmpuint (hc_node_get_limit_count (node, HC_LIMIT_QUEUED), ==, 2);
  client_reconnect (b);
  client_sendf (b,
                "{\"id\":11,\"type\":\"re-open\",\"from\":\"" R_B
                "/%s\",\"to\":\"mn:/session\"}",
                b->token);
  expect_code (b, 11, 200);
  for (guint i = 2; i < 5; i++) {
    JsonObject *frame = client_pop (b);

    g_assert_cmpint (json_object_get_int_member (frame, "id"), ==, 20 + i);
    json_object_unref (frame);
  }
  client_assert_silent (b);
  client_free (a);
  client_free (b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/limits/json-depth/parse", test_json_depth_parse);
  g_test_add_func ("/limits/json-depth/dropped", test_json_depth_dropped);
  g_test_add_func ("/limits/rate/close-1008", test_rate_close);
  g_test_add_func ("/limits/rate/pause-forgiven", test_rate_pause_forgiven);
  g_test_add_func ("/limits/rate/without-session", test_rate_without_session);
  g_test_add_func ("/limits/sessions", test_sessions_limits);
  g_test_add_func ("/limits/resources-per-request", test_resources_per_request);
  g_test_add_func ("/limits/addresses-and-queue", test_addresses_and_queue);
  return g_test_run ();
}
