/* hyperconf — what an operator asks of the conference (the admin API):
 * rooms with their participants and each one's connection statistics,
 * closing a room, removing a participant.
 *
 *   describe ─▶ for every participant: hc_media_room_get_stats_async ─┐
 *                                      (all in flight at once)         │
 *   JSON {"rooms":[...]} ◀──── the last reply (or error) ──────────────┘
 *
 * Removals go the way of a leave (§9.5), so the others see them through
 * the room object and the participant sees its server Connection object
 * deleted.
 */
#define G_LOG_DOMAIN "hc-conference"

#include "hc-conference-private.h"

typedef struct {
  JsonArray *rooms;
  guint pending;
} Describe;

typedef struct {
  GTask *task;       /* Describe in its task data */
  JsonObject *entry; /* the participant's entry, gets "stats" */
} StatsRequest;

static void
describe_free (Describe *describe)
{
  json_array_unref (describe->rooms);
  g_free (describe);
}

static void
finish_if_done (GTask *task)
{
  Describe *describe = g_task_get_task_data (task);
  g_autoptr (JsonObject) result = NULL;

  if (describe->pending > 0)
    return;
  result = json_object_new ();
  json_object_set_array_member (result, "rooms",
                                json_array_ref (describe->rooms));
  g_task_return_pointer (task,
                         json_node_init_object (json_node_alloc (), result),
                         (GDestroyNotify)json_node_unref);
}

static JsonObject *
stats_object (const HcMediaStats *stats)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "bitrateIn", (gint64)stats->bitrate_in);
  json_object_set_int_member (object, "bitrateOut", (gint64)stats->bitrate_out);
  json_object_set_int_member (object, "bytesReceived",
                              (gint64)stats->bytes_received);
  json_object_set_int_member (object, "bytesSent", (gint64)stats->bytes_sent);
  json_object_set_int_member (object, "packetsReceived",
                              (gint64)stats->packets_received);
  json_object_set_int_member (object, "packetsSent",
                              (gint64)stats->packets_sent);
  json_object_set_int_member (object, "packetsLostIn", stats->packets_lost_in);
  json_object_set_int_member (object, "packetsLostOut",
                              stats->packets_lost_out);
  json_object_set_double_member (object, "fractionLostOut",
                                 stats->fraction_lost_out);
  if (stats->rtt_s >= 0)
    json_object_set_double_member (object, "rttMs", stats->rtt_s * 1000);
  else
    json_object_set_null_member (object, "rttMs");
  return object;
}

static void
got_stats (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StatsRequest *request = user_data;
  Describe *describe = g_task_get_task_data (request->task);
  g_autoptr (GError) error = NULL;
  HcMediaStats stats;

  if (hc_media_room_get_stats_finish (HC_MEDIA_ROOM (source), result, &stats,
                                      &error))
    json_object_set_object_member (request->entry, "stats",
                                   stats_object (&stats));
  else
    json_object_set_null_member (request->entry, "stats"); /* it left */
  describe->pending--;
  finish_if_done (request->task);
  g_object_unref (request->task);
  json_object_unref (request->entry);
  g_free (request);
}

static JsonObject *
describe_participant (HcParticipant *participant, GTask *task,
                      HcMediaRoom *media)
{
  g_autoptr (JsonNode) entry = hc_participant_room_entry (participant);
  JsonObject *object = json_object_ref (json_node_get_object (entry));
  Describe *describe = g_task_get_task_data (task);
  StatsRequest *request;

  json_object_set_string_member (object, "pid",
                                 hc_participant_get_pid (participant));
  /* Only a participant whose media joined has a connection to ask. */
  if (!participant->media_joined) {
    json_object_set_null_member (object, "stats");
    return object;
  }
  request = g_new0 (StatsRequest, 1);
  request->task = g_object_ref (task);
  request->entry = json_object_ref (object);
  describe->pending++;
  hc_media_room_get_stats_async (media, hc_participant_get_pid (participant),
                                 g_task_get_cancellable (task), got_stats,
                                 request);
  return object;
}

void
hc_conference_describe_rooms_async (HcConference *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_auto (GStrv) names = hc_conference_list_rooms (self);
  Describe *describe = g_new0 (Describe, 1);

  describe->rooms = json_array_new ();
  g_task_set_task_data (task, describe, (GDestroyNotify)describe_free);
  /* Held while the first stats run, so no reply finishes it early. */
  describe->pending = 1;
  for (guint i = 0; names[i]; i++) {
    HcRoom *room = hc_conference_lookup_room (self, names[i]);
    g_autoptr (GPtrArray) participants = hc_room_list_participants (room);
    JsonObject *entry = json_object_new ();
    JsonArray *list = json_array_new ();

    json_object_set_string_member (entry, "name", names[i]);
    if (hc_room_get_url (room))
      json_object_set_string_member (entry, "url", hc_room_get_url (room));
    for (guint j = 0; j < participants->len; j++)
      json_array_add_object_element (
          list, describe_participant (g_ptr_array_index (participants, j), task,
                                      hc_room_get_media (room)));
    json_object_set_array_member (entry, "participants", list);
    json_array_add_object_element (describe->rooms, entry);
  }
  describe->pending--;
  finish_if_done (task);
}

JsonNode *
hc_conference_describe_rooms_finish (HcConference *self, GAsyncResult *result,
                                     GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
hc_conference_close_room (HcConference *self, const gchar *name)
{
  HcRoom *room = hc_conference_lookup_room (self, name);

  if (room == NULL)
    return FALSE;
  g_info ("room %s closed by the operator", name);
  hc_room_close (room);
  return TRUE;
}

gboolean
hc_conference_remove_participant (HcConference *self, const gchar *name,
                                  const gchar *pid)
{
  HcRoom *room = hc_conference_lookup_room (self, name);
  g_autoptr (GPtrArray) participants = NULL;

  if (room == NULL)
    return FALSE;
  participants = hc_room_list_participants (room);
  for (guint i = 0; i < participants->len; i++) {
    HcParticipant *participant = g_ptr_array_index (participants, i);

    if (g_str_equal (hc_participant_get_pid (participant), pid)) {
      g_info ("room %s: the operator removes %s", name, pid);
      hc_room_leave (room, participant);
      return TRUE;
    }
  }
  return FALSE;
}
