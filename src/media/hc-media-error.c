/* hyperconf — HC_MEDIA_ERROR, the media layer's error domain
 * (hc-media-room.h), in a file of its own so that the SDP code links
 * without the rooms (tests/fuzz/fuzz-sdp.c). */
#include <hyperconf/hc-media-room.h>

/* clang-format off */
G_DEFINE_QUARK (hc-media-error-quark, hc_media_error)
/* clang-format on */
