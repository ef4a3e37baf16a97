/* hyperconf — in-process hyperties reporting and observing data objects
 * through the node (PROTOCOL.md §8), against a socket client that speaks
 * the wire protocol as a runtime would. */
#include "hc-test-client.h"

#include <hyperconf/hc-syncher.h>

typedef struct {
  HcNode *node;
  HcSyncher *syncher;
  Client *c;
  gchar *hc; /* the client's hyperty */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  HcNodeConfig config;

  hc_node_config_init_defaults (&config);
  f->node = hc_node_new (&config);
  g_free (config.domain);
  f->syncher = hc_syncher_new (f->node, "runtime://localhost/server");
  f->c = client_new (f->node);
  client_open (f->c, R_A);
  f->hc = client_allocate (f->c, R_A, "hyperty");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_object_unref (f->syncher);
  client_free (f->c);
  g_free (f->hc);
  g_object_unref (f->node);
  pump ();
}

typedef struct {
  gint calls;
  gint code;
  HcSyncObject *object;
} Result;

static void
on_response (HcSyncher *self, HcMessage *response, gpointer user_data)
{
  Result *r = user_data;

  r->calls++;
  r->code = response ? hc_message_get_code (response) : 408;
}

static void
on_observed (HcSyncher *self, HcSyncObject *object, gint code,
             gpointer user_data)
{
  Result *r = user_data;

  r->calls++;
  r->code = code;
  r->object = object;
}

static JsonObject *
body_of (JsonObject *frame)
{
  return json_object_get_object_member (frame, "body");
}

static void
test_report_invite_subscribe_update_delete (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) initial
      = json_from_string ("{\"status\":\"new\",\"iceCandidates\":[]}", NULL);
  g_autoptr (JsonNode) live = json_from_string ("\"live\"", NULL);
  Result invited = { 0 };
  HcSyncObject *object;
  JsonObject *frame, *value;
  g_autofree gchar *url = NULL;
  gint added = 0;

  object = hc_syncher_report (
      f->syncher, "connection",
      "hyperty-catalogue:"
      "//catalogue.localhost/.well-known/dataschema/Connection",
      "room1", json_node_get_object (initial));
  url = g_strdup (hc_sync_object_get_url (object));
  g_assert_true (g_str_has_prefix (url, "connection://localhost/"));
  g_signal_connect_swapped (f->syncher, "observer-added",
                            G_CALLBACK (g_atomic_int_inc), &added);

  /* The invitation carries only metadata. */
  hc_syncher_invite (f->syncher, object, f->hc, NULL, on_response, &invited);
  frame = client_pop (f->c);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "create");
  g_assert_true (g_str_has_suffix (
      json_object_get_string_member (frame, "from"), "/subscription"));
  value = json_object_get_object_member (body_of (frame), "value");
  g_assert_cmpstr (json_object_get_string_member (value, "url"), ==, url);
  g_assert_cmpstr (json_object_get_string_member (value, "reporter"), ==,
                   hc_syncher_get_url (f->syncher));
  g_assert_true (json_object_has_member (value, "created"));
  g_assert_true (json_object_has_member (value, "runtime"));
  g_assert_false (json_object_has_member (value, "data"));
  client_sendf (f->c,
                "{\"id\":%" G_GINT64_FORMAT ",\"type\":\"response\","
                "\"from\":\"%s\",\"to\":\"%s\",\"body\":{\"code\":200}}",
                json_object_get_int_member (frame, "id"), f->hc,
                json_object_get_string_member (frame, "from"));
  json_object_unref (frame);
  pump ();
  g_assert_cmpint (invited.calls, ==, 1);
  g_assert_cmpint (invited.code, ==, 200);

  /* The client observes: node subscription, then subscribe. */
  client_subscribe (f->c, R_A, changes_of (url));
  client_sendf (
      f->c,
      "{\"id\":40,\"type\":\"subscribe\",\"from\":\"" R_A
      "/sm\",\"to\":\"%s/subscription\",\"body\":{\"source\":\"%s\"}}",
      url, f->hc);
  frame = expect_response (f->c, 40, 200);
  value = json_object_get_object_member (body_of (frame), "value");
  g_assert_cmpint (json_object_get_int_member (value, "version"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (value, "data"), "status"),
                   ==, "new");
  g_assert_cmpstr (json_object_get_string_member (value, "url"), ==, url);
  g_assert_nonnull (json_object_get_string_member (body_of (frame), "schema"));
  json_object_unref (frame);
  g_assert_cmpint (added, ==, 1);

  /* Updates fan out with raising versions. */
  g_assert_true (hc_syncher_set (f->syncher, object, "status", live, NULL));
  frame = client_pop (f->c);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "update");
  g_assert_cmpstr (json_object_get_string_member (frame, "from"), ==, url);
  g_assert_cmpint (json_object_get_int_member (body_of (frame), "version"), ==,
                   1);
  g_assert_cmpstr (json_object_get_string_member (body_of (frame), "attribute"),
                   ==, "status");
  json_object_unref (frame);

  /* Delete reaches observers; the address is released. */
  hc_syncher_delete_reported (f->syncher, object);
  frame = client_pop (f->c);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==, "delete");
  json_object_unref (frame);
  pump ();
  g_assert_null (hc_node_lookup_owner (f->node, url));
  client_assert_silent (f->c);
}

static void
test_observe_client_object (Fixture *f, gconstpointer data)
{
  g_autofree gchar *obj = client_allocate (f->c, R_A, "connection");
  Result observed = { 0 };
  JsonObject *frame;
  JsonNode *status;
  gint64 id;
  gint deleted = 0;

  g_signal_connect_swapped (f->syncher, "object-deleted",
                            G_CALLBACK (g_atomic_int_inc), &deleted);
  hc_syncher_observe (f->syncher, obj, on_observed, &observed);
  frame = client_pop (f->c);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==,
                   "subscribe");
  g_assert_cmpstr (
      json_object_get_string_member (body_of (frame), "subscriber"), ==,
      hc_syncher_get_url (f->syncher));
  id = json_object_get_int_member (frame, "id");
  json_object_unref (frame);

  /* An update that overtakes the answer is held, then applied. */
  client_sendf (f->c,
                "{\"id\":50,\"type\":\"update\",\"from\":\"%s\","
                "\"to\":\"%s/changes\",\"body\":{\"version\":4,\"attribute\":"
                "\"status\",\"value\":\"connecting\"}}",
                obj, obj);
  client_sendf (
      f->c,
      "{\"id\":%" G_GINT64_FORMAT ",\"type\":\"response\","
      "\"from\":\"%s/subscription\",\"to\":\"%s\",\"body\":{\"code\":200,"
      "\"value\":{\"data\":{\"status\":\"new\",\"iceCandidates\":[]},"
      "\"version\":3}}}",
      id, obj, hc_syncher_get_url (f->syncher));
  pump ();
  g_assert_cmpint (observed.calls, ==, 1);
  g_assert_cmpint (observed.code, ==, 200);
  status = hc_sync_object_lookup (observed.object, "status");
  g_assert_cmpstr (json_node_get_string (status), ==, "connecting");
  g_assert_cmpint (hc_sync_object_get_version (observed.object), ==, 4);

  /* Array add in the runtime's indexed form. */
  client_sendf (f->c,
                "{\"id\":51,\"type\":\"update\",\"from\":\"%s\","
                "\"to\":\"%s/changes\",\"body\":{\"version\":5,\"attribute\":"
                "\"iceCandidates.0\",\"attributeType\":\"array\",\"operation\":"
                "\"add\",\"value\":{\"candidate\":\"c\",\"sdpMid\":\"0\","
                "\"sdpMLineIndex\":0}}}",
                obj, obj);
  pump ();
  g_assert_nonnull (
      hc_sync_object_lookup (observed.object, "iceCandidates.0.candidate"));

  /* A gap makes the observer re-subscribe. */
  client_sendf (f->c,
                "{\"id\":52,\"type\":\"update\",\"from\":\"%s\","
                "\"to\":\"%s/changes\",\"body\":{\"version\":9,\"attribute\":"
                "\"status\",\"value\":\"x\"}}",
                obj, obj);
  frame = client_pop (f->c);
  g_assert_cmpstr (json_object_get_string_member (frame, "type"), ==,
                   "subscribe");
  json_object_unref (frame);

  /* The reporter deletes it. */
  client_sendf (f->c,
                "{\"id\":53,\"type\":\"delete\",\"from\":\"%s/"
                "subscription\",\"to\":\"%s/changes\"}",
                obj, obj);
  pump ();
  g_assert_cmpint (deleted, ==, 1);
  g_assert_null (hc_syncher_lookup_observed (f->syncher, obj));
}

static void
test_observe_refused_and_timeout (Fixture *f, gconstpointer data)
{
  g_autofree gchar *obj = client_allocate (f->c, R_A, "connection");
  Result refused = { 0 }, silent = { 0 };
  JsonObject *frame;

  hc_syncher_observe (f->syncher, obj, on_observed, &refused);
  frame = client_pop (f->c);
  client_sendf (
      f->c,
      "{\"id\":%" G_GINT64_FORMAT ",\"type\":\"response\","
      "\"from\":\"%s/subscription\",\"to\":\"%s\",\"body\":{\"code\":403,"
      "\"desc\":\"no\"}}",
      json_object_get_int_member (frame, "id"), obj,
      hc_syncher_get_url (f->syncher));
  json_object_unref (frame);
  pump ();
  g_assert_cmpint (refused.calls, ==, 1);
  g_assert_cmpint (refused.code, ==, 403);
  g_assert_null (refused.object);
  g_assert_null (hc_syncher_lookup_observed (f->syncher, obj));

  hc_syncher_set_timeout (f->syncher, 50);
  hc_syncher_observe (f->syncher, obj, on_observed, &silent);
  json_object_unref (client_pop (f->c));
  run_for (120);
  g_assert_cmpint (silent.calls, ==, 1);
  g_assert_cmpint (silent.code, ==, 408);
}

/* Observes @obj (the client's) up to its snapshot at version 0. */
static HcSyncObject *
observe_synced (Fixture *f, const gchar *obj, const gchar *data_json)
{
  Result observed = { 0 };
  JsonObject *frame;

  hc_syncher_observe (f->syncher, obj, on_observed, &observed);
  frame = client_pop (f->c);
  client_sendf (f->c,
                "{\"id\":%" G_GINT64_FORMAT ",\"type\":\"response\","
                "\"from\":\"%s/subscription\",\"to\":\"%s\",\"body\":{"
                "\"code\":200,\"value\":{\"data\":%s,\"version\":0}}}",
                json_object_get_int_member (frame, "id"), obj,
                json_object_get_string_member (frame, "from"), data_json);
  json_object_unref (frame);
  pump ();
  g_assert_cmpint (observed.code, ==, 200);
  return observed.object;
}

static void
client_update (Fixture *f, const gchar *obj, gint64 id, const gchar *body)
{
  client_sendf (f->c,
                "{\"id\":%" G_GINT64_FORMAT ",\"type\":\"update\",\"from\":"
                "\"%s\",\"to\":\"%s/changes\",\"body\":%s}",
                id, obj, obj, body);
  pump ();
}

/* The array forms a runtime sends (§8), and a delete with an empty body. */
static void
test_observe_runtime_array_forms (Fixture *f, gconstpointer data)
{
  g_autofree gchar *obj = client_allocate (f->c, R_A, "connection");
  HcSyncObject *object;
  JsonArray *candidates;
  gint deleted = 0;

  g_signal_connect_swapped (f->syncher, "object-deleted",
                            G_CALLBACK (g_atomic_int_inc), &deleted);
  object = observe_synced (f, obj, "{\"iceCandidates\":[\"a\",\"b\",\"c\"]}");
  /* An element assigned: attributeType array, no operation. */
  client_update (f, obj, 70,
                 "{\"version\":1,\"attribute\":\"iceCandidates.1\","
                 "\"attributeType\":\"array\",\"value\":\"B\"}");
  /* One element removed: no value. */
  client_update (f, obj, 71,
                 "{\"version\":2,\"attribute\":\"iceCandidates.0\","
                 "\"attributeType\":\"array\",\"operation\":\"remove\"}");
  g_assert_cmpint (hc_sync_object_get_version (object), ==, 2);
  candidates
      = json_node_get_array (hc_sync_object_lookup (object, "iceCandidates"));
  g_assert_cmpuint (json_array_get_length (candidates), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (candidates, 0), ==, "B");
  g_assert_cmpstr (json_array_get_string_element (candidates, 1), ==, "c");

  client_sendf (f->c,
                "{\"id\":72,\"type\":\"delete\",\"from\":\"%s/"
                "subscription\",\"to\":\"%s/changes\",\"body\":{}}",
                obj, obj);
  pump ();
  g_assert_cmpint (deleted, ==, 1);
  g_assert_null (hc_syncher_lookup_observed (f->syncher, obj));
  client_assert_silent (f->c);
}

/* A runtime subscribes from <runtime>/sm naming its hyperty, and
 * unsubscribes naming only the object; once the object is deleted, its
 * subscription handler answers 404. */
static void
test_runtime_unsubscribe (Fixture *f, gconstpointer data)
{
  HcSyncObject *object;
  g_autofree gchar *url = NULL;
  gint added = 0, removed = 0;

  object = hc_syncher_report (f->syncher, "connection", "schema", "room", NULL);
  url = g_strdup (hc_sync_object_get_url (object));
  g_signal_connect_swapped (f->syncher, "observer-added",
                            G_CALLBACK (g_atomic_int_inc), &added);
  g_signal_connect_swapped (f->syncher, "observer-removed",
                            G_CALLBACK (g_atomic_int_inc), &removed);
  client_subscribe (f->c, R_A, changes_of (url));
  client_sendf (f->c,
                "{\"id\":80,\"type\":\"subscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"%s/subscription\",\"body\":{\"subscriber\":"
                "\"%s\",\"identity\":{}}}",
                url, f->hc);
  json_object_unref (expect_response (f->c, 80, 200));
  g_assert_cmpint (added, ==, 1);

  client_sendf (f->c,
                "{\"id\":81,\"type\":\"unsubscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"%s/subscription\",\"body\":{\"resource\":"
                "\"%s\"}}",
                url, url);
  expect_code (f->c, 81, 200);
  g_assert_cmpint (removed, ==, 1);

  hc_syncher_delete_reported (f->syncher, object);
  pump ();
  client_sendf (f->c,
                "{\"id\":82,\"type\":\"unsubscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"%s/subscription\",\"body\":{\"resource\":"
                "\"%s\"}}",
                url, url);
  /* The delete notice first, then the answer. */
  json_object_unref (client_pop (f->c));
  expect_code (f->c, 82, 404);
  /* An address this hyperty holds but reports nothing at. */
  client_sendf (f->c,
                "{\"id\":83,\"type\":\"unsubscribe\",\"from\":\"" R_A
                "/sm\",\"to\":\"%s/subscription\",\"body\":{\"resource\":"
                "\"%s\"}}",
                hc_syncher_get_url (f->syncher),
                hc_syncher_get_url (f->syncher));
  expect_code (f->c, 83, 404);
  g_assert_cmpint (removed, ==, 1);
}

static gboolean
answer_409 (HcSyncher *syncher, HcMessage *request, gpointer user_data)
{
  hc_syncher_respond (syncher, request, 409, "already", NULL);
  return TRUE;
}

static void
test_requests_signal (Fixture *f, gconstpointer data)
{
  /* Nobody handles it: 501. */
  client_sendf (f->c,
                "{\"id\":60,\"type\":\"create\",\"from\":\"%s\","
                "\"to\":\"%s\"}",
                f->hc, hc_syncher_get_url (f->syncher));
  expect_code (f->c, 60, 501);
  g_signal_connect (f->syncher, "request", G_CALLBACK (answer_409), NULL);
  client_sendf (f->c,
                "{\"id\":61,\"type\":\"create\",\"from\":\"%s\","
                "\"to\":\"%s\"}",
                f->hc, hc_syncher_get_url (f->syncher));
  expect_code (f->c, 61, 409);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func)                                                        \
  g_test_add ("/syncher/" path, Fixture, NULL, fixture_set_up, func,           \
              fixture_tear_down)
  ADD ("report-invite-subscribe-update-delete",
       test_report_invite_subscribe_update_delete);
  ADD ("observe-client-object", test_observe_client_object);
  ADD ("observe-refused-and-timeout", test_observe_refused_and_timeout);
  ADD ("requests-signal", test_requests_signal);
  ADD ("observe-runtime-array-forms", test_observe_runtime_array_forms);
  ADD ("runtime-unsubscribe", test_runtime_unsubscribe);
#undef ADD
  return g_test_run ();
}
