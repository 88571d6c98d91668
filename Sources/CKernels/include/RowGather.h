#ifndef YOLO_ROW_GATHER_H
#define YOLO_ROW_GATHER_H

#ifdef __cplusplus
extern "C" {
#endif

/// rows[p * channels + k] = planes[k * channelStride + p] for p < count, k < channels: channel
/// planes turned into one row per position (a transpose, eight by eight in registers).
void yolo_gather_rows(const float *planes, long channelStride, long channels, long count, float *rows);

#ifdef __cplusplus
}
#endif

#endif
