/* hyperconf — SRTP decryption of a transport's RTP on the direct receive
 * path (private to src/media; hc-receive-direct.c uses it).
 *
 * Once a transport receives directly (hc-receive-direct.h), each RTP
 * packet is unprotected here with libsrtp2 (whose AES and HMAC
 * hc-srtp-crypto.c made OpenSSL's) and pushed, clear, out of dtlssrtpdec's
 * "rtp_src" ghost pad: what dtlssrtpdec's own dtlssrtpdemux, srtpdec and
 * the pads between them did, without them:
 *
 *   nicesrc ─▶ capsfilter ─▶ queue ─▶ dtlssrtpdec [demux ─▶ srtpdec] ─▶ rtpbin
 *                  ╰─ probe: unprotect ──────────────────────────▲
 *
 * The key is the one dtlssrtpdec's dtlsdec got from the handshake
 * ("decoder-key"), read again when it signals a new one
 * ("on-key-received"); only AES_CM_128_HMAC_SHA1_80 and _32 are taken,
 * anything else leaves every packet to dtlssrtpdec.
 *
 * srtpdec has decrypted the transport's first packets and knows each
 * SSRC's rollover counter; a stream made here later must start from it,
 * or a publisher whose sequence numbers wrapped before the switch fails
 * authentication.  The first packet of each SSRC is tried with srtpdec's
 * counter (from its "stats"), one more (the packet is the first after a
 * wrap), one less (a late one from before it) and 0 (a new handshake's
 * stream).  When none authenticates, the packet goes to dtlssrtpdec, as
 * before the switch, and the next one is tried again; after
 * HC_RECEIVE_SRTP_MAX_UNCONFIRMED such packets the SSRC is left to
 * dtlssrtpdec for good.  Once one of an SSRC's packets is unprotected,
 * packets that fail (a forged or damaged tag, a replay) are dropped and
 * counted: never passed on as ciphertext.
 *
 * At most 64 SSRCs per transport are decrypted here (more go to
 * dtlssrtpdec).
 *
 * Everything runs on nicesrc's one thread (the direct path's probe): no
 * lock per packet, and packets leave in the order they came.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define HC_RECEIVE_SRTP_MAX_UNCONFIRMED 16

typedef struct _HcReceiveSrtp HcReceiveSrtp;

typedef struct {
  guint64 unprotected; /* pushed clear by us */
  guint64 dropped;     /* failed to unprotect on a confirmed SSRC */
  guint64 fallback;    /* no ROC seed worked: handed to dtlssrtpdec */
  guint64 pinned;      /* SSRCs left to dtlssrtpdec for good */
} HcReceiveSrtpStats;

/* For the transport whose dtlssrtpdec is @decoder.
 * Returns: (nullable): NULL if @decoder is not made as expected. */
HcReceiveSrtp *hc_receive_srtp_new (GstElement *decoder);
/* Once no packet flows any more. */
void hc_receive_srtp_free (HcReceiveSrtp *self);

/* nicesrc's thread, for each RTP packet once direct.  Returns TRUE when
 * @buffer was taken (pushed clear downstream, *@ret its flow return, or
 * dropped); FALSE when it is to go to dtlssrtpdec as before: *@buffer is
 * then the packet, unchanged (maybe a copy). */
gboolean hc_receive_srtp_process (HcReceiveSrtp *self, GstBuffer **buffer,
                                  GstFlowReturn *ret);

/* Adds @self's counters to @stats; any thread. */
void hc_receive_srtp_add_stats (HcReceiveSrtp *self, HcReceiveSrtpStats *stats);

G_END_DECLS
