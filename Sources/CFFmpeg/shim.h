#ifndef SENTIO_CFFMPEG_SHIM_H
#define SENTIO_CFFMPEG_SHIM_H
// FFmpeg's public API, plus static inline wrappers for what Swift cannot import
// (function-like macros and compound literals).
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

static inline int sentio_averror(int e) { return AVERROR(e); }
static inline int sentio_averror_eof(void) { return AVERROR_EOF; }
static inline int sentio_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int sentio_averror_exit(void) { return AVERROR_EXIT; }
static inline int64_t sentio_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int sentio_av_time_base(void) { return AV_TIME_BASE; }
static inline AVChannelLayout sentio_av_channel_layout_mono(void) {
    AVChannelLayout layout = AV_CHANNEL_LAYOUT_MONO;
    return layout;
}
/// av_err2str is a macro over a compound literal; this fills a caller buffer instead.
static inline const char *sentio_av_err2str(int errnum, char *buf, size_t size) {
    return av_make_error_string(buf, size, errnum);
}
#endif
