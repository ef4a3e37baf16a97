/* hyperconf — the message node's rules (PROTOCOL.md §2–7), driven through
 * fake socket links exactly as the WebSocket server drives it. */
#include "hc-test-client.h"

#include <hyperconf/hc-address.h>

#include <string.h>

typedef struct {
  HcNode *node;
  Client *a, *b;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  HcNodeConfig config;

  hc_node_config_init_defaults (&config);
  config.grace_period_ms = data ? GPOINTER_TO_UINT (data) : 10000;
  f->node = hc_node_new (&config);
  g_free (config.domain);
  f->a = client_new (f->node);
  f->b = client_new (f->node);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  client_free (f->a);
  client_free (f->b);
  g_object_unref (f->node);
  pump ();
}

/* ---- §1/§3 before a session --------------------------------------------- */

static void
test_unauthorized_before_open (Fixture *f, gconstpointer data)
{
  JsonObject *frame;

  client_send (f->a, "{\"id\":7,\"type\":\"create\",\"from\":\"" R_A
                     "/x\",\"to\":\"" ALLOC "\"}");
  frame = expect_response (f->a, 7, 401);
  g_assert_cmpstr (json_object_get_string_member (frame, "to"), ==, R_A "/x");
  json_object_unref (frame);

  /* 401 comes before 400: a bad envelope without a session is a 401. */
  client_send (f->a, "{\"id\":8,\"from\":5}");
  expect_code (f->a, 8, 401);

  /* Without an id nothing can be answered. */
  client_send (f->a, "{\"type\":\"read\",\"from\":\"x://y/z\",\"to\":\"a\"}");
  client_assert_silent (f->a);
}

static void
test_not_json_dropped (Fixture *f, gconstpointer data)
{
  client_send (f->a, "this is not json");
  client_send (f->a, "[1,2,3]");
  client_send (f->a, "{\"id\":1");
  client_assert_silent (f->a);
  g_assert_cmpuint (hc_node_get_dropped_frames (f->node), ==, 3);
  /* The connection still works. */
  client_open (f->a, R_A);
}

static void
test_open_bad_from (Fixture *f, gconstpointer data)
{
  client_send (f->a, "{\"id\":1,\"type\":\"open\",\"from\":\"hyperty://"
                     "localhost/x\",\"to\":\"mn:/session\"}");
  expect_code (f->a, 1, 400);
  client_send (f->a, "{\"id\":2,\"type\":\"open\",\"from\":\"" R_A
                     "\",\"to\":\"mn:/elsewhere\"}");
  expect_code (f->a, 2, 404);
  g_assert_cmpuint (hc_node_count_sessions (f->node), ==, 0);
}

/* ---- §2 envelope -------------------------------------------------------- */

static void
test_envelope_bad_request (Fixture *f, gconstpointer data)
{
  const gchar *bad[] = {
    "{\"id\":10,\"from\":\"" R_A "\",\"to\":\"" SM "\"}",
    "{\"id\":10,\"type\":\"read\",\"to\":\"" SM "\"}",
    "{\"id\":10,\"type\":\"read\",\"from\":\"" R_A "\"}",
    "{\"id\":10,\"type\":\"fetch\",\"from\":\"" R_A "\",\"to\":\"" SM "\"}",
    "{\"id\":10,\"type\":\"READ\",\"from\":\"" R_A "\",\"to\":\"" SM "\"}",
    "{\"id\":10,\"type\":7,\"from\":\"" R_A "\",\"to\":\"" SM "\"}",
    "{\"id\":10,\"type\":\"read\",\"from\":[\"" R_A "\"],\"to\":\"" SM "\"}",
    "{\"id\":10,\"type\":\"read\",\"from\":\"" R_A "\",\"to\":[\"a\",\"b\"]}",
    "{\"id\":10,\"type\":\"read\",\"from\":\"" R_A "\",\"to\":[]}",
    "{\"id\":10,\"type\":\"read\",\"from\":\"" R_A "\",\"to\":\"" SM
    "\",\"body\":\"x\"}",
    "{\"id\":10,\"type\":\"read\",\"from\":\"" R_A "\",\"to\":\"" SM
    "\",\"body\":[1]}",
  };
  guint i;

  client_open (f->a, R_A);
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_test_message ("%s", bad[i]);
    client_send (f->a, bad[i]);
    expect_code (f->a, 10, 400);
  }
  /* `to` echoes `from` as received, whatever its type. */
  {
    JsonObject *frame;

    client_send (f->a, "{\"id\":\"s1\",\"type\":\"read\",\"from\":42,"
                       "\"to\":\"" SM "\"}");
    frame = client_pop (f->a);
    g_assert_cmpstr (json_object_get_string_member (frame, "id"), ==, "s1");
    g_assert_cmpint (json_object_get_int_member (frame, "to"), ==, 42);
    g_assert_cmpint (body_code (frame), ==, 400);
    json_object_unref (frame);
  }
  /* Ids that are neither integers nor strings: dropped. */
  client_send (f->a, "{\"id\":1.5,\"type\":\"nope\"}");
  client_send (f->a, "{\"id\":{},\"type\":\"nope\"}");
  client_send (f->a, "{\"type\":\"nope\"}");
  client_assert_silent (f->a);
}

static void
test_to_as_array_of_one (Fixture *f, gconstpointer data)
{
  client_open (f->a, R_A);
  client_send (f->a, "{\"id\":4,\"type\":\"create\",\"from\":\"" R_A
                     "/aa\",\"to\":[\"" ALLOC "\"]}");
  expect_code (f->a, 4, 200);
}

/* ---- §2 ownership, §6 routing ------------------------------------------- */

static void
test_forbidden_spoofed_from (Fixture *f, gconstpointer data)
{
  g_autofree gchar *hb = NULL;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  hb = client_allocate (f->b, R_B, "hyperty");

  /* Another session's runtime, address, a foreign domain, a node address. */
  client_sendf (
      f->a, "{\"id\":5,\"type\":\"read\",\"from\":\"" R_B "\",\"to\":\"%s\"}",
      hb);
  expect_code (f->a, 5, 403);
  client_sendf (f->a,
                "{\"id\":6,\"type\":\"read\",\"from\":\"%s\","
                "\"to\":\"%s\"}",
                hb, hb);
  expect_code (f->a, 6, 403);
  client_sendf (f->a,
                "{\"id\":7,\"type\":\"read\",\"from\":\"hyperty://"
                "evil.example/x\",\"to\":\"%s\"}",
                hb);
  expect_code (f->a, 7, 403);
  client_sendf (
      f->a, "{\"id\":8,\"type\":\"read\",\"from\":\"" SM "\",\"to\":\"%s\"}",
      hb);
  expect_code (f->a, 8, 403);
  client_assert_silent (f->b);

  /* 403 comes before 404. */
  client_send (f->a, "{\"id\":9,\"type\":\"read\",\"from\":\"" R_B
                     "\",\"to\":\"hyperty://localhost/nobody\"}");
  expect_code (f->a, 9, 403);
}

static void
test_not_found (Fixture *f, gconstpointer data)
{
  g_autofree gchar *obj = NULL;

  client_open (f->a, R_A);
  client_send (f->a, "{\"id\":5,\"type\":\"create\",\"from\":\"" R_A
                     "\",\"to\":\"hyperty://localhost/nobody\"}");
  expect_code (f->a, 5, 404);
  client_send (f->a, "{\"id\":6,\"type\":\"create\",\"from\":\"" R_A
                     "\",\"to\":\"domain://msg-node.localhost/nothing\"}");
  expect_code (f->a, 6, 404);
  client_send (f->a, "{\"id\":7,\"type\":\"create\",\"from\":\"" R_A
                     "\",\"to\":\"runtime://localhost/gone/sm\"}");
  expect_code (f->a, 7, 404);
  /* Notifications to nobody and responses to nowhere: never answered. */
  obj = client_allocate (f->a, R_A, "connection");
  client_sendf (f->a,
                "{\"id\":8,\"type\":\"update\",\"from\":\"%s\","
                "\"to\":\"%s/changes\"}",
                obj, obj);
  client_send (f->a, "{\"id\":9,\"type\":\"response\",\"from\":\"" R_A
                     "\",\"to\":\"hyperty://localhost/nobody\","
                     "\"body\":{\"code\":200}}");
  client_send (f->a, "{\"id\":10,\"type\":\"response\",\"from\":\"" R_B
                     "\",\"to\":\"hyperty://localhost/nobody\"}");
  client_assert_silent (f->a);
}

static void
test_point_to_point_and_responses (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ha = NULL, *hb = NULL;
  JsonObject *frame;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  ha = client_allocate (f->a, R_A, "hyperty");
  hb = client_allocate (f->b, R_B, "hyperty");

  /* Both sessions count ids from 1: routing is by `to`, never by id. */
  client_sendf (f->a,
                "{\"id\":1,\"type\":\"create\",\"from\":\"%s\","
                "\"to\":\"%s/subscription\",\"body\":{\"via\":"
                "[\"x\"],\"value\":{\"a\":1}}}",
                ha, hb);
  frame = client_pop (f->b);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (frame, "to"),
                                   "/subscription"));
  g_assert_true (json_object_has_member (
      json_object_get_object_member (frame, "body"), "via"));
  json_object_unref (frame);
  client_sendf (f->b,
                "{\"id\":1,\"type\":\"response\",\"from\":\"%s/"
                "subscription\",\"to\":\"%s\",\"body\":{\"code\":200}}",
                hb, ha);
  expect_code (f->a, 1, 200);
  client_assert_silent (f->b);

  /* Any path below a runtime URL reaches its session. */
  client_sendf (f->a,
                "{\"id\":2,\"type\":\"execute\",\"from\":\"%s\","
                "\"to\":\"" R_B "/registry/x\"}",
                ha);
  frame = client_pop (f->b);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==,
                   "execute");
  json_object_unref (frame);

  /* A response to a path below an address reaches its owner. */
  client_sendf (f->b,
                "{\"id\":2,\"type\":\"response\",\"from\":\"%s\","
                "\"to\":\"%s/deep/path\",\"body\":{\"code\":200}}",
                hb, ha);
  expect_code (f->a, 2, 200);

  /* Other paths below an address are not point to point. */
  client_sendf (f->a,
                "{\"id\":3,\"type\":\"create\",\"from\":\"%s\","
                "\"to\":\"%s/other\"}",
                ha, hb);
  expect_code (f->a, 3, 404);
  client_assert_silent (f->b);
}

/* ---- §4 allocation ------------------------------------------------------- */

static void
test_allocation (Fixture *f, gconstpointer data)
{
  JsonObject *frame;
  JsonArray *allocated;
  g_autofree gchar *first = NULL;
  guint i;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  client_send (f->a, "{\"id\":2,\"type\":\"create\",\"from\":\"" R_A
                     "/address-allocation\",\"to\":\"" ALLOC "\","
                     "\"body\":{\"scheme\":\"connection\",\"value\":"
                     "{\"number\":2,\"allocationKey\":\"k\"}}}");
  frame = expect_response (f->a, 2, 200);
  allocated = json_object_get_array_member (
      json_object_get_object_member (
          json_object_get_object_member (frame, "body"), "value"),
      "allocated");
  g_assert_cmpuint (json_array_get_length (allocated), ==, 2);
  for (i = 0; i < 2; i++)
    g_assert_true (
        g_str_has_prefix (json_array_get_string_element (allocated, i),
                          "connection://localhost/"));
  first = g_strdup (json_array_get_string_element (allocated, 0));
  g_assert_cmpstr (first, !=, json_array_get_string_element (allocated, 1));
  json_object_unref (frame);

  /* No scheme: hyperty. No body at all: one hyperty. */
  client_send (f->a, "{\"id\":3,\"type\":\"create\",\"from\":\"" R_A
                     "\",\"to\":\"" ALLOC "\",\"body\":{\"value\":{}}}");
  frame = expect_response (f->a, 3, 200);
  g_assert_true (g_str_has_prefix (
      json_array_get_string_element (
          json_object_get_array_member (
              json_object_get_object_member (
                  json_object_get_object_member (frame, "body"), "value"),
              "allocated"),
          0),
      "hyperty://localhost/"));
  json_object_unref (frame);

  const gchar *bad[] = {
    "{\"scheme\":\"user\"}",          "{\"scheme\":5}",
    "{\"value\":{\"number\":17}}",    "{\"value\":{\"number\":0}}",
    "{\"value\":{\"number\":\"2\"}}", "{\"value\":7}",
  };
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    client_sendf (f->a,
                  "{\"id\":4,\"type\":\"create\",\"from\":\"" R_A
                  "\",\"to\":\"" ALLOC "\",\"body\":%s}",
                  bad[i]);
    expect_code (f->a, 4, 400);
  }

  /* Somebody else cannot release it: 403. */
  client_sendf (f->b,
                "{\"id\":5,\"type\":\"delete\",\"from\":\"" R_B
                "\",\"to\":\"" ALLOC "\",\"body\":{\"resource\":"
                "\"%s\"}}",
                first);
  expect_code (f->b, 5, 403);
  g_assert_true (hc_node_lookup_owner (f->node, first) != NULL);

  /* The vert.x node's name of the same component releases it. */
  client_sendf (f->a,
                "{\"id\":6,\"type\":\"delete\",\"from\":\"" R_A
                "\",\"to\":\"domain://msg-node.localhost/"
                "object-address-allocation\",\"body\":{"
                "\"childrenResources\":[\"%s\"]}}",
                first);
  expect_code (f->a, 6, 200);
  g_assert_null (hc_node_lookup_owner (f->node, first));
  client_sendf (
      f->b, "{\"id\":7,\"type\":\"create\",\"from\":\"" R_B "\",\"to\":\"%s\"}",
      first);
  expect_code (f->b, 7, 404);

  client_send (f->a, "{\"id\":8,\"type\":\"delete\",\"from\":\"" R_A
                     "\",\"to\":\"domain://msg-node.localhost/"
                     "hyperty-address-allocation\",\"body\":{}}");
  expect_code (f->a, 8, 400);
  client_send (f->a, "{\"id\":9,\"type\":\"update\",\"from\":\"" R_A
                     "\",\"to\":\"" ALLOC "\"}");
  expect_code (f->a, 9, 400);
}

static void
test_claim_unallocated_address (Fixture *f, gconstpointer data)
{
  JsonObject *frame;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  /* A newer runtime makes its own GUID address and sends from it. */
  client_send (f->a, "{\"id\":4,\"type\":\"read\",\"from\":\"hyperty://"
                     "localhost/own-guid\",\"to\":\"" REGISTRY "\","
                     "\"body\":{\"resource\":\"user://localhost/none\"}}");
  expect_code (f->a, 4, 404);
  g_assert_true (hc_node_lookup_owner (f->node, "hyperty://localhost/own-guid")
                 != NULL);

  /* It is A's now: B can neither send from it nor subscribe to it. */
  client_send (f->b, "{\"id\":5,\"type\":\"read\",\"from\":\"hyperty://"
                     "localhost/own-guid\",\"to\":\"" REGISTRY "\"}");
  expect_code (f->b, 5, 403);
  client_send (f->b, "{\"id\":6,\"type\":\"subscribe\",\"from\":\"" R_B
                     "/sm\",\"to\":\"" SM "\",\"body\":{\"subscribe\":"
                     "[\"hyperty://localhost/own-guid\"]}}");
  expect_code (f->b, 6, 403);

  /* B claims another by subscribing to it at the node; messages to it
   * reach B. */
  client_send (f->b, "{\"id\":7,\"type\":\"subscribe\",\"from\":\"" R_B
                     "/sm\",\"to\":\"" SM "\",\"body\":{\"subscribe\":"
                     "[\"hyperty://localhost/b-guid\"]}}");
  expect_code (f->b, 7, 200);
  client_send (f->a, "{\"id\":8,\"type\":\"create\",\"from\":\"hyperty://"
                     "localhost/own-guid\",\"to\":\"hyperty://localhost/"
                     "b-guid\"}");
  frame = client_pop (f->b);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "create");
  json_object_unref (frame);
  client_assert_silent (f->a);

  /* Foreign domains are never claimed. */
  client_send (f->a, "{\"id\":9,\"type\":\"read\",\"from\":\"hyperty://"
                     "other.example/x\",\"to\":\"" REGISTRY "\"}");
  expect_code (f->a, 9, 403);
}

/* ---- §5 subscriptions and §8 fan-out ------------------------------------ */

/* Requests to the node's subscription manager and their codes. */
static const struct {
  const gchar *type;
  const gchar *body; /* JSON, or NULL for none */
  gint code;
} odd_sm_requests[] = {
  { "subscribe", "{}", 400 },
  { "subscribe", "{\"resources\":[1]}", 400 },
  { "unsubscribe", NULL, 400 },
  { "read", NULL, 400 },
  { "unsubscribe", "{\"\":\"x\",\"childrenResources\":[\"chat\"]}", 400 },
  { "unsubscribe", "{\"\":1,\"resource\":\"hyperty://localhost/none\"}", 200 },
};

static void
test_subscriptions_fan_out (Fixture *f, gconstpointer data)
{
  g_autofree gchar *obj = NULL, *hb = NULL;
  Client *c = client_new (f->node);
  JsonObject *frame;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  client_open (c, "runtime://localhost/cccc");
  obj = client_allocate (f->a, R_A, "connection");
  hb = client_allocate (f->b, R_B, "hyperty");
  client_subscribe (f->b, R_B, changes_of (obj));
  client_sendf (c,
                "{\"id\":3,\"type\":\"subscribe\",\"from\":\"runtime://"
                "localhost/cccc/sm\",\"to\":\"" SM "\",\"body\":{"
                "\"subscribe\":[\"%s/changes\"],\"source\":\"x\"}}",
                obj);
  expect_code (c, 3, 200);

  /* An update reaches every listener, unknown fields unchanged. */
  client_sendf (f->a,
                "{\"id\":11,\"type\":\"update\",\"from\":\"%s\","
                "\"to\":\"%s/changes\",\"body\":{\"version\":1,"
                "\"attribute\":\"status\",\"value\":\"live\","
                "\"lastModified\":\"2026\",\"via\":[\"p\"]}}",
                obj, obj);
  client_assert_silent (f->a);
  frame = client_pop (f->b);
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (frame, "body"), "lastModified"),
      ==, "2026");
  g_assert_cmpint (json_object_get_int_member (frame, "id"), ==, 11);
  json_object_unref (frame);
  json_object_unref (client_pop (c));

  /* Only the reporter may update or delete: 403, not delivered. */
  client_sendf (f->b,
                "{\"id\":12,\"type\":\"update\",\"from\":\"%s\","
                "\"to\":\"%s/changes\",\"body\":{\"version\":2,"
                "\"attribute\":\"status\",\"value\":\"x\"}}",
                hb, obj);
  expect_code (f->b, 12, 403);
  client_sendf (f->b,
                "{\"id\":13,\"type\":\"delete\",\"from\":\"%s\","
                "\"to\":\"%s/changes\"}",
                hb, obj);
  expect_code (f->b, 13, 403);
  client_assert_silent (c);
  client_assert_silent (f->a);

  /* unsubscribe by resources, then by the Syncher's resource form. */
  client_sendf (c,
                "{\"id\":4,\"type\":\"unsubscribe\",\"from\":\"runtime://"
                "localhost/cccc/sm\",\"to\":\"" SM "\",\"body\":{"
                "\"unsubscribe\":[\"%s/changes\"]}}",
                obj);
  expect_code (c, 4, 200);
  client_sendf (f->b,
                "{\"id\":5,\"type\":\"unsubscribe\",\"from\":\"" R_B
                "/sm\",\"to\":\"" SM "\",\"body\":{\"resource\":"
                "\"%s\",\"childrenResources\":[\"chat\"]}}",
                obj);
  expect_code (f->b, 5, 200);
  client_sendf (f->a,
                "{\"id\":14,\"type\":\"update\",\"from\":\"%s\","
                "\"to\":\"%s/changes\",\"body\":{\"version\":2}}",
                obj, obj);
  client_assert_silent (f->b);
  client_assert_silent (c);
  client_assert_silent (f->a);

  /* Bad subscription bodies, and a member named "" that is nothing the
   * node looks for (found by fuzz-message: it was taken for an array, a
   * critical). */
  for (guint i = 0; i < G_N_ELEMENTS (odd_sm_requests); i++) {
    client_sendf (f->b,
                  "{\"id\":%u,\"type\":\"%s\",\"from\":\"" R_B
                  "/sm\",\"to\":\"" SM "\"%s%s}",
                  6 + i, odd_sm_requests[i].type,
                  odd_sm_requests[i].body ? ",\"body\":" : "",
                  odd_sm_requests[i].body ? odd_sm_requests[i].body : "");
    expect_code (f->b, 6 + i, odd_sm_requests[i].code);
  }
  client_free (c);
}

/* ---- §7 registry --------------------------------------------------------- */

static void
test_registry (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ha = NULL;
  JsonObject *frame, *value, *entry;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  ha = client_allocate (f->a, R_A, "hyperty");
  client_sendf (
      f->a,
      "{\"id\":5,\"type\":\"create\",\"from\":\"" R_A "/registry/\","
      "\"to\":\"" REGISTRY "\",\"body\":{\"value\":{\"user\":"
      "\"user://localhost/conference\",\"descriptor\":\"hyperty-catalogue:"
      "//catalogue.localhost/.well-known/hyperty/ServerConference\","
      "\"url\":\"%s\",\"resources\":[\"audio\",\"video\"],\"dataSchemes\":"
      "[\"connection\",\"comm\"],\"runtime\":\"" R_A "\",\"status\":"
      "\"live\",\"expires\":3600}}}",
      ha);
  expect_code (f->a, 5, 200);

  client_send (f->b, "{\"id\":4,\"type\":\"read\",\"from\":\"" R_B "\","
                     "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                     "\"user://localhost/conference\",\"criteria\":{"
                     "\"resources\":[\"audio\",\"video\"],\"dataSchemes\":"
                     "[\"connection\"]}}}");
  frame = expect_response (f->b, 4, 200);
  value = json_object_get_object_member (
      json_object_get_object_member (frame, "body"), "value");
  entry = json_object_get_object_member (value, ha);
  g_assert_nonnull (entry);
  g_assert_cmpstr (json_object_get_string_member (entry, "status"), ==, "live");
  json_object_unref (frame);

  /* The /hyperty/user/ form; no criteria. */
  client_send (f->b, "{\"id\":5,\"type\":\"read\",\"from\":\"" R_B "\","
                     "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                     "\"/hyperty/user/user://localhost/conference\"}}");
  expect_code (f->b, 5, 200);
  /* Criteria nothing matches; an unknown user. */
  client_send (f->b, "{\"id\":6,\"type\":\"read\",\"from\":\"" R_B "\","
                     "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                     "\"user://localhost/conference\",\"criteria\":{"
                     "\"dataSchemes\":[\"chat\"]}}}");
  expect_code (f->b, 6, 404);
  client_send (f->b, "{\"id\":7,\"type\":\"read\",\"from\":\"" R_B "\","
                     "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                     "\"user://localhost/nobody\"}}");
  expect_code (f->b, 7, 404);
  client_send (f->b, "{\"id\":8,\"type\":\"read\",\"from\":\"" R_B "\","
                     "\"to\":\"" REGISTRY "\",\"body\":{}}");
  expect_code (f->b, 8, 400);

  /* Keep-alive update by the owner; by somebody else: 403. */
  client_sendf (f->a,
                "{\"id\":9,\"type\":\"update\",\"from\":\"" R_A
                "\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                "\"%s\",\"value\":{\"status\":\"disconnected\"}}}",
                ha);
  expect_code (f->a, 9, 200);
  client_sendf (f->b,
                "{\"id\":10,\"type\":\"update\",\"from\":\"" R_B
                "\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                "\"%s\",\"value\":{\"status\":\"live\"}}}",
                ha);
  expect_code (f->b, 10, 403);
  client_sendf (f->a,
                "{\"id\":11,\"type\":\"update\",\"from\":\"" R_A
                "\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                "\"%s\",\"value\":{\"status\":\"sleepy\"}}}",
                ha);
  expect_code (f->a, 11, 400);
  client_send (f->a, "{\"id\":12,\"type\":\"update\",\"from\":\"" R_A
                     "\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                     "\"" R_A "/nothing\",\"value\":{\"status\":\"live\"}}}");
  expect_code (f->a, 12, 404);
  client_send (f->b, "{\"id\":13,\"type\":\"read\",\"from\":\"" R_B "\","
                     "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                     "\"user://localhost/conference\"}}");
  frame = expect_response (f->b, 13, 200);
  value = json_object_get_object_member (
      json_object_get_object_member (frame, "body"), "value");
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (value, ha), "status"),
                   ==, "disconnected");
  json_object_unref (frame);

  /* Registering an address that is not yours; a malformed entry. */
  client_sendf (f->b,
                "{\"id\":14,\"type\":\"create\",\"from\":\"" R_B
                "\",\"to\":\"" REGISTRY "\",\"body\":{\"value\":{"
                "\"user\":\"user://localhost/x\",\"url\":\"%s\"}}}",
                ha);
  expect_code (f->b, 14, 403);
  client_send (f->b, "{\"id\":15,\"type\":\"create\",\"from\":\"" R_B
                     "\",\"to\":\"" REGISTRY "\",\"body\":{\"value\":{"
                     "\"user\":\"user://localhost/x\",\"url\":\"" R_B
                     "/h\",\"resources\":\"audio\"}}}");
  expect_code (f->b, 15, 400);
  client_send (f->b, "{\"id\":16,\"type\":\"create\",\"from\":\"" R_B
                     "\",\"to\":\"" REGISTRY "\"}");
  expect_code (f->b, 16, 400);

  /* The session's end removes its entries. */
  client_sendf (f->a, "{\"id\":17,\"type\":\"close\",\"from\":\"" R_A
                      "\",\"to\":\"mn:/session\"}");
  expect_code (f->a, 17, 200);
  client_send (f->b, "{\"id\":18,\"type\":\"read\",\"from\":\"" R_B "\","
                     "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                     "\"user://localhost/conference\"}}");
  expect_code (f->b, 18, 404);
}

/* The registry's answer to @id must be @code with a desc naming @needle. */
static void
expect_desc (Client *c, gint64 id, gint64 code, const gchar *needle)
{
  JsonObject *frame = expect_response (c, id, code);
  const gchar *desc = json_object_get_string_member (
      json_object_get_object_member (frame, "body"), "desc");

  if (strstr (desc, needle) == NULL)
    g_error ("desc \"%s\" does not name %s", desc, needle);
  json_object_unref (frame);
}

/* body.value of a response (transfer full: the frame it lives in). */
static JsonObject *
response_value (Client *c, gint64 id, JsonObject **frame)
{
  *frame = expect_response (c, id, 200);
  return json_object_get_object_member (
      json_object_get_object_member (*frame, "body"), "value");
}

/* What a runtime-core 0.11 Syncher registers before it creates a reporter
 * object (DomainRegistration.registerDataObject). */
static void
register_data_object (Client *c, const gchar *runtime, gint64 id,
                      const gchar *url, const gchar *reporter,
                      const gchar *name, gint expires)
{
  client_sendf (
      c,
      "{\"id\":%" G_GINT64_FORMAT ",\"type\":\"create\",\"from\":\"%s/"
      "registry\",\"to\":\"" REGISTRY "\",\"body\":{\"value\":{\"url\":"
      "\"%s\",\"reporter\":\"%s\",\"schema\":\"hyperty-catalogue://"
      "catalogue.localhost/.well-known/dataschema/Connection\",\"name\":"
      "\"%s\",\"runtime\":\"%s\",\"dataSchemes\":[\"connection\"],"
      "\"resources\":null,\"childrens\":[],\"startingTime\":"
      "\"2026-12-04T21:00:00.000Z\",\"expires\":%d,\"status\":\"live\"},"
      "\"policy\":\"policy\"}}",
      id, runtime, url, reporter, name, runtime, expires);
}

static void
update_registry (Client *c, const gchar *runtime, gint64 id,
                 const gchar *resource, const gchar *value_json)
{
  client_sendf (c,
                "{\"id\":%" G_GINT64_FORMAT ",\"type\":\"update\",\"from\":"
                "\"%s/registry\",\"to\":\"" REGISTRY "\",\"body\":{"
                "\"resource\":\"%s\",\"value\":%s}}",
                id, runtime, resource, value_json);
}

static void
read_registry (Client *c, const gchar *runtime, gint64 id,
               const gchar *resource)
{
  client_sendf (c,
                "{\"id\":%" G_GINT64_FORMAT ",\"type\":\"read\",\"from\":"
                "\"%s\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                "\"%s\"}}",
                id, runtime, resource);
}

static void
delete_by_name (Client *c, const gchar *runtime, gint64 id, const gchar *name)
{
  client_sendf (c,
                "{\"id\":%" G_GINT64_FORMAT ",\"type\":\"delete\",\"from\":"
                "\"%s/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"value\":"
                "{\"name\":\"%s\"}}}",
                id, runtime, name);
}

static void
test_registry_data_objects (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ha = NULL, *obj = NULL, *other = NULL, *hb = NULL;
  JsonObject *frame, *value;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  ha = client_allocate (f->a, R_A, "hyperty");
  obj = client_allocate (f->a, R_A, "comm");
  hb = client_allocate (f->b, R_B, "hyperty");
  client_sendf (f->a,
                "{\"id\":1,\"type\":\"create\",\"from\":\"" R_A
                "/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"value\":{"
                "\"user\":\"user://localhost/alice\",\"url\":\"%s\"},"
                "\"policy\":\"policy\"}}",
                ha);
  expect_code (f->a, 1, 200);

  /* A registration with reporter and url but no user: a data object. */
  register_data_object (f->a, R_A, 2, obj, ha, "connection", 3600);
  expect_code (f->a, 2, 200);

  /* Read by its URL, by anyone; never found by a user lookup. */
  read_registry (f->b, R_B, 3, obj);
  value = response_value (f->b, 3, &frame);
  g_assert_cmpstr (json_object_get_string_member (value, "url"), ==, obj);
  g_assert_cmpstr (json_object_get_string_member (value, "reporter"), ==, ha);
  g_assert_cmpstr (json_object_get_string_member (value, "name"), ==,
                   "connection");
  g_assert_cmpstr (json_object_get_string_member (value, "status"), ==, "live");
  json_object_unref (frame);
  read_registry (f->b, R_B, 4, "user://localhost/alice");
  value = response_value (f->b, 4, &frame);
  g_assert_cmpuint (json_object_get_size (value), ==, 1);
  g_assert_true (json_object_has_member (value, ha));
  json_object_unref (frame);

  /* Keep-alive: the runtime's refresh. */
  client_sendf (f->a,
                "{\"id\":5,\"type\":\"update\",\"from\":\"" R_A
                "/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                "\"%s\",\"value\":{\"status\":\"live\"},\"method\":"
                "\"refresh\"}}",
                obj);
  expect_code (f->a, 5, 200);

  /* Another runtime can neither change nor delete it. */
  update_registry (f->b, R_B, 6, obj, "{\"status\":\"disconnected\"}");
  expect_code (f->b, 6, 403);
  client_sendf (f->b,
                "{\"id\":7,\"type\":\"delete\",\"from\":\"" R_B
                "/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                "\"%s\"}}",
                obj);
  expect_code (f->b, 7, 403);
  delete_by_name (f->b, R_B, 8, "connection");
  expect_code (f->b, 8, 200);

  /* The Syncher deletes the object: release, then "disconnected". */
  client_sendf (f->a,
                "{\"id\":9,\"type\":\"delete\",\"from\":\"" R_A
                "/sm\",\"to\":\"domain://msg-node.localhost/object-address-"
                "allocation\",\"body\":{\"resource\":\"%s\","
                "\"childrenResources\":[]}}",
                obj);
  expect_code (f->a, 9, 200);
  g_assert_null (hc_node_lookup_owner (f->node, obj));
  update_registry (f->a, R_A, 10, obj, "{\"status\":\"disconnected\"}");
  expect_code (f->a, 10, 200);
  read_registry (f->b, R_B, 11, obj);
  value = response_value (f->b, 11, &frame);
  g_assert_cmpstr (json_object_get_string_member (value, "status"), ==,
                   "disconnected");
  json_object_unref (frame);

  /* Deleted by name, by its runtime: gone.  Again: still 200. */
  delete_by_name (f->a, R_A, 12, "connection");
  expect_code (f->a, 12, 200);
  read_registry (f->b, R_B, 13, obj);
  expect_code (f->b, 13, 404);
  update_registry (f->a, R_A, 14, obj, "{\"status\":\"live\"}");
  expect_code (f->a, 14, 404);
  delete_by_name (f->a, R_A, 15, "connection");
  expect_code (f->a, 15, 200);

  /* Neither user nor reporter/url: 400 naming what is missing. */
  client_send (f->a, "{\"id\":16,\"type\":\"create\",\"from\":\"" R_A
                     "/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"value\":"
                     "{\"name\":\"x\",\"status\":\"live\"}}}");
  expect_desc (f->a, 16, 400, "\"user\"");
  client_send (f->a, "{\"id\":17,\"type\":\"create\",\"from\":\"" R_A
                     "/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"value\":"
                     "{\"url\":\"comm://localhost/"
                     "x\"}}}");
  expect_desc (f->a, 17, 400, "\"reporter\"");
  client_sendf (f->a,
                "{\"id\":18,\"type\":\"create\",\"from\":\"" R_A
                "/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"value\":"
                "{\"reporter\":\"%s\"}}}",
                ha);
  expect_desc (f->a, 18, 400, "\"url\"");

  /* An object at another session's address. */
  other = client_allocate (f->b, R_B, "comm");
  register_data_object (f->a, R_A, 19, other, ha, "connection", 60);
  expect_code (f->a, 19, 403);

  /* The session's end takes its data objects, released or not. */
  g_clear_pointer (&obj, g_free);
  obj = client_allocate (f->a, R_A, "connection");
  register_data_object (f->a, R_A, 20, obj, ha, "chat", 3600);
  expect_code (f->a, 20, 200);
  client_sendf (f->a,
                "{\"id\":21,\"type\":\"delete\",\"from\":\"" R_A
                "/address-allocation\",\"to\":\"" ALLOC "\",\"body\":{"
                "\"childrenResources\":[\"%s\"]}}",
                obj);
  expect_code (f->a, 21, 200);
  read_registry (f->b, R_B, 22, obj);
  expect_code (f->b, 22, 200);
  client_send (f->a, "{\"id\":23,\"type\":\"close\",\"from\":\"" R_A
                     "\",\"to\":\"mn:/session\"}");
  expect_code (f->a, 23, 200);
  read_registry (f->b, R_B, 24, obj);
  expect_code (f->b, 24, 404);
}

/* The other shapes runtimes send to the registry (§7). */
static void
test_registry_runtime_shapes (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ha = NULL, *unregistered = NULL, *resource = NULL;
  JsonObject *frame, *value, *entry;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  ha = client_allocate (f->a, R_A, "hyperty");

  /* policy beside value; p2pHandler and p2pRequester kept. */
  client_sendf (
      f->a,
      "{\"id\":1,\"type\":\"create\",\"from\":\"" R_A
      "/registry\",\"to\":\"" REGISTRY
      "\",\"body\":{\"value\":{\"user\":\"user://localhost/bob\","
      "\"descriptor\":\"hyperty-catalogue://catalogue.localhost/.well-known/"
      "hyperty/Connector\",\"url\":\"%s\",\"expires\":3600,\"resources\":["
      "\"audio\",\"video\"],\"dataSchemes\":[\"connection\"],\"runtime\":\"" R_A
      "\",\"status\":\"live\",\"p2pHandler\":\"" R_A "/p2phandler/1\","
      "\"p2pRequester\":\"hyperty-catalogue://catalogue.localhost/"
      ".well-known/protocolstub/P2PRequesterStub\"},\"policy\":\"policy\"}}",
      ha);
  expect_code (f->a, 1, 200);
  read_registry (f->b, R_B, 2, "user://localhost/bob");
  value = response_value (f->b, 2, &frame);
  entry = json_object_get_object_member (value, ha);
  g_assert_cmpstr (json_object_get_string_member (entry, "p2pHandler"), ==,
                   R_A "/p2phandler/1");
  g_assert_true (
      g_str_has_suffix (json_object_get_string_member (entry, "p2pRequester"),
                        "P2PRequesterStub"));
  json_object_unref (frame);

  /* A resumed hyperty: value.user (and new P2P stubs). */
  update_registry (f->a, R_A, 3, ha,
                   "{\"status\":\"live\",\"user\":\"user://localhost/bobby\","
                   "\"p2pHandler\":\"" R_A "/p2phandler/2\"}");
  expect_code (f->a, 3, 200);
  read_registry (f->b, R_B, 4, "user://localhost/bob");
  expect_code (f->b, 4, 404);
  read_registry (f->b, R_B, 5, "user://localhost/bobby");
  value = response_value (f->b, 5, &frame);
  entry = json_object_get_object_member (value, ha);
  g_assert_cmpstr (json_object_get_string_member (entry, "p2pHandler"), ==,
                   R_A "/p2phandler/2");
  json_object_unref (frame);

  /* The hyperty unregister form. */
  resource = g_strdup_printf ("/hyperty/%s", ha);
  client_sendf (f->a,
                "{\"id\":6,\"type\":\"update\",\"from\":\"" R_A
                "/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                "\"%s\",\"value\":\"disconnected\",\"attribute\":\"status\"}}",
                resource);
  expect_code (f->a, 6, 200);
  read_registry (f->b, R_B, 7, "user://localhost/bobby");
  value = response_value (f->b, 7, &frame);
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (value, ha), "status"),
                   ==, "disconnected");
  json_object_unref (frame);
  client_sendf (f->b,
                "{\"id\":8,\"type\":\"update\",\"from\":\"" R_B
                "/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                "\"%s\",\"value\":\"live\",\"attribute\":\"status\"}}",
                resource);
  expect_code (f->b, 8, 403);

  /* An own address the registry does not hold: 404, then the runtime
   * registers afresh. */
  unregistered = client_allocate (f->a, R_A, "hyperty");
  update_registry (f->a, R_A, 9, unregistered,
                   "{\"status\":\"live\",\"user\":\"user://localhost/c\"}");
  expect_code (f->a, 9, 404);
  client_sendf (f->a,
                "{\"id\":10,\"type\":\"create\",\"from\":\"" R_A
                "/registry\",\"to\":\"" REGISTRY "\",\"body\":{\"value\":{"
                "\"user\":\"user://localhost/c\",\"url\":\"%s\"},\"policy\":"
                "\"policy\"}}",
                unregistered);
  expect_code (f->a, 10, 200);
  update_registry (f->a, R_A, 11, unregistered, "{\"status\":\"live\"}");
  expect_code (f->a, 11, 200);

  /* Malformed: a bare value without attribute; a delete naming nothing. */
  update_registry (f->a, R_A, 12, ha, "\"live\"");
  expect_code (f->a, 12, 400);
  client_send (f->a, "{\"id\":13,\"type\":\"delete\",\"from\":\"" R_A
                     "/registry\",\"to\":\"" REGISTRY "\",\"body\":{}}");
  expect_code (f->a, 13, 400);
}

/* Entries expire unless refreshed; a session's grace end takes its own. */
static void
test_registry_expiry (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ha = NULL, *kept = NULL, *left = NULL, *gone = NULL;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  ha = client_allocate (f->a, R_A, "hyperty");
  kept = client_allocate (f->a, R_A, "comm");
  left = client_allocate (f->a, R_A, "comm");
  gone = client_allocate (f->b, R_B, "connection");
  register_data_object (f->a, R_A, 1, kept, ha, "kept", 2);
  expect_code (f->a, 1, 200);
  register_data_object (f->a, R_A, 2, left, ha, "left", 1);
  expect_code (f->a, 2, 200);
  register_data_object (f->b, R_B, 3, gone, ha, "gone", 3600);
  expect_code (f->b, 3, 200);

  /* Refreshed at 1.2 s, read at 2.4 s: past its first 2 s, and 0.8 s
   * either side for a slow machine. */
  run_for (1200);
  update_registry (f->a, R_A, 4, kept, "{\"status\":\"live\"}");
  expect_code (f->a, 4, 200);
  run_for (1200);
  read_registry (f->a, R_A, 5, kept);
  expect_code (f->a, 5, 200);
  read_registry (f->a, R_A, 6, left);
  expect_code (f->a, 6, 404);
  update_registry (f->a, R_A, 7, left, "{\"status\":\"live\"}");
  expect_code (f->a, 7, 404);

  /* B's socket drops; within the grace period its entry stays. */
  client_drop (f->b);
  read_registry (f->a, R_A, 8, gone);
  expect_code (f->a, 8, 200);
  run_for (700);
  read_registry (f->a, R_A, 9, gone);
  expect_code (f->a, 9, 404);
}

/* §8: once the reporter deleted its object and released the address, an
 * unsubscribe (or subscribe) to <url>/subscription is answered 404, even
 * though the old reporter still listens there at the node. */
static void
test_subscription_of_deleted_object (Fixture *f, gconstpointer data)
{
  g_autofree gchar *obj = NULL;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  obj = client_allocate (f->a, R_A, "connection");
  client_sendf (f->a,
                "{\"id\":1,\"type\":\"subscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"" SM "\",\"body\":{\"subscribe\":[\"%s\","
                "\"%s/subscription\"]}}",
                obj, obj);
  expect_code (f->a, 1, 200);
  client_subscribe (f->b, R_B, changes_of (obj));

  /* While it lives, the handler is the reporter. */
  client_sendf (f->b,
                "{\"id\":2,\"type\":\"subscribe\",\"from\":\"" R_B
                "/sm\",\"to\":\"%s/subscription\",\"body\":{\"subscriber\":"
                "\"hyperty://localhost/b\"}}",
                obj);
  json_object_unref (client_pop (f->a));

  /* Delete without a body, the reporter's node unsubscribe of its object
   * (named as in its subscribe), then release. */
  client_sendf (f->a,
                "{\"id\":3,\"type\":\"delete\",\"from\":\"%s/subscription\","
                "\"to\":\"%s/changes\"}",
                obj, obj);
  json_object_unref (client_pop (f->b));
  client_sendf (f->a,
                "{\"id\":7,\"type\":\"unsubscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"" SM "\",\"body\":{\"subscribe\":[\"%s\"],"
                "\"source\":\"hyperty://localhost/a\"}}",
                obj);
  expect_code (f->a, 7, 200);
  client_sendf (f->a,
                "{\"id\":4,\"type\":\"delete\",\"from\":\"" R_A
                "/sm\",\"to\":\"domain://msg-node.localhost/object-address-"
                "allocation\",\"body\":{\"resource\":\"%s\"}}",
                obj);
  expect_code (f->a, 4, 200);

  client_sendf (f->b,
                "{\"id\":5,\"type\":\"unsubscribe\",\"from\":\"" R_B
                "/sm\",\"to\":\"%s/subscription\",\"body\":{\"resource\":"
                "\"%s\"}}",
                obj, obj);
  expect_code (f->b, 5, 404);
  client_sendf (f->b,
                "{\"id\":6,\"type\":\"subscribe\",\"from\":\"" R_B
                "/sm\",\"to\":\"%s/subscription\",\"body\":{}}",
                obj);
  expect_code (f->b, 6, 404);
  /* Nor does the object itself route to its old reporter. */
  client_sendf (
      f->b, "{\"id\":8,\"type\":\"create\",\"from\":\"" R_B "\",\"to\":\"%s\"}",
      obj);
  expect_code (f->b, 8, 404);
  client_assert_silent (f->a);
}

/* ---- §3 sessions ----------------------------------------------------------
 */

static void
test_reopen_delivers_queue_in_order (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ha = NULL, *hb = NULL;
  guint i;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  ha = client_allocate (f->a, R_A, "hyperty");
  hb = client_allocate (f->b, R_B, "hyperty");

  client_reconnect (f->a); /* the socket dropped */
  for (i = 1; i <= 3; i++)
    client_sendf (f->b,
                  "{\"id\":%u,\"type\":\"create\",\"from\":\"%s\","
                  "\"to\":\"%s\",\"body\":{\"n\":%u}}",
                  i, hb, ha, i);
  client_assert_silent (f->b);

  /* An unknown token; a known token with another runtime. */
  client_send (f->a, "{\"id\":20,\"type\":\"re-open\",\"from\":\"" R_A
                     "/not-a-token\",\"to\":\"mn:/session\"}");
  expect_code (f->a, 20, 404);
  client_sendf (f->a,
                "{\"id\":21,\"type\":\"re-open\",\"from\":\"" R_B
                "/%s\",\"to\":\"mn:/session\"}",
                f->a->token);
  expect_code (f->a, 21, 404);

  client_sendf (f->a,
                "{\"id\":22,\"type\":\"re-open\",\"from\":\"" R_A
                "/%s\",\"to\":\"mn:/session\"}",
                f->a->token);
  expect_code (f->a, 22, 200);
  for (i = 1; i <= 3; i++) {
    JsonObject *frame = client_pop (f->a);

    g_assert_cmpint (json_object_get_int_member (frame, "id"), ==, i);
    g_assert_cmpint (json_object_get_int_member (
                         json_object_get_object_member (frame, "body"), "n"),
                     ==, i);
    json_object_unref (frame);
  }
  /* Live again: messages flow directly. */
  client_sendf (f->b,
                "{\"id\":4,\"type\":\"create\",\"from\":\"%s\","
                "\"to\":\"%s\"}",
                hb, ha);
  json_object_unref (client_pop (f->a));
}

static void
test_reopen_closes_old_socket (Fixture *f, gconstpointer data)
{
  Client *again = client_new (f->node);

  client_open (f->a, R_A);
  client_sendf (again,
                "{\"id\":1,\"type\":\"re-open\",\"from\":\"" R_A
                "/%s\",\"to\":\"mn:/session\"}",
                f->a->token);
  expect_code (again, 1, 200);
  g_assert_cmpint (f->a->close_code, ==, 4000);
  client_drop (f->a);
  g_assert_cmpuint (hc_node_count_sessions (f->node), ==, 1);
  /* The session lives on the new socket. */
  client_send (again, "{\"id\":2,\"type\":\"create\",\"from\":\"" R_A
                      "\",\"to\":\"" ALLOC "\"}");
  expect_code (again, 2, 200);
  client_free (again);
}

static void
test_close_and_open_again (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ha = NULL;

  /* close from <runtime>/<token> ends the session at once. */
  client_open (f->a, R_A);
  ha = client_allocate (f->a, R_A, "hyperty");
  client_sendf (f->a,
                "{\"id\":9,\"type\":\"close\",\"from\":\"" R_A
                "/%s\",\"to\":\"mn:/session\"}",
                f->a->token);
  expect_code (f->a, 9, 200);
  g_assert_cmpuint (hc_node_count_sessions (f->node), ==, 0);
  g_assert_null (hc_node_lookup_owner (f->node, ha));
  client_send (f->a, "{\"id\":10,\"type\":\"create\",\"from\":\"" R_A
                     "\",\"to\":\"" ALLOC "\"}");
  expect_code (f->a, 10, 401);
  client_send (f->a, "{\"id\":11,\"type\":\"read\",\"from\":\"" R_A
                     "\",\"to\":\"mn:/session\"}");
  expect_code (f->a, 11, 401);
}

/* Found by the fuzzer: a socket that opens its own runtime URL again. */
static void
test_open_same_runtime_twice (Fixture *f, gconstpointer data)
{
  g_autofree gchar *first = NULL;

  client_open (f->a, R_A);
  first = g_strdup (f->a->token);
  client_open (f->a, R_A);
  g_assert_cmpstr (first, !=, f->a->token);
  g_assert_cmpuint (hc_node_count_sessions (f->node), ==, 1);
  g_assert_cmpint (f->a->close_code, ==, 0);
  client_send (f->a, "{\"id\":3,\"type\":\"create\",\"from\":\"" R_A
                     "\",\"to\":\"" ALLOC "\"}");
  expect_code (f->a, 3, 200);
}

static void
test_grace_expiry_releases (Fixture *f, gconstpointer data)
{
  g_autofree gchar *obj = NULL, *hb = NULL, *sub = NULL;
  JsonObject *frame;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  obj = client_allocate (f->a, R_A, "connection");
  hb = client_allocate (f->b, R_B, "hyperty");
  client_subscribe (f->b, R_B, changes_of (obj));

  client_drop (f->a);
  run_for (20);
  /* Still inside the grace period: nothing happened yet. */
  client_assert_silent (f->b);
  g_assert_nonnull (hc_node_lookup_owner (f->node, obj));
  run_for (700);

  frame = client_pop (f->b);
  sub = g_strdup_printf ("%s/subscription", obj);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "delete");
  g_assert_cmpstr (json_object_get_string_member (frame, "from"), ==, sub);
  g_assert_cmpstr (json_object_get_string_member (frame, "to"), ==,
                   changes_of (obj));
  json_object_unref (frame);
  g_assert_null (hc_node_lookup_owner (f->node, obj));
  g_assert_cmpuint (hc_node_count_sessions (f->node), ==, 1);
  client_sendf (f->b,
                "{\"id\":30,\"type\":\"create\",\"from\":\"%s\","
                "\"to\":\"%s\"}",
                hb, obj);
  expect_code (f->b, 30, 404);
}

/* ---- in-process hyperties ------------------------------------------------ */

typedef struct {
  HcNode *node;
  GPtrArray *received;
} Local;

static void
local_deliver (HcSession *session, HcMessage *message, gpointer user_data)
{
  Local *local = user_data;
  g_autoptr (HcMessage) response = NULL;

  g_ptr_array_add (local->received, hc_message_ref (message));
  if (hc_message_get_kind (message) != HC_MESSAGE_RESPONSE) {
    response = hc_message_new_response (message, 200, NULL, NULL);
    hc_node_post (local->node, session, response);
  }
}

static void
local_deliver_nothing (HcSession *session, HcMessage *message,
                       gpointer user_data)
{
}

static void
test_local_session (Fixture *f, gconstpointer data)
{
  Local local
      = { f->node,
          g_ptr_array_new_with_free_func ((GDestroyNotify)hc_message_unref) };
  HcSession *session;
  g_autofree gchar *srv = NULL;
  g_autoptr (JsonObject) entry = json_object_new ();
  g_autoptr (GError) error = NULL;

  session = hc_node_open_local_session (f->node, "runtime://localhost/server",
                                        local_deliver, &local, NULL);
  srv = hc_node_allocate (f->node, session, "hyperty");
  json_object_set_string_member (entry, "user", "user://localhost/conference");
  json_object_set_string_member (entry, "url", srv);
  g_assert_true (hc_node_register_hyperty (f->node, session, entry, &error));
  g_assert_no_error (error);

  /* Nobody takes over the server's runtime with an open. */
  client_send (f->a, "{\"id\":1,\"type\":\"open\",\"from\":\"runtime://"
                     "localhost/server\",\"to\":\"mn:/session\"}");
  expect_code (f->a, 1, 403);
  g_assert_true (hc_node_lookup_owner (f->node, srv) == session);

  client_open (f->a, R_A);
  client_send (f->a, "{\"id\":4,\"type\":\"read\",\"from\":\"" R_A "\","
                     "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                     "\"user://localhost/conference\"}}");
  expect_code (f->a, 4, 200);

  /* Delivery to an in-process hyperty is deferred, never re-entrant. */
  client_sendf (
      f->a, "{\"id\":5,\"type\":\"create\",\"from\":\"" R_A "\",\"to\":\"%s\"}",
      srv);
  g_assert_cmpuint (local.received->len, ==, 0);
  expect_code (f->a, 5, 200);
  g_assert_cmpuint (local.received->len, ==, 1);

  hc_node_close_session (f->node, session);
  client_sendf (
      f->a, "{\"id\":6,\"type\":\"create\",\"from\":\"" R_A "\",\"to\":\"%s\"}",
      srv);
  expect_code (f->a, 6, 404);
  g_ptr_array_unref (local.received);
}

static void
test_flood_rate_limited (Fixture *f, gconstpointer data)
{
  HcNodeConfig config;
  g_autoptr (HcNode) node = NULL;
  Client *c;
  guint ok, limited;

  /* A low rate, so that a slow machine (valgrind) refills little. */
  hc_node_config_init_defaults (&config);
  config.max_rate = 5;
  node = hc_node_new (&config);
  g_free (config.domain);
  c = client_new (node);
  client_open (c, R_A);
  client_send_reads (c, R_A, 1000);
  client_count_404_429 (c, &ok, &limited);
  /* The burst (twice the rate) passes, the rest is refused. */
  g_assert_cmpuint (ok + limited, ==, 1000);
  g_assert_cmpuint (ok, >=, 10);
  g_assert_cmpuint (ok, <, 100);
  client_free (c);
}

/* ---- hardening: session take-over and address reclaim (§3, §4) ----------
 * A runtime URL is public (registry entries, <runtime>/sm addresses), and
 * so is every participant's address: neither may let another client end a
 * session or speak as someone who left. */

static void
test_open_taken_runtime_is_409 (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ha = NULL, *obj = NULL, *hb = NULL;
  JsonObject *frame;
  Client *c = client_new (f->node);

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  ha = client_allocate (f->a, R_A, "hyperty");
  obj = client_allocate (f->a, R_A, "connection");
  hb = client_allocate (f->b, R_B, "hyperty");
  client_subscribe (f->b, R_B, changes_of (obj));

  /* Another socket opens A's runtime URL: 409, and nothing changes. */
  client_send (c, "{\"id\":1,\"type\":\"open\",\"from\":\"" R_A
                  "\",\"to\":\"mn:/session\"}");
  frame = expect_response (c, 1, 409);
  g_assert_cmpstr (json_object_get_string_member (frame, "from"), ==,
                   "mn:/session");
  g_assert_cmpstr (json_object_get_string_member (frame, "to"), ==, R_A);
  json_object_unref (frame);
  g_assert_cmpint (f->a->close_code, ==, 0);
  client_assert_silent (f->b); /* no delete of A's object */
  g_assert_cmpuint (hc_node_count_sessions (f->node), ==, 2);
  g_assert_true (hc_node_lookup_owner (f->node, ha)
                 == hc_node_lookup_owner (f->node, R_A));
  g_assert_true (hc_node_lookup_owner (f->node, obj)
                 == hc_node_lookup_owner (f->node, R_A));

  /* The refused socket still has no session. */
  client_send (c, "{\"id\":2,\"type\":\"create\",\"from\":\"" R_A
                  "\",\"to\":\"" ALLOC "\"}");
  expect_code (c, 2, 401);

  /* A keeps its socket: messages to its address still reach it, and it
   * still sends. */
  client_sendf (f->b,
                "{\"id\":3,\"type\":\"create\",\"from\":\"%s\","
                "\"to\":\"%s\"}",
                hb, ha);
  frame = client_pop (f->a);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "create");
  json_object_unref (frame);
  client_send (f->a, "{\"id\":4,\"type\":\"create\",\"from\":\"" R_A
                     "\",\"to\":\"" ALLOC "\"}");
  expect_code (f->a, 4, 200);

  /* A socket that holds a session of its own is refused the same way,
   * and keeps its own session. */
  client_open (c, "runtime://localhost/cccc");
  client_send (c, "{\"id\":5,\"type\":\"open\",\"from\":\"" R_A
                  "\",\"to\":\"mn:/session\"}");
  expect_code (c, 5, 409);
  g_assert_nonnull (hc_node_lookup_owner (f->node, "runtime://localhost/cccc"));
  g_assert_cmpint (f->a->close_code, ==, 0);
  client_free (c);
}

static void
test_open_in_grace_period_is_409 (Fixture *f, gconstpointer data)
{
  g_autofree gchar *obj = NULL;
  Client *c = client_new (f->node);

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  obj = client_allocate (f->a, R_A, "connection");
  client_subscribe (f->b, R_B, changes_of (obj));

  /* A's socket dropped: its session waits for a re-open.  An open of its
   * URL from anywhere is refused meanwhile. */
  client_reconnect (f->a);
  client_send (c, "{\"id\":1,\"type\":\"open\",\"from\":\"" R_A
                  "\",\"to\":\"mn:/session\"}");
  expect_code (c, 1, 409);
  client_send (f->a, "{\"id\":2,\"type\":\"open\",\"from\":\"" R_A
                     "\",\"to\":\"mn:/session\"}");
  expect_code (f->a, 2, 409);
  client_assert_silent (f->b);
  g_assert_nonnull (hc_node_lookup_owner (f->node, obj));

  /* The runtime's own reconnection still works, and keeps everything. */
  client_sendf (f->a,
                "{\"id\":3,\"type\":\"re-open\",\"from\":\"" R_A
                "/%s\",\"to\":\"mn:/session\"}",
                f->a->token);
  expect_code (f->a, 3, 200);
  g_assert_true (hc_node_lookup_owner (f->node, obj)
                 == hc_node_lookup_owner (f->node, R_A));
  client_free (c);
}

/* §3: the open on a session's own socket ends it and starts a new one. */
static void
test_open_on_own_socket_restarts (Fixture *f, gconstpointer data)
{
  g_autofree gchar *obj = NULL, *first = NULL;
  JsonObject *frame;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  obj = client_allocate (f->a, R_A, "connection");
  client_subscribe (f->b, R_B, changes_of (obj));
  first = g_strdup (f->a->token);

  client_open (f->a, R_A);
  g_assert_cmpstr (first, !=, f->a->token);
  frame = client_pop (f->b);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "delete");
  json_object_unref (frame);
  g_assert_null (hc_node_lookup_owner (f->node, obj));
  /* The old token is gone. */
  client_sendf (f->b,
                "{\"id\":1,\"type\":\"re-open\",\"from\":\"" R_A
                "/%s\",\"to\":\"mn:/session\"}",
                first);
  expect_code (f->b, 1, 404);
}

/* §4: a departed participant's address, sent from or subscribed to by
 * another runtime, is 403; its own runtime may take it back. */
static void
test_released_address_reclaim (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ha = NULL, *obj = NULL;
  g_autofree gchar *from_ha = NULL, *sub_obj = NULL;
  JsonObject *frame;

  client_open (f->a, R_A);
  client_open (f->b, R_B);
  ha = client_allocate (f->a, R_A, "hyperty");
  obj = client_allocate (f->a, R_A, "connection");

  /* A leaves (close): its addresses are released. */
  client_send (f->a, "{\"id\":2,\"type\":\"close\",\"from\":\"" R_A
                     "\",\"to\":\"mn:/session\"}");
  expect_code (f->a, 2, 200);
  g_assert_null (hc_node_lookup_owner (f->node, ha));

  /* B speaks as A's hyperty: 403, and B did not get the address. */
  from_ha = g_strdup_printf ("{\"id\":3,\"type\":\"read\",\"from\":\"%s\","
                             "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                             "\"user://localhost/x\"}}",
                             ha);
  client_send (f->b, from_ha);
  frame = expect_response (f->b, 3, 403);
  g_assert_nonnull (
      strstr (json_object_get_string_member (
                  json_object_get_object_member (frame, "body"), "desc"),
              "released"));
  json_object_unref (frame);
  g_assert_null (hc_node_lookup_owner (f->node, ha));
  /* ... nor by subscribing to it at the node. */
  sub_obj = g_strdup_printf ("{\"id\":4,\"type\":\"subscribe\",\"from\":\"" R_B
                             "/sm\",\"to\":\"" SM "\",\"body\":{\"subscribe\":"
                             "[\"%s\"]}}",
                             obj);
  client_send (f->b, sub_obj);
  expect_code (f->b, 4, 403);
  g_assert_null (hc_node_lookup_owner (f->node, obj));

  /* A's runtime comes back with a new session and takes both back. */
  client_open (f->a, R_A);
  client_send (f->a, from_ha);
  expect_code (f->a, 3, 404); /* past the 403: routed to the registry */
  g_assert_true (hc_node_lookup_owner (f->node, ha)
                 == hc_node_lookup_owner (f->node, R_A));
  client_subscribe (f->a, R_A, obj);
  g_assert_true (hc_node_lookup_owner (f->node, obj)
                 == hc_node_lookup_owner (f->node, R_A));
}

/* After the window (configured short here) anyone may claim it again. */
static void
test_released_address_window (void)
{
  HcNodeConfig config;
  g_autoptr (HcNode) node = NULL;
  g_autofree gchar *ha = NULL, *text = NULL;
  Client *a, *b;

  hc_node_config_init_defaults (&config);
  config.reclaim_window_ms = 300;
  node = hc_node_new (&config);
  g_free (config.domain);
  a = client_new (node);
  b = client_new (node);
  client_open (a, R_A);
  client_open (b, R_B);
  ha = client_allocate (a, R_A, "hyperty");
  client_free (a); /* the socket dropped; grace period 10 s */
  text = g_strdup_printf ("{\"id\":1,\"type\":\"read\",\"from\":\"%s\","
                          "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                          "\"user://localhost/x\"}}",
                          ha);
  /* Still A's during the grace period. */
  client_send (b, text);
  expect_code (b, 1, 403);
  g_assert_nonnull (hc_node_lookup_owner (node, ha));
  client_free (b);
  g_object_unref (g_steal_pointer (&node));

  /* A node with no grace period: released at once, then the window. */
  hc_node_config_init_defaults (&config);
  config.reclaim_window_ms = 300;
  config.grace_period_ms = 0;
  node = hc_node_new (&config);
  g_free (config.domain);
  a = client_new (node);
  b = client_new (node);
  client_open (a, R_A);
  client_open (b, R_B);
  g_free (ha);
  ha = client_allocate (a, R_A, "hyperty");
  g_free (text);
  text = g_strdup_printf ("{\"id\":1,\"type\":\"read\",\"from\":\"%s\","
                          "\"to\":\"" REGISTRY "\",\"body\":{\"resource\":"
                          "\"user://localhost/x\"}}",
                          ha);
  client_free (a);
  g_assert_null (hc_node_lookup_owner (node, ha));
  client_send (b, text);
  expect_code (b, 1, 403);
  run_for (400);
  client_send (b, text);
  expect_code (b, 1, 404);
  g_assert_true (hc_node_lookup_owner (node, ha)
                 == hc_node_lookup_owner (node, R_B));
  client_free (b);
}

/* The server's in-process runtime URLs cannot be opened (403), even
 * before they hold an address. */
static void
test_open_local_runtime_403 (Fixture *f, gconstpointer data)
{
  HcSession *session = hc_node_open_local_session (
      f->node, "runtime://localhost/srv2", local_deliver_nothing, NULL, NULL);

  client_send (f->a, "{\"id\":1,\"type\":\"open\",\"from\":\"runtime://"
                     "localhost/srv2\",\"to\":\"mn:/session\"}");
  expect_code (f->a, 1, 403);
  client_sendf (f->a,
                "{\"id\":2,\"type\":\"re-open\",\"from\":\"runtime://"
                "localhost/srv2/%s\",\"to\":\"mn:/session\"}",
                "x");
  expect_code (f->a, 2, 404);
  g_assert_true (hc_node_lookup_owner (f->node, "runtime://localhost/srv2")
                 == session);
  hc_node_close_session (f->node, session);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data)                                                  \
  g_test_add ("/node/" path, Fixture, data, fixture_set_up, func,              \
              fixture_tear_down)
  ADD ("401-before-open", test_unauthorized_before_open, NULL);
  ADD ("not-json-dropped", test_not_json_dropped, NULL);
  ADD ("open-bad-from", test_open_bad_from, NULL);
  ADD ("400-envelope", test_envelope_bad_request, NULL);
  ADD ("to-array-of-one", test_to_as_array_of_one, NULL);
  ADD ("403-spoofed-from", test_forbidden_spoofed_from, NULL);
  ADD ("404-not-found", test_not_found, NULL);
  ADD ("point-to-point-responses", test_point_to_point_and_responses, NULL);
  ADD ("allocation", test_allocation, NULL);
  ADD ("claim-unallocated", test_claim_unallocated_address, NULL);
  ADD ("subscriptions-fan-out", test_subscriptions_fan_out, NULL);
  ADD ("registry", test_registry, NULL);
  ADD ("registry-data-objects", test_registry_data_objects, NULL);
  ADD ("registry-runtime-shapes", test_registry_runtime_shapes, NULL);
  ADD ("registry-expiry", test_registry_expiry, GUINT_TO_POINTER (500));
  ADD ("subscription-of-deleted-object", test_subscription_of_deleted_object,
       NULL);
  ADD ("re-open-queue", test_reopen_delivers_queue_in_order, NULL);
  ADD ("re-open-4000", test_reopen_closes_old_socket, NULL);
  ADD ("close-and-open-again", test_close_and_open_again, NULL);
  ADD ("open-same-runtime-twice", test_open_same_runtime_twice, NULL);
  ADD ("grace-expiry", test_grace_expiry_releases, GUINT_TO_POINTER (500));
  ADD ("local-session", test_local_session, NULL);
  ADD ("flood-429", test_flood_rate_limited, NULL);
  /* hardening: take-over and reclaim */
  ADD ("open-taken-runtime-409", test_open_taken_runtime_is_409, NULL);
  ADD ("open-in-grace-409", test_open_in_grace_period_is_409, NULL);
  ADD ("open-own-socket-restarts", test_open_on_own_socket_restarts, NULL);
  ADD ("released-address-403", test_released_address_reclaim, NULL);
  ADD ("open-local-runtime-403", test_open_local_runtime_403, NULL);
  g_test_add_func ("/node/released-address-window",
                   test_released_address_window);
#undef ADD

  return g_test_run ();
}
