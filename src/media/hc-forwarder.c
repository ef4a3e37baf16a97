/* hyperconf — hcforwarder: the selective forwarder element (SFU fan-out).
 *
 *                     hcforwarder
 *                +--------------------------------------+
 *                |        +-> rewrite (pad 0) -> src_0 -+--> subscriber A
 * publisher RTP -+-> sink +-> rewrite (pad 1) -> src_1 -+--> subscriber B
 *                |        +-> ...                src_n  |
 *                |                                      |
 * keyframe  <----+-- sink <-- force-key-unit, -- src_%u +<-- subscribers'
 * requests       |            reconfigure ...           |    upstream events
 *                +--------------------------------------+
 *
 * rewrite = SSRC, payload type, sequence number (+ per-pad offset) and
 * header extensions removed, as the pad's properties ask.
 *
 * Usage example (verified with GST_PLUGIN_PATH=<build>/src/media):
 *
 *   gst-launch-1.0 videotestsrc num-buffers=60 ! vp8enc ! rtpvp8pay !
 *     hcforwarder name=f  f.src_0 ! queue ! rtpvp8depay ! vp8dec ! fakesink
 *     f.src_1 ! queue ! fakesink
 *
 * What it does, per buffer on the sink pad, for each src pad:
 *  - pushes the input buffer itself when nothing has to change, otherwise a
 *    copy (gst_buffer_copy shares the memory; mapping it writable copies the
 *    packet once) with SSRC, payload type and sequence number rewritten and
 *    the header extension removed when "strip-extensions" is set;
 *  - sequence numbers: out_seq = in_seq + offset (mod 2^16), the offset
 *    being chosen at random when the pad forwards its first packet.  The
 *    header (hc-forwarder.h) once promised a renumbered, gap-free output;
 *    we keep gaps instead, on purpose: a lost publisher packet stays a
 *    visible loss for the subscriber's jitter buffer (so it NACKs and
 *    conceals instead of decoding across a hole), and a NACK for out_seq
 *    maps back to the publisher's in_seq = out_seq - offset.  The random
 *    start follows RFC 3550 §5.1 ("the initial value of the sequence number
 *    SHOULD be random").
 *
 * Lean subscribers: when a src pad's peer is an hcsrtpsend sink pad whose
 * pair is on the lean path, the packet is not made into a buffer nor
 * pushed: hc_srtp_send_forward() gets the pad's header (written as the
 * rewrite above would) and the input, copies both once into what it
 * protects and sends, and keeps the input for NACKs.  Per subscriber and
 * packet that saves a buffer, a header memory and a pad push.  It is
 * taken only where a push would do nothing more: no sticky events pending
 * on the pad, neither it nor its peer flushing or blocked.
 *
 * Caps: each src pad carries the sink caps with "ssrc" (uint) and
 * "payload" (int) replaced by the pad's values when set, and without the
 * "extmap-N" fields when extensions are stripped (webrtcbin writes a=extmap
 * from them; announcing extensions we remove would be a lie) -- unless the
 * pad's "caps" property is set: then those, as they are, also in answer to
 * caps queries before any input arrived.
 *
 * "forward" = FALSE drops the buffers meant for a pad (events still flow),
 * and so does a blocking probe on the pad's peer: the streaming thread
 * never waits in one.  A pad can so be linked at once to a peer that must not
 * get packets yet (webrtcbin holds a sink pad until its m-line is negotiated,
 * and its send path until DTLS is up), with no thread or queue between the two:
 * the streaming thread pushes straight into every subscriber, and must never
 * wait on one of them.
 *
 * Flow: what one subscriber returns never stops the publisher nor the other
 * subscribers.  NOT_LINKED (branch still being linked from an idle probe),
 * FLUSHING (branch being released or set to NULL) and EOS (a subscriber's
 * transceiver gone inactive) only mean that this pad takes nothing now; the
 * chain returns OK, also with no src pad at all, because a publisher
 * without subscribers is a normal state of a room and a later subscriber
 * must still find the stream running.  Only a fatal error (NOT_NEGOTIATED,
 * ERROR) of some pad is returned upstream, so that bugs stay visible.
 *
 * Late pads: a src pad requested while data flows is marked "fresh"; the
 * streaming thread, before it sends anything else to that pad, pushes the
 * sink pad's sticky events (stream-start, caps rewritten for the pad,
 * segment, ...) in order.  Doing it in the streaming thread serialises it
 * with the events being forwarded, so a late pad can never see caps before
 * stream-start or miss a caps change.  A new pad also sends a force-key-unit
 * event upstream so the publisher is asked for a keyframe (PLI) at once.
 *
 * Locking: the element's object lock guards pads (an immutable snapshot
 * array, replaced on request/release) and caps; each HcForwarderPad's object
 * lock guards its settings, offset and counters.  The two are never held
 * together, and no lock is held while pushing.
 */
#define G_LOG_DOMAIN "hc-forwarder"

#include <hyperconf/hc-forwarder.h>
#include <hyperconf/hc-mixminus.h>
#include <hyperconf/hc-rtp-passthrough.h>
#include <hyperconf/hc-sender-clock.h>
#include <hyperconf/hc-srtp-send.h>

#include "hc-element-pad.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>

#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (hc_forwarder_debug);
#define GST_CAT_DEFAULT hc_forwarder_debug

#define DEFAULT_SSRC             0
#define DEFAULT_PT               -1
#define DEFAULT_STRIP_EXTENSIONS TRUE
/* The longest header the direct hand-off writes: 12 octets and up to 15
 * CSRCs (a mix's).  A pad that keeps header extensions may have longer
 * ones: those packets are pushed as buffers. */
#define MAX_DIRECT_HEADER (12 + 15 * 4)

/* ---------------------------------------------------------------------- */
/* HcForwarderPad                                                          */
/* ---------------------------------------------------------------------- */

struct _HcForwarderPad {
  GstPad parent_instance;

  /* All below under the pad's object lock. */
  guint ssrc; /* 0 = keep */
  gint pt;    /* -1 = keep */
  gboolean strip_extensions;
  gboolean forward; /* FALSE: buffers for this pad are dropped */
  GstCaps *caps;    /* the pad's caps as set, or NULL: derived */
  guint64 packets;

  gint mix_voice; /* -2: every packet; else hc_mix_minus_buffer_is_for */

  gboolean have_offset;
  guint16 seq_offset;
  guint32 last_in_ssrc; /* of the last packet forwarded */
  guint16 last_out_seq;

  /* Set from any thread, cleared only by the streaming thread. */
  gboolean fresh;      /* sink's sticky events not sent yet */
  gboolean caps_dirty; /* ssrc/pt/strip changed since caps were sent */
  /* Set once by release_pad; the streaming thread then skips the pad. */
  gboolean released;
  /* Streaming thread only: the last sender clock is still to be sent
   * (a new pad, or one whose peer was blocked when it came). */
  gboolean clock_missed;
};

G_DEFINE_FINAL_TYPE (HcForwarderPad, hc_forwarder_pad, GST_TYPE_PAD)

enum {
  PAD_PROP_0,
  PAD_PROP_SSRC,
  PAD_PROP_PT,
  PAD_PROP_STRIP_EXTENSIONS,
  PAD_PROP_FORWARD,
  PAD_PROP_CAPS,
  PAD_PROP_MIX_VOICE,
  PAD_PROP_PACKETS,
  N_PAD_PROPS
};

static GParamSpec *pad_props[N_PAD_PROPS];

static void
hc_forwarder_pad_set_property (GObject *object, guint prop_id,
                               const GValue *value, GParamSpec *pspec)
{
  HcForwarderPad *self = HC_FORWARDER_PAD (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PAD_PROP_SSRC:
      self->caps_dirty |= self->ssrc != g_value_get_uint (value);
      self->ssrc = g_value_get_uint (value);
      break;
    case PAD_PROP_PT:
      self->caps_dirty |= self->pt != g_value_get_int (value);
      self->pt = g_value_get_int (value);
      break;
    case PAD_PROP_STRIP_EXTENSIONS:
      /* extmap-N fields in the caps follow this setting. */
      self->caps_dirty |= self->strip_extensions != g_value_get_boolean (value);
      self->strip_extensions = g_value_get_boolean (value);
      break;
    case PAD_PROP_FORWARD:
      self->forward = g_value_get_boolean (value);
      break;
    case PAD_PROP_CAPS:
      self->caps_dirty |= gst_caps_replace (
          &self->caps, (GstCaps *)gst_value_get_caps (value));
      break;
    case PAD_PROP_MIX_VOICE:
      self->mix_voice = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
hc_forwarder_pad_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  HcForwarderPad *self = HC_FORWARDER_PAD (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PAD_PROP_SSRC:
      g_value_set_uint (value, self->ssrc);
      break;
    case PAD_PROP_PT:
      g_value_set_int (value, self->pt);
      break;
    case PAD_PROP_STRIP_EXTENSIONS:
      g_value_set_boolean (value, self->strip_extensions);
      break;
    case PAD_PROP_FORWARD:
      g_value_set_boolean (value, self->forward);
      break;
    case PAD_PROP_CAPS:
      gst_value_set_caps (value, self->caps);
      break;
    case PAD_PROP_MIX_VOICE:
      g_value_set_int (value, self->mix_voice);
      break;
    case PAD_PROP_PACKETS:
      g_value_set_uint64 (value, self->packets);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
hc_forwarder_pad_finalize (GObject *object)
{
  gst_clear_caps (&HC_FORWARDER_PAD (object)->caps);
  G_OBJECT_CLASS (hc_forwarder_pad_parent_class)->finalize (object);
}

static void
hc_forwarder_pad_class_init (HcForwarderPadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags
      = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;

  object_class->set_property = hc_forwarder_pad_set_property;
  object_class->get_property = hc_forwarder_pad_get_property;
  object_class->finalize = hc_forwarder_pad_finalize;

  pad_props[PAD_PROP_SSRC] = g_param_spec_uint (
      "ssrc", "SSRC", "SSRC written into every packet (0 = keep the input's)",
      0, G_MAXUINT32, DEFAULT_SSRC, flags);
  pad_props[PAD_PROP_PT] = g_param_spec_int (
      "pt", "Payload type", "RTP payload type written (-1 = keep the input's)",
      -1, 127, DEFAULT_PT, flags);
  pad_props[PAD_PROP_STRIP_EXTENSIONS] = g_param_spec_boolean (
      "strip-extensions", "Strip extensions",
      "Remove RTP header extensions (and extmap-N caps fields)",
      DEFAULT_STRIP_EXTENSIONS, flags);
  pad_props[PAD_PROP_FORWARD] = g_param_spec_boolean (
      "forward", "Forward",
      "Push buffers to this pad (FALSE: drop them; events still flow)", TRUE,
      flags);
  pad_props[PAD_PROP_CAPS] = g_param_spec_boxed (
      "caps", "Caps",
      "Caps this pad announces instead of the ones derived from the input "
      "(NULL = derived)",
      GST_TYPE_CAPS, flags);
  pad_props[PAD_PROP_MIX_VOICE] = g_param_spec_int (
      "mix-voice", "Mix voice",
      "For the encodes of one hcmixminus mix on the sink pads: forward only "
      "the packets meant for the listener whose voice is the mixer's sink_N "
      "(N; -1: a listener without a voice in the mix), by their "
      "HcMixMinusMeta (-2: every packet)",
      -2, G_MAXINT, -2, flags);
  pad_props[PAD_PROP_PACKETS] = g_param_spec_uint64 (
      "packets", "Packets", "Packets forwarded on this pad", 0, G_MAXUINT64, 0,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PAD_PROPS, pad_props);
}

static void
hc_forwarder_pad_init (HcForwarderPad *self)
{
  self->ssrc = DEFAULT_SSRC;
  self->pt = DEFAULT_PT;
  self->strip_extensions = DEFAULT_STRIP_EXTENSIONS;
  self->forward = TRUE;
  self->fresh = TRUE;
  self->mix_voice = -2;
}

/* ---------------------------------------------------------------------- */
/* HcForwarder                                                             */
/* ---------------------------------------------------------------------- */

struct _HcForwarder {
  GstElement parent_instance;

  GstPad *sinkpad;

  /* Under the object lock. */
  GPtrArray *pads; /* HcForwarderPad (ref), immutable once published */
  GstCaps *caps;   /* last caps from upstream, or NULL */
  GstEvent *clock; /* last hc-sender-clock event from upstream, or NULL */
  guint next_pad_index;
  guint next_sink_index;
  gboolean keyframe_on_request;
};

enum { PROP_0, PROP_KEYFRAME_ON_REQUEST, N_PROPS };
static GParamSpec *props[N_PROPS];

static void hc_forwarder_child_proxy_init (GstChildProxyInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (
    HcForwarder, hc_forwarder, GST_TYPE_ELEMENT,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY, hc_forwarder_child_proxy_init)
        GST_DEBUG_CATEGORY_INIT (hc_forwarder_debug, "hcforwarder", 0,
                                 "hyperconf selective forwarder"))

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                               GST_STATIC_CAPS ("application/x-rtp"));

/* More encodes of the same stream: a mix's plain sum comes on "sink", its
 * mix-minus encodes on these (see "mix-voice"). */
static GstStaticPadTemplate more_sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
                               GST_STATIC_CAPS ("application/x-rtp"));

static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src_%u", GST_PAD_SRC, GST_PAD_REQUEST,
                               GST_STATIC_CAPS ("application/x-rtp"));

/* What the chain function reads from the input header once, for all pads. */
typedef struct {
  GstBuffer *buffer;
  guint32 ssrc;
  guint8 pt;
  guint16 seq;
  gboolean has_extension;
  guint fixed_len;  /* 12 + 4 * CSRC count */
  guint header_len; /* fixed_len + extension */
  /* The input without its header extension, made at the first pad that
   * strips and shared by all of them (chain function only). */
  GstBuffer *stripped;
} RtpInfo;

/* Per-pad settings read under the pad's lock, used without it. */
typedef struct {
  guint ssrc;
  gint pt;
  gboolean strip;
  GstCaps *caps; /* a ref, only with fresh or caps_dirty */
  guint16 offset;
  gint mix_voice;
  gboolean fresh;
  gboolean caps_dirty;
} PadSettings;

static GPtrArray *
snapshot_pads (HcForwarder *self, GstCaps **caps)
{
  GPtrArray *pads;

  GST_OBJECT_LOCK (self);
  pads = g_ptr_array_ref (self->pads);
  if (caps)
    *caps = self->caps ? gst_caps_ref (self->caps) : NULL;
  GST_OBJECT_UNLOCK (self);
  return pads;
}

/* Fields of the sink caps that do not hold for an output: "extmap-N" when
 * extensions are stripped; "seqnum-offset"/"seqnum-base" always, since
 * every output is renumbered. */
static gboolean
filter_field (GQuark field_id, GValue *value, gpointer user_data)
{
  const gchar *name = g_quark_to_string (field_id);
  gboolean strip = GPOINTER_TO_INT (user_data);

  if (strip && g_str_has_prefix (name, "extmap-"))
    return FALSE;
  return strcmp (name, "seqnum-offset") != 0
         && strcmp (name, "seqnum-base") != 0;
}

/* The pad's view of the upstream caps; @set_caps, when the pad has caps
 * of its own, wins. */
static GstCaps *
transform_caps (GstCaps *caps, GstCaps *set_caps, guint ssrc, gint pt,
                gboolean strip)
{
  GstCaps *out;

  if (set_caps)
    return gst_caps_ref (set_caps);
  out = gst_caps_copy (caps);

  for (guint i = 0; i < gst_caps_get_size (out); i++) {
    GstStructure *s = gst_caps_get_structure (out, i);

    /* webrtcbin only writes a=ssrc when "ssrc" is a uint. */
    if (ssrc != 0)
      gst_structure_set (s, "ssrc", G_TYPE_UINT, ssrc, NULL);
    if (pt >= 0)
      gst_structure_set (s, "payload", G_TYPE_INT, pt, NULL);
    gst_structure_filter_and_map_in_place (s, filter_field,
                                           GINT_TO_POINTER (strip));
  }
  return out;
}

/* Returns FALSE for a released pad, and for a packet (@info) the pad does
 * not forward.  @info fixes the sequence offset at the first packet
 * forwarded; @consume takes the fresh/caps_dirty flags, which only the
 * streaming thread may do.  Free with clear_pad_settings(). */
static gboolean
read_pad_settings (HcForwarderPad *pad, const RtpInfo *info, gboolean consume,
                   PadSettings *out)
{
  GST_OBJECT_LOCK (pad);
  if (pad->released || (info && !pad->forward)
      || (info && pad->mix_voice != -2
          && !hc_mix_minus_buffer_is_for (info->buffer, pad->mix_voice))) {
    GST_OBJECT_UNLOCK (pad);
    return FALSE;
  }
  if (info && !pad->have_offset) {
    /* Chosen at the first packet so out_seq starts at a random value. */
    pad->seq_offset = (guint16)(g_random_int () - info->seq);
    pad->have_offset = TRUE;
    GST_DEBUG_OBJECT (pad, "sequence offset %u", pad->seq_offset);
  } else if (info && info->ssrc != pad->last_in_ssrc) {
    /* Another stream (the next packet of a mix from its other encode, a
     * publisher's new SSRC): the output's numbers go on without a jump,
     * and from there gaps in the new stream stay gaps. */
    pad->seq_offset = (guint16)(pad->last_out_seq + 1 - info->seq);
    GST_DEBUG_OBJECT (pad, "input ssrc %u, sequence offset %u", info->ssrc,
                      pad->seq_offset);
  }
  if (info) {
    pad->last_in_ssrc = info->ssrc;
    pad->last_out_seq = (guint16)(info->seq + pad->seq_offset);
  }
  out->ssrc = pad->ssrc;
  out->pt = pad->pt;
  out->strip = pad->strip_extensions;
  out->offset = pad->seq_offset;
  out->mix_voice = pad->mix_voice;
  out->fresh = consume && pad->fresh;
  out->caps_dirty = consume && pad->caps_dirty;
  /* Not per packet: a ref is two atomic operations. */
  out->caps = (out->fresh || out->caps_dirty || !info) && pad->caps
                  ? gst_caps_ref (pad->caps)
                  : NULL;
  if (consume) {
    pad->fresh = FALSE;
    pad->caps_dirty = FALSE;
  }
  GST_OBJECT_UNLOCK (pad);
  return TRUE;
}

static void
clear_pad_settings (PadSettings *set)
{
  gst_clear_caps (&set->caps);
}

/* The event to send downstream for @event (transfer full).
 *
 * Segments: every publisher's jitter buffer sends the same default TIME
 * segment, and a subscriber's webrtcbin funnels all its streams into one
 * RTP session through an rtpfunnel, which forwards the segment of its
 * input pad whenever the input changes: about once per packet, each time
 * through a dozen elements of the send path.  Downstream pads store sticky
 * events and skip forwarding one that is the very same object as the one
 * stored, so every forwarder sends one shared segment object instead of
 * equal copies, and the funnel's switches cost nothing further. */
static GstEvent *
outgoing_event (GstEvent *event)
{
  static GstEvent *shared;
  const GstSegment *in, *common;

  if (GST_EVENT_TYPE (event) != GST_EVENT_SEGMENT)
    return gst_event_ref (event);
  if (g_once_init_enter (&shared)) {
    GstSegment time;

    gst_segment_init (&time, GST_FORMAT_TIME);
    g_once_init_leave (&shared, gst_event_new_segment (&time));
  }
  gst_event_parse_segment (event, &in);
  gst_event_parse_segment (shared, &common);
  return gst_event_ref (gst_segment_is_equal (in, common) ? shared : event);
}

static gboolean
collect_sticky (GstPad *pad, GstEvent **event, gpointer user_data)
{
  g_ptr_array_add (user_data, gst_event_ref (*event));
  return TRUE;
}

static gboolean peer_blocked (HcForwarderPad *pad, GstPad **lean_peer);

/* Sends the publisher's sender clock (an hc-sender-clock event) on @pad
 * for the pad's output SSRC, serialized with its packets, so that the
 * subscriber's sender reports carry the publisher's NTP/RTP mapping (the
 * forwarder keeps RTP timestamps, so the pair holds for the output).  Not
 * on a "mix-voice" pad: its packets come from several encodes of a mix
 * whose timestamps are the mixer's own, and the pair would be wrong for
 * them.  Not into a blocking probe either (see peer_blocked()): the pad
 * gets the last one before its next packet instead.  Streaming thread
 * only. */
static gboolean
push_sender_clock (HcForwarderPad *pad, const PadSettings *set, GstEvent *clock)
{
  guint32 in_ssrc;

  if (set->mix_voice != -2
      || !hc_sender_clock_event_parse (clock, &in_ssrc, NULL, NULL, NULL))
    return FALSE;
  pad->clock_missed = peer_blocked (pad, NULL);
  if (pad->clock_missed)
    return FALSE;
  return gst_pad_push_event (
      GST_PAD (pad),
      hc_sender_clock_event_with_ssrc (clock, set->ssrc ? set->ssrc : in_ssrc));
}

/* The last sender clock, to a pad that missed it, before its next packet. */
static void
push_missed_sender_clock (HcForwarder *self, HcForwarderPad *pad,
                          const PadSettings *set)
{
  GstEvent *clock;

  GST_OBJECT_LOCK (self);
  clock = self->clock ? gst_event_ref (self->clock) : NULL;
  GST_OBJECT_UNLOCK (self);
  pad->clock_missed = FALSE;
  if (clock) {
    push_sender_clock (pad, set, clock);
    gst_event_unref (clock);
  }
}

/* Streaming thread only.  A fresh pad gets the sink's sticky events, in
 * their order, before anything else; a pad whose settings changed gets its
 * new caps.  The events are collected first because
 * gst_pad_sticky_events_foreach() holds the sink pad's lock, under which we
 * must not push. */
static void
prepare_pad (HcForwarder *self, HcForwarderPad *pad, const PadSettings *set,
             GstCaps *caps)
{
  if (set->fresh) {
    g_autoptr (GPtrArray) events
        = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_event_unref);

    gst_pad_sticky_events_foreach (self->sinkpad, collect_sticky, events);
    GST_DEBUG_OBJECT (pad, "sending %u sticky events to new pad", events->len);
    for (guint i = 0; i < events->len; i++) {
      GstEvent *event = g_ptr_array_index (events, i);

      if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
        GstCaps *upstream;
        g_autoptr (GstCaps) mine = NULL;

        gst_event_parse_caps (event, &upstream);
        mine = transform_caps (upstream, set->caps, set->ssrc, set->pt,
                               set->strip);
        gst_pad_push_event (GST_PAD (pad), gst_event_new_caps (mine));
      } else {
        gst_pad_push_event (GST_PAD (pad), outgoing_event (event));
      }
    }
    /* The mapping holds until the next SR: a new subscriber need not wait
     * for it (seconds, for audio) to get sender reports in sync. */
    pad->clock_missed = TRUE;
  } else if (set->caps_dirty && caps) {
    g_autoptr (GstCaps) mine
        = transform_caps (caps, set->caps, set->ssrc, set->pt, set->strip);

    GST_DEBUG_OBJECT (pad, "settings changed, new caps %" GST_PTR_FORMAT, mine);
    gst_pad_push_event (GST_PAD (pad), gst_event_new_caps (mine));
  }
}

static gboolean
parse_rtp (GstBuffer *buf, RtpInfo *info)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  info->stripped = NULL;
  /* Validates version, lengths and padding: never trust network input. */
  if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    return FALSE;
  info->buffer = buf;
  info->ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  info->pt = gst_rtp_buffer_get_payload_type (&rtp);
  info->seq = gst_rtp_buffer_get_seq (&rtp);
  info->has_extension = gst_rtp_buffer_get_extension (&rtp);
  info->fixed_len = 12 + 4 * gst_rtp_buffer_get_csrc_count (&rtp);
  info->header_len = gst_rtp_buffer_get_header_len (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return TRUE;
}

/* A new buffer without the header extension: fixed header and CSRCs, then
 * payload and padding, with the X bit cleared.  RTP has no header length
 * field besides CC and X, so this is the whole fix-up. */
static GstBuffer *
strip_extension (GstBuffer *in, const RtpInfo *info)
{
  GstMapInfo imap, omap;
  GstBuffer *out;
  gsize rest;

  if (!gst_buffer_map (in, &imap, GST_MAP_READ))
    return NULL;
  rest = imap.size - info->header_len;
  out = gst_buffer_new_allocate (NULL, info->fixed_len + rest, NULL);
  gst_buffer_copy_into (out, in, GST_BUFFER_COPY_METADATA, 0, -1);
  gst_buffer_map (out, &omap, GST_MAP_WRITE);
  memcpy (omap.data, imap.data, info->fixed_len);
  omap.data[0] &= ~0x10;
  memcpy (omap.data + info->fixed_len, imap.data + info->header_len, rest);
  gst_buffer_unmap (out, &omap);
  gst_buffer_unmap (in, &imap);
  return out;
}

/* Returns (transfer full) the buffer for one pad: @in itself when nothing
 * changes, else a new buffer of two memories: a header of its own (fixed
 * header and CSRCs, plus the extension when it is kept) with SSRC, payload
 * type and sequence number rewritten, and the payload, shared with @in (or
 * with info->stripped, made once for every pad that strips).  So each
 * subscriber costs a header's copy, not a packet's, and the packets
 * hcsrtpsend keeps for NACKs share their payloads across subscribers.
 * (GstRTPBuffer maps header and payload in separate memories.)  @in is
 * never modified: other pads and upstream may still hold it. */
/* What a pad's packets are made from: the input, or the input without its
 * header extension (made once, shared by the pads that strip), and the
 * length of that one's header in @header_len.  NULL if stripping failed. */
static GstBuffer *
rewrite_base (GstBuffer *in, RtpInfo *info, const PadSettings *set,
              guint *header_len)
{
  if (!(set->strip && info->has_extension)) {
    *header_len = info->header_len;
    return in;
  }
  if (info->stripped == NULL)
    info->stripped = strip_extension (in, info);
  *header_len = info->fixed_len;
  return info->stripped;
}

/* The pad's header, from @base's first @len octets, into @header. */
static gboolean
write_header (GstBuffer *base, const RtpInfo *info, const PadSettings *set,
              guint8 *header, guint len)
{
  if (gst_buffer_extract (base, 0, header, len) != len)
    return FALSE;
  if (set->pt >= 0 && set->pt != info->pt)
    header[1] = (header[1] & 0x80) | (set->pt & 0x7f);
  GST_WRITE_UINT16_BE (header + 2, (guint16)(info->seq + set->offset));
  if (set->ssrc != 0 && set->ssrc != info->ssrc)
    GST_WRITE_UINT32_BE (header + 8, set->ssrc);
  return TRUE;
}

/* The packet for a pad, as a buffer: the payload's memory shared with the
 * input, a header of its own. */
static GstBuffer *
rewrite (GstBuffer *in, RtpInfo *info, const PadSettings *set)
{
  gboolean strip = set->strip && info->has_extension;
  gboolean new_ssrc = set->ssrc != 0 && set->ssrc != info->ssrc;
  gboolean new_pt = set->pt >= 0 && set->pt != info->pt;
  GstBuffer *base, *out;
  GstMemory *header;
  GstMapInfo map;
  guint header_len;
  gsize size;

  if (!strip && !new_ssrc && !new_pt && set->offset == 0)
    return gst_buffer_ref (in);
  base = rewrite_base (in, info, set, &header_len);
  if (base == NULL)
    return NULL;
  size = gst_buffer_get_size (base);
  out = gst_buffer_copy_region (base, GST_BUFFER_COPY_MEMORY, header_len,
                                size - header_len);
  header = gst_allocator_alloc (NULL, header_len, NULL);
  /* Timestamps and metas as a whole-buffer copy has them (a region copy
   * at an offset drops the timestamps). */
  if (out && !gst_buffer_copy_into (out, base, GST_BUFFER_COPY_METADATA, 0, -1))
    gst_clear_buffer (&out);
  if (out == NULL || header == NULL
      || !gst_memory_map (header, &map, GST_MAP_WRITE)) {
    gst_clear_buffer (&out);
    if (header)
      gst_memory_unref (header);
    return NULL;
  }
  if (!write_header (base, info, set, map.data, header_len)) {
    gst_memory_unmap (header, &map);
    gst_memory_unref (header);
    gst_buffer_unref (out);
    return NULL;
  }
  gst_memory_unmap (header, &map);
  gst_buffer_prepend_memory (out, header);
  return out;
}

/* The direct hand-off to a lean subscriber (hc_srtp_send_forward()): the
 * packet as rewrite() would make it, never made into a buffer, and no pad
 * push.  FALSE: not taken (@sender's pair not lean, a header longer than
 * any browser sends); the caller pushes. */
static gboolean
forward_direct (HcSrtpSend *sender, GstPad *sender_sink, GstBuffer *in,
                RtpInfo *info, const PadSettings *set, GstFlowReturn *ret)
{
  guint8 header[MAX_DIRECT_HEADER];
  GstBuffer *base;
  guint header_len;

  base = rewrite_base (in, info, set, &header_len);
  if (base == NULL || header_len > sizeof header
      || !write_header (base, info, set, header, header_len))
    return FALSE;
  return hc_srtp_send_forward (sender, sender_sink, base, header_len, header,
                               header_len, ret);
}

/* TRUE while a blocking probe sits on @pad's peer: a push would wait until
 * somebody lifts it, and the publisher and every other subscriber with it.
 * (webrtcbin blocks a sink pad until its m-line is negotiated and
 * connected.) */
static gboolean
peer_blocked (HcForwarderPad *pad, GstPad **lean_peer)
{
  GstPad *peer;
  gboolean blocked;

  /* Under the pad's lock the peer cannot be unlinked and freed. */
  GST_OBJECT_LOCK (pad);
  peer = GST_PAD_PEER (pad);
  blocked = peer && GST_PAD_IS_BLOCKED (peer);
  /* A lean subscriber's element, for the direct hand-off, unless a push
   * has more to do: sticky events to retry, a flushing or blocked pad. */
  if (lean_peer && peer && !blocked && GST_PAD_PARENT (peer)
      && HC_IS_SRTP_SEND (GST_PAD_PARENT (peer))
      && !GST_PAD_HAS_PENDING_EVENTS (pad) && !GST_PAD_IS_FLUSHING (pad)
      && !GST_PAD_IS_BLOCKED (pad))
    *lean_peer = gst_object_ref (peer);
  GST_OBJECT_UNLOCK (pad);
  return blocked;
}

/* Flow combination; see the comment at the top of the file.  Returns the
 * first fatal error (NOT_NEGOTIATED, ERROR, ...) of any pad, else OK. */
static GstFlowReturn
flow_add (GstFlowReturn combined, HcForwarderPad *pad, GstFlowReturn ret)
{
  if (ret >= GST_FLOW_OK)
    return combined;
  if (ret >= GST_FLOW_EOS) {
    /* NOT_LINKED, FLUSHING, EOS: this subscriber takes nothing now (being
     * linked, released, torn down...); the others and the publisher go
     * on. */
    GST_LOG_OBJECT (pad, "not taking data: %s", gst_flow_get_name (ret));
    return combined;
  }
  GST_WARNING_OBJECT (pad, "downstream returned %s", gst_flow_get_name (ret));
  return combined == GST_FLOW_OK ? ret : combined;
}

static GstFlowReturn
hc_forwarder_chain (GstPad *sinkpad, GstObject *parent, GstBuffer *buf)
{
  HcForwarder *self = HC_FORWARDER (parent);
  g_autoptr (GPtrArray) pads = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GstFlowReturn combined = GST_FLOW_OK;
  RtpInfo info;

  if (!parse_rtp (buf, &info)) {
    GST_LOG_OBJECT (self,
                    "dropping invalid RTP packet of %" G_GSIZE_FORMAT " bytes",
                    gst_buffer_get_size (buf));
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }

  pads = snapshot_pads (self, &caps);
  for (guint i = 0; i < pads->len; i++) {
    HcForwarderPad *pad = g_ptr_array_index (pads, i);
    PadSettings set;
    GstBuffer *out;
    GstFlowReturn ret;
    g_autoptr (GstPad) lean_peer = NULL;

    if (!read_pad_settings (pad, &info, TRUE, &set))
      continue;
    /* Sticky events first: they pass a blocking probe, and the caps are
     * what makes webrtcbin connect a negotiated sink pad and lift its
     * block. */
    prepare_pad (self, pad, &set, caps);
    clear_pad_settings (&set);
    if (peer_blocked (pad, &lean_peer)) {
      GST_LOG_OBJECT (pad, "peer blocked, dropping seq %u", info.seq);
      continue;
    }
    if (pad->clock_missed)
      push_missed_sender_clock (self, pad, &set);

    if (lean_peer == NULL
        || !forward_direct (HC_SRTP_SEND (GST_PAD_PARENT (lean_peer)),
                            lean_peer, buf, &info, &set, &ret)) {
      out = rewrite (buf, &info, &set);
      if (!out) {
        GST_WARNING_OBJECT (pad, "could not rewrite packet");
        continue;
      }
      ret = gst_pad_push (GST_PAD (pad), out);
    }
    GST_LOG_OBJECT (pad, "pushed seq %u: %s", (guint16)(info.seq + set.offset),
                    gst_flow_get_name (ret));
    if (ret == GST_FLOW_OK) {
      GST_OBJECT_LOCK (pad);
      pad->packets++;
      GST_OBJECT_UNLOCK (pad);
    }
    combined = flow_add (combined, pad, ret);
  }
  gst_clear_buffer (&info.stripped);
  gst_buffer_unref (buf);
  return combined;
}

static gboolean
hc_forwarder_sink_event (GstPad *sinkpad, GstObject *parent, GstEvent *event)
{
  HcForwarder *self = HC_FORWARDER (parent);
  g_autoptr (GPtrArray) pads = NULL;
  g_autoptr (GstCaps) caps = NULL;
  gboolean dispatched = FALSE, result = FALSE;
  /* Sticky replay only from serialized events (the streaming thread);
   * flushes must not replay a segment into the middle of a flush. */
  gboolean may_prepare = GST_EVENT_IS_SERIALIZED (event)
                         && GST_EVENT_TYPE (event) != GST_EVENT_FLUSH_STOP;
  gboolean clock = hc_sender_clock_event_parse (event, NULL, NULL, NULL, NULL);

  if (clock) {
    GST_OBJECT_LOCK (self);
    gst_event_replace (&self->clock, event);
    GST_OBJECT_UNLOCK (self);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *new_caps;

    gst_event_parse_caps (event, &new_caps);
    GST_DEBUG_OBJECT (self, "upstream caps %" GST_PTR_FORMAT, new_caps);
    GST_OBJECT_LOCK (self);
    gst_caps_replace (&self->caps, new_caps);
    GST_OBJECT_UNLOCK (self);
  }

  pads = snapshot_pads (self, &caps);
  for (guint i = 0; i < pads->len; i++) {
    HcForwarderPad *pad = g_ptr_array_index (pads, i);
    PadSettings set;

    if (!read_pad_settings (pad, NULL, may_prepare, &set))
      continue;
    /* A CAPS event is followed by the pad's new caps anyway. */
    prepare_pad (self, pad, &set,
                 GST_EVENT_TYPE (event) == GST_EVENT_CAPS ? NULL : caps);

    dispatched = TRUE;
    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      g_autoptr (GstCaps) mine
          = transform_caps (caps, set.caps, set.ssrc, set.pt, set.strip);

      result |= gst_pad_push_event (GST_PAD (pad), gst_event_new_caps (mine));
    } else if (clock) {
      result |= push_sender_clock (pad, &set, event);
    } else {
      result |= gst_pad_push_event (GST_PAD (pad), outgoing_event (event));
    }
    clear_pad_settings (&set);
  }
  gst_event_unref (event);

  /* As gst_pad_event_default(): nothing to forward to is no failure. */
  return dispatched ? result : TRUE;
}

static gboolean
hc_forwarder_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  HcForwarder *self = HC_FORWARDER (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
    HcForwarderPad *fpad = HC_FORWARDER_PAD (pad);
    g_autoptr (GstCaps) caps = NULL;
    g_autoptr (GstCaps) result = NULL;
    GstCaps *filter;
    PadSettings set;

    GST_OBJECT_LOCK (self);
    caps = self->caps ? gst_caps_ref (self->caps) : NULL;
    GST_OBJECT_UNLOCK (self);

    if (!read_pad_settings (fpad, NULL, FALSE, &set))
      return FALSE;
    /* A pad with caps of its own answers with them before any input:
     * webrtcbin's create-offer asks its sink pad's peer. */
    if (caps || set.caps)
      result = transform_caps (caps, set.caps, set.ssrc, set.pt, set.strip);
    else
      result = gst_pad_get_pad_template_caps (pad);
    clear_pad_settings (&set);

    gst_query_parse_caps (query, &filter);
    if (filter) {
      GstCaps *tmp
          = gst_caps_intersect_full (filter, result, GST_CAPS_INTERSECT_FIRST);
      gst_caps_take (&result, tmp);
    }
    gst_query_set_caps_result (query, result);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* Upstream events from a subscriber name that subscriber's view of the
 * stream: its SSRC (the rewritten one) and, for NACKs, its sequence
 * numbers.  Upstream, the publisher's rtpssrcdemux adds the publisher's
 * SSRC to an event without one, so the SSRC goes; a retransmission
 * request's seqnum is mapped back through the pad's offset.  Without this
 * the publisher's rtpsession finds no source for the request and a
 * subscriber's PLI never becomes a keyframe. */
static gboolean
hc_forwarder_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  HcForwarderPad *fpad = HC_FORWARDER_PAD (pad);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_UPSTREAM
      && gst_event_get_structure (event)
      && gst_structure_has_field (gst_event_get_structure (event), "ssrc")) {
    GstStructure *s;
    guint seqnum;

    event = gst_event_make_writable (event);
    s = gst_event_writable_structure (event);
    gst_structure_remove_field (s, "ssrc");
    if (gst_structure_has_name (s, "GstRTPRetransmissionRequest")
        && gst_structure_get_uint (s, "seqnum", &seqnum)) {
      gboolean have_offset;
      guint16 offset;

      GST_OBJECT_LOCK (fpad);
      have_offset = fpad->have_offset;
      offset = fpad->seq_offset;
      GST_OBJECT_UNLOCK (fpad);
      if (have_offset)
        gst_structure_set (s, "seqnum", G_TYPE_UINT,
                           (guint)(guint16)(seqnum - offset), NULL);
    }
  }
  return gst_pad_event_default (pad, parent, event);
}

static void
publish_pads (HcForwarder *self, GPtrArray *pads)
{
  GPtrArray *old;

  GST_OBJECT_LOCK (self);
  old = self->pads;
  self->pads = pads;
  GST_OBJECT_UNLOCK (self);
  g_ptr_array_unref (old);
}

/* Copy-on-write: the streaming thread keeps iterating its own snapshot. */
static GPtrArray *
copy_pads_locked (HcForwarder *self, GstPad *except)
{
  GPtrArray *pads = g_ptr_array_new_full (self->pads->len + 1,
                                          (GDestroyNotify)gst_object_unref);

  for (guint i = 0; i < self->pads->len; i++) {
    GstPad *pad = g_ptr_array_index (self->pads, i);

    if (pad != except)
      g_ptr_array_add (pads, gst_object_ref (pad));
  }
  return pads;
}

/* The stream is "sink"'s (its caps, segment, EOS): the events of the other
 * encodes go nowhere. */
static gboolean
hc_forwarder_more_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  gst_event_unref (event);
  return TRUE;
}

static GstPad *
request_more_sink (GstElement *element, GstPadTemplate *templ,
                   const gchar *req_name)
{
  GstPad *pad = gst_pad_new_from_template (templ, req_name);

  gst_pad_set_chain_function (pad, hc_forwarder_chain);
  gst_pad_set_event_function (pad, hc_forwarder_more_sink_event);
  return hc_element_add_request_pad (element, pad);
}

static GstPad *
hc_forwarder_request_new_pad (GstElement *element, GstPadTemplate *templ,
                              const gchar *req_name, const GstCaps *caps)
{
  gboolean ask;
  HcForwarder *self = HC_FORWARDER (element);
  g_autofree gchar *name = NULL;
  GstPad *pad;
  GPtrArray *pads;
  gboolean running;
  guint index;

  if (GST_PAD_TEMPLATE_DIRECTION (templ) == GST_PAD_SINK) {
    if (req_name == NULL || strchr (req_name, '%')) {
      GST_OBJECT_LOCK (self);
      index = self->next_sink_index++;
      GST_OBJECT_UNLOCK (self);
      name = g_strdup_printf ("sink_%u", index);
      req_name = name;
    }
    return request_more_sink (element, templ, req_name);
  }

  GST_OBJECT_LOCK (self);
  if (req_name && sscanf (req_name, "src_%u", &index) == 1) {
    /* gst_element_add_pad() refuses a duplicate name below. */
    self->next_pad_index = MAX (self->next_pad_index, index + 1);
  } else {
    index = self->next_pad_index++;
  }
  running = GST_STATE (self) > GST_STATE_READY
            || GST_STATE_NEXT (self) == GST_STATE_PAUSED;
  GST_OBJECT_UNLOCK (self);

  name = g_strdup_printf ("src_%u", index);
  pad = g_object_new (HC_TYPE_FORWARDER_PAD, "name", name, "direction",
                      GST_PAD_SRC, "template", templ, NULL);
  gst_pad_set_query_function (pad, hc_forwarder_src_query);
  /* Upstream events (force-key-unit from a subscriber's PLI, reconfigure,
   * ...) go on to the one sink pad, in the publisher's terms. */
  gst_pad_set_event_function (pad, hc_forwarder_src_event);

  if (running)
    gst_pad_set_active (pad, TRUE);
  if (!gst_element_add_pad (element, pad)) {
    GST_WARNING_OBJECT (self, "could not add pad %s", name);
    gst_pad_set_active (pad, FALSE);
    gst_object_unref (gst_object_ref_sink (pad));
    return NULL;
  }

  GST_OBJECT_LOCK (self);
  pads = copy_pads_locked (self, NULL);
  g_ptr_array_add (pads, gst_object_ref (pad));
  GST_OBJECT_UNLOCK (self);
  publish_pads (self, pads);
  gst_child_proxy_child_added (GST_CHILD_PROXY (self), G_OBJECT (pad),
                               GST_OBJECT_NAME (pad));

  /* A new subscriber needs a keyframe now, not at the next GOP.  (An
   * application that knows better when the subscriber can take it turns
   * this off and sends the request on the pad itself.) */
  GST_OBJECT_LOCK (self);
  ask = self->keyframe_on_request;
  GST_OBJECT_UNLOCK (self);
  if (!ask)
    return pad;
  GST_DEBUG_OBJECT (pad, "requested, asking upstream for a keyframe");
  if (!gst_pad_push_event (self->sinkpad, hc_forwarder_new_keyframe_request ()))
    GST_DEBUG_OBJECT (pad, "force-key-unit not handled upstream");

  return pad;
}

static void
hc_forwarder_release_pad (GstElement *element, GstPad *pad)
{
  HcForwarder *self = HC_FORWARDER (element);
  HcForwarderPad *fpad;
  GPtrArray *pads;

  if (GST_PAD_IS_SINK (pad)) {
    gst_pad_set_active (pad, FALSE);
    gst_element_remove_pad (element, pad);
    return;
  }
  g_return_if_fail (HC_IS_FORWARDER_PAD (pad));
  fpad = HC_FORWARDER_PAD (pad);

  GST_DEBUG_OBJECT (pad, "releasing");
  /* Flag first: the streaming thread may still hold this pad in its
   * snapshot; from now on it skips it. */
  GST_OBJECT_LOCK (fpad);
  fpad->released = TRUE;
  GST_OBJECT_UNLOCK (fpad);

  GST_OBJECT_LOCK (self);
  pads = copy_pads_locked (self, pad);
  GST_OBJECT_UNLOCK (self);
  publish_pads (self, pads);

  gst_object_ref (pad);
  gst_child_proxy_child_removed (GST_CHILD_PROXY (self), G_OBJECT (pad),
                                 GST_OBJECT_NAME (pad));
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
  gst_object_unref (pad);
}

static GstStateChangeReturn
hc_forwarder_change_state (GstElement *element, GstStateChange transition)
{
  HcForwarder *self = HC_FORWARDER (element);
  GstStateChangeReturn ret;

  ret = GST_ELEMENT_CLASS (hc_forwarder_parent_class)
            ->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    GPtrArray *pads = snapshot_pads (self, NULL);

    GST_OBJECT_LOCK (self);
    gst_clear_caps (&self->caps);
    gst_clear_event (&self->clock);
    GST_OBJECT_UNLOCK (self);

    /* Deactivation dropped the pads' sticky events; a new start is a new
     * stream with new sequence offsets. */
    for (guint i = 0; i < pads->len; i++) {
      HcForwarderPad *pad = g_ptr_array_index (pads, i);

      GST_OBJECT_LOCK (pad);
      pad->fresh = TRUE;
      pad->have_offset = FALSE;
      GST_OBJECT_UNLOCK (pad);
    }
    g_ptr_array_unref (pads);
  }
  return ret;
}

static void
hc_forwarder_dispose (GObject *object)
{
  HcForwarder *self = HC_FORWARDER (object);

  /* GstElement's dispose releases request pads through release_pad, which
   * needs self->pads: chain up first. */
  G_OBJECT_CLASS (hc_forwarder_parent_class)->dispose (object);
  g_clear_pointer (&self->pads, g_ptr_array_unref);
}

static void
hc_forwarder_finalize (GObject *object)
{
  HcForwarder *self = HC_FORWARDER (object);

  gst_clear_caps (&self->caps);
  gst_clear_event (&self->clock);
  G_OBJECT_CLASS (hc_forwarder_parent_class)->finalize (object);
}

static void
hc_forwarder_set_property (GObject *object, guint id, const GValue *value,
                           GParamSpec *pspec)
{
  HcForwarder *self = HC_FORWARDER (object);

  switch (id) {
    case PROP_KEYFRAME_ON_REQUEST:
      GST_OBJECT_LOCK (self);
      self->keyframe_on_request = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
hc_forwarder_get_property (GObject *object, guint id, GValue *value,
                           GParamSpec *pspec)
{
  HcForwarder *self = HC_FORWARDER (object);

  switch (id) {
    case PROP_KEYFRAME_ON_REQUEST:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, self->keyframe_on_request);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
hc_forwarder_class_init (HcForwarderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  object_class->dispose = hc_forwarder_dispose;
  object_class->finalize = hc_forwarder_finalize;
  object_class->set_property = hc_forwarder_set_property;
  object_class->get_property = hc_forwarder_get_property;

  props[PROP_KEYFRAME_ON_REQUEST] = g_param_spec_boolean (
      "keyframe-on-request", "Keyframe on request",
      "Ask upstream for a keyframe whenever a src pad is requested", TRUE,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  element_class->request_new_pad = hc_forwarder_request_new_pad;
  element_class->release_pad = hc_forwarder_release_pad;
  element_class->change_state = hc_forwarder_change_state;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class,
                                             &more_sink_template);
  gst_element_class_add_static_pad_template_with_gtype (
      element_class, &src_template, HC_TYPE_FORWARDER_PAD);
  gst_element_class_set_static_metadata (
      element_class, "hyperconf selective forwarder", "Filter/Network/RTP",
      "Fans one RTP stream out to subscribers, rewriting SSRC, payload type "
      "and sequence numbers per output, without decoding",
      "hyperconf");

  gst_type_mark_as_plugin_api (HC_TYPE_FORWARDER_PAD, 0);
}

static void
hc_forwarder_init (HcForwarder *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, hc_forwarder_chain);
  gst_pad_set_event_function (self->sinkpad, hc_forwarder_sink_event);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->pads
      = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_object_unref);
  self->keyframe_on_request = TRUE;
}

/* GstChildProxy over the src pads, so that gst-launch-1.0 can set pad
 * properties: "hcforwarder name=f src_0::pt=100 src_0::ssrc=1234". */
static GObject *
hc_forwarder_get_child_by_index (GstChildProxy *proxy, guint index)
{
  HcForwarder *self = HC_FORWARDER (proxy);
  GObject *child = NULL;

  GST_OBJECT_LOCK (self);
  if (index < self->pads->len)
    child = g_object_ref (g_ptr_array_index (self->pads, index));
  GST_OBJECT_UNLOCK (self);
  return child;
}

static guint
hc_forwarder_get_children_count (GstChildProxy *proxy)
{
  HcForwarder *self = HC_FORWARDER (proxy);
  guint count;

  GST_OBJECT_LOCK (self);
  count = self->pads->len;
  GST_OBJECT_UNLOCK (self);
  return count;
}

static void
hc_forwarder_child_proxy_init (GstChildProxyInterface *iface)
{
  /* The default get_child_by_name walks the children by index. */
  iface->get_child_by_index = hc_forwarder_get_child_by_index;
  iface->get_children_count = hc_forwarder_get_children_count;
}

/* all-headers FALSE: upstream, the publisher's rtpsession turns it into a
 * PLI.  With TRUE it sends a FIR, whose sequence number changes only with
 * the event's count, and a publisher ignores a FIR that repeats the last
 * one's (RFC 5104 4.3.1.2; Chrome does): every subscriber after the first
 * would wait for a periodic keyframe. */
GstEvent *
hc_forwarder_new_keyframe_request (void)
{
  return gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                                                      FALSE, 0);
}

gboolean
hc_media_register_elements (GstPlugin *plugin)
{
  /* With plugin == NULL this is a static registration for the daemon and
   * the tests, which do not load the plugin from GST_PLUGIN_PATH. */
  return gst_element_register (plugin, "hcforwarder", GST_RANK_NONE,
                               HC_TYPE_FORWARDER)
         && gst_element_register (plugin, "hcmixminus", GST_RANK_NONE,
                                  HC_TYPE_MIX_MINUS)
         && gst_element_register (plugin, "hcrtppassthrough", GST_RANK_NONE,
                                  HC_TYPE_RTP_PASSTHROUGH)
         && gst_element_register (plugin, "hcsrtpsend", GST_RANK_NONE,
                                  HC_TYPE_SRTP_SEND);
}
