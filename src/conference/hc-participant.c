/* hyperconf — one participant's signalling (PROTOCOL.md §9.2, §9.3):
 * the server's Connection object for it, the client's object it observes,
 * ICE candidates both ways, offers and answers, mute and mode mirrored to
 * the room object. */
#define G_LOG_DOMAIN "hc-conference"

#include "hc-room.h"

#include <hyperconf/hc-json-spec.h>

#define CONNECTION_SCHEMA                                                      \
  "hyperty-catalogue://catalogue.%s/.well-known/dataschema/Connection"

G_DEFINE_FINAL_TYPE (HcParticipant, hc_participant, G_TYPE_OBJECT)

static void
hc_participant_dispose (GObject *object)
{
  HcParticipant *self = HC_PARTICIPANT (object);

  if (self->client_changed_id) {
    g_signal_handler_disconnect (self->client, self->client_changed_id);
    self->client_changed_id = 0;
  }
  g_clear_object (&self->client);
  g_clear_object (&self->server);
  g_clear_object (&self->syncher);
  G_OBJECT_CLASS (hc_participant_parent_class)->dispose (object);
}

static void
hc_participant_finalize (GObject *object)
{
  HcParticipant *self = HC_PARTICIPANT (object);

  g_free (self->pid);
  g_free (self->hyperty);
  g_free (self->username);
  g_free (self->mode);
  g_strfreev (self->allowed_modes);
  g_free (self->joined);
  g_clear_pointer (&self->publishing, json_object_unref);
  g_hash_table_unref (self->seen_candidates);
  G_OBJECT_CLASS (hc_participant_parent_class)->finalize (object);
}

static void
hc_participant_class_init (HcParticipantClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hc_participant_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_participant_finalize;
}

static void
hc_participant_init (HcParticipant *self)
{
  self->seen_candidates
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

HcParticipant *
hc_participant_new (HcRoom *room, HcSyncher *syncher, HcSyncObject *client,
                    HcJoinRequest *request, const gchar *pid)
{
  HcParticipant *self = g_object_new (HC_TYPE_PARTICIPANT, NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  self->room = room;
  self->syncher = g_object_ref (syncher);
  self->client = g_object_ref (client);
  self->pid = g_strdup (pid);
  self->hyperty = g_strdup (request->owner);
  self->username = g_strdup (request->username);
  self->mode = g_strdup (request->mode);
  self->allowed_modes = g_strdupv (request->allowed_modes);
  self->joined = g_date_time_format_iso8601 (now);
  self->publishing = hc_json_object_deep_copy (request->publishing);
  self->limits = request->limits;
  return self;
}

void
hc_participant_sync_publishing (HcParticipant *self)
{
  /* the composite shows a muted publisher's name plate */
  hc_media_room_set_video_muted (hc_room_get_media (self->room), self->pid,
                                 !json_object_get_boolean_member_with_default (
                                     self->publishing, "video", TRUE));
}

const gchar *
hc_participant_get_pid (HcParticipant *self)
{
  return self->pid;
}

const gchar *
hc_participant_get_hyperty (HcParticipant *self)
{
  return self->hyperty;
}

const gchar *
hc_participant_get_client_url (HcParticipant *self)
{
  return hc_sync_object_get_url (self->client);
}

HcSyncObject *
hc_participant_get_server_object (HcParticipant *self)
{
  return self->server;
}

HcMediaMode
hc_participant_media_mode (HcParticipant *self)
{
  return g_str_equal (self->mode, "mcu") ? HC_MEDIA_MODE_MCU
                                         : HC_MEDIA_MODE_SFU;
}

JsonNode *
hc_participant_room_entry (HcParticipant *self)
{
  JsonObject *entry = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (entry, "hyperty", self->hyperty);
  json_object_set_string_member (entry, "username", self->username);
  json_object_set_string_member (entry, "joined", self->joined);
  json_object_set_string_member (entry, "mode", self->mode);
  json_object_set_object_member (entry, "publishing",
                                 hc_json_object_deep_copy (self->publishing));
  json_object_set_boolean_member (entry, "speaking", self->speaking);
  node = json_node_init_object (json_node_alloc (), entry);
  json_object_unref (entry);
  return node;
}

/* ---- the client's object ---------------------------------------------- */

/* §9.3: array adds and whole-array replacements both end here; the
 * candidates not applied yet are applied. */
static void
count_limit (HcParticipant *self, HcLimit limit)
{
  hc_node_count_limit (hc_syncher_get_node (self->syncher), limit);
}

static void
sync_candidates (HcParticipant *self)
{
  JsonNode *node = hc_sync_object_lookup (self->client, "iceCandidates");
  HcMediaRoom *media = hc_room_get_media (self->room);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) || !self->media_joined)
    return;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *item = json_array_get_element (array, i);
    JsonObject *candidate;
    const gchar *line, *mid;
    JsonNode *index;

    if (!JSON_NODE_HOLDS_OBJECT (item))
      continue;
    candidate = json_node_get_object (item);
    line = hc_json_get_string (candidate, "candidate");
    if (line == NULL || g_hash_table_contains (self->seen_candidates, line))
      continue;
    /* [conference] max-ice-candidates: updates are notifications (§6.3),
     * never answered, so the extra ones are dropped and counted. */
    if (g_hash_table_size (self->seen_candidates)
        >= self->limits.max_ice_candidates) {
      if (!self->candidates_refused)
        g_message ("participant %s: more than %u ICE candidates, dropping "
                   "the others",
                   self->pid, self->limits.max_ice_candidates);
      self->candidates_refused = TRUE;
      count_limit (self, HC_LIMIT_ICE_CANDIDATES);
      return;
    }
    g_hash_table_add (self->seen_candidates, g_strdup (line));
    mid = hc_json_get_string (candidate, "sdpMid");
    index = json_object_get_member (candidate, "sdpMLineIndex");
    hc_media_room_add_remote_candidate (
        media, self->pid, mid,
        index && hc_json_kind_of (index) == HC_JSON_INT
            ? (gint)json_node_get_int (index)
            : -1,
        line);
  }
}

static void
answer_applied (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcParticipant) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!hc_media_room_set_answer_finish (HC_MEDIA_ROOM (source), result, &error))
    g_warning ("participant %s: answer refused: %s", self->pid, error->message);
}

static void
description_changed (HcParticipant *self)
{
  JsonNode *node
      = hc_sync_object_lookup (self->client, "connectionDescription");
  HcMediaRoom *media = hc_room_get_media (self->room);
  JsonObject *description;
  const gchar *type, *sdp;
  g_autoptr (GError) error = NULL;
  HcLimit limit;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) || !self->media_joined)
    return;
  description = json_node_get_object (node);
  type = hc_json_get_string (description, "type");
  sdp = hc_json_get_string (description, "sdp");
  if (sdp && !hc_join_check_sdp (sdp, &self->limits, &limit, &error)) {
    /* A notification cannot be answered (§6.3): the description is not
     * applied, and the renegotiation stays unanswered. */
    g_message ("participant %s: %s: %s, ignored", self->pid,
               type ? type : "description", error->message);
    count_limit (self, limit);
    return;
  }
  if (g_strcmp0 (type, "answer") == 0 && sdp) {
    if (!hc_media_room_is_negotiating (media, self->pid)) {
      g_message ("participant %s: an answer with no offer out, ignored",
                 self->pid);
      return;
    }
    hc_media_room_set_answer_async (media, self->pid, sdp, NULL, answer_applied,
                                    g_object_ref (self));
  } else if (g_strcmp0 (type, "offer") == 0) {
    /* §9.3: on glare the server's offer wins; offers from the client after
     * the join are not taken (everything it receives comes on m-lines the
     * server adds). */
    g_message ("participant %s: client offer after the join ignored",
               self->pid);
  }
}

static void
entry_changed (HcParticipant *self, const gchar *path, const gchar *member)
{
  JsonNode *node = hc_sync_object_lookup (self->client, path);

  if (g_str_equal (member, "publishing")) {
    JsonObject *publishing;

    if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
      return;
    publishing = json_node_get_object (node);
    for (const gchar *const *kind
         = (const gchar *const[]){ "audio", "video", NULL };
         *kind; kind++) {
      JsonNode *value = json_object_get_member (publishing, *kind);

      if (value && hc_json_kind_of (value) == HC_JSON_BOOL)
        json_object_set_boolean_member (self->publishing, *kind,
                                        json_node_get_boolean (value));
    }
    hc_participant_sync_publishing (self);
  } else {
    const gchar *mode = node && hc_json_kind_of (node) == HC_JSON_STRING
                            ? json_node_get_string (node)
                            : NULL;

    if (mode == NULL
        || (!g_str_equal (mode, "sfu") && !g_str_equal (mode, "mcu")))
      return;
    if (g_str_equal (mode, self->mode))
      return; /* a re-sync, or options changed elsewhere */
    if (self->allowed_modes
        && !g_strv_contains ((const gchar *const *)self->allowed_modes, mode)) {
      g_info ("participant %s: mode %s is not granted by its token", self->pid,
              mode);
      return;
    }
    g_free (self->mode);
    self->mode = g_strdup (mode);
    g_info ("participant %s switches to %s", self->pid, mode);
    /* §9.3: the media layer renegotiates this participant. */
    hc_media_room_set_mode (hc_room_get_media (self->room), self->pid,
                            hc_participant_media_mode (self));
    hc_room_mixer_check (self->room);
  }
  hc_room_participant_changed (self->room, self);
}

static void
client_changed (HcSyncObject *object, const gchar *attribute,
                gpointer user_data)
{
  HcParticipant *self = user_data;

  if (self->left)
    return;
  if (attribute == NULL) { /* re-synced: look at everything */
    sync_candidates (self);
    entry_changed (self, "publishing", "publishing");
    entry_changed (self, "options.mode", "mode");
    return;
  }
  if (g_str_has_prefix (attribute, "iceCandidates"))
    sync_candidates (self);
  else if (g_str_has_prefix (attribute, "connectionDescription"))
    description_changed (self);
  else if (g_str_has_prefix (attribute, "publishing"))
    entry_changed (self, "publishing", "publishing");
  else if (g_str_has_prefix (attribute, "options"))
    entry_changed (self, "options.mode", "mode");
}

/* ---- our object ------------------------------------------------------- */

static void
invited (HcSyncher *syncher, HcMessage *response, gpointer user_data)
{
  g_autofree gchar *pid = user_data;

  if (response == NULL || hc_message_get_code (response) != 200)
    g_message ("participant %s: invitation to our Connection object: %d", pid,
               response ? hc_message_get_code (response) : 408);
}

void
hc_participant_start (HcParticipant *self, const gchar *answer_sdp,
                      const gchar *room_url)
{
  g_autoptr (JsonObject) data = json_object_new ();
  JsonObject *description = json_object_new ();
  g_autofree gchar *schema = g_strdup_printf (
      CONNECTION_SCHEMA,
      hc_node_get_domain (hc_syncher_get_node (self->syncher)));

  self->media_joined = TRUE;
  json_object_set_string_member (data, "scheme", "connection");
  json_object_set_string_member (data, "name", hc_room_get_name (self->room));
  json_object_set_string_member (data, "owner",
                                 hc_syncher_get_url (self->syncher));
  json_object_set_string_member (data, "peer", self->hyperty);
  json_object_set_string_member (data, "status", "new");
  json_object_set_string_member (data, "participantId", self->pid);
  json_object_set_string_member (data, "room", room_url);
  json_object_set_string_member (description, "type", "answer");
  json_object_set_string_member (description, "sdp", answer_sdp);
  json_object_set_object_member (data, "connectionDescription", description);
  json_object_set_array_member (data, "iceCandidates", json_array_new ());

  self->server = hc_syncher_report (self->syncher, "connection", schema,
                                    hc_room_get_name (self->room), data);
  if (self->server == NULL) {
    g_warning ("participant %s: no address for our Connection object",
               self->pid);
    return;
  }
  g_object_ref (self->server);
  hc_syncher_invite (self->syncher, self->server, self->hyperty, NULL, invited,
                     g_strdup (self->pid));

  self->client_changed_id = g_signal_connect (
      self->client, "changed", G_CALLBACK (client_changed), self);
  /* Candidates the client trickled while the media join ran. */
  sync_candidates (self);
}

void
hc_participant_local_candidate (HcParticipant *self, guint mline_index,
                                const gchar *mid, const gchar *candidate)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) value = NULL;
  JsonObject *item = json_object_new ();
  JsonObject *update;

  if (self->server == NULL || self->left)
    return;
  json_object_set_string_member (item, "candidate", candidate);
  if (mid)
    json_object_set_string_member (item, "sdpMid", mid);
  json_object_set_int_member (item, "sdpMLineIndex", mline_index);
  value = json_node_init_object (json_node_alloc (), item);
  json_object_unref (item);
  /* §9.3: candidates are array adds to iceCandidates. */
  update = hc_sync_object_array_add (self->server, "iceCandidates", -1, value,
                                     &error);
  if (update)
    hc_syncher_publish (self->syncher, self->server, update);
  else
    g_warning ("participant %s: %s", self->pid, error->message);
}

void
hc_participant_connection_state (HcParticipant *self, const gchar *state)
{
  g_autoptr (JsonNode) value = NULL;

  if (self->server == NULL || self->left)
    return;
  value = json_node_init_string (json_node_alloc (), state);
  hc_syncher_set (self->syncher, self->server, "status", value, NULL);
}

static void
offer_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HcParticipant) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *sdp = hc_media_room_create_offer_finish (
      HC_MEDIA_ROOM (source), result, &error);
  g_autoptr (JsonNode) value = NULL;
  JsonObject *description;

  if (sdp == NULL) {
    g_warning ("participant %s: no offer: %s", self->pid, error->message);
    return;
  }
  if (self->left || self->server == NULL)
    return;
  /* The whole connectionDescription object at once (§9.3). */
  description = json_object_new ();
  json_object_set_string_member (description, "type", "offer");
  json_object_set_string_member (description, "sdp", sdp);
  value = json_node_init_object (json_node_alloc (), description);
  json_object_unref (description);
  hc_syncher_set (self->syncher, self->server, "connectionDescription", value,
                  NULL);
}

void
hc_participant_offer (HcParticipant *self)
{
  if (self->left || self->server == NULL)
    return;
  hc_media_room_create_offer_async (hc_room_get_media (self->room), self->pid,
                                    NULL, offer_created, g_object_ref (self));
}

void
hc_participant_close (HcParticipant *self)
{
  self->left = TRUE;
  if (self->client_changed_id) {
    g_signal_handler_disconnect (self->client, self->client_changed_id);
    self->client_changed_id = 0;
  }
  /* Stop observing (a no-op when the client deleted it). */
  hc_syncher_unobserve (self->syncher, hc_sync_object_get_url (self->client));
  if (self->server) {
    hc_syncher_delete_reported (self->syncher, self->server);
    g_clear_object (&self->server);
  }
}
