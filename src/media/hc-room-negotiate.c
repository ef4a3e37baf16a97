/* hyperconf — HcMediaRoom's negotiations (PROTOCOL.md §9.2-9.3).
 *
 *   join:   set-remote(offer) ─▶ create-answer ─▶ set-local(answer)
 *           (codec preferences go in while create-answer runs: HcPeer)
 *   offers: IDLE ─create_offer─▶ CREATING ─set-local─▶ AWAITING
 *           AWAITING ─set_answer─▶ APPLYING ─set-remote─▶ IDLE
 *                                          └─ refused ─▶ AWAITING
 *
 * Each step is an HcPeer async call; its callback finds the participant
 * again by pid and peer (Call), so a participant that left meanwhile ends
 * the chain with UNKNOWN_PEER instead of touching freed memory.
 */
#define G_LOG_DOMAIN "hc-room"

#include "hc-room-private.h"
#include "hc-sdp.h"

#define GST_CAT_DEFAULT hc_room_debug

/* ---------------------------------------------------------------------- */
/* Async calls                                                             */
/* ---------------------------------------------------------------------- */

/* What an async call needs to find its participant again. */
typedef struct {
  gchar *pid;
  HcPeer *peer;
  gchar *sdp; /* the text to hand back */
  /* Ends the chain on a failed step (takes the error). */
  void (*fail) (GTask *task, GError *error);
} Call;

static void
call_free (Call *call)
{
  g_free (call->pid);
  g_clear_object (&call->peer);
  g_free (call->sdp);
  g_free (call);
}

static GTask *
room_task_new (HcMediaRoom *self, gpointer tag, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  return task;
}

static void
task_set_call (GTask *task, Participant *p,
               void (*fail) (GTask *task, GError *error))
{
  Call *call = g_new0 (Call, 1);

  call->pid = g_strdup (p->pid);
  call->peer = g_object_ref (p->peer);
  call->fail = fail;
  g_task_set_task_data (task, call, (GDestroyNotify)call_free);
}

/* The task's participant, or NULL after returning UNKNOWN_PEER. */
static Participant *
task_participant (GTask *task)
{
  HcMediaRoom *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  Participant *p = hc_room_lookup_peer (self, call->pid, call->peer);

  if (p == NULL)
    g_task_return_new_error (task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_UNKNOWN_PEER,
                             "%s left meanwhile", call->pid);
  return p;
}

/* After a step of the chain: its @error (taken) ends the chain the
 * chain's way, as does a participant that left meanwhile; otherwise
 * returns the participant, for the next step. */
static Participant *
step_done (GTask *task, GError *error)
{
  Call *call = g_task_get_task_data (task);

  if (error) {
    call->fail (task, error);
    return NULL;
  }
  return task_participant (task);
}

/* webrtcbin refused a description the client sent (no ICE credentials, no
 * fingerprint, bad bundle group...): to the client that is a bad SDP
 * (PROTOCOL.md §9.2: 400), whatever webrtcbin's own error code. */
static GError *
client_sdp_error (GError *error)
{
  if (g_error_matches (error, HC_MEDIA_ERROR, HC_MEDIA_ERROR_WEBRTC))
    error->code = HC_MEDIA_ERROR_BAD_SDP;
  return error;
}

/* The step that set our own offer or answer (see step_done()). */
static Participant *
local_description_done (GObject *peer, GAsyncResult *result, GTask *task)
{
  GError *error = NULL;

  hc_peer_set_local_description_finish (HC_PEER (peer), result, &error);
  return step_done (task, error);
}

/* The step that set a description the client sent (see step_done()). */
static Participant *
client_description_done (GObject *peer, GAsyncResult *result, GTask *task)
{
  GError *error = NULL;

  if (!hc_peer_set_remote_description_finish (HC_PEER (peer), result, &error))
    client_sdp_error (error);
  return step_done (task, error);
}

static GstSDPMessage *
parse_sdp (GTask *task, const gchar *text)
{
  GError *error = NULL;
  GstSDPMessage *sdp = hc_sdp_parse (text, &error);

  if (sdp == NULL)
    g_task_return_error (task, error);
  return sdp;
}

/* ---------------------------------------------------------------------- */
/* Join                                                                    */
/* ---------------------------------------------------------------------- */

/* Fails the join and takes the participant out again. */
static void
join_fail (GTask *task, GError *error)
{
  HcMediaRoom *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  Participant *p = hc_room_lookup_peer (self, call->pid, call->peer);

  GST_INFO_OBJECT (self->pipeline, "join of %s failed: %s", call->pid,
                   error->message);
  if (p)
    hc_room_participant_remove (self, p);
  g_task_return_error (task, error);
}

static void
add_candidate (Participant *p, const gchar *mid, gint mline_index,
               const gchar *candidate)
{
  g_autoptr (GstWebRTCSessionDescription) remote
      = hc_peer_get_remote_description (p->peer);
  guint n = remote ? gst_sdp_message_medias_len (remote->sdp) : 0;
  gint index = mid && remote ? hc_sdp_find_mid (remote->sdp, mid) : -1;

  if (mid == NULL)
    index = mline_index;
  if (index < 0 || (guint)index >= n) {
    g_message ("room participant %s: candidate for unknown m-line (mid %s, "
               "index %d) ignored",
               p->pid, mid ? mid : "(none)", mline_index);
    return;
  }
  hc_peer_add_ice_candidate (p->peer, (guint)index, candidate);
}

static void
join_local_set_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  HcMediaRoom *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  Participant *p;

  if ((p = local_description_done (source, result, task)) == NULL)
    return;
  /* Only now: sink pads requested before the answer would be matched
   * against the client's own m-lines (TESTING.md). */
  p->answered = TRUE;
  /* The transport exists now: the key handler is in place before DTLS. */
  hc_room_update_lean_send (p);
  hc_room_watch_media (self, p);
  hc_room_subscribe_to_all (self, p);
  GST_INFO_OBJECT (self->pipeline, "%s joined, receives %u tracks", p->pid,
                   p->subscriptions->len);
  g_task_return_pointer (task, g_steal_pointer (&call->sdp), g_free);
  hc_room_release_local_candidates (self, call->pid, call->peer);
}

static void
join_answer_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr (GstWebRTCSessionDescription) answer = NULL;
  GError *error = NULL;

  answer = hc_peer_create_answer_finish (HC_PEER (source), result, &error);
  if (step_done (task, error) == NULL)
    return;
  call->sdp = gst_sdp_message_as_text (answer->sdp);
  hc_peer_set_local_description_async (call->peer, answer, cancellable,
                                       join_local_set_cb,
                                       g_steal_pointer (&task));
}

static void
join_remote_set_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Participant *p;

  if ((p = client_description_done (source, result, task)) == NULL)
    return;
  p->remote_set = TRUE;
  for (guint i = 0; i < p->candidates->len; i++) {
    PendingCandidate *c = g_ptr_array_index (p->candidates, i);

    add_candidate (p, c->mid, c->mline_index, c->candidate);
  }
  g_ptr_array_set_size (p->candidates, 0);
  hc_peer_create_answer_async (p->peer, cancellable, join_answer_cb,
                               g_steal_pointer (&task));
}

void
hc_media_room_join_async (HcMediaRoom *self, const gchar *pid,
                          const gchar *offer_sdp, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = room_task_new (self, hc_media_room_join_async,
                                          cancellable, callback, user_data);
  g_autoptr (GPtrArray) codecs = NULL;
  GstSDPMessage *offer;
  Participant *p;

  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  g_return_if_fail (pid != NULL);

  if (hc_room_lookup (self, pid)) {
    g_task_return_new_error (task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_STATE,
                             "%s is already in the room", pid);
    return;
  }
  /* Checked before anything is added, so a refusal changes nothing. */
  if ((offer = parse_sdp (task, offer_sdp)) == NULL)
    return;
  if (!hc_sdp_has_accepted_media (offer)) {
    gst_sdp_message_free (offer);
    g_task_return_new_error (task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_NO_MEDIA,
                             "no Opus or VP8 m-line in the offer");
    return;
  }
  p = hc_room_participant_add (self, pid, offer);
  task_set_call (task, p, join_fail);
  codecs = hc_sdp_answer_codecs (offer);
  hc_peer_set_answer_codecs (p->peer, codecs);
  hc_peer_set_remote_description_async (p->peer, GST_WEBRTC_SDP_TYPE_OFFER,
                                        offer, cancellable, join_remote_set_cb,
                                        g_steal_pointer (&task));
}

gchar *
hc_media_room_join_finish (HcMediaRoom *self, GAsyncResult *result,
                           GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hc_media_room_add_remote_candidate (HcMediaRoom *self, const gchar *pid,
                                    const gchar *mid, gint mline_index,
                                    const gchar *candidate)
{
  Participant *p = hc_room_lookup (self, pid);
  PendingCandidate *c;

  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  if (p == NULL) {
    g_message ("room %s: candidate for unknown participant %s ignored",
               self->name, pid);
    return;
  }
  /* End of candidates: libnice has no use for it. */
  if (candidate == NULL || candidate[0] == '\0')
    return;
  if (p->remote_set) {
    add_candidate (p, mid, mline_index, candidate);
    return;
  }
  /* Trickled before the join offer was applied: mids mean nothing yet. */
  c = g_new0 (PendingCandidate, 1);
  c->mid = g_strdup (mid);
  c->mline_index = mline_index;
  c->candidate = g_strdup (candidate);
  g_ptr_array_add (p->candidates, c);
}

/* ---------------------------------------------------------------------- */
/* Server offers                                                           */
/* ---------------------------------------------------------------------- */

/* webrtcbin 1.22 writes only "a=ssrc:<n> msid:..."; PROTOCOL.md §9.3 wants
 * `a=msid:<publisher pid> <track id>` on every sending m-line.  The SSRC
 * in the m-line names the branch, hence the track. */
static void
add_msid_lines (Participant *p, GstSDPMessage *sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    GstSDPMedia *media = (GstSDPMedia *)gst_sdp_message_get_media (sdp, i);
    guint32 ssrc = hc_sdp_media_get_ssrc (media);
    Track *t = NULL;

    if (!hc_sdp_media_is_sending (media))
      continue;
    for (guint j = 0; j < p->subscriptions->len && !t; j++) {
      Subscription *s = g_ptr_array_index (p->subscriptions, j);

      if (hc_branch_get_ssrc (s->branch) == ssrc)
        t = s->track;
    }
    if (t)
      hc_sdp_media_set_msid (media, hc_room_track_stream (t), t->id);
    else
      GST_WARNING_OBJECT (hc_peer_get_webrtcbin (p->peer),
                          "m-line %u (ssrc %u) belongs to no track", i, ssrc);
  }
}

/* The offer failed before it went out: try again at the next change. */
static void
offer_fail (GTask *task, GError *error)
{
  HcMediaRoom *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  Participant *p = hc_room_lookup_peer (self, call->pid, call->peer);

  if (p) {
    p->negotiation = NEGOTIATION_IDLE;
    p->needs_offer = TRUE;
  }
  g_task_return_error (task, error);
}

static void
offer_local_set_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  Call *call = g_task_get_task_data (task);
  Participant *p;

  if ((p = local_description_done (source, result, task)) == NULL)
    return;
  p->negotiation = NEGOTIATION_AWAITING;
  GST_INFO_OBJECT (hc_peer_get_webrtcbin (p->peer), "offer out, %u tracks",
                   p->subscriptions->len);
  g_task_return_pointer (task, g_steal_pointer (&call->sdp), g_free);
}

static void
offer_created_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr (GstWebRTCSessionDescription) offer = NULL;
  GError *error = NULL;
  Participant *p;

  offer = hc_peer_create_offer_finish (HC_PEER (source), result, &error);
  if ((p = step_done (task, error)) == NULL)
    return;
  add_msid_lines (p, offer->sdp);
  call->sdp = gst_sdp_message_as_text (offer->sdp);
  hc_peer_set_local_description_async (
      p->peer, offer, cancellable, offer_local_set_cb, g_steal_pointer (&task));
}

void
hc_media_room_create_offer_async (HcMediaRoom *self, const gchar *pid,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = room_task_new (
      self, hc_media_room_create_offer_async, cancellable, callback, user_data);
  Participant *p = hc_room_lookup (self, pid);

  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  if (p == NULL) {
    g_task_return_new_error (task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_UNKNOWN_PEER,
                             "no participant %s", pid);
    return;
  }
  if (!p->answered || p->negotiation != NEGOTIATION_IDLE) {
    g_task_return_new_error (
        task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_STATE, "%s: %s", pid,
        p->answered ? "an offer is already out" : "join not complete");
    return;
  }
  /* Whatever changes from now on goes into the next offer. */
  p->negotiation = NEGOTIATION_CREATING;
  p->needs_offer = FALSE;
  p->offer_signalled = FALSE;
  GST_INFO_OBJECT (hc_peer_get_webrtcbin (p->peer), "creating an offer");
  task_set_call (task, p, offer_fail);
  hc_peer_create_offer_async (p->peer, cancellable, offer_created_cb,
                              g_steal_pointer (&task));
}

gchar *
hc_media_room_create_offer_finish (HcMediaRoom *self, GAsyncResult *result,
                                   GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* TRUE when the client's answer (the current remote description) takes
 * the m-line of @branch: webrtcbin 1.22 keeps the sink pad of a declined
 * m-line blocked for good, yet reports its transceiver's current
 * direction as sendonly all the same. */
static gboolean
answer_accepts (Participant *p, HcBranch *branch)
{
  g_autoptr (GstWebRTCSessionDescription) answer
      = hc_peer_get_remote_description (p->peer);
  g_autofree gchar *mid = NULL;
  gint index;

  g_object_get (hc_branch_get_transceiver (branch), "mid", &mid, NULL);
  index = answer && mid ? hc_sdp_find_mid (answer->sdp, mid) : -1;
  return index >= 0
         && hc_sdp_media_is_receiving (
             gst_sdp_message_get_media (answer->sdp, (guint)index));
}

/* Server offers go out to connected participants only, so the subscriber's
 * DTLS is up: the branches its answer took can carry packets now.  Those it
 * declined never do (the forwarder's thread would wait on them for good). */
static void
start_accepted_branches (Participant *p)
{
  for (guint i = 0; i < p->subscriptions->len; i++) {
    Subscription *sub = g_ptr_array_index (p->subscriptions, i);

    if (hc_branch_get_transceiver (sub->branch) == NULL)
      continue;
    if (answer_accepts (p, sub->branch))
      hc_branch_start (sub->branch);
    else
      GST_INFO_OBJECT (hc_peer_get_webrtcbin (p->peer),
                       "ssrc %u declined by the answer",
                       hc_branch_get_ssrc (sub->branch));
  }
}

/* A refused answer leaves the offer out: 1.22 has no rollback, and the
 * client may still send a good one. */
static void
answer_fail (GTask *task, GError *error)
{
  HcMediaRoom *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  Participant *p = hc_room_lookup_peer (self, call->pid, call->peer);

  if (p)
    p->negotiation = NEGOTIATION_AWAITING;
  g_task_return_error (task, error);
}

static void
answer_set_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  HcMediaRoom *self = g_task_get_source_object (task);
  Participant *p;

  if ((p = client_description_done (source, result, task)) == NULL)
    return;
  p->negotiation = NEGOTIATION_IDLE;
  GST_INFO_OBJECT (hc_peer_get_webrtcbin (p->peer), "answer applied");
  hc_room_update_lean_send (p);
  start_accepted_branches (p);
  hc_room_schedule_offer_check (self);
  g_task_return_boolean (task, TRUE);
}

void
hc_media_room_set_answer_async (HcMediaRoom *self, const gchar *pid,
                                const gchar *answer_sdp,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = room_task_new (self, hc_media_room_set_answer_async,
                                          cancellable, callback, user_data);
  g_autoptr (GstSDPMessage) answer = NULL;
  Participant *p = hc_room_lookup (self, pid);

  g_return_if_fail (HC_IS_MEDIA_ROOM (self));
  if (p == NULL) {
    g_task_return_new_error (task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_UNKNOWN_PEER,
                             "no participant %s", pid);
    return;
  }
  if (p->negotiation != NEGOTIATION_AWAITING) {
    g_task_return_new_error (task, HC_MEDIA_ERROR, HC_MEDIA_ERROR_STATE,
                             "%s: no offer awaits an answer", pid);
    return;
  }
  if ((answer = parse_sdp (task, answer_sdp)) == NULL)
    return;
  p->negotiation = NEGOTIATION_APPLYING;
  task_set_call (task, p, answer_fail);
  hc_peer_set_remote_description_async (p->peer, GST_WEBRTC_SDP_TYPE_ANSWER,
                                        answer, cancellable, answer_set_cb,
                                        g_steal_pointer (&task));
}

gboolean
hc_media_room_set_answer_finish (HcMediaRoom *self, GAsyncResult *result,
                                 GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
hc_media_room_is_negotiating (HcMediaRoom *self, const gchar *pid)
{
  Participant *p = hc_room_lookup (self, pid);

  return p && p->negotiation != NEGOTIATION_IDLE;
}
