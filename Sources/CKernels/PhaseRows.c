#include "PhaseRows.h"
#include "Float32Kernels.h"

int yolo_phase_rows_supported(void) { return yolo_f32_kernel_tier() != YOLO_F32_TIER_NONE; }

#if defined(__x86_64__)

#include "LaneMask.h"

__attribute__((target("avx512f")))
static void phase_rows_s2_avx512(const float *row, long width, long padding, long phaseWidth, float *phase0,
                                 float *phase1) {
    const __m512i evenLanes = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i oddLanes = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (long j = 0; j < phaseWidth; j += 16) {
        // outputs j … j + 15 of both phases read input columns base … base + 31
        long base = 2 * j - padding;
        __m512 low = _mm512_maskz_loadu_ps(yolo_lanes16(-base, width - base), row + base);
        __m512 high = _mm512_maskz_loadu_ps(yolo_lanes16(-base - 16, width - base - 16), row + base + 16);
        __mmask16 stored = yolo_lanes16(0, phaseWidth - j);
        _mm512_mask_storeu_ps(phase0 + j, stored, _mm512_permutex2var_ps(low, evenLanes, high));
        _mm512_mask_storeu_ps(phase1 + j, stored, _mm512_permutex2var_ps(low, oddLanes, high));
    }
}

// The same on AVX2, eight outputs of each phase per step: within each 128-bit half, shuffle_ps
// takes the even (or odd) floats of the two loads, and a 64-bit permute puts the halves in order.
__attribute__((target("avx2")))
static void phase_rows_s2_avx2(const float *row, long width, long padding, long phaseWidth, float *phase0,
                               float *phase1) {
    for (long j = 0; j < phaseWidth; j += 8) {
        long base = 2 * j - padding;
        __m256 low = _mm256_maskload_ps(row + base, yolo_lanes8(-base, width - base));
        __m256 high = _mm256_maskload_ps(row + base + 8, yolo_lanes8(-base - 8, width - base - 8));
#define HALVES_IN_ORDER(v) _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8))
        __m256 even = HALVES_IN_ORDER(_mm256_shuffle_ps(low, high, 0x88));
        __m256 odd = HALVES_IN_ORDER(_mm256_shuffle_ps(low, high, 0xDD));
#undef HALVES_IN_ORDER
        yolo_store_first8(phase0 + j, even, phaseWidth - j);
        yolo_store_first8(phase1 + j, odd, phaseWidth - j);
    }
}

void yolo_phase_rows_s2(const float *row, long width, long padding, long phaseWidth, float *phase0, float *phase1) {
    if (yolo_f32_kernel_tier() == YOLO_F32_TIER_AVX512) {
        phase_rows_s2_avx512(row, width, padding, phaseWidth, phase0, phase1);
    } else {
        phase_rows_s2_avx2(row, width, padding, phaseWidth, phase0, phase1);
    }
}

#else

void yolo_phase_rows_s2(const float *row, long width, long padding, long phaseWidth, float *phase0, float *phase1) {
    for (long j = 0; j < phaseWidth; j++) {
        long x0 = 2 * j - padding, x1 = x0 + 1;
        phase0[j] = x0 >= 0 && x0 < width ? row[x0] : 0.0f;
        phase1[j] = x1 >= 0 && x1 < width ? row[x1] : 0.0f;
    }
}

#endif
