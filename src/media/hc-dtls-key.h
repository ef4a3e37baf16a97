/* hyperconf — what hyperconf's own SRTP paths need of webrtcbin's DTLS
 * elements (private to src/media): the lean send path (hc-lean-send.c)
 * protects with the transport's encoder key, the direct receive path
 * (hc-receive-srtp.c) unprotects with its decoder key. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The suites hyperconf's SRTP paths take, as dtlsenc's and dtlsdec's
 * "srtp-cipher" and "srtp-auth" (GstDtlsSrtpCipher, GstDtlsSrtpAuth)
 * give them. */
#define HC_DTLS_CIPHER_AES_128_ICM 1
#define HC_DTLS_AUTH_HMAC_SHA1_32  1
#define HC_DTLS_AUTH_HMAC_SHA1_80  2
/* AES_CM_128: 16 octets of key, then 14 of salt */
#define HC_DTLS_KEY_LEN 30

/* Returns: (transfer full) (nullable): the first element of factory
 * @name anywhere inside @bin */
GstElement *hc_find_by_factory (GstBin *bin, const gchar *name);

/* The SRTP master key (key, then salt) @dtls (a dtlsenc or dtlsdec) has
 * from its last handshake, read from its @property ("encoder-key" or
 * "decoder-key"), with the suite in @cipher and @auth.
 *
 * Returns: (transfer full) (nullable): NULL before the handshake. */
GBytes *hc_dtls_key_get (GstElement *dtls, const gchar *property, guint *cipher,
                         guint *auth);

G_END_DECLS
