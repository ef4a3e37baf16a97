/* hyperconf — SRTP crypto on OpenSSL for the whole process.
 *
 * Debian's libsrtp2 does its AES and HMAC through NSS, which sets up a
 * PK11 context for every packet.  hc_srtp_crypto_install() replaces, in
 * libsrtp2's crypto kernel, the AES-ICM-128, AES-ICM-256 and HMAC-SHA1
 * types with implementations on OpenSSL's EVP that keep one context per
 * stream: the AES key schedule and the HMAC inner and outer states are
 * computed once per key, not per packet.  The kernel is process-wide, so
 * every SRTP session created afterwards uses them, webrtcbin's
 * srtpenc/srtpdec included (they link the same libsrtp2.so.1, and the
 * srtp plugin's own later srtp_init() keeps an initialised kernel as it
 * is).
 *
 * Nothing is replaced unless every new type passes its known-answer tests
 * (RFC 3711 B.2 and RFC 6188 for AES-ICM, RFC 2202 for HMAC-SHA1) and the
 * stock types' own test vectors.  HC_SRTP_CRYPTO=stock in the environment
 * keeps libsrtp2's own crypto.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * hc_srtp_crypto_install:
 * @error: (optional): G_IO_ERROR_FAILED when the replacement failed its
 *   self-test or the environment asks for an unknown backend
 *
 * Initialises libsrtp2 (srtp_init) and installs the OpenSSL types, once
 * per process; later calls return the first call's result.  Call it at
 * start, before any SRTP session exists: sessions created before keep
 * the types they were created with.  Not thread-safe against concurrent
 * SRTP session creation.
 *
 * Returns: TRUE when the OpenSSL types are installed or the stock crypto
 *   was asked for (HC_SRTP_CRYPTO=stock); FALSE, with libsrtp2's own
 *   crypto left in place, otherwise.
 */
gboolean hc_srtp_crypto_install (GError **error);

/**
 * hc_srtp_crypto_get_backend:
 *
 * Returns: (transfer none): "openssl" once installed, else "stock".
 */
const gchar *hc_srtp_crypto_get_backend (void);

/**
 * hc_srtp_crypto_get_n_contexts:
 *
 * The number of live cipher and auth contexts of the OpenSSL types: an
 * AES_CM_128_HMAC_SHA1_80 stream holds four (RTP and RTCP, cipher and
 * auth).  Shows that SRTP sessions really use the replacement, and that
 * they free what they allocate.
 *
 * Returns: the count, from any thread.
 */
guint hc_srtp_crypto_get_n_contexts (void);

/**
 * HcSrtpCryptoShare:
 *
 * AES contexts shared by the SRTP sessions of one owner: a cipher context
 * keyed, while the share is entered, with a key another context of the
 * share has uses that one's EVP_CIPHER_CTX (its AES key schedule) and
 * keeps only its own salt and counter.  For many sessions of one master
 * key (one per SSRC, so that libsrtp2 finds each packet's stream at
 * once): their AES state in memory and in the CPU's cache stays that of
 * one.  The owner must serialise every use of those sessions (protect,
 * unprotect) and must not use them from two threads at once.  Without
 * the OpenSSL types installed, entering a share changes nothing.
 */
typedef struct _HcSrtpCryptoShare HcSrtpCryptoShare;

HcSrtpCryptoShare *hc_srtp_crypto_share_new (void);
/* Frees the share; the contexts that use its entries keep them. */
void hc_srtp_crypto_share_free (HcSrtpCryptoShare *share);
/* Forgets the keys (after a rekey): later contexts key afresh. */
void hc_srtp_crypto_share_clear (HcSrtpCryptoShare *share);
/* In this thread, around srtp_create()/srtp_add_stream(). */
void hc_srtp_crypto_share_enter (HcSrtpCryptoShare *share);
void hc_srtp_crypto_share_leave (void);
/* The distinct keys (OpenSSL contexts) the share holds. */
guint hc_srtp_crypto_share_get_n_keys (HcSrtpCryptoShare *share);

G_END_DECLS
