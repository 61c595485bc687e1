#ifndef CAVFORMAT_SHIM_H
#define CAVFORMAT_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/mathematics.h>
#include <libavutil/log.h>
#include <errno.h>

/* Swift cannot import function-like macros; expose them as inline functions. */
static inline int cav_error_eof(void) { return AVERROR_EOF; }
static inline int cav_error_eagain(void) { return AVERROR(EAGAIN); }
static inline int cav_error_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t cav_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational cav_time_base_q(void) { return AV_TIME_BASE_Q; }
static inline AVRational cav_microseconds_q(void) { AVRational r = {1, 1000000}; return r; }
static inline int cav_error_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int cav_error_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
/* Pointer to the n-th stream of a format context (Swift sees `streams` as a pointer to pointers). */
static inline AVStream *cav_stream(AVFormatContext *ctx, unsigned int index) {
    return index < ctx->nb_streams ? ctx->streams[index] : NULL;
}
/* The human-readable text of a libav error code. */
static inline void cav_strerror(int code, char *buf, size_t size) { av_strerror(code, buf, size); }
#endif
