// libwebp's decoder and demuxer (Debian libwebp-dev; pkg-config libwebpdemux).
#include <webp/decode.h>
#include <webp/demux.h>
