/* hyperconf — one conference room: its media (HcMediaRoom), its room
 * object (comm://, §9.4) and its participants.  Private to src/conference.
 *
 *   HcRoom ──▶ HcMediaRoom (pipeline)       media signals ─▶ HcParticipant
 *     │  └──▶ room object (reported)         (candidates, state, offers)
 *     └──▶ HcParticipant × n ──▶ server Connection object (reported)
 *                             └─ client Connection object (observed)
 */
#pragma once

#include <hyperconf/hc-conference.h>
#include <hyperconf/hc-media-room.h>
#include <hyperconf/hc-syncher.h>

#include "hc-join-request.h"

G_BEGIN_DECLS

#define HC_TYPE_PARTICIPANT (hc_participant_get_type ())
G_DECLARE_FINAL_TYPE (HcParticipant, hc_participant, HC, PARTICIPANT, GObject)

#define HC_TYPE_ROOM (hc_room_get_type ())
G_DECLARE_FINAL_TYPE (HcRoom, hc_room, HC, ROOM, GObject)

/* ---- HcRoom ------------------------------------------------------------ */

/* Reports the room object. Returns NULL when no address could be had.
 * @mcu: the [mcu] settings its mixer will use, copied
 * @layout: (nullable): the first joiner's options.layout ("grid" or
 *   "speaker"), winning over @mcu's */
HcRoom *hc_room_new (HcSyncher *syncher, const gchar *name,
                     const HcMcuConfig *mcu, const gchar *layout);

const gchar *hc_room_get_name (HcRoom *self);
const gchar *hc_room_get_url (HcRoom *self);
guint hc_room_get_n_participants (HcRoom *self);
HcMediaRoom *hc_room_get_media (HcRoom *self);
/* The participant whose client hyperty is @hyperty, or NULL. */
HcParticipant *hc_room_find_by_hyperty (HcRoom *self, const gchar *hyperty);
/* The participant whose client object is at @client_url (when not NULL)
 * or whose server object is @server_object (when not NULL), or NULL. */
HcParticipant *hc_room_find (HcRoom *self, const gchar *client_url,
                             HcSyncObject *server_object);

/**
 * hc_room_join:
 * Adds a participant for an accepted join request; the media join runs,
 * then @callback gets the participant (or NULL with the error code and
 * text, after which nothing of it remains).
 */
typedef void (*HcRoomJoinFunc) (HcRoom *room, HcParticipant *participant,
                                gint code, const gchar *desc,
                                gpointer user_data);
void hc_room_join (HcRoom *self, HcSyncObject *client_object,
                   HcJoinRequest *request, HcRoomJoinFunc callback,
                   gpointer user_data);

/* §9.5: removes the participant everywhere; deletes the room object when
 * it was the last (the owner then drops the room). */
void hc_room_leave (HcRoom *self, HcParticipant *participant);

/* The room object's `status` (§9.4): "live", "closing" (the server
 * drains) or "closed" (docs/protocol.md, appendix). */
void hc_room_set_status (HcRoom *self, const gchar *status);

/* Returns: (transfer container) (element-type HcParticipant): those that
 * have not left */
GPtrArray *hc_room_list_participants (HcRoom *self);
/* The operator (or the end of a drain) closes the room: the room object's
 * status becomes "closed", then every participant leaves as in §9.5. */
void hc_room_close (HcRoom *self);

/* Signal "empty": the last participant left (or the first join failed). */

/* ---- HcParticipant ----------------------------------------------------- */

const gchar *hc_participant_get_pid (HcParticipant *self);
const gchar *hc_participant_get_hyperty (HcParticipant *self);
/* The client's Connection object URL (observed). */
const gchar *hc_participant_get_client_url (HcParticipant *self);
/* The server's Connection object for this participant (reported). */
HcSyncObject *hc_participant_get_server_object (HcParticipant *self);

G_END_DECLS

G_BEGIN_DECLS

/* Participant internals, shared by hc-room.c and hc-participant.c. */
struct _HcParticipant {
  GObject parent_instance;

  HcRoom *room;       /* (unowned): the room owns its participants */
  HcSyncher *syncher; /* the server hyperty */
  gchar *pid;
  gchar *hyperty; /* the client hyperty (owner of its object) */
  gchar *username;
  gchar *mode;
  GStrv allowed_modes; /* (nullable): a join token's modes; NULL: any */
  gchar *joined;       /* ISO 8601 */
  gboolean speaking;   /* from the mixer's levels (§9.4) */
  JsonObject *publishing;

  HcSyncObject *client; /* the client's Connection object (observed) */
  gulong client_changed_id;
  HcSyncObject *server;        /* ours for this participant (reported) */
  GHashTable *seen_candidates; /* candidate line -> NULL */
  HcJoinLimits limits;         /* what it may send after the join */
  gboolean media_joined;
  gboolean left;
  gboolean candidates_refused; /* logged once */
};

HcParticipant *hc_participant_new (HcRoom *room, HcSyncher *syncher,
                                   HcSyncObject *client, HcJoinRequest *request,
                                   const gchar *pid);
/* The media layer's name for the participant's mode. */
HcMediaMode hc_participant_media_mode (HcParticipant *self);
/* Tells the media layer whether its video is on (publishing.video). */
void hc_participant_sync_publishing (HcParticipant *self);
/* Returns: (transfer full): the room object's entry for this participant */
JsonNode *hc_participant_room_entry (HcParticipant *self);
/* After the media join: report our Connection object (with @answer_sdp),
 * invite the client to it, follow the client's object. */
void hc_participant_start (HcParticipant *self, const gchar *answer_sdp,
                           const gchar *room_url);
/* Media events for this participant. */
void hc_participant_local_candidate (HcParticipant *self, guint mline_index,
                                     const gchar *mid, const gchar *candidate);
void hc_participant_connection_state (HcParticipant *self, const gchar *state);
void hc_participant_offer (HcParticipant *self);
/* Deletes our object, stops observing the client's. */
void hc_participant_close (HcParticipant *self);

/* Room callbacks from participants. */
void hc_room_participant_changed (HcRoom *self, HcParticipant *participant);
/* After a mode change or a leave: when the mixer stopped, the room object
 * shows nobody speaking and no tiles. */
void hc_room_mixer_check (HcRoom *self);

G_END_DECLS
