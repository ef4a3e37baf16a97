/* hyperconf — checks the client's Connection object of a join (§9.2). */
#include "hc-join-request.h"

#include <hyperconf/hc-error.h>
#include <hyperconf/hc-json-spec.h>

#include <string.h>

#define MAX_ROOM_NAME 128

static const HcJsonField invitation_fields[]
    = { { "source", HC_JSON_STRING, TRUE },
        { "identity", HC_JSON_OBJECT | HC_JSON_NULL, FALSE },
        { NULL } };

static const HcJsonField data_fields[]
    = { { "scheme", HC_JSON_STRING, FALSE },
        { "name", HC_JSON_STRING, FALSE },
        { "roomName", HC_JSON_STRING, FALSE },
        { "owner", HC_JSON_STRING, TRUE },
        { "displayName", HC_JSON_STRING, FALSE },
        { "connectionDescription", HC_JSON_OBJECT, TRUE },
        { "iceCandidates", HC_JSON_ARRAY, FALSE },
        { "options", HC_JSON_OBJECT, FALSE },
        { "publishing", HC_JSON_OBJECT, FALSE },
        { NULL } };

static const HcJsonField description_fields[] = {
  { "type", HC_JSON_STRING, TRUE }, { "sdp", HC_JSON_STRING, TRUE }, { NULL }
};

static const HcJsonField options_fields[]
    = { { "mode", HC_JSON_STRING, FALSE },
        { "layout", HC_JSON_STRING, FALSE },
        { "token", HC_JSON_STRING, FALSE },
        { "publish", HC_JSON_OBJECT, FALSE },
        { NULL } };

static const HcJsonField publishing_fields[] = {
  { "audio", HC_JSON_BOOL, FALSE }, { "video", HC_JSON_BOOL, FALSE }, { NULL }
};

static const HcJsonField profile_fields[]
    = { { "username", HC_JSON_STRING, FALSE },
        { "preferred_username", HC_JSON_STRING, FALSE },
        { NULL } };

gboolean
hc_join_room_name_valid (const gchar *name)
{
  gsize n = strlen (name);

  if (n == 0 || n > MAX_ROOM_NAME)
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    if (!g_ascii_isalnum (name[i]) && !strchr ("._-", name[i]))
      return FALSE;
  }
  return TRUE;
}

/* identity.userProfile.username (or preferred_username), else the data's
 * displayName, else "anonymous" (§9.2). */
static gchar *
username_of (JsonObject *invitation, JsonObject *data, GError **error)
{
  JsonObject *profile = hc_json_get_object (
      hc_json_get_object (invitation, "identity"), "userProfile");
  const gchar *name = NULL;

  if (!hc_json_check (profile, "identity.userProfile", profile_fields, error))
    return NULL;
  name = hc_json_get_string (profile, "username");
  if (name == NULL)
    name = hc_json_get_string (profile, "preferred_username");
  if (name == NULL)
    name = hc_json_get_string (data, "displayName");
  if (name == NULL || *name == '\0')
    name = "anonymous";
  return hc_join_shown_name (name);
}

gchar *
hc_join_shown_name (const gchar *name)
{
  /* It is shown to every participant: keep it valid UTF-8 and short. */
  return g_utf8_make_valid (name, MIN (strlen (name), 64));
}

HcJoinRequest *
hc_join_request_parse (JsonObject *invitation, JsonObject *data, GError **error)
{
  g_autoptr (HcJoinRequest) request = g_new0 (HcJoinRequest, 1);
  JsonObject *description, *options, *publishing;
  const gchar *room, *scheme, *type, *mode, *layout;

  if (!hc_json_check (invitation, "invitation", invitation_fields, error)
      || !hc_json_check (data, "Connection object", data_fields, error))
    return NULL;

  scheme = hc_json_get_string (data, "scheme");
  if (scheme && g_strcmp0 (scheme, "connection") != 0) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                 "scheme must be \"connection\", not \"%s\"", scheme);
    return NULL;
  }
  room = hc_json_get_string (data, "roomName");
  if (room == NULL)
    room = hc_json_get_string (data, "name");
  if (room == NULL || !hc_join_room_name_valid (room)) {
    g_set_error_literal (
        error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
        "roomName must be 1..128 characters of [A-Za-z0-9._-]");
    return NULL;
  }

  request->owner = g_strdup (hc_json_get_string (data, "owner"));
  if (g_strcmp0 (request->owner,
                 json_object_get_string_member (invitation, "source"))
      != 0) {
    g_set_error_literal (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_FORBIDDEN,
                         "owner must be the inviting hyperty (body.source)");
    return NULL;
  }

  description = hc_json_get_object (data, "connectionDescription");
  if (!hc_json_check (description, "connectionDescription", description_fields,
                      error))
    return NULL;
  type = hc_json_get_string (description, "type");
  if (g_strcmp0 (type, "offer") != 0) {
    g_set_error_literal (error, HC_PROTOCOL_ERROR,
                         HC_PROTOCOL_ERROR_BAD_REQUEST,
                         "connectionDescription.type must be \"offer\"");
    return NULL;
  }

  options = hc_json_get_object (data, "options");
  if (!hc_json_check (options, "options", options_fields, error))
    return NULL;
  mode = hc_json_get_string (options, "mode");
  if (mode == NULL)
    mode = "sfu";
  if (!g_str_equal (mode, "sfu") && !g_str_equal (mode, "mcu")) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                 "options.mode must be \"sfu\" or \"mcu\", not \"%s\"", mode);
    return NULL;
  }
  /* docs/protocol.md, appendix: the room's MCU layout, taken from its
   * first joiner (later joiners' choice is checked but not used). */
  layout = hc_json_get_string (options, "layout");
  if (layout && !g_str_equal (layout, "grid")
      && !g_str_equal (layout, "speaker")) {
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                 "options.layout must be \"grid\" or \"speaker\", not \"%s\"",
                 layout);
    return NULL;
  }
  publishing = hc_json_get_object (data, "publishing");
  if (!hc_json_check (publishing, "publishing", publishing_fields, error))
    return NULL;

  request->username = username_of (invitation, data, error);
  if (request->username == NULL)
    return NULL;
  request->room = g_strdup (room);
  request->offer_sdp = g_strdup (hc_json_get_string (description, "sdp"));
  request->mode = g_strdup (mode);
  request->token = g_strdup (hc_json_get_string (options, "token"));
  request->layout = g_strdup (layout);
  request->publishing = json_object_new ();
  /* What is unmuted; absent members default to publishing. */
  json_object_set_boolean_member (
      request->publishing, "audio",
      !publishing || !json_object_has_member (publishing, "audio")
          || json_object_get_boolean_member (publishing, "audio"));
  json_object_set_boolean_member (
      request->publishing, "video",
      !publishing || !json_object_has_member (publishing, "video")
          || json_object_get_boolean_member (publishing, "video"));
  return g_steal_pointer (&request);
}

gboolean
hc_join_check_sdp (const gchar *sdp, const HcJoinLimits *limits, HcLimit *limit,
                   GError **error)
{
  gsize size = strlen (sdp);
  guint media = 0;

  if (size > limits->max_sdp_size) {
    *limit = HC_LIMIT_SDP_SIZE;
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                 "the SDP has %" G_GSIZE_FORMAT " bytes; at most %u", size,
                 limits->max_sdp_size);
    return FALSE;
  }
  /* RFC 8866 §5: a media description starts with an "m=" line. */
  for (const gchar *line = sdp; line != NULL; line = strchr (line, '\n')) {
    if (*line == '\n')
      line++;
    if (g_str_has_prefix (line, "m="))
      media++;
  }
  if (media > limits->max_sdp_media) {
    *limit = HC_LIMIT_SDP_MEDIA;
    g_set_error (error, HC_PROTOCOL_ERROR, HC_PROTOCOL_ERROR_BAD_REQUEST,
                 "the SDP has %u media descriptions; at most %u", media,
                 limits->max_sdp_media);
    return FALSE;
  }
  return TRUE;
}

void
hc_join_request_free (HcJoinRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->room);
  g_free (request->owner);
  g_free (request->offer_sdp);
  g_free (request->username);
  g_free (request->mode);
  g_free (request->token);
  g_strfreev (request->allowed_modes);
  g_free (request->layout);
  if (request->publishing)
    json_object_unref (request->publishing);
  g_free (request);
}
