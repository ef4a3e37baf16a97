/* hyperconf — unit tests of the sync engine (PROTOCOL.md §8): dot paths,
 * array operations in the runtime's own form, version rules, reporter
 * bodies replayed by an observer, and malformed bodies. */
#include <hyperconf/hc-sync-object.h>

#include <string.h>

/* ---- helpers -------------------------------------------------------- */

static JsonObject *
parse_object (const gchar *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static gchar *
object_to_string (JsonObject *obj)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), obj);

  return json_to_string (node, FALSE);
}

static gboolean
object_equals (JsonObject *obj, const gchar *json)
{
  g_autoptr (JsonObject) expected = parse_object (json);
  g_autoptr (JsonNode) a = json_node_init_object (json_node_alloc (), obj);
  g_autoptr (JsonNode) b = json_node_init_object (json_node_alloc (), expected);

  return json_node_equal (a, b);
}

#define assert_object(obj, json)                                               \
  G_STMT_START                                                                 \
  {                                                                            \
    if (!object_equals ((obj), (json))) {                                      \
      g_autofree gchar *_got = object_to_string (obj);                         \
      g_error ("%s:%d: got %s, expected %s", __FILE__, __LINE__, _got,         \
               (json));                                                        \
    }                                                                          \
  }                                                                            \
  G_STMT_END

/* Applies @body_json to @data and expects success. */
static void
apply_ok (JsonObject *data, const gchar *body_json)
{
  g_autoptr (JsonObject) body = parse_object (body_json);
  g_autoptr (GError) error = NULL;

  g_assert_true (hc_sync_apply_change (data, body, &error));
  g_assert_no_error (error);
}

/* Applies @body_json to @data, expects @code, and checks that @data did not
 * change at all (same serialization, member order included). */
static void
apply_fails (JsonObject *data, const gchar *body_json, gint code)
{
  g_autoptr (JsonObject) body = parse_object (body_json);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *before = object_to_string (data);
  g_autofree gchar *after = NULL;

  if (hc_sync_apply_change (data, body, &error))
    g_error ("update %s was accepted", body_json);
  g_assert_error (error, HC_SYNC_ERROR, code);
  after = object_to_string (data);
  g_assert_cmpstr (before, ==, after);
}

typedef struct {
  GPtrArray *attributes; /* "(null)" stands for a NULL attribute */
} Recorder;

static void
on_changed (HcSyncObject *obj, const gchar *attribute, Recorder *rec)
{
  g_ptr_array_add (rec->attributes,
                   g_strdup (attribute != NULL ? attribute : "(null)"));
}

static void
recorder_init (Recorder *rec, HcSyncObject *obj)
{
  rec->attributes = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (obj, "changed", G_CALLBACK (on_changed), rec);
}

static void
recorder_clear (Recorder *rec)
{
  g_ptr_array_unref (rec->attributes);
}

static gchar *
recorder_join (Recorder *rec)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < rec->attributes->len; i++) {
    if (i > 0)
      g_string_append_c (s, '|');
    g_string_append (s, rec->attributes->pdata[i]);
  }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* An update as the node would deliver it: an object at version @v. */
static JsonObject *
update_at (gint64 v, const gchar *attribute, const gchar *value_json)
{
  g_autofree gchar *json = NULL;

  if (value_json != NULL)
    json = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT
                            ",\"attribute\":\"%s\",\"value\":%s}",
                            v, attribute, value_json);
  else
    json = g_strdup_printf ("{\"version\":%" G_GINT64_FORMAT
                            ",\"attribute\":\"%s\"}",
                            v, attribute);
  return parse_object (json);
}

static void
apply_at (HcSyncObject *obj, gint64 v, const gchar *attribute,
          const gchar *value_json)
{
  g_autoptr (JsonObject) update = update_at (v, attribute, value_json);
  g_autoptr (GError) error = NULL;

  g_assert_true (hc_sync_object_apply (obj, update, &error));
  g_assert_no_error (error);
}

/* ---- set / delete / null -------------------------------------------- */

static void
test_set_delete_null (void)
{
  g_autoptr (JsonObject) data = parse_object ("{\"status\":\"created\"}");

  apply_ok (data, "{\"version\":1,\"attribute\":\"status\","
                  "\"value\":\"live\"}");
  assert_object (data, "{\"status\":\"live\"}");

  apply_ok (data, "{\"version\":2,\"attribute\":\"name\",\"value\":7}");
  assert_object (data, "{\"status\":\"live\",\"name\":7}");

  /* "value": null sets null, it does not delete */
  apply_ok (data, "{\"version\":3,\"attribute\":\"name\",\"value\":null}");
  assert_object (data, "{\"status\":\"live\",\"name\":null}");
  g_assert_true (json_object_has_member (data, "name"));

  /* no value key deletes */
  apply_ok (data, "{\"version\":4,\"attribute\":\"name\"}");
  assert_object (data, "{\"status\":\"live\"}");
  g_assert_false (json_object_has_member (data, "name"));

  /* deleting what is not there is a no-op, as JavaScript's delete */
  apply_ok (data, "{\"version\":5,\"attribute\":\"name\"}");
  assert_object (data, "{\"status\":\"live\"}");

  /* an object value replaces wholesale; attributeType object is a set */
  apply_ok (data, "{\"attribute\":\"connectionDescription\","
                  "\"attributeType\":\"object\","
                  "\"value\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
  apply_ok (data, "{\"attribute\":\"connectionDescription\","
                  "\"value\":{\"type\":\"answer\"}}");
  assert_object (data, "{\"status\":\"live\","
                       "\"connectionDescription\":{\"type\":\"answer\"}}");

  /* unknown body fields are ignored */
  apply_ok (data,
            "{\"version\":9,\"source\":\"hyperty://h/1\","
            "\"lastModified\":\"2017-01-01\",\"via\":[],\"attribute\":\"x\","
            "\"value\":true}");
  assert_object (data,
                 "{\"status\":\"live\","
                 "\"connectionDescription\":{\"type\":\"answer\"},\"x\":true}");
}

static void
test_nested_paths (void)
{
  g_autoptr (JsonObject) data = parse_object ("{\"participants\":{}}");

  apply_ok (data, "{\"attribute\":\"participants.p7f3\","
                  "\"value\":{\"name\":\"ann\"}}");
  assert_object (data, "{\"participants\":{\"p7f3\":{\"name\":\"ann\"}}}");

  apply_ok (data, "{\"attribute\":\"participants.p7f3.muted\","
                  "\"value\":false}");
  assert_object (data, "{\"participants\":{\"p7f3\":"
                       "{\"name\":\"ann\",\"muted\":false}}}");

  /* missing intermediate objects are created */
  apply_ok (data, "{\"attribute\":\"a.b.c\",\"value\":1}");
  assert_object (
      data, "{\"participants\":{\"p7f3\":"
            "{\"name\":\"ann\",\"muted\":false}},\"a\":{\"b\":{\"c\":1}}}");

  /* a numeric segment on an object is a key, as in JavaScript */
  apply_ok (data, "{\"attribute\":\"a.3\",\"value\":\"three\"}");
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (data, "a"), "3"),
                   ==, "three");

  apply_ok (data, "{\"attribute\":\"participants.p7f3.name\"}");
  assert_object (data, "{\"participants\":{\"p7f3\":{\"muted\":false}},"
                       "\"a\":{\"b\":{\"c\":1},\"3\":\"three\"}}");

  /* walking through a value that is not a container fails, whole */
  apply_fails (data, "{\"attribute\":\"a.b.c.d\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data, "{\"attribute\":\"a.b.c.d.e.f\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  /* deleting below a missing intermediate does not resolve */
  apply_fails (data, "{\"attribute\":\"nope.x\"}", HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data, "{\"attribute\":\"a.b.c.x\"}", HC_SYNC_ERROR_BAD_PATH);
}

static void
test_path_depth (void)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (GString) body = g_string_new ("{\"attribute\":\"");
  g_autoptr (GString) deep = NULL;
  JsonObject *cur = data;

  /* 32 segments is the limit, and works */
  for (guint i = 0; i < 32; i++)
    g_string_append_printf (body, "%ss%u", i ? "." : "", i);
  deep = g_string_new (body->str);
  g_string_append (body, "\",\"value\":1}");
  apply_ok (data, body->str);
  for (guint i = 0; i < 31; i++) {
    g_autofree gchar *key = g_strdup_printf ("s%u", i);
    cur = json_object_get_object_member (cur, key);
    g_assert_nonnull (cur);
  }
  g_assert_cmpint (json_object_get_int_member (cur, "s31"), ==, 1);

  /* 33 is refused before anything is created */
  g_string_append (deep, ".s32\",\"value\":1}");
  apply_fails (data, deep->str, HC_SYNC_ERROR_BAD_PATH);
}

/* ---- arrays --------------------------------------------------------- */

static void
test_array_element_paths (void)
{
  g_autoptr (JsonObject) data
      = parse_object ("{\"list\":[{\"n\":0},{\"n\":1}]}");

  /* walk into an element */
  apply_ok (data, "{\"attribute\":\"list.1.n\",\"value\":11}");
  assert_object (data, "{\"list\":[{\"n\":0},{\"n\":11}]}");

  /* replace an element in place: the runtime's array "update" */
  apply_ok (data, "{\"attribute\":\"list.0\",\"attributeType\":\"array\","
                  "\"value\":\"zero\"}");
  assert_object (data, "{\"list\":[\"zero\",{\"n\":11}]}");

  /* set one past the end appends, further would leave a hole */
  apply_ok (data, "{\"attribute\":\"list.2\",\"value\":2}");
  assert_object (data, "{\"list\":[\"zero\",{\"n\":11},2]}");
  apply_fails (data, "{\"attribute\":\"list.4\",\"value\":4}",
               HC_SYNC_ERROR_BAD_PATH);

  /* an index out of range, or not an index, does not resolve */
  apply_fails (data, "{\"attribute\":\"list.5.n\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data, "{\"attribute\":\"list.x.n\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data, "{\"attribute\":\"list.01.n\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data, "{\"attribute\":\"list.-1\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data,
               "{\"attribute\":\"list.99999999999999999999\","
               "\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);

  /* arrays shrink by remove operations, not by deleting an element */
  apply_fails (data, "{\"attribute\":\"list.0\"}", HC_SYNC_ERROR_BAD_PATH);
}

static void
test_array_add (void)
{
  g_autoptr (JsonObject) data = parse_object ("{\"a\":{\"list\":[1,2,3]}}");

  /* one element at the front, in the middle, at the end */
  apply_ok (data, "{\"attribute\":\"a.list.0\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":0}");
  assert_object (data, "{\"a\":{\"list\":[0,1,2,3]}}");
  apply_ok (data, "{\"attribute\":\"a.list.2\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":\"x\"}");
  assert_object (data, "{\"a\":{\"list\":[0,1,\"x\",2,3]}}");
  apply_ok (data, "{\"attribute\":\"a.list.5\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":{\"k\":null}}");
  assert_object (data, "{\"a\":{\"list\":[0,1,\"x\",2,3,{\"k\":null}]}}");

  /* several elements: a JSON array value is spliced in */
  apply_ok (data, "{\"attribute\":\"a.list.1\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":[\"p\",\"q\",[7]]}");
  assert_object (
      data, "{\"a\":{\"list\":[0,\"p\",\"q\",[7],1,\"x\",2,3,{\"k\":null}]}}");

  /* an empty array of elements adds nothing, and is not an error */
  apply_ok (data, "{\"attribute\":\"a.list.0\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":[]}");
  assert_object (
      data, "{\"a\":{\"list\":[0,\"p\",\"q\",[7],1,\"x\",2,3,{\"k\":null}]}}");

  /* index > length */
  apply_fails (data,
               "{\"attribute\":\"a.list.10\",\"attributeType\":"
               "\"array\",\"operation\":\"add\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  /* not an array */
  apply_fails (data,
               "{\"attribute\":\"a.0\",\"attributeType\":\"array\","
               "\"operation\":\"add\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data,
               "{\"attribute\":\"a\",\"attributeType\":\"array\","
               "\"operation\":\"add\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data,
               "{\"attribute\":\"missing.0\",\"attributeType\":"
               "\"array\",\"operation\":\"add\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
}

static void
test_array_append_by_name (void)
{
  g_autoptr (JsonObject) data
      = parse_object ("{\"list\":[1],\"m\":{\"0\":[5]},\"nest\":[[1],[2]]}");

  /* receivers accept an add naming the array itself: append */
  apply_ok (data, "{\"attribute\":\"list\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":2}");
  apply_ok (data, "{\"attribute\":\"list\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":[3,4]}");
  /* a numeric key of an object that holds an array names that array */
  apply_ok (data, "{\"attribute\":\"m.0\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":6}");
  /* but on an array of arrays the index form wins: insert into "nest" */
  apply_ok (data, "{\"attribute\":\"nest.1\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":\"i\"}");
  assert_object (data, "{\"list\":[1,2,3,4],\"m\":{\"0\":[5,6]},"
                       "\"nest\":[[1],\"i\",[2]]}");
}

static void
test_array_remove (void)
{
  g_autoptr (JsonObject) data = parse_object ("{\"l\":[0,1,2,3,4,5]}");

  apply_ok (data, "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
                  "\"operation\":\"remove\",\"value\":1}");
  assert_object (data, "{\"l\":[1,2,3,4,5]}");
  apply_ok (data, "{\"attribute\":\"l.1\",\"attributeType\":\"array\","
                  "\"operation\":\"remove\",\"value\":2}");
  assert_object (data, "{\"l\":[1,4,5]}");
  apply_ok (data, "{\"attribute\":\"l.2\",\"attributeType\":\"array\","
                  "\"operation\":\"remove\",\"value\":1}");
  assert_object (data, "{\"l\":[1,4]}");

  /* out of range: the index, or the count past the end */
  apply_fails (data,
               "{\"attribute\":\"l.2\",\"attributeType\":\"array\","
               "\"operation\":\"remove\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data,
               "{\"attribute\":\"l.1\",\"attributeType\":\"array\","
               "\"operation\":\"remove\",\"value\":2}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_fails (data,
               "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
               "\"operation\":\"remove\",\"value\":2147483647}",
               HC_SYNC_ERROR_BAD_PATH);
  /* remove names an index, never the array itself */
  apply_fails (data,
               "{\"attribute\":\"l\",\"attributeType\":\"array\","
               "\"operation\":\"remove\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);

  /* Without a value (the runtime's form): one element. */
  apply_ok (data, "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
                  "\"operation\":\"remove\"}");
  assert_object (data, "{\"l\":[4]}");
  apply_fails (data,
               "{\"attribute\":\"l.1\",\"attributeType\":\"array\","
               "\"operation\":\"remove\"}",
               HC_SYNC_ERROR_BAD_PATH);
  apply_ok (data, "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
                  "\"operation\":\"add\",\"value\":1}");

  apply_ok (data, "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
                  "\"operation\":\"remove\",\"value\":2}");
  assert_object (data, "{\"l\":[]}");
  apply_fails (data,
               "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
               "\"operation\":\"remove\",\"value\":1}",
               HC_SYNC_ERROR_BAD_PATH);
}

/* The bodies a runtime-core 0.11 Syncher sends for a Connection object. */
static void
test_runtime_ice_candidates (void)
{
  g_autoptr (JsonObject) data = parse_object (
      "{\"name\":\"c\","
      "\"status\":\"\",\"connectionDescription\":{},\"iceCandidates\":[]}");
  g_autoptr (HcSyncObject) obs
      = hc_sync_object_new_observed ("connection://localhost/abc");
  g_autoptr (GError) error = NULL;
  static const gchar *const updates[] = {
    "{\"version\":1,\"source\":\"hyperty://localhost/h1\","
    "\"lastModified\":\"2017-05-01T10:00:00.000Z\","
    "\"attribute\":\"connectionDescription\",\"attributeType\":\"object\","
    "\"value\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}",
    "{\"version\":2,\"source\":\"hyperty://localhost/h1\","
    "\"attribute\":\"iceCandidates.0\",\"attributeType\":\"array\","
    "\"operation\":\"add\",\"value\":{\"candidate\":\"candidate:1 1 udp "
    "2122260223 192.0.2.1 50000 typ host\",\"sdpMid\":\"0\","
    "\"sdpMLineIndex\":0}}",
    "{\"version\":3,\"source\":\"hyperty://localhost/h1\","
    "\"attribute\":\"iceCandidates.1\",\"attributeType\":\"array\","
    "\"operation\":\"add\",\"value\":{\"candidate\":\"candidate:2 1 udp "
    "2122194687 198.51.100.7 50001 typ host\",\"sdpMid\":\"1\","
    "\"sdpMLineIndex\":1}}",
    "{\"version\":4,\"source\":\"hyperty://localhost/h1\","
    "\"attribute\":\"iceCandidates.0\",\"attributeType\":\"array\","
    "\"operation\":\"remove\",\"value\":1}",
    "{\"version\":5,\"source\":\"hyperty://localhost/h1\","
    "\"attribute\":\"status\",\"value\":\"connected\"}",
  };

  g_assert_true (hc_sync_object_reset (obs, data, 0, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (updates); i++) {
    g_autoptr (JsonObject) update = parse_object (updates[i]);

    g_assert_true (hc_sync_object_apply (obs, update, &error));
    g_assert_no_error (error);
    g_assert_cmpint (hc_sync_object_get_version (obs), ==, i + 1);
    if (i == 2)
      g_assert_cmpuint (json_array_get_length (json_node_get_array (
                            hc_sync_object_lookup (obs, "iceCandidates"))),
                        ==, 2);
  }
  assert_object (
      hc_sync_object_get_data (obs),
      "{\"name\":\"c\","
      "\"status\":\"connected\",\"connectionDescription\":{\"type\":\"offer\","
      "\"sdp\":\"v=0\\r\\n\"},\"iceCandidates\":[{\"candidate\":"
      "\"candidate:2 1 udp 2122194687 198.51.100.7 50001 typ host\","
      "\"sdpMid\":\"1\",\"sdpMLineIndex\":1}]}");

  /* the Connector's other form: the whole array replaced */
  apply_at (obs, 6, "iceCandidates",
            "[{\"candidate\":\"c\",\"sdpMid\":\"0\","
            "\"sdpMLineIndex\":0}]");
  g_assert_cmpstr (json_node_get_string (hc_sync_object_lookup (
                       obs, "iceCandidates.0.candidate")),
                   ==, "c");
}

/* ---- malformed bodies ----------------------------------------------- */

static void
test_malformed (void)
{
  static const struct {
    const gchar *body;
    gint code;
  } cases[] = {
    { "{\"value\":1}", HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":3,\"value\":1}", HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":null,\"value\":1}", HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":[\"a\"],\"value\":1}", HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":{},\"value\":1}", HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"a\",\"attributeType\":\"map\",\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"a\",\"attributeType\":5,\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"a\",\"attributeType\":null,\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"splice\",\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":2,\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"a\",\"operation\":\"update\",\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"add\"}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":0}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":-1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":1.5}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":1.0}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":\"1\"}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":true}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":null}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":[1]}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":4294967297}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"attribute\":\"\",\"value\":1}", HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\".\",\"value\":1}", HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\"a..b\",\"value\":1}", HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\".a\",\"value\":1}", HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\"a.\",\"value\":1}", HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\"a.\"}", HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\"l..\",\"attributeType\":\"array\","
      "\"operation\":\"add\",\"value\":1}",
      HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
      "a.a.a.a.a.a.a\",\"value\":1}",
      HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\"s.x\",\"value\":1}", HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\"s.x\",\"attributeType\":\"array\","
      "\"operation\":\"add\",\"value\":1}",
      HC_SYNC_ERROR_BAD_PATH },
    { "{\"attribute\":\"o.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":1}",
      HC_SYNC_ERROR_BAD_PATH },
  };
  g_autoptr (JsonObject) data
      = parse_object ("{\"l\":[1,2],\"s\":\"str\",\"o\":{\"0\":[1]}}");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_test_message ("case %u: %s", i, cases[i].body);
    apply_fails (data, cases[i].body, cases[i].code);
  }
  assert_object (data, "{\"l\":[1,2],\"s\":\"str\",\"o\":{\"0\":[1]}}");
}

/* Values are copied in: the body and the data never share a node. */
static void
test_value_isolation (void)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (JsonObject) body
      = parse_object ("{\"attribute\":\"p\","
                      "\"value\":{\"inner\":{\"k\":1},\"list\":[{\"e\":1}]}}");
  g_autoptr (JsonObject) add
      = parse_object ("{\"attribute\":\"arr.0\","
                      "\"attributeType\":\"array\",\"operation\":\"add\","
                      "\"value\":[{\"e\":2}]}");
  JsonObject *value;

  json_object_set_array_member (data, "arr", json_array_new ());
  g_assert_true (hc_sync_apply_change (data, body, NULL));
  g_assert_true (hc_sync_apply_change (data, add, NULL));

  /* mutate the bodies after the fact */
  value = json_object_get_object_member (body, "value");
  json_object_set_int_member (json_object_get_object_member (value, "inner"),
                              "k", 99);
  json_object_set_int_member (
      json_array_get_object_element (
          json_object_get_array_member (value, "list"), 0),
      "e", 99);
  json_object_set_int_member (
      json_array_get_object_element (
          json_object_get_array_member (add, "value"), 0),
      "e", 99);

  assert_object (data, "{\"arr\":[{\"e\":2}],"
                       "\"p\":{\"inner\":{\"k\":1},\"list\":[{\"e\":1}]}}");

  /* and changing the data does not reach back into the body */
  apply_ok (data, "{\"attribute\":\"p.inner.k\",\"value\":5}");
  g_assert_cmpint (json_object_get_int_member (
                       json_object_get_object_member (value, "inner"), "k"),
                   ==, 99);
}

/* ---- version rules -------------------------------------------------- */

static void
test_version_ignore_and_next (void)
{
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (JsonObject) snap = parse_object ("{\"n\":5}");
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (hc_sync_object_get_url (obs), ==, "comm://x/1");
  g_assert_true (hc_sync_object_reset (obs, snap, 5, &error));
  g_assert_no_error (error);
  g_assert_true (hc_sync_object_is_synced (obs));
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 5);

  /* at or below the version: ignored, and TRUE */
  apply_at (obs, 5, "n", "55");
  apply_at (obs, 3, "n", "33");
  apply_at (obs, -1, "n", "0");
  assert_object (hc_sync_object_get_data (obs), "{\"n\":5}");
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 5);

  /* exactly the next: applied */
  apply_at (obs, 6, "n", "6");
  apply_at (obs, 7, "m", "7");
  assert_object (hc_sync_object_get_data (obs), "{\"n\":6,\"m\":7}");
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 7);

  /* the same snapshot object given to reset was copied */
  assert_object (snap, "{\"n\":5}");
}

static void
test_version_gap (void)
{
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (JsonObject) snap = parse_object ("{\"n\":0}");
  g_autoptr (JsonObject) u9 = update_at (9, "n", "9");
  g_autoptr (JsonObject) u10 = update_at (10, "n", "10");
  g_autoptr (GError) error = NULL;
  Recorder rec;

  recorder_init (&rec, obs);
  g_assert_true (hc_sync_object_reset (obs, snap, 7, NULL));

  g_assert_false (hc_sync_object_apply (obs, u9, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_GAP);
  g_clear_error (&error);
  g_assert_false (hc_sync_object_apply (obs, u10, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_GAP);
  g_clear_error (&error);
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 7);
  assert_object (hc_sync_object_get_data (obs), "{\"n\":0}");

  /* the missing one arrives late: it and the held ones apply in order */
  apply_at (obs, 8, "n", "8");
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 10);
  assert_object (hc_sync_object_get_data (obs), "{\"n\":10}");
  {
    g_autofree gchar *seen = recorder_join (&rec);
    g_assert_cmpstr (seen, ==, "(null)|n|n|n");
  }
  recorder_clear (&rec);
}

/* Updates before the subscribe response are held; the response's
 * value.data / value.version is the snapshot; held updates above it apply,
 * the rest are dropped. */
static void
test_version_held_before_reset (void)
{
  g_autoptr (HcSyncObject) obs
      = hc_sync_object_new_observed ("connection://localhost/abc");
  g_autoptr (JsonObject) response = parse_object (
      "{\"code\":200,"
      "\"value\":{\"url\":\"connection://localhost/abc\",\"reporter\":"
      "\"hyperty://localhost/h1\",\"schema\":\"s\",\"name\":\"c\","
      "\"created\":\"now\",\"runtime\":\"runtime://localhost/r\","
      "\"status\":\"live\",\"version\":2,"
      "\"data\":{\"iceCandidates\":[\"c1\",\"c2\"],\"status\":\"b\"}}}");
  JsonObject *value = json_object_get_object_member (response, "value");
  g_autoptr (GError) error = NULL;
  static const gchar *const updates[] = {
    /* delivered out of order, and once twice */
    "{\"version\":3,\"attribute\":\"iceCandidates.2\","
    "\"attributeType\":\"array\",\"operation\":\"add\",\"value\":\"c3\"}",
    "{\"version\":1,\"attribute\":\"iceCandidates.0\","
    "\"attributeType\":\"array\",\"operation\":\"add\",\"value\":\"c1\"}",
    "{\"version\":2,\"attribute\":\"iceCandidates.1\","
    "\"attributeType\":\"array\",\"operation\":\"add\",\"value\":\"c2\"}",
    "{\"version\":4,\"attribute\":\"status\",\"value\":\"c\"}",
    "{\"version\":3,\"attribute\":\"iceCandidates.2\","
    "\"attributeType\":\"array\",\"operation\":\"add\",\"value\":\"c3\"}",
  };
  Recorder rec;

  recorder_init (&rec, obs);
  g_assert_false (hc_sync_object_is_synced (obs));
  for (guint i = 0; i < G_N_ELEMENTS (updates); i++) {
    g_autoptr (JsonObject) update = parse_object (updates[i]);

    g_assert_true (hc_sync_object_apply (obs, update, &error));
    g_assert_no_error (error);
  }
  /* nothing applied yet */
  g_assert_cmpuint (rec.attributes->len, ==, 0);
  g_assert_cmpuint (json_object_get_size (hc_sync_object_get_data (obs)), ==,
                    0);
  g_assert_false (hc_sync_object_is_synced (obs));

  g_assert_true (hc_sync_object_reset (
      obs, json_object_get_object_member (value, "data"),
      json_object_get_int_member (value, "version"), &error));
  g_assert_no_error (error);
  g_assert_true (hc_sync_object_is_synced (obs));
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 4);
  /* c1 and c2 (versions 1 and 2) are in the snapshot, not added again */
  assert_object (hc_sync_object_get_data (obs),
                 "{\"iceCandidates\":[\"c1\",\"c2\",\"c3\"],\"status\":\"c\"}");
  {
    g_autofree gchar *seen = recorder_join (&rec);
    g_assert_cmpstr (seen, ==, "(null)|iceCandidates.2|status");
  }

  /* nothing stays held: a later reset does not replay them */
  g_assert_true (hc_sync_object_reset (
      obs, json_object_get_object_member (value, "data"), 2, &error));
  g_assert_no_error (error);
  assert_object (hc_sync_object_get_data (obs),
                 "{\"iceCandidates\":[\"c1\",\"c2\"],\"status\":\"b\"}");
  recorder_clear (&rec);
}

static void
test_version_held_all_below_snapshot (void)
{
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (JsonObject) snap = parse_object ("{\"n\":3}");

  apply_at (obs, 1, "n", "1");
  apply_at (obs, 2, "n", "2");
  apply_at (obs, 3, "n", "3");
  g_assert_true (hc_sync_object_reset (obs, snap, 3, NULL));
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 3);
  assert_object (hc_sync_object_get_data (obs), "{\"n\":3}");
  /* and they were dropped: the next update is 4, not a replay */
  apply_at (obs, 4, "m", "4");
  assert_object (hc_sync_object_get_data (obs), "{\"n\":3,\"m\":4}");
}

static void
test_version_reset_gap (void)
{
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (JsonObject) snap = parse_object ("{}");
  g_autoptr (GError) error = NULL;

  g_autoptr (HcSyncObject) obs2 = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (HcSyncObject) obs3 = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (JsonObject) str_snap = parse_object ("{\"a\":\"s\"}");
  g_autoptr (JsonObject) u7 = update_at (7, "d", "7");
  g_autoptr (JsonObject) neg = parse_object ("{\"x\":1}");

  apply_at (obs, 3, "a", "3");
  apply_at (obs, 5, "b", "5");
  /* 4 has not come: the snapshot is taken (it is usable) and 3 applies,
   * while 5 waits beyond the gap */
  g_assert_true (hc_sync_object_reset (obs, snap, 2, &error));
  g_assert_no_error (error);
  g_assert_true (hc_sync_object_is_synced (obs));
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 3);
  assert_object (hc_sync_object_get_data (obs), "{\"a\":3}");

  /* 4 arriving late fills the gap, and 5 follows on */
  apply_at (obs, 4, "c", "4");
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 5);
  assert_object (hc_sync_object_get_data (obs), "{\"a\":3,\"c\":4,\"b\":5}");

  /* if it never comes, the next update reports the gap */
  apply_at (obs2, 3, "a", "3");
  apply_at (obs2, 5, "b", "5");
  g_assert_true (hc_sync_object_reset (obs2, snap, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hc_sync_object_get_version (obs2), ==, 3);
  g_assert_false (hc_sync_object_apply (obs2, u7, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_GAP);
  g_clear_error (&error);
  g_assert_cmpint (hc_sync_object_get_version (obs2), ==, 3);
  assert_object (hc_sync_object_get_data (obs2), "{\"a\":3}");

  /* a held update that cannot apply to the snapshot is dropped there: the
   * snapshot stands, and the next update reports the gap */
  apply_at (obs3, 3, "a.b", "1");
  apply_at (obs3, 4, "c", "4");
  g_assert_true (hc_sync_object_reset (obs3, str_snap, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hc_sync_object_get_version (obs3), ==, 2);
  assert_object (hc_sync_object_get_data (obs3), "{\"a\":\"s\"}");
  g_assert_false (hc_sync_object_apply (obs3, u7, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_GAP);
  g_clear_error (&error);

  /* a negative snapshot version is refused, and changes nothing */
  g_assert_false (hc_sync_object_reset (obs, neg, -1, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE);
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 5);
  assert_object (hc_sync_object_get_data (obs), "{\"a\":3,\"c\":4,\"b\":5}");
}

static void
test_version_held_bound (void)
{
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (HcSyncObject) obs2 = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (JsonObject) snap = parse_object ("{\"l\":[]}");
  g_autoptr (GError) error = NULL;

  for (gint64 v = 1; v <= 300; v++) {
    g_autoptr (JsonObject) update = parse_object (
        "{\"attribute\":\"l\","
        "\"attributeType\":\"array\",\"operation\":\"add\",\"value\":0}");

    json_object_set_int_member (update, "version", v);
    g_assert_true (hc_sync_object_apply (obs, update, NULL));
    g_assert_true (hc_sync_object_apply (obs2, update, NULL));
  }

  /* only the newest 256 (45..300) were kept */
  g_assert_true (hc_sync_object_reset (obs, snap, 44, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 300);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        hc_sync_object_get_data (obs), "l")),
                    ==, 256);

  /* so from an older snapshot, 1..44 are missing: nothing follows on */
  g_assert_true (hc_sync_object_reset (obs2, snap, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hc_sync_object_get_version (obs2), ==, 0);
  assert_object (hc_sync_object_get_data (obs2), "{\"l\":[]}");
  {
    g_autoptr (JsonObject) u301 = update_at (301, "l", "[]");

    g_assert_false (hc_sync_object_apply (obs2, u301, &error));
    g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_GAP);
  }
}

static void
test_version_bad (void)
{
  static const struct {
    const gchar *body;
    gint code;
  } bodies[] = {
    { "{\"attribute\":\"n\",\"value\":1}", HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"version\":\"1\",\"attribute\":\"n\",\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"version\":1.0,\"attribute\":\"n\",\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"version\":1.5,\"attribute\":\"n\",\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"version\":null,\"attribute\":\"n\",\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"version\":true,\"attribute\":\"n\",\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"version\":[1],\"attribute\":\"n\",\"value\":1}",
      HC_SYNC_ERROR_BAD_UPDATE },
    /* a good version with a bad body is not held either */
    { "{\"version\":1,\"attribute\":\"a..b\",\"value\":1}",
      HC_SYNC_ERROR_BAD_PATH },
    { "{\"version\":1,\"value\":1}", HC_SYNC_ERROR_BAD_UPDATE },
    { "{\"version\":1,\"attribute\":\"l.0\",\"attributeType\":\"array\","
      "\"operation\":\"remove\",\"value\":0}",
      HC_SYNC_ERROR_BAD_UPDATE },
  };
  g_autoptr (HcSyncObject) held = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (HcSyncObject) live = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (JsonObject) snap = parse_object ("{\"n\":0}");

  g_assert_true (hc_sync_object_reset (live, snap, 0, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++) {
    g_autoptr (JsonObject) update = parse_object (bodies[i].body);
    g_autoptr (GError) error = NULL;

    g_assert_false (hc_sync_object_apply (held, update, &error));
    g_assert_error (error, HC_SYNC_ERROR, bodies[i].code);
    g_clear_error (&error);
    g_assert_false (hc_sync_object_apply (live, update, &error));
    g_assert_error (error, HC_SYNC_ERROR, bodies[i].code);
  }
  g_assert_cmpint (hc_sync_object_get_version (live), ==, 0);
  assert_object (hc_sync_object_get_data (live), "{\"n\":0}");
  /* nothing was held: the reset sees no update */
  g_assert_true (hc_sync_object_reset (held, snap, 0, NULL));
  g_assert_cmpint (hc_sync_object_get_version (held), ==, 0);
  assert_object (hc_sync_object_get_data (held), "{\"n\":0}");
}

/* A next-version update that cannot apply leaves version and data alone. */
static void
test_version_failed_apply (void)
{
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("comm://x/1");
  g_autoptr (JsonObject) snap = parse_object ("{\"s\":\"x\",\"l\":[1]}");
  g_autoptr (JsonObject) bad
      = parse_object ("{\"version\":1,"
                      "\"attribute\":\"l.1\",\"attributeType\":\"array\","
                      "\"operation\":\"remove\",\"value\":1}");
  g_autoptr (GError) error = NULL;
  Recorder rec;

  g_assert_true (hc_sync_object_reset (obs, snap, 0, NULL));
  recorder_init (&rec, obs);
  g_assert_false (hc_sync_object_apply (obs, bad, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH);
  g_assert_cmpint (hc_sync_object_get_version (obs), ==, 0);
  assert_object (hc_sync_object_get_data (obs), "{\"s\":\"x\",\"l\":[1]}");
  g_assert_cmpuint (rec.attributes->len, ==, 0);
  recorder_clear (&rec);
}

/* ---- reporter ------------------------------------------------------- */

static JsonNode *
node_from (const gchar *json)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  return node;
}

/* Every body goes through JSON text, as it would on the wire. */
static void
replay (HcSyncObject *obs, JsonObject *body)
{
  g_autofree gchar *text = object_to_string (body);
  g_autoptr (JsonObject) wire = parse_object (text);
  g_autoptr (GError) error = NULL;

  g_assert_true (hc_sync_object_apply (obs, wire, &error));
  g_assert_no_error (error);
}

static void
assert_same (HcSyncObject *a, HcSyncObject *b)
{
  g_autoptr (JsonNode) na
      = json_node_init_object (json_node_alloc (), hc_sync_object_get_data (a));
  g_autoptr (JsonNode) nb
      = json_node_init_object (json_node_alloc (), hc_sync_object_get_data (b));

  g_assert_true (json_node_equal (na, nb));
  g_assert_cmpint (hc_sync_object_get_version (a), ==,
                   hc_sync_object_get_version (b));
}

static void
test_reporter_roundtrip (void)
{
  g_autoptr (JsonObject) initial
      = parse_object ("{\"name\":\"room\","
                      "\"participants\":{},\"iceCandidates\":[]}");
  g_autoptr (HcSyncObject) rep = hc_sync_object_new ("comm://h/room", initial);
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("comm://h/room");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) bodies
      = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  JsonObject *body;

  g_assert_true (hc_sync_object_is_synced (rep));
  g_assert_cmpint (hc_sync_object_get_version (rep), ==, 0);
  /* the observer subscribes first: its snapshot is version 0 */
  g_assert_true (hc_sync_object_reset (obs, hc_sync_object_get_data (rep),
                                       hc_sync_object_get_version (rep), NULL));

  {
    g_autoptr (JsonNode) v = node_from ("{\"name\":\"ann\",\"tracks\":[]}");
    body = hc_sync_object_set (rep, "participants.p1", v, &error);
    g_assert_no_error (error);
    g_assert_nonnull (body);
    g_ptr_array_add (bodies, body);
    g_assert_cmpstr (json_object_get_string_member (body, "attribute"), ==,
                     "participants.p1");
    g_assert_true (json_object_has_member (body, "value"));
    g_assert_false (json_object_has_member (body, "attributeType"));
  }
  {
    g_autoptr (JsonNode) v = node_from ("true");
    g_ptr_array_add (
        bodies,
        hc_sync_object_set (rep, "participants.p1.flags.muted", v, &error));
    g_assert_no_error (error);
  }
  g_ptr_array_add (bodies, hc_sync_object_set (rep, "topic", NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr (JsonNode) c
        = node_from ("{\"candidate\":\"a\","
                     "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}");
    body = hc_sync_object_array_add (rep, "iceCandidates", -1, c, &error);
    g_assert_no_error (error);
    g_ptr_array_add (bodies, body);
    /* the runtime's form: index in the attribute */
    g_assert_cmpstr (json_object_get_string_member (body, "attribute"), ==,
                     "iceCandidates.0");
    g_assert_cmpstr (json_object_get_string_member (body, "attributeType"), ==,
                     "array");
    g_assert_cmpstr (json_object_get_string_member (body, "operation"), ==,
                     "add");
  }
  {
    g_autoptr (JsonNode) several = node_from ("[\"b\",\"c\",\"d\"]");
    g_ptr_array_add (bodies, hc_sync_object_array_add (rep, "iceCandidates", -1,
                                                       several, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr (JsonNode) front = node_from ("\"z\"");
    g_ptr_array_add (bodies, hc_sync_object_array_add (rep, "iceCandidates", 0,
                                                       front, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr (JsonNode) t = node_from ("{\"kind\":\"audio\"}");
    g_ptr_array_add (bodies, hc_sync_object_array_add (
                                 rep, "participants.p1.tracks", -1, t, &error));
    g_assert_no_error (error);
  }
  body = hc_sync_object_array_remove (rep, "iceCandidates", 1, 2, &error);
  g_assert_no_error (error);
  g_ptr_array_add (bodies, body);
  g_assert_cmpstr (json_object_get_string_member (body, "attribute"), ==,
                   "iceCandidates.1");
  g_assert_cmpstr (json_object_get_string_member (body, "operation"), ==,
                   "remove");
  g_assert_cmpint (json_object_get_int_member (body, "value"), ==, 2);

  body = hc_sync_object_remove (rep, "name", &error);
  g_assert_no_error (error);
  g_ptr_array_add (bodies, body);
  g_assert_false (json_object_has_member (body, "value"));

  assert_object (hc_sync_object_get_data (rep),
                 "{\"participants\":{\"p1\":"
                 "{\"name\":\"ann\",\"tracks\":[{\"kind\":\"audio\"}],"
                 "\"flags\":{\"muted\":true}}},\"topic\":null,"
                 "\"iceCandidates\":[\"z\",\"c\",\"d\"]}");
  g_assert_cmpint (hc_sync_object_get_version (rep), ==, bodies->len);

  for (guint i = 0; i < bodies->len; i++) {
    body = bodies->pdata[i];
    /* each raises the version by exactly one */
    g_assert_cmpint (json_object_get_int_member (body, "version"), ==, i + 1);
    replay (obs, body);
  }
  assert_same (rep, obs);

  /* the observer's initial snapshot was a copy of the reporter's data */
  assert_object (initial, "{\"name\":\"room\",\"participants\":{},"
                          "\"iceCandidates\":[]}");
}

static void
test_reporter_errors (void)
{
  g_autoptr (JsonObject) initial = parse_object ("{\"s\":1,\"l\":[1,2]}");
  g_autoptr (HcSyncObject) rep = hc_sync_object_new ("comm://h/r", initial);
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("comm://h/r");
  g_autoptr (JsonNode) v = node_from ("1");
  g_autoptr (GError) error = NULL;
  Recorder rec;

  recorder_init (&rec, rep);
  g_assert_null (hc_sync_object_set (rep, "s.x", v, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH);
  g_clear_error (&error);
  g_assert_null (hc_sync_object_set (rep, "a..b", v, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH);
  g_clear_error (&error);
  g_assert_null (hc_sync_object_array_add (rep, "s", -1, v, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH);
  g_clear_error (&error);
  g_assert_null (hc_sync_object_array_add (rep, "l", 3, v, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH);
  g_clear_error (&error);
  g_assert_null (hc_sync_object_array_add (rep, "l", -2, v, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH);
  g_clear_error (&error);
  g_assert_null (hc_sync_object_array_remove (rep, "l", 1, 2, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH);
  g_clear_error (&error);
  g_assert_null (hc_sync_object_array_remove (rep, "l", 0, 0, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE);
  g_clear_error (&error);
  g_assert_null (hc_sync_object_remove (rep, "l.0", &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_PATH);
  g_clear_error (&error);

  /* nothing changed, no version was spent, nothing was signalled */
  g_assert_cmpint (hc_sync_object_get_version (rep), ==, 0);
  assert_object (hc_sync_object_get_data (rep), "{\"s\":1,\"l\":[1,2]}");
  g_assert_cmpuint (rec.attributes->len, ==, 0);

  /* the next good change is version 1 */
  {
    g_autoptr (JsonObject) body = hc_sync_object_set (rep, "s", v, &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (body, "version"), ==, 1);
  }

  /* an observer that has not synced cannot report */
  g_assert_null (hc_sync_object_set (obs, "s", v, &error));
  g_assert_error (error, HC_SYNC_ERROR, HC_SYNC_ERROR_BAD_UPDATE);
  recorder_clear (&rec);
}

static void
test_reporter_copies (void)
{
  g_autoptr (JsonObject) initial = parse_object ("{\"o\":{\"k\":1}}");
  g_autoptr (HcSyncObject) rep = hc_sync_object_new ("comm://h/r", initial);
  g_autoptr (HcSyncObject) empty = hc_sync_object_new ("comm://h/e", NULL);
  g_autoptr (JsonNode) v = node_from ("{\"deep\":{\"x\":1}}");
  g_autoptr (JsonObject) body = NULL;

  json_object_set_int_member (json_object_get_object_member (initial, "o"), "k",
                              2);
  assert_object (hc_sync_object_get_data (rep), "{\"o\":{\"k\":1}}");
  assert_object (hc_sync_object_get_data (empty), "{}");

  body = hc_sync_object_set (rep, "v", v, NULL);
  g_assert_nonnull (body);
  /* neither the caller's value nor the returned body share the data */
  json_object_set_int_member (
      json_object_get_object_member (json_node_get_object (v), "deep"), "x", 2);
  json_object_set_int_member (
      json_object_get_object_member (
          json_object_get_object_member (body, "value"), "deep"),
      "x", 3);
  g_assert_cmpint (json_node_get_int (hc_sync_object_lookup (rep, "v.deep.x")),
                   ==, 1);
}

/* ---- signal, lookup ------------------------------------------------- */

static void
test_changed_signal (void)
{
  g_autoptr (HcSyncObject) rep = hc_sync_object_new ("comm://h/r", NULL);
  g_autoptr (HcSyncObject) obs = hc_sync_object_new_observed ("comm://h/r");
  g_autoptr (JsonNode) v = node_from ("[]");
  g_autoptr (JsonNode) e = node_from ("5");
  g_autoptr (JsonObject) snap = json_object_new ();
  g_autoptr (JsonObject) b1 = NULL, b2 = NULL, b3 = NULL;
  Recorder rrec, orec;

  recorder_init (&rrec, rep);
  recorder_init (&orec, obs);

  b1 = hc_sync_object_set (rep, "a.list", v, NULL);
  b2 = hc_sync_object_array_add (rep, "a.list", -1, e, NULL);
  b3 = hc_sync_object_remove (rep, "a.list", NULL);
  g_assert_nonnull (b3);
  {
    g_autofree gchar *seen = recorder_join (&rrec);
    g_assert_cmpstr (seen, ==, "a.list|a.list.0|a.list");
  }

  g_assert_true (hc_sync_object_apply (obs, b1, NULL));
  g_assert_cmpuint (orec.attributes->len, ==, 0); /* held */
  g_assert_true (hc_sync_object_reset (obs, snap, 0, NULL));
  g_assert_true (hc_sync_object_apply (obs, b1, NULL)); /* ignored */
  g_assert_true (hc_sync_object_apply (obs, b2, NULL));
  g_assert_true (hc_sync_object_apply (obs, b3, NULL));
  {
    g_autofree gchar *seen = recorder_join (&orec);
    g_assert_cmpstr (seen, ==, "(null)|a.list|a.list.0|a.list");
  }
  assert_same (rep, obs);
  recorder_clear (&rrec);
  recorder_clear (&orec);
}

static void
test_lookup (void)
{
  g_autoptr (JsonObject) data
      = parse_object ("{\"a\":{\"b\":[{\"c\":\"x\"},null]},\"n\":1}");
  g_autoptr (HcSyncObject) obj = hc_sync_object_new ("comm://h/r", data);
  JsonNode *node;

  node = hc_sync_object_lookup (obj, "a.b.0.c");
  g_assert_nonnull (node);
  g_assert_cmpstr (json_node_get_string (node), ==, "x");
  node = hc_sync_object_lookup (obj, "a.b.1");
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_NULL (node));
  node = hc_sync_object_lookup (obj, "a.b");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  g_assert_cmpint (json_node_get_int (hc_sync_object_lookup (obj, "n")), ==, 1);

  g_assert_null (hc_sync_object_lookup (obj, "a.b.2"));
  g_assert_null (hc_sync_object_lookup (obj, "a.x"));
  g_assert_null (hc_sync_object_lookup (obj, "n.x"));
  g_assert_null (hc_sync_object_lookup (obj, "a..b"));
  g_assert_null (hc_sync_object_lookup (obj, ""));
  g_assert_null (hc_sync_object_lookup (obj, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/change/set-delete-null", test_set_delete_null);
  g_test_add_func ("/sync/change/nested-paths", test_nested_paths);
  g_test_add_func ("/sync/change/path-depth", test_path_depth);
  g_test_add_func ("/sync/change/array-element-paths",
                   test_array_element_paths);
  g_test_add_func ("/sync/change/array-add", test_array_add);
  g_test_add_func ("/sync/change/array-append-by-name",
                   test_array_append_by_name);
  g_test_add_func ("/sync/change/array-remove", test_array_remove);
  g_test_add_func ("/sync/change/runtime-ice-candidates",
                   test_runtime_ice_candidates);
  g_test_add_func ("/sync/change/malformed", test_malformed);
  g_test_add_func ("/sync/change/value-isolation", test_value_isolation);
  g_test_add_func ("/sync/version/ignore-and-next",
                   test_version_ignore_and_next);
  g_test_add_func ("/sync/version/gap", test_version_gap);
  g_test_add_func ("/sync/version/held-before-reset",
                   test_version_held_before_reset);
  g_test_add_func ("/sync/version/held-all-below-snapshot",
                   test_version_held_all_below_snapshot);
  g_test_add_func ("/sync/version/reset-gap", test_version_reset_gap);
  g_test_add_func ("/sync/version/held-bound", test_version_held_bound);
  g_test_add_func ("/sync/version/bad", test_version_bad);
  g_test_add_func ("/sync/version/failed-apply", test_version_failed_apply);
  g_test_add_func ("/sync/reporter/roundtrip", test_reporter_roundtrip);
  g_test_add_func ("/sync/reporter/errors", test_reporter_errors);
  g_test_add_func ("/sync/reporter/copies", test_reporter_copies);
  g_test_add_func ("/sync/signal/changed", test_changed_signal);
  g_test_add_func ("/sync/lookup", test_lookup);

  return g_test_run ();
}
