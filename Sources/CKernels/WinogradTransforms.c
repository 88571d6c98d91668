#include "WinogradTransforms.h"
#include "Float32Kernels.h"

#include <string.h>

// F(4×4, 3×3)'s input transform, row y of the plane: copied to paddedRow[1 …] (zeros around
// it stay), true; a row outside the plane (the zero padding) zeroes its 6·padded column
// transforms at `out` instead, false.
static inline int f4_input_row(const float *plane, long height, long width, long y, float *paddedRow, float *out,
                               long padded) {
    if (y < 0 || y >= height) {
        memset(out, 0, sizeof(float) * 6 * padded);
        return 0;
    }
    memcpy(paddedRow + 1, plane + y * width, sizeof(float) * width);
    return 1;
}

// F(4×4, 3×3)'s Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0],
// [0, 1, −1, 8, −8, 1]] applied to six values, by the operations given (vector or scalar), so
// both paths form the same sums in the same order.
#define F4_OUTPUT_ROWS(add, sub, twice, four, eight, m0, m1, m2, m3, m4, m5, r0, r1, r2, r3) \
    do {                                                                                      \
        __typeof__(m1) s12 = add(m1, m2), d12 = sub(m1, m2), s34 = add(m3, m4), d34 = sub(m3, m4); \
        r0 = add(add(m0, s12), s34);                                                          \
        r1 = add(d12, twice(d34));                                                            \
        r2 = add(s12, four(s34));                                                             \
        r3 = add(add(d12, eight(d34)), m5);                                                   \
    } while (0)

// F(4×4, 3×3)'s Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0],
// [0, −2, −1, 2, 1, 0], [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]] applied to six values, by
// the operations given (vector or scalar), so both paths form the same sums in the same order.
#define F4_INPUT_ROWS(add, sub, twice, four, five, d0, d1, d2, d3, d4, d5, t)                 \
    do {                                                                                      \
        __typeof__(d0) d4MinusD2 = sub(d4, d2), d3MinusD1 = sub(d3, d1);                       \
        t[0] = add(sub(four(d0), five(d2)), d4);                                              \
        t[1] = sub(add(d3, d4), four(add(d1, d2)));                                           \
        t[2] = add(sub(d4, d3), four(sub(d1, d2)));                                           \
        t[3] = add(d4MinusD2, twice(d3MinusD1));                                              \
        t[4] = sub(d4MinusD2, twice(d3MinusD1));                                              \
        t[5] = add(sub(four(d1), five(d3)), d5);                                              \
    } while (0)

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

#define V_ADD(a, b) _mm256_add_ps(a, b)
#define V_SUB(a, b) _mm256_sub_ps(a, b)
#define V_TWICE(a) _mm256_mul_ps(a, _mm256_set1_ps(2.0f))
#define V_FOUR(a) _mm256_mul_ps(a, _mm256_set1_ps(4.0f))
#define V_EIGHT(a) _mm256_mul_ps(a, _mm256_set1_ps(8.0f))

// Eight blocks at a time, as output_avx2; a block's four outputs of a row go side by side, so
// the four vectors of a row's outputs (one per column of the block) are transposed into 32
// consecutive floats.
WINOGRAD_TARGET static void output_f4_avx2(const float *m, long matrixStride, long across, long blockRowCount,
                                           long firstBlockRow, long height, long width, float bias, float *plane) {
    __m256 biasVector = _mm256_set1_ps(bias);
    for (long k = 0; k < blockRowCount; k++) {
        long firstRow = 4 * (firstBlockRow + k);
        long rows = height - firstRow < 4 ? height - firstRow : 4;
        for (long b = 0; b < across; b += 8) {
            const float *e = m + k * across + b;
            __m256i lanes = yolo_lanes8(0, across - b);
            // u[r][j]: Aᵀ down the six rows of column j
            __m256 u[4][6];
            for (int j = 0; j < 6; j++) {
                __m256 m0 = _mm256_maskload_ps(e + j * matrixStride, lanes);
                __m256 m1 = _mm256_maskload_ps(e + (6 + j) * matrixStride, lanes);
                __m256 m2 = _mm256_maskload_ps(e + (12 + j) * matrixStride, lanes);
                __m256 m3 = _mm256_maskload_ps(e + (18 + j) * matrixStride, lanes);
                __m256 m4 = _mm256_maskload_ps(e + (24 + j) * matrixStride, lanes);
                __m256 m5 = _mm256_maskload_ps(e + (30 + j) * matrixStride, lanes);
                F4_OUTPUT_ROWS(V_ADD, V_SUB, V_TWICE, V_FOUR, V_EIGHT, m0, m1, m2, m3, m4, m5,
                               u[0][j], u[1][j], u[2][j], u[3][j]);
            }
            long columns = width - 4 * b;
            if (columns > 32) columns = 32;
            for (long r = 0; r < rows; r++) {
                __m256 o0, o1, o2, o3;
                F4_OUTPUT_ROWS(V_ADD, V_SUB, V_TWICE, V_FOUR, V_EIGHT, u[r][0], u[r][1], u[r][2], u[r][3], u[r][4],
                               u[r][5], o0, o1, o2, o3);
                o0 = _mm256_add_ps(o0, biasVector);
                o1 = _mm256_add_ps(o1, biasVector);
                o2 = _mm256_add_ps(o2, biasVector);
                o3 = _mm256_add_ps(o3, biasVector);
                // [o0 o1 o2 o3] of blocks 0 … 7, one block after the other
                __m256 low01 = _mm256_unpacklo_ps(o0, o1), high01 = _mm256_unpackhi_ps(o0, o1);
                __m256 low23 = _mm256_unpacklo_ps(o2, o3), high23 = _mm256_unpackhi_ps(o2, o3);
                __m256 blocks04 = _mm256_shuffle_ps(low01, low23, 0x44), blocks15 = _mm256_shuffle_ps(low01, low23, 0xEE);
                __m256 blocks26 = _mm256_shuffle_ps(high01, high23, 0x44), blocks37 = _mm256_shuffle_ps(high01, high23, 0xEE);
                float *out = plane + (firstRow + r) * width + 4 * b;
                yolo_store_first8(out, _mm256_permute2f128_ps(blocks04, blocks15, 0x20), columns);
                yolo_store_first8(out + 8, _mm256_permute2f128_ps(blocks26, blocks37, 0x20), columns - 8);
                yolo_store_first8(out + 16, _mm256_permute2f128_ps(blocks04, blocks15, 0x31), columns - 16);
                yolo_store_first8(out + 24, _mm256_permute2f128_ps(blocks26, blocks37, 0x31), columns - 24);
            }
        }
    }
}

#define V_FIVE(a) _mm256_mul_ps(a, _mm256_set1_ps(5.0f))

// Patch values d0 … d3 of eight consecutive blocks from the 32 floats at p (block i's at
// p[4i …]), in the lane order of blocks 0, 2, 4, 6, 1, 3, 5, 7.
WINOGRAD_TARGET static inline void deinterleave4(const float *p, __m256 d[4]) {
    __m256 r0 = _mm256_loadu_ps(p), r1 = _mm256_loadu_ps(p + 8);
    __m256 r2 = _mm256_loadu_ps(p + 16), r3 = _mm256_loadu_ps(p + 24);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    d[0] = _mm256_shuffle_ps(t0, t2, 0x44);
    d[1] = _mm256_shuffle_ps(t0, t2, 0xEE);
    d[2] = _mm256_shuffle_ps(t1, t3, 0x44);
    d[3] = _mm256_shuffle_ps(t1, t3, 0xEE);
}

WINOGRAD_TARGET static void input_f4_avx2(const float *plane, long height, long width, long firstBlockRow,
                                          long blockRowCount, long across, long padded, float *columnTransforms,
                                          float *paddedRow, float *v, long matrixStride) {
    // blocks 0, 2, 4, 6, 1, 3, 5, 7 back in order
    const __m256i inOrder = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    long firstInputRow = 4 * firstBlockRow - 1;
    for (long r = 0; r < 4 * blockRowCount + 2; r++) {
        float *out = columnTransforms + r * 6 * padded;
        if (!f4_input_row(plane, height, width, firstInputRow + r, paddedRow, out, padded)) continue;
        for (long b = 0; b < across; b += 8) {
            __m256 d[4], next[4], t[6];
            deinterleave4(paddedRow + 4 * b, d);
            deinterleave4(paddedRow + 4 * b + 4, next);
            F4_INPUT_ROWS(V_ADD, V_SUB, V_TWICE, V_FOUR, V_FIVE, d[0], d[1], d[2], d[3], next[0], next[1], t);
            for (int j = 0; j < 6; j++) _mm256_storeu_ps(out + j * padded + b, _mm256_permutevar8x32_ps(t[j], inOrder));
        }
    }
    long rowStride = 6 * padded;
    for (long k = 0; k < blockRowCount; k++) {
        const float *row0 = columnTransforms + 4 * k * rowStride;
        for (long j = 0; j < 6; j++) {
            const float *e = row0 + j * padded;
            float *target = v + j * matrixStride + k * across;
            for (long b = 0; b < across; b += 8) {
                __m256 t[6];
                F4_INPUT_ROWS(V_ADD, V_SUB, V_TWICE, V_FOUR, V_FIVE, _mm256_loadu_ps(e + b),
                              _mm256_loadu_ps(e + rowStride + b), _mm256_loadu_ps(e + 2 * rowStride + b),
                              _mm256_loadu_ps(e + 3 * rowStride + b), _mm256_loadu_ps(e + 4 * rowStride + b),
                              _mm256_loadu_ps(e + 5 * rowStride + b), t);
                // a row's last blocks: only those inside it (V's next block row follows)
                for (int i = 0; i < 6; i++) yolo_store_first8(target + 6 * i * matrixStride + b, t[i], across - b);
            }
        }
    }
}

#endif

// The scalar forms, for CPUs without AVX2 (and tests): the same sums in the same order, so they
// must round as the AVX2 path's do, with no fused multiply-adds.
#pragma clang fp contract(off)

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

#define S_ADD(a, b) ((a) + (b))
#define S_SUB(a, b) ((a) - (b))
#define S_TWICE(a) ((a) * 2.0f)
#define S_FOUR(a) ((a) * 4.0f)
#define S_FIVE(a) ((a) * 5.0f)
#define S_EIGHT(a) ((a) * 8.0f)

// F(4×4, 3×3)'s Aᵀ on six values (see yolo_winograd_output_f4).
static inline void output_f4_rows(const float m[6], float r[4]) {
    F4_OUTPUT_ROWS(S_ADD, S_SUB, S_TWICE, S_FOUR, S_EIGHT, m[0], m[1], m[2], m[3], m[4], m[5], r[0], r[1], r[2], r[3]);
}

static void output_f4_scalar(const float *m, long matrixStride, long across, long blockRowCount, long firstBlockRow,
                             long height, long width, float bias, float *plane) {
    for (long k = 0; k < blockRowCount; k++) {
        long firstRow = 4 * (firstBlockRow + k);
        for (long b = 0; b < across; b++) {
            const float *e = m + k * across + b;
            float u[4][6];
            for (int j = 0; j < 6; j++) {
                float column[6], rows[4];
                for (int i = 0; i < 6; i++) column[i] = e[(6 * i + j) * matrixStride];
                output_f4_rows(column, rows);
                for (int r = 0; r < 4; r++) u[r][j] = rows[r];
            }
            for (long r = 0; r < 4 && firstRow + r < height; r++) {
                float out[4];
                output_f4_rows(u[r], out);
                for (long c = 0; c < 4 && 4 * b + c < width; c++) plane[(firstRow + r) * width + 4 * b + c] = out[c] + bias;
            }
        }
    }
}

// F(4×4, 3×3)'s Bᵀ on six values (see yolo_winograd_input_f4).
static inline void input_f4_rows(const float d[6], float t[6]) {
    F4_INPUT_ROWS(S_ADD, S_SUB, S_TWICE, S_FOUR, S_FIVE, d[0], d[1], d[2], d[3], d[4], d[5], t);
}

static void input_f4_scalar(const float *plane, long height, long width, long firstBlockRow, long blockRowCount,
                            long across, long padded, float *columnTransforms, float *paddedRow, float *v,
                            long matrixStride) {
    long firstInputRow = 4 * firstBlockRow - 1;
    for (long r = 0; r < 4 * blockRowCount + 2; r++) {
        float *out = columnTransforms + r * 6 * padded;
        if (!f4_input_row(plane, height, width, firstInputRow + r, paddedRow, out, padded)) continue;
        for (long b = 0; b < across; b++) {
            float t[6];
            input_f4_rows(paddedRow + 4 * b, t);
            for (int j = 0; j < 6; j++) out[j * padded + b] = t[j];
        }
    }
    long rowStride = 6 * padded;
    for (long k = 0; k < blockRowCount; k++) {
        for (long j = 0; j < 6; j++) {
            for (long b = 0; b < across; b++) {
                float d[6], t[6];
                for (int i = 0; i < 6; i++) d[i] = columnTransforms[(4 * k + i) * rowStride + j * padded + b];
                input_f4_rows(d, t);
                for (int i = 0; i < 6; i++) v[(6 * i + j) * matrixStride + k * across + b] = t[i];
            }
        }
    }
}

// The AVX2 forms where the float32 C kernels run (`yolo_f32_kernel_tier`), the scalar ones
// elsewhere: an x86-64 CPU without AVX2 would fault on the vector forms.
#if defined(__x86_64__)
#define VECTOR_FORM(call)                                           \
    if (yolo_f32_kernel_tier() != YOLO_F32_TIER_NONE) {             \
        call;                                                       \
        return;                                                     \
    }
#else
#define VECTOR_FORM(call)
#endif

void yolo_winograd_output(const float *m, long matrixStride, long across, long blockRowCount, long firstBlockRow,
                          long height, long width, float bias, float *plane) {
    VECTOR_FORM(output_avx2(m, matrixStride, across, blockRowCount, firstBlockRow, height, width, bias, plane))
    output_scalar(m, matrixStride, across, blockRowCount, firstBlockRow, height, width, bias, plane);
}

void yolo_winograd_output_f4(const float *m, long matrixStride, long across, long blockRowCount, long firstBlockRow,
                             long height, long width, float bias, float *plane) {
    VECTOR_FORM(output_f4_avx2(m, matrixStride, across, blockRowCount, firstBlockRow, height, width, bias, plane))
    output_f4_scalar(m, matrixStride, across, blockRowCount, firstBlockRow, height, width, bias, plane);
}

void yolo_winograd_input_f4(const float *plane, long height, long width, long firstBlockRow, long blockRowCount,
                            long across, long padded, float *columnTransforms, float *paddedRow, float *v,
                            long matrixStride) {
    VECTOR_FORM(input_f4_avx2(plane, height, width, firstBlockRow, blockRowCount, across, padded, columnTransforms,
                              paddedRow, v, matrixStride))
    input_f4_scalar(plane, height, width, firstBlockRow, blockRowCount, across, padded, columnTransforms, paddedRow, v,
                    matrixStride);
}
