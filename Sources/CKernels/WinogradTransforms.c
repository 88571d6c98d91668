#include "WinogradTransforms.h"

#if defined(__x86_64__)

#include <immintrin.h>
#include "LaneMask.h"

#define WINOGRAD_TARGET __attribute__((target("avx2")))

// The first `count` (0–16) floats of the pair lo, hi at p.
WINOGRAD_TARGET static inline void store_first16(float *p, __m256 lo, __m256 hi, long count) {
    yolo_store_first8(p, lo, count < 8 ? count : 8);
    if (count > 8) yolo_store_first8(p + 8, hi, count - 8);
}

// Eight blocks at a time; a row's last, partial group reads its lanes past the row masked
// (they are the next row's blocks, or past M) and stores only the columns inside the map.
WINOGRAD_TARGET static void output_avx2(const float *m, long matrixStride, long across, long blockRowCount,
                                        long firstBlockRow, long height, long width, float bias, float *plane) {
    __m256 biasVector = _mm256_set1_ps(bias);
    for (long k = 0; k < blockRowCount; k++) {
        long row = 2 * (firstBlockRow + k);
        float *top = plane + row * width;
        int hasBottom = row + 1 < height;
        for (long b = 0; b < across; b += 8) {
            const float *e = m + k * across + b;
            __m256i lanes = yolo_lanes8(0, across - b);
            __m256 u[4], w[4];
            for (int j = 0; j < 4; j++) {
                __m256 m0 = _mm256_maskload_ps(e + j * matrixStride, lanes);
                __m256 m1 = _mm256_maskload_ps(e + (4 + j) * matrixStride, lanes);
                __m256 m2 = _mm256_maskload_ps(e + (8 + j) * matrixStride, lanes);
                __m256 m3 = _mm256_maskload_ps(e + (12 + j) * matrixStride, lanes);
                u[j] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
                w[j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
            }
            __m256 topLeft = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(u[0], u[1]), u[2]), biasVector);
            __m256 topRight = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(u[1], u[2]), u[3]), biasVector);
            long columns = width - 2 * b;
            if (columns > 16) columns = 16;
            // left and right columns interleaved: [l0 r0 l1 r1 … l3 r3], [l4 r4 … l7 r7]
            __m256 low = _mm256_unpacklo_ps(topLeft, topRight), high = _mm256_unpackhi_ps(topLeft, topRight);
            store_first16(top + 2 * b, _mm256_permute2f128_ps(low, high, 0x20), _mm256_permute2f128_ps(low, high, 0x31),
                          columns);
            if (hasBottom) {
                __m256 bottomLeft = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(w[0], w[1]), w[2]), biasVector);
                __m256 bottomRight = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(w[1], w[2]), w[3]), biasVector);
                low = _mm256_unpacklo_ps(bottomLeft, bottomRight);
                high = _mm256_unpackhi_ps(bottomLeft, bottomRight);
                store_first16(top + width + 2 * b, _mm256_permute2f128_ps(low, high, 0x20),
                              _mm256_permute2f128_ps(low, high, 0x31), columns);
            }
        }
    }
}

void yolo_winograd_output(const float *m, long matrixStride, long across, long blockRowCount, long firstBlockRow,
                          long height, long width, float bias, float *plane) {
    output_avx2(m, matrixStride, across, blockRowCount, firstBlockRow, height, width, bias, plane);
}

#else

// One block's outputs from its sixteen elements m_ij (i down, j across), in this order:
//   u_j = m_0j + m_1j + m_2j, w_j = m_1j − m_2j − m_3j,
//   top = u0 + u1 + u2 + bias, top right = u1 − u2 − u3 + bias (bottom: the same on w).
static inline void output_block_scalar(const float *m, long matrixStride, float bias, float out[4]) {
    float u[4], w[4];
    for (int j = 0; j < 4; j++) {
        float m0 = m[j * matrixStride], m1 = m[(4 + j) * matrixStride];
        float m2 = m[(8 + j) * matrixStride], m3 = m[(12 + j) * matrixStride];
        u[j] = m0 + m1 + m2;
        w[j] = m1 - m2 - m3;
    }
    out[0] = u[0] + u[1] + u[2] + bias;
    out[1] = u[1] - u[2] - u[3] + bias;
    out[2] = w[0] + w[1] + w[2] + bias;
    out[3] = w[1] - w[2] - w[3] + bias;
}

static void output_scalar(const float *m, long matrixStride, long across, long blockRowCount, long firstBlockRow,
                          long height, long width, float bias, float *plane) {
    for (long k = 0; k < blockRowCount; k++) {
        long row = 2 * (firstBlockRow + k);
        float *top = plane + row * width;
        int hasBottom = row + 1 < height;
        for (long b = 0; b < across; b++) {
            float out[4];
            output_block_scalar(m + k * across + b, matrixStride, bias, out);
            top[2 * b] = out[0];
            if (hasBottom) top[width + 2 * b] = out[2];
            if (2 * b + 1 < width) {
                top[2 * b + 1] = out[1];
                if (hasBottom) top[width + 2 * b + 1] = out[3];
            }
        }
    }
}

void yolo_winograd_output(const float *m, long matrixStride, long across, long blockRowCount, long firstBlockRow,
                          long height, long width, float bias, float *plane) {
    output_scalar(m, matrixStride, across, blockRowCount, firstBlockRow, height, width, bias, plane);
}

#endif
