/* hyperconf — HcMediaRoom's insides, shared by hc-media-room.c (room,
 * participants, tracks, signals) and hc-room-negotiate.c (join, ICE
 * candidates, server offers and client answers).  Private to src/media;
 * main context only.
 */
#pragma once

#include <hyperconf/hc-media-room.h>

#include "hc-branch.h"
#include "hc-lean-send.h"
#include "hc-mixer.h"
#include "hc-peer.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (hc_room_debug);

typedef struct _Participant Participant;
/* A packet counter shared with streaming threads (atomic, refcounted). */
typedef struct {
  gint packets;
} HcActivity;

typedef struct {
  gchar *id;         /* the publisher's track id, from its msid, or label */
  gchar *label;      /* <kind><n>: element names */
  const gchar *kind; /* "audio" / "video" */
  Participant *publisher; /* NULL for the mixer's outputs (msid "mix") */
  HcTrackHead *head;
  GstCaps *codec_caps; /* as offered to subscribers (no ssrc) */
  guint32 ssrc;        /* the publisher's */
  gint mix_voice;      /* the mixed audio: its branch's "mix-voice" */
  guint order;         /* of publication in the room */
} Track;

typedef struct {
  Track *track;
  HcBranch *branch;
} Subscription;

typedef struct {
  gchar *mid;
  gint mline_index;
  gchar *candidate;
} PendingCandidate;

typedef enum {
  NEGOTIATION_IDLE,
  NEGOTIATION_CREATING, /* server offer being created and set */
  NEGOTIATION_AWAITING, /* offer out, waiting for the client's answer */
  NEGOTIATION_APPLYING, /* client's answer being set */
} Negotiation;

struct _Participant {
  HcMediaRoom *room;
  gchar *pid;
  HcPeer *peer;
  HcLeanSend *lean;     /* its send path, NULL for webrtcbin's own */
  GstSDPMessage *offer; /* the join offer: track ids */
  gboolean remote_set;  /* the join offer is the remote description */
  gboolean answered;    /* the join answer is the local description */
  gboolean connected;
  gboolean needs_offer;     /* what it should receive changed */
  gboolean offer_signalled; /* "offer-needed" sent, no offer made yet */
  Negotiation negotiation;
  GPtrArray *tracks;           /* Track, published */
  GPtrArray *subscriptions;    /* Subscription, received */
  GPtrArray *candidates;       /* PendingCandidate, before remote_set */
  gboolean joined;             /* the join answer was handed out */
  GPtrArray *local_candidates; /* PendingCandidate, until joined */
  guint n_tracks;
  guint expected_tracks; /* what the join offer sends, in accepted codecs */
  gint64 first_track_us; /* monotonic: when its first track published */
  HcMediaMode mode;
  gboolean sends_audio; /* the join offer sends Opus: mix-minus for it */
  Track *mix_video;     /* MCU: the subscriptions' tracks (owned; heads */
  Track *mix_audio;     /* are the mixer's) */

  /* Faults (hc-room-faults.c) */
  HcActivity *activity;    /* packets in, counted by its nicesrc probes */
  gint last_packets;       /* the count at the last check */
  gint64 last_activity_us; /* monotonic: when the count last moved */
  gboolean seen_packet;    /* one arrived since the watch started */
  gboolean failing;        /* removal scheduled ("participant-failed") */
};

struct _HcMediaRoom {
  GObject parent_instance;

  gchar *name;
  GstPipeline *pipeline;
  GMainContext *context;
  GSource *bus_source;
  GSource *offer_check;     /* pending "offer-needed" scan */
  GSource *offer_hold;      /* a publisher's other tracks awaited */
  GHashTable *participants; /* pid -> Participant */
  guint n_published;        /* tracks published so far: Track.order */
  gboolean lean_send;       /* participants get an hcsrtpsend (default) */
  gboolean lean_receive;    /* hc-receive-direct.h (default) */

  /* MCU (hc-room-mcu.c) */
  HcMcuSettings mcu;
  HcMixer *mixer;            /* while an answered participant is MCU */
  GHashTable *pending_modes; /* pid -> HcMediaMode, set before the join */
  GHashTable *display_names; /* pid -> name */
  GHashTable *video_muted;   /* pids whose video is off */

  /* Faults (hc-room-faults.c) */
  guint media_timeout_ms; /* 0: media is not watched */
  GSource *media_check;   /* periodic, while media is watched */
  GPtrArray *failed;      /* FailedParticipant, to remove from an idle */
  GSource *fail_idle;     /* removes them */
  GSource *mixer_restart; /* pending restart of a failed mixer */
  guint mixer_restarts;   /* so far: the next waits longer */
};

Participant *hc_room_lookup (HcMediaRoom *self, const gchar *pid);
/* The participant an async call started for, if it is still the same. */
Participant *hc_room_lookup_peer (HcMediaRoom *self, const gchar *pid,
                                  HcPeer *peer);
/* Adds a participant and its webrtcbin (takes @offer). */
Participant *hc_room_participant_add (HcMediaRoom *self, const gchar *pid,
                                      GstSDPMessage *offer);
/* Undoes everything @p brought into the pipeline, and frees @p. */
void hc_room_participant_remove (HcMediaRoom *self, Participant *p);
/* Subscribes @p to every track the others publish. */
void hc_room_subscribe_to_all (HcMediaRoom *self, Participant *p);
/* The join answer is out: "ice-candidate" for what was gathered before
 * (held back so that no candidate reaches the client before the answer),
 * and from now on at once. */
void hc_room_release_local_candidates (HcMediaRoom *self, const gchar *pid,
                                       HcPeer *peer);
/* "offer-needed" goes out from an idle callback of the room's context. */
void hc_room_schedule_offer_check (HcMediaRoom *self);
/* Keys, socket, RTP session and RTX streams of @p's lean send path, as
 * far as they exist (after each negotiation and at connection). */
void hc_room_update_lean_send (Participant *p);
/* A branch from @t's head into @p's webrtcbin; @p needs an offer. */
void hc_room_subscribe (HcMediaRoom *self, Participant *p, Track *t);
/* Removes @p's subscriptions to @t (every one when @t is NULL). */
void hc_room_unsubscribe (HcMediaRoom *self, Participant *p, Track *t);
void hc_room_track_free (Track *t);
/* The msid stream of @t's m-lines: its publisher's pid, or "mix". */
const gchar *hc_room_track_stream (const Track *t);

/* MCU (hc-room-mcu.c).  A new participant takes the mode set before its
 * join. */
void hc_room_mcu_participant_added (HcMediaRoom *self, Participant *p);
/* @p's answer is set: subscribes it to the mix (starting the mixer). */
void hc_room_subscribe_to_mix (HcMediaRoom *self, Participant *p);
/* Drops @p's mix subscriptions, and the mixer with the last of them. */
void hc_room_unsubscribe_from_mix (HcMediaRoom *self, Participant *p);
/* A track was published / is about to go: the mixer's input follows. */
void hc_room_mcu_track_added (HcMediaRoom *self, Track *t);
void hc_room_mcu_track_removed (HcMediaRoom *self, Track *t);
/* After a participant left. */
void hc_room_mcu_participant_removed (HcMediaRoom *self, const gchar *pid);
/* The room's bus watch: TRUE when @message was the mixer's. */
gboolean hc_room_mcu_handle_message (HcMediaRoom *self, GstMessage *message);
void hc_room_mcu_init (HcMediaRoom *self);
/* Stops and starts the mixer again, its receivers resubscribed (their
 * m-lines renegotiated), after one of its shared elements failed. */
void hc_room_mcu_restart (HcMediaRoom *self);

/* Faults (hc-room-faults.c): each of these ends in the participant's
 * removal from an idle callback of the room's context, then
 * "participant-failed" (hc-media-room.h). */
void hc_room_faults_init (HcMediaRoom *self);
void hc_room_faults_dispose (HcMediaRoom *self);
/* @p's answer is set: count the packets that reach its webrtcbin. */
void hc_room_watch_media (HcMediaRoom *self, Participant *p);
/* @p is removed soon, for @reason (logged, and in the signal). */
void hc_room_fail (HcMediaRoom *self, Participant *p, const gchar *reason);
/* An ERROR on the room's bus: attributed to the participant whose
 * element posted it (removed), or to the mixer (restarted); never the
 * room's end. */
void hc_room_faults_handle_error (HcMediaRoom *self, GstMessage *message);
void hc_room_mcu_dispose (HcMediaRoom *self);

G_END_DECLS
