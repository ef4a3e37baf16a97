/* hyperconf — HcMediaRoom: one room's SFU pipeline.
 *
 *  GstPipeline "room-<name>" (PLAYING from creation)
 *  ┌────────────────────────────────────────────────────────────────────┐
 *  │ peer-A (webrtcbin)                                  peer-B         │
 *  │  src_0 ─▶ A-video0 (head) ─┬─▶ queue ─▶ capssetter ─▶ sink_2       │
 *  │                            └─▶ queue ─▶ capssetter ─▶ sink_.. peer-C│
 *  │  src_1 ─▶ A-audio0 (head) ─┬─▶ ...                                 │
 *  │  sink_2 ◀─ capssetter ◀─ queue ◀─ B-video0 (head) ◀─ src_0 peer-B  │
 *  └────────────────────────────────────────────────────────────────────┘
 *
 *  Participant life (main context):
 *
 *   join_async ──▶ set-remote(offer) ─▶ create-answer (Opus/VP8 only) ─▶
 *   set-local(answer) = "answered": receives every published track
 *        │
 *        ▼  connection-state connected
 *   needs offer ∧ connected ∧ no offer out ─▶ "offer-needed"
 *   create_offer_async ─▶ create-offer ─▶ a=msid ─▶ set-local ─▶ SDP out
 *   set_answer_async ─▶ set-remote(answer) ─▶ again if changes meanwhile
 *
 * Tracks: a publisher's webrtcbin src pad (HcPeer "rtp-src-pad") gets a
 * head (hc-branch.h); every answered participant but the publisher gets a
 * branch from it and needs an offer.  A leave frees branches, heads and
 * the webrtcbin, so the pipeline returns to its element count before the
 * join (webrtcbin 1.22 keeps a few internals of released pads: see
 * hc_media_room_get_n_elements()).  Negotiations: hc-room-negotiate.c.
 * A participant in MCU mode gets branches from the mixer's heads instead
 * of one per track (hc-room-mcu.c, hc-mixer.h).
 *
 * State belongs to the main context; HcPeer does the hops from
 * webrtcbin's threads.  Async calls keep the participant's pid and peer:
 * a participant that left (or left and joined again) meanwhile is noticed
 * by looking both up again, never by touching freed memory.
 */
#define G_LOG_DOMAIN "hc-room"

#include <hyperconf/hc-media-room.h>
#include <hyperconf/hc-forwarder.h>

#include "hc-room-private.h"
#include "hc-receive-direct.h"
#include "hc-receive-shortcut.h"
#include "hc-test-drop.h"
#include "hc-sdp.h"

GST_DEBUG_CATEGORY (hc_room_debug);
#define GST_CAT_DEFAULT hc_room_debug

enum {
  SIGNAL_ICE_CANDIDATE,
  SIGNAL_CONNECTION_STATE,
  SIGNAL_OFFER_NEEDED,
  SIGNAL_TRACK_PUBLISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HcMediaRoom, hc_media_room, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------- */
/* Participants                                                            */
/* ---------------------------------------------------------------------- */

Participant *
hc_room_lookup (HcMediaRoom *self, const gchar *pid)
{
  return pid ? g_hash_table_lookup (self->participants, pid) : NULL;
}

/* The participant an async call started for, if it is still the same. */
Participant *
hc_room_lookup_peer (HcMediaRoom *self, const gchar *pid, HcPeer *peer)
{
  Participant *p = hc_room_lookup (self, pid);

  return p && p->peer == peer ? p : NULL;
}

void
hc_room_track_free (Track *t)
{
  g_free (t->id);
  g_free (t->label);
  gst_clear_caps (&t->codec_caps);
  g_free (t);
}

static void
pending_candidate_free (PendingCandidate *c)
{
  g_free (c->mid);
  g_free (c->candidate);
  g_free (c);
}

static void
participant_free (Participant *p)
{
  g_clear_object (&p->peer);
  g_clear_pointer (&p->offer, gst_sdp_message_free);
  g_ptr_array_unref (p->tracks);
  g_ptr_array_unref (p->subscriptions);
  g_ptr_array_unref (p->candidates);
  g_ptr_array_unref (p->local_candidates);
  g_clear_pointer (&p->mix_video, hc_room_track_free);
  g_clear_pointer (&p->mix_audio, hc_room_track_free);
  g_clear_pointer (&p->activity, g_atomic_rc_box_release);
  g_free (p->pid);
  g_free (p);
}

/* How long offers to the others wait for a publisher's remaining tracks
 * after its first one (see publisher_incomplete_until()). */
#define TRACKS_HOLD_US (300 * G_TIME_SPAN_MILLISECOND)

/* While a publisher has published some of the tracks its join offer sends,
 * but not all (each appears with its first packet: a browser's audio and
 * video some 10-50 ms apart), until when the others' offers wait for the
 * rest, or 0.  Without the wait, every participant already in the room
 * got one offer for the newcomer's first track and, a round trip later,
 * another for the second: twice the renegotiations at every join, each
 * costing the server an offer and the client an answer, and the second
 * track seen a round trip later. */
static gint64
publisher_incomplete_until (Participant *q, gint64 now)
{
  gint64 until = q->first_track_us + TRACKS_HOLD_US;

  if (q->tracks->len == 0 || q->tracks->len >= q->expected_tracks
      || now >= until)
    return 0;
  return until;
}

/* Until when @p's next offer waits for the rest of a publisher's tracks it
 * subscribes to, or 0. */
static gint64
offer_held_until (Participant *p, gint64 now)
{
  gint64 until = 0;

  for (guint i = 0; i < p->subscriptions->len; i++) {
    Subscription *s = g_ptr_array_index (p->subscriptions, i);

    if (s->track->publisher)
      until
          = MAX (until, publisher_incomplete_until (s->track->publisher, now));
  }
  return until;
}

static gboolean
offer_due (Participant *p)
{
  return p->needs_offer && p->answered && p->connected
         && p->negotiation == NEGOTIATION_IDLE && !p->offer_signalled;
}

static gboolean
offer_hold_over (gpointer data)
{
  HcMediaRoom *self = data;

  g_clear_pointer (&self->offer_hold, g_source_unref);
  hc_room_schedule_offer_check (self);
  return G_SOURCE_REMOVE;
}

/* Runs the offer check again at @until (monotonic), unless one is set for
 * earlier already. */
static void
hold_offers (HcMediaRoom *self, gint64 until)
{
  gint64 wait_ms = (until - g_get_monotonic_time () + 999) / 1000;

  if (self->offer_hold)
    return;
  self->offer_hold = g_timeout_source_new (MAX (wait_ms, 1));
  g_source_set_callback (self->offer_hold, offer_hold_over, self, NULL);
  g_source_attach (self->offer_hold, self->context);
}

/* "offer-needed" goes out from an idle callback, never from inside the
 * call that made it due: its handler may call back into the room. */
static gboolean
offer_check_run (gpointer data)
{
  HcMediaRoom *self = g_object_ref (data);
  g_autoptr (GPtrArray) due = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  Participant *p;

  gint64 now = g_get_monotonic_time (), held = 0;

  g_clear_pointer (&self->offer_check, g_source_unref);
  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&p)) {
    gint64 until;

    if (!offer_due (p))
      continue;
    if ((until = offer_held_until (p, now))) {
      held = held ? MIN (held, until) : until;
      continue;
    }
    p->offer_signalled = TRUE;
    g_ptr_array_add (due, g_strdup (p->pid));
  }
  if (held)
    hold_offers (self, held);
  for (guint i = 0; i < due->len; i++) {
    if (hc_room_lookup (self, due->pdata[i]))
      g_signal_emit (self, signals[SIGNAL_OFFER_NEEDED], 0, due->pdata[i]);
  }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

void
hc_room_schedule_offer_check (HcMediaRoom *self)
{
  if (self->offer_check)
    return;
  self->offer_check = g_idle_source_new ();
  g_source_set_callback (self->offer_check, offer_check_run, self, NULL);
  g_source_attach (self->offer_check, self->context);
}

static void
needs_offer (HcMediaRoom *self, Participant *p)
{
  p->needs_offer = TRUE;
  hc_room_schedule_offer_check (self);
}

/* ---------------------------------------------------------------------- */
/* Tracks and subscriptions                                                */
/* ---------------------------------------------------------------------- */

/* An SSRC no other branch into @p's webrtcbin uses. */
static guint32
fresh_ssrc (Participant *p)
{
  for (;;) {
    guint32 ssrc = g_random_int ();
    gboolean used = ssrc == 0;

    for (guint i = 0; i < p->subscriptions->len && !used; i++) {
      Subscription *s = g_ptr_array_index (p->subscriptions, i);

      used = hc_branch_get_ssrc (s->branch) == ssrc;
    }
    if (!used)
      return ssrc;
  }
}

const gchar *
hc_room_track_stream (const Track *t)
{
  return t->publisher ? t->publisher->pid : "mix";
}

void
hc_room_subscribe (HcMediaRoom *self, Participant *p, Track *t)
{
  Subscription *s = g_new0 (Subscription, 1);

  s->track = t;
  s->branch
      = hc_branch_new (t->head, hc_peer_get_webrtcbin (p->peer), t->codec_caps,
                       fresh_ssrc (p), hc_room_track_stream (t),
                       p->lean ? hc_lean_send_get_element (p->lean) : NULL);
  if (t->publisher == NULL && g_str_equal (t->kind, "audio"))
    hc_branch_set_mix_voice (s->branch, t->mix_voice);
  g_ptr_array_add (p->subscriptions, s);
  needs_offer (self, p);
}

void
hc_room_subscribe_to_all (HcMediaRoom *self, Participant *p)
{
  GHashTableIter iter;
  Participant *q;

  if (p->mode == HC_MEDIA_MODE_MCU) {
    hc_room_subscribe_to_mix (self, p);
    return;
  }
  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&q)) {
    for (guint i = 0; q != p && i < q->tracks->len; i++)
      hc_room_subscribe (self, p, g_ptr_array_index (q->tracks, i));
  }
}

void
hc_room_unsubscribe (HcMediaRoom *self, Participant *p, Track *t)
{
  for (guint i = p->subscriptions->len; i > 0; i--) {
    Subscription *s = g_ptr_array_index (p->subscriptions, i - 1);

    if (t != NULL && s->track != t)
      continue;
    hc_branch_free (s->branch);
    g_ptr_array_remove_index (p->subscriptions, i - 1);
    g_free (s);
    needs_offer (self, p);
  }
}

/* What subscribers are offered: the publisher's codec, with the feedback
 * that lets them ask for keyframes, and nothing that is only true of the
 * publisher's connection (ssrc, header extensions). */
static GstCaps *
subscriber_codec_caps (GstCaps *caps)
{
  static const gchar *const keep[] = { "media",           "encoding-name",
                                       "clock-rate",      "payload",
                                       "encoding-params", "minptime",
                                       "useinbandfec",    "stereo",
                                       "sprop-stereo",    NULL };
  const GstStructure *in = gst_caps_get_structure (caps, 0);
  GstStructure *out = gst_structure_new_empty ("application/x-rtp");
  const gchar *kind = gst_structure_get_string (in, "media");

  for (guint i = 0; keep[i]; i++) {
    const GValue *v = gst_structure_get_value (in, keep[i]);

    if (v)
      gst_structure_set_value (out, keep[i], v);
  }
  if (g_strcmp0 (kind, "audio") == 0) {
    if (!gst_structure_has_field (out, "encoding-params"))
      gst_structure_set (out, "encoding-params", G_TYPE_STRING, "2", NULL);
  } else {
    /* PLI/FIR reach the publisher as force-key-unit.  Generic NACK (and
     * RTX) webrtcbin adds itself: the branch's transceiver has do-nack
     * (hc-branch.c). */
    gst_structure_set (out, "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE,
                       "rtcp-fb-ccm-fir", G_TYPE_BOOLEAN, TRUE, NULL);
  }
  return gst_caps_new_full (out, NULL);
}

/* The client's own id for the track on @pad, if its offer gave one. */
static gchar *
track_id_for_pad (Participant *p, GstPad *pad)
{
  g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;
  gchar *id = NULL;
  guint mline = G_MAXUINT;

  g_object_get (pad, "transceiver", &trans, NULL);
  if (trans)
    g_object_get (trans, "mlineindex", &mline, NULL);
  if (mline < gst_sdp_message_medias_len (p->offer))
    id = hc_sdp_media_get_track_id (
        gst_sdp_message_get_media (p->offer, mline));
  for (guint i = 0; id && i < p->tracks->len; i++) {
    if (g_strcmp0 (((Track *)p->tracks->pdata[i])->id, id) == 0)
      g_clear_pointer (&id, g_free); /* ids must be unique per publisher */
  }
  return id;
}

static void
publish (HcMediaRoom *self, Participant *p, GstPad *pad, GstCaps *caps,
         guint32 ssrc)
{
  Track *t = g_new0 (Track, 1);
  const gchar *kind
      = gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");
  g_autofree gchar *head_name = NULL;
  g_autofree gchar *pid = g_strdup (p->pid);
  GHashTableIter iter;
  Participant *q;

  t->kind = g_strcmp0 (kind, "audio") == 0 ? "audio" : "video";
  t->label = g_strdup_printf ("%s%u", t->kind, p->n_tracks++);
  t->id = track_id_for_pad (p, pad);
  if (t->id == NULL)
    t->id = g_strdup (t->label);
  t->publisher = p;
  t->ssrc = ssrc;
  t->order = self->n_published++;
  if (p->tracks->len == 0)
    p->first_track_us = g_get_monotonic_time ();
  t->codec_caps = subscriber_codec_caps (caps);
  head_name = g_strdup_printf ("%s-%s", p->pid, t->label);
  t->head = hc_track_head_new (GST_BIN (self->pipeline), pad, head_name);
  g_ptr_array_add (p->tracks, t);
  hc_room_mcu_track_added (self, t);
  GST_INFO_OBJECT (self->pipeline, "%s publishes %s track %s (ssrc %u)", p->pid,
                   t->kind, t->id, ssrc);

  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&q)) {
    if (q != p && q->answered && q->mode == HC_MEDIA_MODE_SFU)
      hc_room_subscribe (self, q, t);
  }
  g_signal_emit (self, signals[SIGNAL_TRACK_PUBLISHED], 0, pid, t->kind);
}

/* ---------------------------------------------------------------------- */
/* Peer signals (main context, never after hc_peer_close)                  */
/* ---------------------------------------------------------------------- */

static gchar *
local_mid (Participant *p, guint mline)
{
  g_autoptr (GstWebRTCSessionDescription) desc
      = hc_peer_get_local_description (p->peer);

  if (desc == NULL || mline >= gst_sdp_message_medias_len (desc->sdp))
    return NULL;
  return g_strdup (gst_sdp_media_get_attribute_val (
      gst_sdp_message_get_media (desc->sdp, mline), "mid"));
}

static void
emit_candidate (Participant *p, guint mline, const gchar *candidate)
{
  g_autofree gchar *mid = candidate[0] ? local_mid (p, mline) : NULL;
  g_autofree gchar *pid = g_strdup (p->pid);

  g_signal_emit (p->room, signals[SIGNAL_ICE_CANDIDATE], 0, pid, mline, mid,
                 candidate);
}

/* @candidate: "" for the end of candidates */
static void
local_candidate (Participant *p, guint mline, const gchar *candidate)
{
  PendingCandidate *c;

  if (p->joined) {
    emit_candidate (p, mline, candidate);
    return;
  }
  c = g_new0 (PendingCandidate, 1);
  c->mline_index = (gint)mline;
  c->candidate = g_strdup (candidate);
  g_ptr_array_add (p->local_candidates, c);
}

void
hc_room_release_local_candidates (HcMediaRoom *self, const gchar *pid,
                                  HcPeer *peer)
{
  Participant *p = hc_room_lookup_peer (self, pid, peer);
  g_autoptr (GPtrArray) held = NULL;

  if (p == NULL)
    return;
  p->joined = TRUE;
  held = g_steal_pointer (&p->local_candidates);
  p->local_candidates
      = g_ptr_array_new_with_free_func ((GDestroyNotify)pending_candidate_free);
  /* a handler may make the participant leave */
  for (guint i = 0;
       i < held->len && (p = hc_room_lookup_peer (self, pid, peer)) != NULL;
       i++) {
    PendingCandidate *c = g_ptr_array_index (held, i);

    emit_candidate (p, (guint)c->mline_index, c->candidate);
  }
}

static void
on_peer_ice_candidate (HcPeer *peer, guint mline, const gchar *candidate,
                       Participant *p)
{
  local_candidate (p, mline, candidate);
}

static void
on_peer_gathering_done (HcPeer *peer, Participant *p)
{
  local_candidate (p, 0, "");
}

static const gchar *
state_name (GstWebRTCPeerConnectionState state)
{
  switch (state) {
    case GST_WEBRTC_PEER_CONNECTION_STATE_NEW:
      return "new";
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTING:
      return "connecting";
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
      return "connected";
    case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
      return "disconnected";
    case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
      return "failed";
    default:
      return "closed";
  }
}

static void
on_peer_connection_state (HcPeer *peer, GstWebRTCPeerConnectionState state,
                          Participant *p)
{
  g_autofree gchar *pid = g_strdup (p->pid);

  GST_INFO_OBJECT (hc_peer_get_webrtcbin (peer), "connection %s",
                   state_name (state));
  p->connected = state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
  if (p->connected) {
    hc_room_update_lean_send (p);
    hc_room_schedule_offer_check (p->room);
  }
  /* ICE found no path (or lost it), or DTLS failed: it will not recover
   * (webrtcbin 1.22 has no ICE restart). */
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    hc_room_fail (p->room, p, "connection failed (ICE or DTLS)");
  g_signal_emit (p->room, signals[SIGNAL_CONNECTION_STATE], 0, pid,
                 state_name (state));
}

static void
on_peer_rtp_src_pad (HcPeer *peer, GstPad *pad, GstCaps *caps, guint ssrc,
                     Participant *p)
{
  publish (p->room, p, pad, caps, ssrc);
}

/* What a participant's webrtcbin receives is forwarded (hcforwarder) or
 * decoded by the mixer, whose input bins have a jitter buffer of their own
 * (pipelines/mcu-*-input.pipeline): no rtpjitterbuffer in webrtcbin, the
 * two threads per received stream an SFU does not need.
 * HC_JITTERBUFFER=rtpjitterbuffer keeps webrtcbin's (for A/B
 * measurements). */
static gboolean
hc_room_keeps_jitterbuffers (void)
{
  static gsize once;
  static gboolean keep;

  if (g_once_init_enter (&once)) {
    const gchar *wanted = g_getenv ("HC_JITTERBUFFER");

    keep = g_strcmp0 (wanted, "rtpjitterbuffer") == 0;
    if (keep)
      g_message ("received streams: webrtcbin's jitter buffers "
                 "(HC_JITTERBUFFER=rtpjitterbuffer)");
    else if (wanted && g_strcmp0 (wanted, "none") != 0)
      g_warning ("HC_JITTERBUFFER=%s: expected \"none\" or "
                 "\"rtpjitterbuffer\"; using none",
                 wanted);
    g_once_init_leave (&once, 1);
  }
  return keep;
}

Participant *
hc_room_participant_add (HcMediaRoom *self, const gchar *pid,
                         GstSDPMessage *offer)
{
  Participant *p = g_new0 (Participant, 1);
  g_autofree gchar *name = g_strdup_printf ("peer-%s", pid);
  guint drop_percent;

  p->room = self;
  p->pid = g_strdup (pid);
  p->offer = offer;
  p->peer = hc_peer_new (name);
  if (!hc_room_keeps_jitterbuffers ())
    hc_peer_set_forward_only (p->peer);
  p->tracks
      = g_ptr_array_new_with_free_func ((GDestroyNotify)hc_room_track_free);
  p->subscriptions = g_ptr_array_new ();
  p->candidates
      = g_ptr_array_new_with_free_func ((GDestroyNotify)pending_candidate_free);
  p->local_candidates
      = g_ptr_array_new_with_free_func ((GDestroyNotify)pending_candidate_free);
  g_signal_connect (p->peer, "ice-candidate",
                    G_CALLBACK (on_peer_ice_candidate), p);
  g_signal_connect (p->peer, "ice-gathering-done",
                    G_CALLBACK (on_peer_gathering_done), p);
  g_signal_connect (p->peer, "connection-state",
                    G_CALLBACK (on_peer_connection_state), p);
  g_signal_connect (p->peer, "rtp-src-pad", G_CALLBACK (on_peer_rtp_src_pad),
                    p);
  if (self->lean_receive) {
    hc_receive_direct_enable (hc_peer_get_webrtcbin (p->peer));
    hc_receive_shortcut_enable (hc_peer_get_webrtcbin (p->peer));
  }
  gst_bin_add (GST_BIN (self->pipeline), hc_peer_get_webrtcbin (p->peer));
  gst_element_sync_state_with_parent (hc_peer_get_webrtcbin (p->peer));
  if (self->lean_send) {
    g_autofree gchar *lean_name = g_strdup_printf ("lean-%s", pid);

    p->lean = hc_lean_send_new (GST_BIN (self->pipeline),
                                hc_peer_get_webrtcbin (p->peer), lean_name);
  }
  /* The conference sets the name before the join. */
  if (hc_test_drop_wanted (g_hash_table_lookup (self->display_names, pid),
                           &drop_percent))
    hc_test_drop_install (hc_peer_get_webrtcbin (p->peer),
                          p->lean ? hc_lean_send_get_element (p->lean) : NULL,
                          drop_percent);
  g_hash_table_insert (self->participants, p->pid, p);
  hc_room_mcu_participant_added (self, p);
  return p;
}

/* Undoes everything @p brought into the pipeline (header: "exactly the
 * element count it had before"). */
void
hc_room_participant_remove (HcMediaRoom *self, Participant *p)
{
  GstElement *webrtcbin = hc_peer_get_webrtcbin (p->peer);
  g_autofree gchar *pid = g_strdup (p->pid);
  GHashTableIter iter;
  Participant *q;

  GST_INFO_OBJECT (self->pipeline, "%s leaves", p->pid);
  for (guint i = 0; i < p->tracks->len; i++) {
    Track *t = g_ptr_array_index (p->tracks, i);

    g_hash_table_iter_init (&iter, self->participants);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&q)) {
      if (q != p)
        hc_room_unsubscribe (self, q, t);
    }
    hc_room_mcu_track_removed (self, t);
    hc_track_head_free (t->head);
  }
  hc_room_unsubscribe_from_mix (self, p);
  hc_room_unsubscribe (self, p, NULL);
  g_clear_pointer (&p->lean, hc_lean_send_free);
  hc_peer_close (p->peer);
  gst_element_set_state (webrtcbin, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self->pipeline), webrtcbin);
  hc_room_mcu_participant_removed (self, pid);
  g_hash_table_remove (self->participants, p->pid);
}

void
hc_room_update_lean_send (Participant *p)
{
  g_autoptr (GstWebRTCSessionDescription) local = NULL;

  if (p->lean == NULL)
    return;
  local = hc_peer_get_local_description (p->peer);
  hc_lean_send_update (p->lean, local ? local->sdp : NULL);
}

void
hc_media_room_set_lean_send (HcMediaRoom *self, gboolean lean)
{
  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  self->lean_send = lean;
}

void
hc_media_room_set_lean_receive (HcMediaRoom *self, gboolean lean)
{
  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  self->lean_receive = lean;
}

/* ---------------------------------------------------------------------- */
/* Leave, introspection                                                    */
/* ---------------------------------------------------------------------- */

void
hc_media_room_leave (HcMediaRoom *self, const gchar *pid)
{
  Participant *p = hc_room_lookup (self, pid);

  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  if (p == NULL) {
    g_message ("room %s: leave of unknown participant %s ignored", self->name,
               pid);
    return;
  }
  hc_room_participant_remove (self, p);
}

guint
hc_media_room_get_n_participants (HcMediaRoom *self)
{
  return g_hash_table_size (self->participants);
}

/* The pipeline itself does not count.  webrtcbin's insides are left out:
 * 1.22 keeps 4 elements (clocksync, FEC encoder bin, rtpulpfecenc,
 * rtpredenc) of every released sink pad until the webrtcbin goes, so the
 * recursive count of a subscriber who stays cannot return. */
guint
hc_media_room_get_n_elements (HcMediaRoom *self)
{
  return hc_count_elements (GST_ELEMENT (self->pipeline), FALSE) - 1;
}

guint
hc_media_room_get_n_elements_deep (HcMediaRoom *self)
{
  return hc_count_elements (GST_ELEMENT (self->pipeline), TRUE) - 1;
}

gchar *
hc_media_room_dump_dot (HcMediaRoom *self)
{
  g_autofree gchar *file = g_strdup_printf ("hyperconf-room-%s", self->name);

  /* writes <GST_DEBUG_DUMP_DOT_DIR>/<file>.dot when that is set */
  GST_DEBUG_BIN_TO_DOT_FILE (GST_BIN (self->pipeline), GST_DEBUG_GRAPH_SHOW_ALL,
                             file);
  return gst_debug_bin_to_dot_data (GST_BIN (self->pipeline),
                                    GST_DEBUG_GRAPH_SHOW_ALL);
}

GstPipeline *
hc_media_room_get_pipeline (HcMediaRoom *self)
{
  return self->pipeline;
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */
/* ---------------------------------------------------------------------- */

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer data)
{
  HcMediaRoom *self = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:
      /* One participant's failure is not the room's (hc-room-faults.c). */
      hc_room_faults_handle_error (self, message);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (message, &error, &debug);
      GST_INFO_OBJECT (GST_MESSAGE_SRC (message), "warning: %s (%s)",
                       error->message, debug ? debug : "");
      break;
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
      break;
    case GST_MESSAGE_ELEMENT:
      hc_room_mcu_handle_message (self, message);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

HcMediaRoom *
hc_media_room_new (const gchar *name)
{
  HcMediaRoom *self = g_object_new (HC_TYPE_MEDIA_ROOM, NULL);
  g_autofree gchar *pipeline_name = g_strdup_printf ("room-%s", name);
  g_autoptr (GstBus) bus = NULL;

  self->name = g_strdup (name);
  self->pipeline
      = GST_PIPELINE (gst_object_ref_sink (gst_pipeline_new (pipeline_name)));
  bus = gst_pipeline_get_bus (self->pipeline);
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source,
                         (GSourceFunc)(void (*) (void))on_bus_message, self,
                         NULL);
  g_source_attach (self->bus_source, self->context);
  gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_PLAYING);
  GST_INFO_OBJECT (self->pipeline, "room %s created", name);
  return self;
}

static void
hc_media_room_dispose (GObject *object)
{
  HcMediaRoom *self = HC_MEDIA_ROOM (object);
  GHashTableIter iter;
  Participant *p;

  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&p)) {
    hc_room_participant_remove (self, p);
    g_hash_table_iter_init (&iter, self->participants);
  }
  hc_room_mcu_dispose (self);
  hc_room_faults_dispose (self);
  if (self->offer_check) {
    g_source_destroy (self->offer_check);
    g_clear_pointer (&self->offer_check, g_source_unref);
  }
  if (self->offer_hold) {
    g_source_destroy (self->offer_hold);
    g_clear_pointer (&self->offer_hold, g_source_unref);
  }
  if (self->bus_source) {
    g_source_destroy (self->bus_source);
    g_clear_pointer (&self->bus_source, g_source_unref);
  }
  if (self->pipeline)
    gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
  gst_clear_object (&self->pipeline);
  G_OBJECT_CLASS (hc_media_room_parent_class)->dispose (object);
}

static void
hc_media_room_finalize (GObject *object)
{
  HcMediaRoom *self = HC_MEDIA_ROOM (object);

  g_hash_table_unref (self->participants);
  g_main_context_unref (self->context);
  g_free (self->name);
  G_OBJECT_CLASS (hc_media_room_parent_class)->finalize (object);
}

static void
hc_media_room_init (HcMediaRoom *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->participants = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                              (GDestroyNotify)participant_free);
  self->lean_send = TRUE;
  self->lean_receive = TRUE;
  hc_room_mcu_init (self);
  hc_room_faults_init (self);
}

static void
hc_media_room_class_init (HcMediaRoomClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hc_media_room_dispose;
  object_class->finalize = hc_media_room_finalize;

  GST_DEBUG_CATEGORY_INIT (hc_room_debug, "hc-room", 0, "hyperconf media room");
  /* The forwarder is ours: no plugin path needed (idempotent). */
  hc_media_register_elements (NULL);

  signals[SIGNAL_ICE_CANDIDATE]
      = g_signal_new ("ice-candidate", G_TYPE_FROM_CLASS (klass),
                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                      G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_CONNECTION_STATE] = g_signal_new (
      "connection-state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_OFFER_NEEDED] = g_signal_new (
      "offer-needed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_TRACK_PUBLISHED] = g_signal_new (
      "track-published", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /* faults (hc-media-room.h, emitted from hc-room-faults.c) */
  g_signal_new ("participant-failed", G_TYPE_FROM_CLASS (klass),
                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                G_TYPE_STRING, G_TYPE_STRING);
  /* MCU (hc-media-room.h, emitted from hc-room-mcu.c) */
  g_signal_new ("layout-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_VARIANT);
  g_signal_new ("speaking-changed", G_TYPE_FROM_CLASS (klass),
                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                G_TYPE_STRING, G_TYPE_BOOLEAN);
  g_signal_new ("active-speaker", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}
