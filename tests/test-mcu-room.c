/* hyperconf — MCU receivers in an SFU room (HcMediaRoom + HcMixer), with
 * real webrtcbin clients in the same process (hc-room-fixture.h): what an
 * MCU participant receives (one mixed video of the configured size, one
 * mixed audio), mode switches both ways, the mixer's life and the room's
 * element count, and publishers that misbehave.
 */
#include "hc-room-fixture.h"

#include <hyperconf/hc-forwarder.h>

#include "src/media/hc-sdp.h"

#include <string.h>

/* the machine may be busy: decoding and encoding the mix takes CPU */
#define MIX_WAIT_MS (2 * WAIT_MS)
#define MIX_FRAMES  10

#define MIX_WIDTH  320
#define MIX_HEIGHT 180

static void
set_small_mix (HcMediaRoom *room)
{
  HcMcuSettings settings = HC_MCU_SETTINGS_DEFAULT;

  settings.width = MIX_WIDTH;
  settings.height = MIX_HEIGHT;
  hc_media_room_set_mcu_settings (room, &settings);
}

/* What @c's streams from the mix carried so far. */
typedef struct {
  guint video_streams, audio_streams; /* m-lines of the last offer */
  gint frames;                        /* decoded from the mixed video */
  gint width, height;                 /* of the last one */
  gint audio_buffers;
  gint audio_csrcs;      /* of the last mixed audio packet */
  gint64 first_frame_us; /* of the current mixed video stream */
} MixStats;

static MixStats
mix_stats (Client *c)
{
  MixStats st = { 0 };

  for (guint i = 0;
       c->last_offer && i < gst_sdp_message_medias_len (c->last_offer); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (c->last_offer, i);
    const gchar *msid = gst_sdp_media_get_attribute_val (m, "msid");

    if (msid == NULL || !g_str_has_prefix (msid, "mix "))
      continue;
    if (g_str_equal (gst_sdp_media_get_media (m), "video"))
      st.video_streams++;
    else
      st.audio_streams++;
  }
  st.audio_buffers = MAX (received_from (c, "mix", "audio", NULL), 0);
  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->receivers->len; i++) {
    Receiver *r = g_ptr_array_index (c->receivers, i);
    g_autofree gchar *kind = NULL;
    g_autofree gchar *pid = publisher_of_mid (c, r->mid, &kind);

    if (g_strcmp0 (pid, "mix") == 0 && g_strcmp0 (kind, "audio") == 0)
      st.audio_csrcs = g_atomic_int_get (&r->csrcs);
    if (g_strcmp0 (pid, "mix") != 0 || g_strcmp0 (kind, "video") != 0)
      continue;
    st.first_frame_us = (gint64)g_atomic_pointer_get (&r->first_frame_us);
    st.frames += g_atomic_int_get (&r->frames);
    st.width = g_atomic_int_get (&r->width);
    st.height = g_atomic_int_get (&r->height);
  }
  g_mutex_unlock (&c->lock);
  return st;
}

/* The last client of the fixture decodes mixed frames of the configured
 * size and receives mixed audio, on exactly one stream of each. */
static gboolean
receives_mix (gpointer data)
{
  Fixture *f = data;
  Client *c = f->clients->pdata[f->clients->len - 1];
  MixStats st = mix_stats (c);

  if (g_getenv ("HC_TEST_VERBOSE"))
    g_printerr ("%s: %u video %u audio, %d frames %dx%d, %d audio\n", c->pid,
                st.video_streams, st.audio_streams, st.frames, st.width,
                st.height, st.audio_buffers);
  return !c->negotiating && st.video_streams == 1 && st.audio_streams == 1
         && st.frames >= MIX_FRAMES && st.width == MIX_WIDTH
         && st.height == MIX_HEIGHT && st.audio_buffers >= MIN_BUFFERS
         && st.audio_csrcs > 0;
}

/* What the mixer's heads forwarded (for a failure's log). */
static void
dump_mix_heads (HcMediaRoom *room)
{
  GstBin *bin = GST_BIN (hc_media_room_get_pipeline (room));

  GST_OBJECT_LOCK (bin);
  for (GList *l = bin->children; l; l = l->next) {
    GstElement *e = l->data;

    if (!g_str_has_prefix (GST_OBJECT_NAME (e), "mix-"))
      continue;
    for (GList *p = e->srcpads; p; p = p->next) {
      guint64 packets = 0;
      gboolean forward = FALSE;

      g_object_get (p->data, "packets", &packets, "forward", &forward, NULL);
      g_printerr ("  %s:%s forward %d, %" G_GUINT64_FORMAT " packets\n",
                  GST_DEBUG_PAD_NAME (p->data), forward, packets);
    }
  }
  GST_OBJECT_UNLOCK (bin);
}

static void
wait_for_mix (Fixture *f, const gchar *what)
{
  if (!wait_until (receives_mix, f, MIX_WAIT_MS)) {
    dump_receivers (f->clients->pdata[f->clients->len - 1]);
    dump_mix_heads (f->room);
  }
  in_time (receives_mix (f), what);
}

/* Mixed frames keep arriving at @c (a stall of the composite would stop
 * them). */
static void
assert_mix_flowing (Client *c, const gchar *what)
{
  gint before = mix_stats (c).frames;

  run_for (1000 * slow_factor ());
  if (mix_stats (c).frames <= before + 3)
    dump_receivers (c);
  in_time (mix_stats (c).frames > before + 3, what);
}

/* Every client but @mcu receives audio and video from every other one. */
typedef struct {
  Fixture *f;
  Client *mcu;
} SfuCheck;

static gboolean
sfu_clients_receive_all (gpointer data)
{
  SfuCheck *check = data;
  Fixture *f = check->f;

  for (guint i = 0; i < f->clients->len; i++) {
    for (guint j = 0; j < f->clients->len; j++) {
      Client *c = f->clients->pdata[i], *p = f->clients->pdata[j];

      if (i == j || c == check->mcu)
        continue;
      if (received_from (c, p->pid, "audio", NULL) < MIN_BUFFERS
          || received_from (c, p->pid, "video", NULL) < MIN_BUFFERS)
        return FALSE;
    }
  }
  return TRUE;
}

/* @c receives each other participant on its own streams, and nothing from
 * the mix. */
static gboolean
receives_each_other (gpointer data)
{
  SfuCheck *check = data;
  Client *c = check->mcu;
  MixStats st = mix_stats (c);

  if (c->negotiating || st.video_streams || st.audio_streams)
    return FALSE;
  for (guint j = 0; j < check->f->clients->len; j++) {
    Client *p = check->f->clients->pdata[j];

    if (p != c
        && (received_from (c, p->pid, "audio", NULL) < MIN_BUFFERS
            || received_from (c, p->pid, "video", NULL) < MIN_BUFFERS))
      return FALSE;
  }
  return TRUE;
}

static GVariant *last_layout;
static GHashTable *ever_speaking; /* pids "speaking-changed" said TRUE for */
static guint n_active_speakers;   /* non-NULL "active-speaker" */
static gchar *active_speaker;     /* the last one */

static void
on_speaking_changed (HcMediaRoom *room, const gchar *pid, gboolean speaking,
                     gpointer data)
{
  g_assert_nonnull (pid);
  if (speaking)
    g_hash_table_add (ever_speaking, g_strdup (pid));
}

static void
on_active_speaker (HcMediaRoom *room, const gchar *pid, gpointer data)
{
  if (pid)
    n_active_speakers++;
  g_free (active_speaker);
  active_speaker = g_strdup (pid);
}

static void
on_layout_changed (HcMediaRoom *room, GVariant *tiles, gpointer data)
{
  g_assert_true (g_variant_is_of_type (tiles, G_VARIANT_TYPE ("a(sdddd)")));
  g_clear_pointer (&last_layout, g_variant_unref);
  last_layout = g_variant_ref (tiles);
}

/* The pids of the last layout's tiles, in order, space-separated. */
static gchar *
layout_pids (void)
{
  GString *pids = g_string_new ("");
  GVariantIter iter;
  const gchar *pid;
  gdouble x, y, w, h;

  if (last_layout == NULL)
    return g_string_free (pids, FALSE);
  g_variant_iter_init (&iter, last_layout);
  while (g_variant_iter_next (&iter, "(&sdddd)", &pid, &x, &y, &w, &h)) {
    g_assert_true (x >= 0 && y >= 0 && w > 0 && h > 0);
    g_assert_cmpfloat (x + w, <=, 1.0 + 1e-9);
    g_assert_cmpfloat (y + h, <=, 1.0 + 1e-9);
    g_string_append_printf (pids, "%s%s", pids->len ? " " : "", pid);
  }
  return g_string_free (pids, FALSE);
}

/* The pid of the last layout's largest tile. */
static gchar *
largest_tile (void)
{
  GVariantIter iter;
  const gchar *pid, *best = NULL;
  gdouble x, y, w, h, best_area = 0;

  g_variant_iter_init (&iter, last_layout);
  while (g_variant_iter_next (&iter, "(&sdddd)", &pid, &x, &y, &w, &h)) {
    if (w * h > best_area + 1e-9) {
      best = pid;
      best_area = w * h;
    }
  }
  return g_strdup (best);
}

/* 2 SFU publishers + 1 MCU receiver; the MCU one switches to SFU and back,
 * then leaves: the mixer goes with it and the element count returns. */
static void
test_mixed_receiver (void)
{
  Fixture f = { 0 };
  SfuCheck check = { &f, NULL };
  guint sfu_only, with_carol_sfu;
  Client *carol;
  gint frames;

  fixture_init (&f);
  set_small_mix (f.room);
  g_signal_connect (f.room, "layout-changed", G_CALLBACK (on_layout_changed),
                    NULL);
  ever_speaking = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (f.room, "speaking-changed",
                    G_CALLBACK (on_speaking_changed), NULL);
  g_signal_connect (f.room, "active-speaker", G_CALLBACK (on_active_speaker),
                    NULL);
  fixture_join (&f, client_new ("alice"));
  fixture_join (&f, client_new ("bob"));
  in_time (wait_until (everyone_receives_everyone, &f, WAIT_MS),
           "alice and bob receiving each other");
  sfu_only = hc_media_room_get_n_elements (f.room);
  g_assert_false (hc_media_room_has_mixer (f.room));

  /* the conference sets the mode before the join */
  carol = client_new ("carol");
  carol->decode_video = TRUE;
  check.mcu = carol;
  hc_media_room_set_mode (f.room, "carol", HC_MEDIA_MODE_MCU);
  hc_media_room_set_display_name (f.room, "alice", "Alice A.");
  g_assert_cmpint (hc_media_room_get_mode (f.room, "carol"), ==,
                   HC_MEDIA_MODE_MCU);
  fixture_join (&f, carol);
  g_assert_true (hc_media_room_has_mixer (f.room));
  /* (under HC_TEST_SLOW media may not come up: on to the leave) */
  if (!in_time (wait_until (receives_mix, &f, MIX_WAIT_MS),
                "carol decoding the mix"))
    goto leave;
  /* nothing of alice or bob reaches carol but through the mix */
  g_assert_cmpint (received_from (carol, "alice", "video", NULL), <=, 0);
  g_assert_cmpint (received_from (carol, "bob", "audio", NULL), <=, 0);
  in_time (wait_until (sfu_clients_receive_all, &check, WAIT_MS),
           "alice and bob receiving each other and carol");
  {
    g_autofree gchar *pids = layout_pids ();

    g_assert_cmpstr (pids, ==, "alice bob carol");
  }
  assert_mix_flowing (carol, "the mix flowing");
  /* the test clients' tones are loud: everyone speaks, carol hears the
   * others' (2 contributing sources; her own is not in her mix) */
  g_assert_true (g_hash_table_contains (ever_speaking, "alice"));
  g_assert_true (g_hash_table_contains (ever_speaking, "bob"));
  g_assert_cmpuint (n_active_speakers, >, 0);
  g_assert_cmpint (mix_stats (carol).audio_csrcs, ==, 2);
  /* the speaker layout: the active speaker large, at once */
  hc_media_room_set_layout (f.room, HC_LAYOUT_SPEAKER);
  {
    g_autofree gchar *largest = largest_tile ();
    g_autofree gchar *pids = layout_pids ();

    g_assert_nonnull (active_speaker);
    g_assert_cmpstr (largest, ==, active_speaker);
    g_assert_cmpuint (strlen (pids), ==, strlen ("alice bob carol"));
  }
  hc_media_room_set_layout (f.room, HC_LAYOUT_GRID);
  assert_mix_flowing (carol, "the mix flowing after two layout changes");

  /* to SFU: a stream per person, the mixer gone, and its tiles */
  hc_media_room_set_mode (f.room, "carol", HC_MEDIA_MODE_SFU);
  g_assert_false (hc_media_room_has_mixer (f.room));
  g_assert_cmpuint (g_variant_n_children (last_layout), ==, 0);
  with_carol_sfu = hc_media_room_get_n_elements (f.room);
  /* per participant a webrtcbin and an hcsrtpsend, per track a head */
  g_assert_cmpuint (with_carol_sfu, ==, 3 * 2 + 3 * 2);
  in_time (wait_until (receives_each_other, &check, WAIT_MS),
           "carol receiving alice and bob on their own streams");

  /* and back */
  hc_media_room_set_mode (f.room, "carol", HC_MEDIA_MODE_MCU);
  g_assert_true (hc_media_room_has_mixer (f.room));
  wait_for_mix (&f, "carol decoding the mix again");
  frames = mix_stats (carol).frames;
  g_assert_cmpint (frames, >=, MIX_FRAMES);
  /* the encoder runs already: the new stream's first frame is a keyframe
   * forced for it, not the next periodic one (every 10 s) */
  g_test_message ("renegotiated to the mix: first frame after %.0f ms",
                  (mix_stats (carol).first_frame_us - carol->answered_us)
                      / 1000.0);
  g_assert_cmpint (mix_stats (carol).first_frame_us - carol->answered_us, <,
                   2 * G_TIME_SPAN_SECOND * slow_factor ());
  in_time (wait_until (sfu_clients_receive_all, &check, WAIT_MS),
           "alice and bob still receiving everyone");

leave:
  /* the last MCU receiver leaves: the mixer and its elements go */
  g_ptr_array_remove (f.clients, carol);
  hc_media_room_leave (f.room, "carol");
  carol->room = NULL;
  g_assert_false (hc_media_room_has_mixer (f.room));
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==, sfu_only);
  client_free (carol);
  fixture_clear (&f);
  g_clear_pointer (&last_layout, g_variant_unref);
  g_clear_pointer (&ever_speaking, g_hash_table_unref);
  g_clear_pointer (&active_speaker, g_free);
}

/* Everyone leaves: the mixer and every element go, and the fixture. */
static void
everyone_leaves (Fixture *f)
{
  for (guint i = 0; i < f->clients->len; i++) {
    Client *c = f->clients->pdata[i];

    hc_media_room_leave (f->room, c->pid);
    c->room = NULL;
  }
  g_assert_false (hc_media_room_has_mixer (f->room));
  g_assert_cmpuint (hc_media_room_get_n_elements (f->room), ==, 0);
  fixture_clear (f);
}

static gboolean
published_by (gpointer data)
{
  Fixture *f = data;

  /* alice, nocam (audio only), resizer, carol (MCU), dave */
  return f->published >= 2 + 1 + 2 + 2 + 2;
}

typedef struct {
  Fixture *f;
  guint tracks;
} Published;

static gboolean
tracks_published (gpointer data)
{
  Published *p = data;

  return p->f->published >= p->tracks;
}

/* Joins @c and waits until the room published @tracks tracks in all: the
 * mix places tiles in the order tracks were published, which for clients
 * joining back to back is the order their ICE happened to connect in. */
static void
join_and_publish (Fixture *f, Client *c, guint tracks)
{
  Published p = { f, tracks };

  fixture_join (f, c);
  in_time (wait_until (tracks_published, &p, WAIT_MS), "tracks published");
}

/* A publisher without video, one that changes resolution mid-call, and
 * one that leaves while the mixer's receivers renegotiate: the mix goes
 * on for the MCU receiver. */
static void
test_bad_publishers (void)
{
  Fixture f = { 0 };
  Client *carol, *resizer, *dave;
  guint before_dave;

  fixture_init (&f);
  set_small_mix (f.room);
  g_signal_connect (f.room, "layout-changed", G_CALLBACK (on_layout_changed),
                    NULL);
  join_and_publish (&f, client_new ("alice"), 2);
  join_and_publish (&f, client_new_full ("nocam", 0, 0, TRUE), 3);
  resizer = client_new_full ("resizer", 160, 120, TRUE);
  join_and_publish (&f, resizer, 5);
  carol = client_new ("carol");
  carol->decode_video = TRUE;
  hc_media_room_set_mode (f.room, "carol", HC_MEDIA_MODE_MCU);
  fixture_join (&f, carol);
  if (!in_time (wait_until (receives_mix, &f, MIX_WAIT_MS),
                "carol decoding the mix"))
    goto leave;
  {
    g_autofree gchar *pids = layout_pids ();

    /* a participant without video has a tile too: its name plate */
    g_assert_cmpstr (pids, ==, "alice nocam resizer carol");
  }

  client_set_video_size (resizer, 320, 240);
  assert_mix_flowing (carol, "the mix flowing after a resolution change");
  client_set_video_size (resizer, 96, 64);
  assert_mix_flowing (carol, "the mix flowing after another one");

  /* dave joins, publishes (the mix gets a tile, carol nothing new) and
   * leaves while offers are out */
  before_dave = hc_media_room_get_n_elements (f.room);
  dave = client_new ("dave");
  f.hold_offers = TRUE;
  fixture_join (&f, dave);
  in_time (wait_until (published_by, &f, WAIT_MS), "dave publishing");
  g_ptr_array_remove (f.clients, dave);
  hc_media_room_leave (f.room, "dave");
  dave->room = NULL;
  client_free (dave);
  g_assert_true (hc_media_room_has_mixer (f.room));
  /* his inputs to the mixer went with him */
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==, before_dave);
  assert_mix_flowing (carol, "the mix flowing after dave left");
  {
    g_autofree gchar *pids = layout_pids ();

    g_assert_cmpstr (pids, ==, "alice nocam resizer carol");
  }

leave:
  everyone_leaves (&f);
  g_clear_pointer (&last_layout, g_variant_unref);
}

/* Top-level elements of the room whose name starts with @prefix. */
static guint
count_named (HcMediaRoom *room, const gchar *prefix)
{
  GstBin *bin = GST_BIN (hc_media_room_get_pipeline (room));
  guint n = 0;

  GST_OBJECT_LOCK (bin);
  for (GList *l = bin->children; l; l = l->next)
    n += g_str_has_prefix (GST_OBJECT_NAME (l->data), prefix);
  GST_OBJECT_UNLOCK (bin);
  return n;
}

static gboolean
both_receive_mix (gpointer data)
{
  Fixture *f = data;
  Fixture one = *f;
  g_autoptr (GPtrArray) last = g_ptr_array_new ();

  /* receives_mix() looks at the last client */
  one.clients = last;
  for (guint i = 1; i < f->clients->len; i++) {
    g_ptr_array_set_size (last, 0);
    g_ptr_array_add (last, f->clients->pdata[i]);
    if (!receives_mix (&one))
      return FALSE;
  }
  return TRUE;
}

static gboolean
expected_sources (gpointer data)
{
  Fixture *f = data;

  return mix_stats (f->clients->pdata[1]).audio_csrcs == 1
         && mix_stats (f->clients->pdata[2]).audio_csrcs == 2;
}

/* Two MCU receivers share the decoders and the video encoder: each
 * published track is decoded once; carol publishes audio, so the mixer
 * keeps one mix-minus encode for her voice besides the plain sum; dave
 * publishes none and hears the plain sum. */
static void
test_two_mcu_receivers (void)
{
  Fixture f = { 0 };
  const gchar *pids[] = { "alice", "carol", "dave" };

  fixture_init (&f);
  set_small_mix (f.room);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++) {
    Client *c = i == 2 ? client_new_full (pids[i], 160, 120, FALSE)
                       : client_new (pids[i]);

    if (i > 0) {
      c->decode_video = TRUE;
      hc_media_room_set_mode (f.room, pids[i], HC_MEDIA_MODE_MCU);
    }
    fixture_join (&f, c);
  }
  if (in_time (wait_until (both_receive_mix, &f, MIX_WAIT_MS),
               "carol and dave decoding the mix")) {
    /* 3 video publishers, 2 audio ones: one input each */
    g_assert_cmpuint (count_named (f.room, "mcu-video-input"), ==, 3);
    g_assert_cmpuint (count_named (f.room, "mcu-audio-input"), ==, 2);
    /* and one composite */
    g_assert_cmpuint (count_named (f.room, "mcu-video-"), ==, 3 + 1);
    /* the plain sum, and carol's mix-minus */
    g_assert_cmpuint (count_named (f.room, "mcu-audio-output"), ==, 2);
    /* carol hears alice; dave hears alice and carol */
    in_time (wait_until (expected_sources, &f, WAIT_MS),
             "the mixes naming their sources");
  }

  hc_media_room_set_mode (f.room, "carol", HC_MEDIA_MODE_SFU);
  g_assert_true (hc_media_room_has_mixer (f.room));
  /* carol's mix-minus went */
  g_assert_cmpuint (count_named (f.room, "mcu-audio-output"), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++) {
    hc_media_room_leave (f.room, pids[i]);
    ((Client *)f.clients->pdata[i])->room = NULL;
  }
  g_assert_false (hc_media_room_has_mixer (f.room));
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==, 0);
  fixture_clear (&f);
}

static gboolean
mcu_clients_hear_mix (gpointer data)
{
  Fixture *f = data;

  for (guint i = 1; i < f->clients->len; i++) {
    Client *c = f->clients->pdata[i];

    if (c->negotiating || mix_stats (c).audio_buffers < MIN_BUFFERS)
      return FALSE;
  }
  return TRUE;
}

/* Three MCU receivers who all publish audio, with K = max-mixed = 1: two
 * Opus encodes (the plain sum, and one mix for the one mixed voice if it
 * is a listener's), not one per receiver; each hears the mix. */
static void
test_k_plus_one_encodes (void)
{
  HcMcuSettings settings = HC_MCU_SETTINGS_DEFAULT;
  const gchar *pids[] = { "alice", "carol", "dave", "erin" };
  Fixture f = { 0 };

  fixture_init (&f);
  settings.width = MIX_WIDTH;
  settings.height = MIX_HEIGHT;
  settings.max_mixed = 1;
  hc_media_room_set_mcu_settings (f.room, &settings);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++) {
    /* audio only: the encodes are the point */
    Client *c = client_new_full (pids[i], 0, 0, TRUE);

    if (i > 0)
      hc_media_room_set_mode (f.room, pids[i], HC_MEDIA_MODE_MCU);
    fixture_join (&f, c);
  }
  if (in_time (wait_until (mcu_clients_hear_mix, &f, MIX_WAIT_MS),
               "carol, dave and erin hearing the mix")) {
    g_assert_cmpuint (count_named (f.room, "mcu-audio-input"), ==, 4);
    g_assert_cmpuint (count_named (f.room, "mcu-audio-output"), ==, 1 + 1);
  }
  /* one listener leaves: still K + 1 */
  hc_media_room_leave (f.room, "erin");
  ((Client *)f.clients->pdata[3])->room = NULL;
  g_assert_cmpuint (count_named (f.room, "mcu-audio-output"), ==, 1 + 1);
  for (guint i = 0; i < 3; i++) {
    hc_media_room_leave (f.room, pids[i]);
    ((Client *)f.clients->pdata[i])->room = NULL;
  }
  g_assert_false (hc_media_room_has_mixer (f.room));
  g_assert_cmpuint (hc_media_room_get_n_elements (f.room), ==, 0);
  fixture_clear (&f);
}

/* @c's mixed video m-line in the room's last offer.  Returns: (nullable) */
static const GstSDPMedia *
mix_video_media (Client *c)
{
  for (guint i = 0;
       c->last_offer && i < gst_sdp_message_medias_len (c->last_offer); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (c->last_offer, i);

    if (g_strcmp0 (gst_sdp_media_get_attribute_val (m, "msid"), "mix video")
        == 0)
      return m;
  }
  return NULL;
}

/* [mcu] video-codec=h264: the MCU receiver is offered H.264 (packetization
 * mode 1, constrained baseline) on its mixed video m-line and decodes
 * frames of the configured size. */
static void
test_h264_mix (void)
{
  Fixture f = { 0 };
  HcMcuSettings settings = HC_MCU_SETTINGS_DEFAULT;
  Client *carol;

  if (!gst_registry_check_feature_version (gst_registry_get (), "openh264enc",
                                           1, 0, 0)) {
    /* the server refuses video-codec=h264 then (test-config) */
    g_test_skip ("no openh264enc");
    return;
  }
  fixture_init (&f);
  settings.width = MIX_WIDTH;
  settings.height = MIX_HEIGHT;
  settings.video_codec = HC_VIDEO_CODEC_H264;
  hc_media_room_set_mcu_settings (f.room, &settings);
  fixture_join (&f, client_new ("alice"));
  carol = client_new ("carol");
  carol->decode_video = TRUE;
  hc_media_room_set_mode (f.room, "carol", HC_MEDIA_MODE_MCU);
  fixture_join (&f, carol);
  wait_for_mix (&f, "carol decoding the H.264 mix");
  {
    const GstSDPMedia *m = mix_video_media (carol);

    g_assert_nonnull (m);
    g_assert_nonnull (
        strstr (gst_sdp_media_get_attribute_val (m, "rtpmap"), " H264/90000"));
    g_assert_nonnull (strstr (gst_sdp_media_get_attribute_val (m, "fmtp"),
                              "packetization-mode=1"));
    g_assert_nonnull (strstr (gst_sdp_media_get_attribute_val (m, "fmtp"),
                              "profile-level-id=42e01f"));
    assert_mix_flowing (carol, "the H.264 mix flowing");
  }
  everyone_leaves (&f);
}

/* The mix's payload type for a receiver: the one its offer gives the codec
 * (H.264 only with packetization-mode 1 and constrained baseline 3.1),
 * else one its offer leaves free. */
static void
test_payload_types (void)
{
  static const gchar *const chrome
      = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\n"
        "a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 108 127\r\n"
        "c=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\n"
        "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
        "a=rtpmap:102 H264/90000\r\n"
        "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
        "profile-level-id=42001f\r\n"
        "a=rtpmap:108 H264/90000\r\n"
        "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;"
        "profile-level-id=42e01f\r\n"
        "a=rtpmap:127 H264/90000\r\n"
        "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;"
        "profile-level-id=42E01F\r\n";
  static const gchar *const vp8_only
      = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n"
        "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (GstCaps) h264 = gst_caps_from_string (
      "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
      "payload=96,packetization-mode=(string)1,"
      "profile-level-id=(string)42e01f");
  g_autoptr (GstCaps) vp8 = gst_caps_from_string (
      "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,"
      "payload=100");
  g_autoptr (GstCaps) opus = gst_caps_from_string (
      "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,"
      "payload=100");
  g_autoptr (GArray) taken = g_array_new (FALSE, FALSE, sizeof (gint));
  gint pt = 98;
  GstSDPMessage *offer = hc_sdp_parse (chrome, &error);
  GstSDPMessage *plain = hc_sdp_parse (vp8_only, &error);

  g_assert_no_error (error);
  g_assert_cmpint (hc_sdp_pick_payload (offer, h264, NULL), ==, 127);
  g_assert_cmpint (hc_sdp_pick_payload (offer, vp8, NULL), ==, 96);
  g_assert_cmpint (hc_sdp_pick_payload (offer, opus, NULL), ==, 111);
  /* no H.264 offered: a payload type nothing else uses */
  g_assert_cmpint (hc_sdp_pick_payload (plain, h264, NULL), ==, 98);
  g_array_append_val (taken, pt);
  g_assert_cmpint (hc_sdp_pick_payload (plain, h264, taken), ==, 99);
  gst_sdp_message_free (offer);
  gst_sdp_message_free (plain);
}

int
main (int argc, char **argv)
{
  media_test_init (&argc, &argv);

  g_test_add_func ("/mcu-room/mixed-receiver", test_mixed_receiver);
  g_test_add_func ("/mcu-room/bad-publishers", test_bad_publishers);
  g_test_add_func ("/mcu-room/two-mcu-receivers", test_two_mcu_receivers);
  g_test_add_func ("/mcu-room/k-plus-one-encodes", test_k_plus_one_encodes);
  g_test_add_func ("/mcu-room/h264", test_h264_mix);
  g_test_add_func ("/mcu-room/payload-types", test_payload_types);
  return g_test_run ();
}
