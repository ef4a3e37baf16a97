/* hyperconf — message envelope parsing, validation and serialising (§2). */
#include <hyperconf/hc-message.h>
#include <hyperconf/hc-error.h>
#include <hyperconf/hc-json-spec.h>

static void
test_parse_valid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HcMessage) m = hc_message_parse (
      "{\"id\":7,\"type\":\"update\",\"from\":\"hyperty://d/a\","
      "\"to\":[\"hyperty://d/b\"],\"body\":{\"value\":1,\"via\":\"x\"},"
      "\"extra\":true}",
      -1, &error);

  g_assert_no_error (error);
  g_assert_cmpint (hc_message_get_kind (m), ==, HC_MESSAGE_UPDATE);
  g_assert_cmpint (json_node_get_int (hc_message_get_id (m)), ==, 7);
  g_assert_cmpstr (hc_message_get_from (m), ==, "hyperty://d/a");
  g_assert_cmpstr (hc_message_get_to (m), ==, "hyperty://d/b");
  g_assert_cmpstr (hc_message_body_get_string (m, "via"), ==, "x");
  g_assert_null (hc_message_body_get_string (m, "value"));
  g_assert_null (hc_message_body_get_object (m, "value"));
  {
    /* Serialising keeps what the server does not know. */
    g_autofree gchar *text = hc_message_to_string (m);
    g_autoptr (HcMessage) again = hc_message_parse (text, -1, NULL);

    g_assert_true (json_object_get_boolean_member (
        hc_message_get_object (again), "extra"));
    g_assert_true (JSON_NODE_HOLDS_ARRAY (
        json_object_get_member (hc_message_get_object (again), "to")));
  }
}

static void
test_every_type (void)
{
  const gchar *types[] = { "open",        "re-open", "close",   "create",
                           "read",        "update",  "delete",  "subscribe",
                           "unsubscribe", "forward", "execute", "response" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    g_autofree gchar *text = g_strdup_printf (
        "{\"id\":\"s\",\"type\":\"%s\",\"from\":\"a://b/c\",\"to\":\"x\"}",
        types[i]);
    g_autoptr (HcMessage) m = hc_message_parse (text, -1, NULL);

    g_assert_nonnull (m);
    g_assert_cmpstr (hc_message_get_kind_name (m), ==, types[i]);
    g_assert_cmpint (hc_message_get_kind (m), ==, i);
  }
}

static void
test_not_json (void)
{
  g_autoptr (GError) error = NULL;
  JsonObject *object;

  object = hc_message_parse_object ("<nope>", -1, &error);
  g_assert_null (object);
  g_assert_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_JSON);
  g_clear_error (&error);
  object = hc_message_parse_object ("[{}]", -1, &error);
  g_assert_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_OBJECT);
  g_clear_error (&error);
  object = hc_message_parse_object ("{}\0{\"a\":1}", 11, &error);
  g_assert_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_JSON);
  g_clear_error (&error);
  /* Several top-level values are not one message (json-glib would take
   * the first and leak the rest). */
  object = hc_message_parse_object ("0{\"id\":1}", -1, &error);
  g_assert_null (object);
  g_assert_nonnull (error);
  g_clear_error (&error);
  object = hc_message_parse_object ("{\"a\":\"}{\"}{\"b\":2}", -1, &error);
  g_assert_null (object);
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* json-glib skips what it takes for comments: this was {"a":"x"} and
   * a second value, which it leaked (found by fuzz-token,
   * tests/fuzz/corpus/token/leak-comment-several-values) */
  object = hc_message_parse_object ("{\"a\"/:2\"/:\"x\"}{\"b\":1}", -1, &error);
  g_assert_null (object);
  g_assert_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_JSON);
  g_clear_error (&error);
  object = hc_message_parse_object ("{\"a\":1 /* no */}", -1, &error);
  g_assert_null (object);
  g_assert_error (error, HC_MESSAGE_ERROR, HC_MESSAGE_ERROR_NOT_JSON);
  g_clear_error (&error);
  object = hc_message_parse_object (
      "{\"a\":[true,false,null,-1.5e+3,\"/#*\"]}\r\n", -1, &error);
  g_assert_no_error (error);
  json_object_unref (object);
  object = hc_message_parse_object (" {\"a\":\"\\\"}\",\"b\":[{}]}\n ", -1,
                                    &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
  json_object_unref (object);
  object = hc_message_parse_object ("", 0, &error);
  g_assert_nonnull (error);
  g_assert_null (object);
}

static void
test_bad_envelopes (void)
{
  const gchar *bad[] = {
    "{\"type\":\"read\",\"from\":\"a\",\"to\":\"b\"}",
    "{\"id\":true,\"type\":\"read\",\"from\":\"a\",\"to\":\"b\"}",
    "{\"id\":1.5,\"type\":\"read\",\"from\":\"a\",\"to\":\"b\"}",
    "{\"id\":1,\"type\":\"Read\",\"from\":\"a\",\"to\":\"b\"}",
    "{\"id\":1,\"type\":\"handshake\",\"from\":\"a\",\"to\":\"b\"}",
    "{\"id\":1,\"type\":\"read\",\"from\":null,\"to\":\"b\"}",
    "{\"id\":1,\"type\":\"read\",\"from\":\"a\",\"to\":[\"b\",\"c\"]}",
    "{\"id\":1,\"type\":\"read\",\"from\":\"a\",\"to\":[1]}",
    "{\"id\":1,\"type\":\"read\",\"from\":\"a\",\"to\":\"b\",\"body\":null}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (HcMessage) m = hc_message_parse (bad[i], -1, &error);

    g_test_message ("%s", bad[i]);
    g_assert_null (m);
    g_assert_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST);
  }
}

static void
test_responses (void)
{
  g_autoptr (HcMessage) request
      = hc_message_parse ("{\"id\":\"q\",\"type\":\"read\",\"from\":\"a://d/"
                          "x\",\"to\":\"b://d/y\"}",
                          -1, NULL);
  g_autoptr (JsonNode) value = json_from_string ("{\"k\":[1,2]}", NULL);
  g_autoptr (HcMessage) ok
      = hc_message_new_response (request, 200, "ignored", value);
  g_autoptr (HcMessage) err
      = hc_message_new_response (request, 404, "gone", NULL);
  g_autoptr (JsonObject) raw
      = hc_message_parse_object ("{\"id\":3,\"from\":{\"x\":1}}", -1, NULL);
  g_autofree gchar *text = NULL;
  g_autoptr (JsonNode) parsed = NULL;
  JsonObject *o;

  g_assert_cmpint (hc_message_get_kind (ok), ==, HC_MESSAGE_RESPONSE);
  g_assert_cmpstr (json_node_get_string (hc_message_get_id (ok)), ==, "q");
  g_assert_cmpstr (hc_message_get_from (ok), ==, "b://d/y");
  g_assert_cmpstr (hc_message_get_to (ok), ==, "a://d/x");
  g_assert_cmpint (hc_message_get_code (ok), ==, 200);
  g_assert_false (json_object_has_member (hc_message_get_body (ok), "desc"));
  g_assert_nonnull (hc_message_body_get_object (ok, "value"));
  g_assert_cmpint (hc_message_get_code (err), ==, 404);
  g_assert_cmpstr (hc_message_body_get_string (err, "desc"), ==, "gone");

  text = hc_message_error_text_for_object (raw, "mn:/session", 400, "bad");
  parsed = json_from_string (text, NULL);
  o = json_node_get_object (parsed);
  g_assert_cmpint (json_object_get_int_member (o, "id"), ==, 3);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "to")));
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "response");

  json_object_remove_member (raw, "id");
  g_assert_null (hc_message_error_text_for_object (raw, "x", 400, "bad"));
}

static void
test_field_table (void)
{
  static const HcJsonField fields[] = { { "s", HC_JSON_STRING, TRUE },
                                        { "n", HC_JSON_NUMBER, FALSE },
                                        { "l", HC_JSON_STRING_ARRAY, FALSE },
                                        { NULL } };
  struct {
    const gchar *json;
    gboolean ok;
  } cases[] = {
    { "{\"s\":\"x\"}", TRUE },
    { "{\"s\":\"x\",\"n\":2}", TRUE },
    { "{\"s\":\"x\",\"n\":2.5,\"l\":[\"a\"]}", TRUE },
    { "{\"s\":\"x\",\"l\":[]}", TRUE },
    { "{}", FALSE },
    { "{\"s\":1}", FALSE },
    { "{\"s\":\"x\",\"n\":\"2\"}", FALSE },
    { "{\"s\":\"x\",\"l\":[\"a\",2]}", FALSE },
    { "{\"s\":\"x\",\"l\":\"a\"}", FALSE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (JsonNode) node = json_from_string (cases[i].json, NULL);
    g_autoptr (GError) error = NULL;

    g_assert_cmpint (
        hc_json_check (json_node_get_object (node), "t", fields, &error), ==,
        cases[i].ok);
    if (!cases[i].ok)
      g_assert_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST);
  }
}

static void
test_deep_copy (void)
{
  g_autoptr (JsonNode) node = json_from_string (
      "{\"a\":{\"b\":[1,{\"c\":null}],\"d\":\"s\",\"e\":true,\"f\":1.5}}",
      NULL);
  g_autoptr (JsonObject) copy
      = hc_json_object_deep_copy (json_node_get_object (node));
  g_autoptr (JsonNode) copy_node
      = json_node_init_object (json_node_alloc (), copy);

  g_assert_true (json_node_equal (node, copy_node));
  json_object_set_int_member (json_object_get_object_member (copy, "a"), "d",
                              2);
  g_assert_false (json_node_equal (node, copy_node));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/message/parse-valid", test_parse_valid);
  g_test_add_func ("/message/every-type", test_every_type);
  g_test_add_func ("/message/not-json", test_not_json);
  g_test_add_func ("/message/bad-envelopes", test_bad_envelopes);
  g_test_add_func ("/message/responses", test_responses);
  g_test_add_func ("/message/field-table", test_field_table);
  g_test_add_func ("/message/deep-copy", test_deep_copy);
  return g_test_run ();
}
