/* hyperconf — one conference room: media, room object, participants.
 *
 *   hc_room_join ─▶ HcMediaRoom join (offer -> answer) ─▶ participant
 *        started (our Connection object + invitation), room object entry
 *        participants.<pid> added, client invited to the room object
 *   HcMediaRoom signals ─▶ the participant named by pid
 *   hc_room_leave ─▶ media leave, objects deleted, entry removed;
 *        the last one out deletes the room object ("empty")
 *   mixer signals (MCU mode) ─▶ room object: participants.<pid>.speaking,
 *        activeSpeaker, layout (docs/protocol.md, appendix)
 */
#define G_LOG_DOMAIN "hc-conference"

#include "hc-room.h"

#define ROOM_SCHEMA                                                            \
  "hyperty-catalogue://catalogue.%s/.well-known/dataschema/Communication"
#define PID_LENGTH 8

struct _HcRoom {
  GObject parent_instance;

  HcSyncher *syncher;
  gchar *name;
  HcMediaRoom *media;
  HcSyncObject *object;     /* the room object (reported) */
  GHashTable *participants; /* pid -> HcParticipant */
  HcMcuLayout layout;       /* of the composite, for the room object */
  gchar *active_speaker;    /* pid, as the room object shows it, or NULL */
  gboolean layout_shown;    /* the room object lists the mixer's tiles */
};

G_DEFINE_FINAL_TYPE (HcRoom, hc_room, G_TYPE_OBJECT)

enum { SIGNAL_EMPTY, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
hc_room_dispose (GObject *object)
{
  HcRoom *self = HC_ROOM (object);

  if (self->media)
    g_signal_handlers_disconnect_by_data (self->media, self);
  g_clear_object (&self->media);
  if (self->participants)
    g_hash_table_remove_all (self->participants);
  g_clear_object (&self->object);
  g_clear_object (&self->syncher);
  G_OBJECT_CLASS (hc_room_parent_class)->dispose (object);
}

static void
hc_room_finalize (GObject *object)
{
  HcRoom *self = HC_ROOM (object);

  g_free (self->name);
  g_free (self->active_speaker);
  g_hash_table_unref (self->participants);
  G_OBJECT_CLASS (hc_room_parent_class)->finalize (object);
}

static void
hc_room_class_init (HcRoomClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hc_room_dispose;
  G_OBJECT_CLASS (klass)->finalize = hc_room_finalize;
  signals[SIGNAL_EMPTY]
      = g_signal_new ("empty", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                      NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hc_room_init (HcRoom *self)
{
  self->participants
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
}

/* ---- media events, routed to the participant by pid ------------------- */

static HcParticipant *
live_participant (HcRoom *self, const gchar *pid)
{
  HcParticipant *participant = g_hash_table_lookup (self->participants, pid);

  return participant && !participant->left ? participant : NULL;
}

static void
on_ice_candidate (HcMediaRoom *media, const gchar *pid, guint mline_index,
                  const gchar *mid, const gchar *candidate, gpointer user_data)
{
  HcParticipant *participant = live_participant (user_data, pid);

  if (participant)
    hc_participant_local_candidate (participant, mline_index, mid, candidate);
}

static void
on_connection_state (HcMediaRoom *media, const gchar *pid, const gchar *state,
                     gpointer user_data)
{
  HcParticipant *participant = live_participant (user_data, pid);

  if (participant)
    hc_participant_connection_state (participant, state);
}

static void
on_offer_needed (HcMediaRoom *media, const gchar *pid, gpointer user_data)
{
  HcParticipant *participant = live_participant (user_data, pid);

  if (participant)
    hc_participant_offer (participant);
}

static void leave (HcRoom *self, HcParticipant *participant,
                   gboolean media_left);

/* The media layer removed it (connection failed, media stopped, an error
 * of its own elements): a leave as of §9.5, after its Connection object
 * said "failed". */
static void
on_participant_failed (HcMediaRoom *media, const gchar *pid,
                       const gchar *reason, gpointer user_data)
{
  HcRoom *self = user_data;
  HcParticipant *participant = live_participant (self, pid);

  /* During its join the join's completion reports the failure. */
  if (participant == NULL || !participant->media_joined)
    return;
  g_message ("room %s: %s (%s) removed: %s", self->name, participant->username,
             pid, reason);
  hc_participant_connection_state (participant, "failed");
  leave (self, participant, TRUE);
}

/* ---- the mixer's view: speaking, active speaker, layout (§9.4) -------- */

static void
on_speaking_changed (HcMediaRoom *media, const gchar *pid, gboolean speaking,
                     gpointer user_data)
{
  HcRoom *self = user_data;
  HcParticipant *participant = live_participant (self, pid);

  if (participant == NULL || !participant->media_joined
      || participant->speaking == !!speaking)
    return;
  participant->speaking = !!speaking;
  hc_room_participant_changed (self, participant);
}

/* activeSpeaker is deleted, never set to null, when nobody speaks (§9.4:
 * runtimes cannot send falsy values). */
static void
set_active_speaker (HcRoom *self, const gchar *pid)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = TRUE;

  if (g_strcmp0 (pid, self->active_speaker) == 0 || self->object == NULL)
    return;
  g_free (self->active_speaker);
  self->active_speaker = g_strdup (pid);
  if (pid) {
    g_autoptr (JsonNode) value
        = json_node_init_string (json_node_alloc (), pid);

    ok = hc_syncher_set (self->syncher, self->object, "activeSpeaker", value,
                         &error);
  } else {
    ok = hc_syncher_remove (self->syncher, self->object, "activeSpeaker",
                            &error);
  }
  if (!ok)
    g_warning ("room %s: activeSpeaker: %s", self->name, error->message);
}

static void
on_active_speaker (HcMediaRoom *media, const gchar *pid, gpointer user_data)
{
  HcRoom *self = user_data;
  HcParticipant *participant = pid ? live_participant (self, pid) : NULL;

  set_active_speaker (self,
                      participant && participant->media_joined ? pid : NULL);
}

/* {kind, tiles: [{pid, x, y, w, h}]}, rectangles relative to the frame
 * (0..1), so a client draws over the mixed video at whatever size it
 * shows it. */
static JsonNode *
layout_node (HcRoom *self, JsonArray *tiles)
{
  JsonObject *layout = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (
      layout, "kind",
      self->layout == HC_MCU_LAYOUT_SPEAKER ? "speaker" : "grid");
  json_object_set_array_member (layout, "tiles",
                                tiles ? tiles : json_array_new ());
  node = json_node_init_object (json_node_alloc (), layout);
  json_object_unref (layout);
  return node;
}

/* @tiles: a(sdddd), one (pid, x, y, w, h) per tile. */
static void
on_layout_changed (HcMediaRoom *media, GVariant *tiles, gpointer user_data)
{
  HcRoom *self = user_data;
  JsonArray *array = json_array_new ();
  g_autoptr (JsonNode) value = NULL;
  g_autoptr (GError) error = NULL;
  GVariantIter iter;
  const gchar *pid;
  gdouble x, y, w, h;

  g_variant_iter_init (&iter, tiles);
  while (g_variant_iter_next (&iter, "(&sdddd)", &pid, &x, &y, &w, &h)) {
    JsonObject *tile = json_object_new ();

    json_object_set_string_member (tile, "pid", pid);
    json_object_set_double_member (tile, "x", x);
    json_object_set_double_member (tile, "y", y);
    json_object_set_double_member (tile, "w", w);
    json_object_set_double_member (tile, "h", h);
    json_array_add_object_element (array, tile);
  }
  value = layout_node (self, array);
  self->layout_shown = json_array_get_length (array) > 0;
  if (self->object
      && !hc_syncher_set (self->syncher, self->object, "layout", value, &error))
    g_warning ("room %s: layout: %s", self->name, error->message);
}

/* The mixer stops with its last MCU receiver without a word: what the room
 * object says it saw goes with it (nobody is heard speaking any more). */
void
hc_room_mixer_check (HcRoom *self)
{
  GHashTableIter iter;
  gpointer value;

  if (hc_media_room_has_mixer (self->media))
    return;
  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    HcParticipant *participant = value;

    if (participant->speaking && !participant->left) {
      participant->speaking = FALSE;
      hc_room_participant_changed (self, participant);
    }
  }
  set_active_speaker (self, NULL);
  if (self->layout_shown && self->object) {
    g_autoptr (JsonNode) layout = layout_node (self, NULL);

    self->layout_shown = FALSE;
    hc_syncher_set (self->syncher, self->object, "layout", layout, NULL);
  }
}

static HcMcuSettings
mcu_settings (const HcMcuConfig *mcu, HcMcuLayout layout)
{
  return (HcMcuSettings){
    .width = mcu->width,
    .height = mcu->height,
    .framerate = mcu->framerate,
    .video_bitrate = mcu->video_bitrate,
    .audio_bitrate = mcu->audio_bitrate,
    .max_tiles = mcu->max_tiles,
    .max_mixed = mcu->max_mixed,
    .keyframe_min_interval_ms = mcu->keyframe_interval_ms,
    .layout
    = layout == HC_MCU_LAYOUT_SPEAKER ? HC_LAYOUT_SPEAKER : HC_LAYOUT_GRID,
    .video_codec = mcu->codec == HC_MCU_CODEC_H264 ? HC_VIDEO_CODEC_H264
                                                   : HC_VIDEO_CODEC_VP8,
  };
}

/* ---- construction ----------------------------------------------------- */

HcRoom *
hc_room_new (HcSyncher *syncher, const gchar *name, const HcMcuConfig *mcu,
             const gchar *layout)
{
  g_autoptr (HcRoom) self = g_object_new (HC_TYPE_ROOM, NULL);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *created = g_date_time_format_iso8601 (now);
  g_autofree gchar *schema = g_strdup_printf (
      ROOM_SCHEMA, hc_node_get_domain (hc_syncher_get_node (syncher)));

  self->syncher = g_object_ref (syncher);
  self->name = g_strdup (name);
  self->layout = layout == NULL                    ? mcu->layout
                 : g_str_equal (layout, "speaker") ? HC_MCU_LAYOUT_SPEAKER
                                                   : HC_MCU_LAYOUT_GRID;

  /* §9.4 */
  json_object_set_string_member (data, "scheme", "comm");
  json_object_set_string_member (data, "name", name);
  json_object_set_string_member (data, "owner", hc_syncher_get_url (syncher));
  json_object_set_string_member (data, "status", "live");
  json_object_set_string_member (data, "created", created);
  json_object_set_string_member (data, "mode", "sfu");
  json_object_set_object_member (data, "participants", json_object_new ());
  json_object_set_member (data, "layout", layout_node (self, NULL));
  self->object = hc_syncher_report (syncher, "comm", schema, name, data);
  if (self->object == NULL)
    return NULL;
  g_object_ref (self->object);

  self->media = hc_media_room_new (name);
  {
    HcMcuSettings settings = mcu_settings (mcu, self->layout);

    hc_media_room_set_mcu_settings (self->media, &settings);
  }
  g_signal_connect (self->media, "ice-candidate", G_CALLBACK (on_ice_candidate),
                    self);
  g_signal_connect (self->media, "connection-state",
                    G_CALLBACK (on_connection_state), self);
  g_signal_connect (self->media, "offer-needed", G_CALLBACK (on_offer_needed),
                    self);
  g_signal_connect (self->media, "speaking-changed",
                    G_CALLBACK (on_speaking_changed), self);
  g_signal_connect (self->media, "active-speaker",
                    G_CALLBACK (on_active_speaker), self);
  g_signal_connect (self->media, "layout-changed",
                    G_CALLBACK (on_layout_changed), self);
  g_signal_connect (self->media, "participant-failed",
                    G_CALLBACK (on_participant_failed), self);
  g_info ("room %s opened (%s)", name, hc_sync_object_get_url (self->object));
  return g_steal_pointer (&self);
}

const gchar *
hc_room_get_name (HcRoom *self)
{
  return self->name;
}

const gchar *
hc_room_get_url (HcRoom *self)
{
  return self->object ? hc_sync_object_get_url (self->object) : NULL;
}

guint
hc_room_get_n_participants (HcRoom *self)
{
  return g_hash_table_size (self->participants);
}

HcMediaRoom *
hc_room_get_media (HcRoom *self)
{
  return self->media;
}

/* Rooms hold few participants: a scan is cheap and keeps no second index
 * to get out of step. */
static HcParticipant *
find_matching (HcRoom *self, const gchar *hyperty, const gchar *client_url,
               HcSyncObject *server_object)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    HcParticipant *participant = value;

    if (participant->left)
      continue;
    if ((hyperty && g_str_equal (participant->hyperty, hyperty))
        || (client_url
            && g_str_equal (hc_participant_get_client_url (participant),
                            client_url))
        || (server_object && participant->server == server_object))
      return participant;
  }
  return NULL;
}

HcParticipant *
hc_room_find_by_hyperty (HcRoom *self, const gchar *hyperty)
{
  return find_matching (self, hyperty, NULL, NULL);
}

HcParticipant *
hc_room_find (HcRoom *self, const gchar *client_url,
              HcSyncObject *server_object)
{
  return find_matching (self, NULL, client_url, server_object);
}

/* ---- the room object -------------------------------------------------- */

static gchar *
entry_path (HcParticipant *participant)
{
  return g_strdup_printf ("participants.%s", participant->pid);
}

/* Joins, mute and mode are updates of the whole entry (§9.4). */
void
hc_room_participant_changed (HcRoom *self, HcParticipant *participant)
{
  g_autofree gchar *path = entry_path (participant);
  g_autoptr (JsonNode) entry = hc_participant_room_entry (participant);
  g_autoptr (GError) error = NULL;

  if (self->object
      && !hc_syncher_set (self->syncher, self->object, path, entry, &error))
    g_warning ("room %s: %s", self->name, error->message);
}

static void
room_invited (HcSyncher *syncher, HcMessage *response, gpointer user_data)
{
  g_autofree gchar *pid = user_data;

  if (response == NULL || hc_message_get_code (response) != 200)
    g_message ("participant %s: invitation to the room object: %d", pid,
               response ? hc_message_get_code (response) : 408);
}

/* ---- join ------------------------------------------------------------- */

typedef struct {
  HcRoom *room;
  HcParticipant *participant;
  HcRoomJoinFunc callback;
  gpointer user_data;
} Join;

static gchar *
new_pid (HcRoom *self)
{
  static const gchar alphabet[] = "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  gchar *pid = g_malloc (PID_LENGTH + 1);

  do {
    for (guint i = 0; i < PID_LENGTH; i++)
      pid[i] = alphabet[g_random_int_range (0, sizeof alphabet - 1)];
    pid[PID_LENGTH] = '\0';
  } while (g_hash_table_contains (self->participants, pid));
  return pid;
}

static void
remove_participant (HcRoom *self, HcParticipant *participant)
{
  g_autoptr (HcParticipant) hold = g_object_ref (participant);

  g_hash_table_remove (self->participants, participant->pid);
  if (g_hash_table_size (self->participants) == 0) {
    if (self->object) {
      hc_syncher_delete_reported (self->syncher, self->object);
      g_clear_object (&self->object);
    }
    g_info ("room %s closed", self->name);
    g_signal_emit (self, signals[SIGNAL_EMPTY], 0);
  }
}

static void
media_joined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Join *join = user_data;
  g_autoptr (HcRoom) self = join->room;
  g_autoptr (HcParticipant) participant = join->participant;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *answer
      = hc_media_room_join_finish (HC_MEDIA_ROOM (source), result, &error);
  g_autofree gchar *path = NULL;
  g_autoptr (JsonNode) entry = NULL;
  HcRoomJoinFunc callback = join->callback;
  gpointer callback_data = join->user_data;

  g_free (join);
  if (participant->left) {
    /* It went away while the media joined (§9.5 mid-negotiation). */
    if (answer)
      hc_media_room_leave (self->media, participant->pid);
    callback (self, NULL, 410, "the participant left during the join",
              callback_data);
    remove_participant (self, participant);
    return;
  }
  if (answer == NULL) {
    participant->left = TRUE;
    callback (self, NULL,
              g_error_matches (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_WEBRTC)
                  ? 500
                  : 400,
              error->message, callback_data);
    remove_participant (self, participant);
    return;
  }

  callback (self, participant, 200, NULL, callback_data);
  hc_participant_start (participant, answer, hc_room_get_url (self));
  path = entry_path (participant);
  entry = hc_participant_room_entry (participant);
  hc_syncher_set (self->syncher, self->object, path, entry, NULL);
  hc_syncher_invite (self->syncher, self->object, participant->hyperty, NULL,
                     room_invited, g_strdup (participant->pid));
}

void
hc_room_join (HcRoom *self, HcSyncObject *client_object, HcJoinRequest *request,
              HcRoomJoinFunc callback, gpointer user_data)
{
  g_autofree gchar *pid = new_pid (self);
  Join *join = g_new0 (Join, 1);
  HcParticipant *participant
      = hc_participant_new (self, self->syncher, client_object, request, pid);

  g_hash_table_insert (self->participants, participant->pid, participant);
  join->room = g_object_ref (self);
  join->participant = g_object_ref (participant);
  join->callback = callback;
  join->user_data = user_data;
  g_info ("room %s: %s joins as %s (%s, %s)", self->name, request->username,
          pid, request->owner, request->mode);
  /* Before the join, so that an MCU receiver's first offer already
   * carries the mix (§9.3). */
  hc_media_room_set_display_name (self->media, pid, request->username);
  hc_participant_sync_publishing (participant);
  if (hc_participant_media_mode (participant) != HC_MEDIA_MODE_SFU)
    hc_media_room_set_mode (self->media, pid,
                            hc_participant_media_mode (participant));
  hc_media_room_join_async (self->media, pid, request->offer_sdp, NULL,
                            media_joined, join);
}

/* ---- leave ------------------------------------------------------------ */

/* @media_left: the media layer removed it already */
static void
leave (HcRoom *self, HcParticipant *participant, gboolean media_left)
{
  g_autofree gchar *path = NULL;
  gboolean was_joined = participant->media_joined;

  if (participant->left)
    return;
  g_info ("room %s: %s (%s) leaves", self->name, participant->username,
          participant->pid);
  hc_participant_close (participant);
  if (!was_joined)
    return; /* media_joined() finishes the removal */
  if (!media_left)
    hc_media_room_leave (self->media, participant->pid);
  /* §9.4: activeSpeaker goes with the speaker. */
  if (g_strcmp0 (self->active_speaker, participant->pid) == 0)
    set_active_speaker (self, NULL);
  hc_room_mixer_check (self);
  path = entry_path (participant);
  if (self->object)
    hc_syncher_remove (self->syncher, self->object, path, NULL);
  remove_participant (self, participant);
}

void
hc_room_leave (HcRoom *self, HcParticipant *participant)
{
  leave (self, participant, FALSE);
}

void
hc_room_set_status (HcRoom *self, const gchar *status)
{
  g_autoptr (JsonNode) value
      = json_node_init_string (json_node_alloc (), status);

  if (self->object)
    hc_syncher_set (self->syncher, self->object, "status", value, NULL);
}

/* ---- operator calls (admin API) --------------------------------------- */

GPtrArray *
hc_room_list_participants (HcRoom *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    if (!((HcParticipant *)value)->left)
      g_ptr_array_add (list, g_object_ref (value));
  }
  return list;
}

void
hc_room_close (HcRoom *self)
{
  g_autoptr (HcRoom) hold = g_object_ref (self);
  g_autoptr (GPtrArray) participants = hc_room_list_participants (self);

  g_info ("room %s closed", self->name);
  /* Everyone sees why before the entries go (§9.4 status). */
  hc_room_set_status (self, "closed");
  for (guint i = 0; i < participants->len; i++)
    hc_room_leave (self, g_ptr_array_index (participants, i));
}
