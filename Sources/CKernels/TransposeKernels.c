#include "TransposeKernels.h"
#include "Float32Kernels.h"

static void transpose_scalar(const float *source, long sourceStride, long rows, long columns, float *target,
                             long targetStride) {
    for (long r = 0; r < rows; r++) {
        for (long c = 0; c < columns; c++) target[c * targetStride + r] = source[r * sourceStride + c];
    }
}

#if defined(__x86_64__)

#include "Transpose8.h"

__attribute__((target("avx2,avx512f,avx512vl")))
static void transpose_avx512(const float *source, long sourceStride, long rows, long columns, float *target,
                             long targetStride) {
    for (long r = 0; r < rows; r += 8) {
        long rowCount = rows - r < 8 ? rows - r : 8;
        __mmask8 rowLanes = (__mmask8)((1u << rowCount) - 1);
        const float *block = source + r * sourceStride;
        for (long c = 0; c < columns; c += 8) {
            long columnCount = columns - c < 8 ? columns - c : 8;
            __mmask8 columnLanes = (__mmask8)((1u << columnCount) - 1);
            // rows past the last load nothing (a zero mask): zeros that are never stored
#define LOAD_ROW(i) \
    _mm256_maskz_loadu_ps((i) < rowCount ? columnLanes : 0, block + ((i) < rowCount ? (i) : 0) * sourceStride + c)
            __m256 v0 = LOAD_ROW(0), v1 = LOAD_ROW(1), v2 = LOAD_ROW(2), v3 = LOAD_ROW(3);
            __m256 v4 = LOAD_ROW(4), v5 = LOAD_ROW(5), v6 = LOAD_ROW(6), v7 = LOAD_ROW(7);
#undef LOAD_ROW
            YOLO_TRANSPOSE8(v0, v1, v2, v3, v4, v5, v6, v7);
            float *out = target + c * targetStride + r;
            _mm256_mask_storeu_ps(out, rowLanes, v0);
            if (columnCount > 1) _mm256_mask_storeu_ps(out + targetStride, rowLanes, v1);
            if (columnCount > 2) _mm256_mask_storeu_ps(out + 2 * targetStride, rowLanes, v2);
            if (columnCount > 3) _mm256_mask_storeu_ps(out + 3 * targetStride, rowLanes, v3);
            if (columnCount > 4) _mm256_mask_storeu_ps(out + 4 * targetStride, rowLanes, v4);
            if (columnCount > 5) _mm256_mask_storeu_ps(out + 5 * targetStride, rowLanes, v5);
            if (columnCount > 6) _mm256_mask_storeu_ps(out + 6 * targetStride, rowLanes, v6);
            if (columnCount > 7) _mm256_mask_storeu_ps(out + 7 * targetStride, rowLanes, v7);
        }
    }
}

// The same blocks on AVX2: whole 8 x 8 blocks through registers; the partial blocks at the
// edges element by element.
__attribute__((target("avx2")))
static void transpose_avx2(const float *source, long sourceStride, long rows, long columns, float *target,
                           long targetStride) {
    long wholeRows = rows / 8 * 8, wholeColumns = columns / 8 * 8;
    for (long r = 0; r < wholeRows; r += 8) {
        const float *block = source + r * sourceStride;
        for (long c = 0; c < wholeColumns; c += 8) {
#define LOAD_ROW(i) _mm256_loadu_ps(block + (i) * sourceStride + c)
            __m256 v0 = LOAD_ROW(0), v1 = LOAD_ROW(1), v2 = LOAD_ROW(2), v3 = LOAD_ROW(3);
            __m256 v4 = LOAD_ROW(4), v5 = LOAD_ROW(5), v6 = LOAD_ROW(6), v7 = LOAD_ROW(7);
#undef LOAD_ROW
            YOLO_TRANSPOSE8(v0, v1, v2, v3, v4, v5, v6, v7);
            float *out = target + c * targetStride + r;
            _mm256_storeu_ps(out, v0); _mm256_storeu_ps(out + targetStride, v1);
            _mm256_storeu_ps(out + 2 * targetStride, v2); _mm256_storeu_ps(out + 3 * targetStride, v3);
            _mm256_storeu_ps(out + 4 * targetStride, v4); _mm256_storeu_ps(out + 5 * targetStride, v5);
            _mm256_storeu_ps(out + 6 * targetStride, v6); _mm256_storeu_ps(out + 7 * targetStride, v7);
        }
    }
    // columns past the whole blocks, for the whole rows; then every column of the last rows
    transpose_scalar(source + wholeColumns, sourceStride, wholeRows, columns - wholeColumns,
                     target + wholeColumns * targetStride, targetStride);
    transpose_scalar(source + wholeRows * sourceStride, sourceStride, rows - wholeRows, columns, target + wholeRows,
                     targetStride);
}

void yolo_transpose(const float *source, long sourceStride, long rows, long columns, float *target, long targetStride) {
    int tier = yolo_f32_kernel_tier();
    if (tier == YOLO_F32_TIER_AVX512) {
        transpose_avx512(source, sourceStride, rows, columns, target, targetStride);
    } else if (tier == YOLO_F32_TIER_AVX2) {
        transpose_avx2(source, sourceStride, rows, columns, target, targetStride);
    } else {
        transpose_scalar(source, sourceStride, rows, columns, target, targetStride);
    }
}

#else

void yolo_transpose(const float *source, long sourceStride, long rows, long columns, float *target, long targetStride) {
    transpose_scalar(source, sourceStride, rows, columns, target, targetStride);
}

#endif
