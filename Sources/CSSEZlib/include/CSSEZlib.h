#ifndef C_SSE_ZLIB_H
#define C_SSE_ZLIB_H

#include <zlib.h>

// deflateInit2 and inflateInit2 are macros (they pass the library's version and z_stream size),
// which Swift cannot call; these functions can.

static inline int CSSEZlib_deflateInit2(z_streamp stream, int level, int windowBits, int memLevel) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}

static inline int CSSEZlib_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif
