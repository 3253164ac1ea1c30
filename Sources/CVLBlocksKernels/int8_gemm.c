// int8 linear layers without saturation: y = act((y or 0) + b + (sx · sw) (qx · qwᵀ)), exact int32 sums.
//
// Weights are quantised once, symmetric per output channel (qw = round(w / sw), sw = max|w| / 127), and packed in
// 16-column panels of k pairs: panel p holds, for each pair of k, the 16 columns' two int8 values side by side
// ([k / 2][16][2]). AVX2 without VNNI offers two integer products: vpmaddubsw (u8 x s8, pairs summed into a
// saturating int16) and vpmaddwd (s16 x s16, pairs summed into int32). The first is twice as fast but a pair can
// reach 2 x 255 x 127 = 64,770 and clips at 32,767, so it needs 7-bit operands to be exact; here the kernel widens
// the weights to int16 (vpmovsxbw) and uses vpmaddwd, whose pair sums cannot saturate.
//
// Since the activations reach the product as int16 anyway, they are quantised per row on each call to 13 bits,
// not 8 (qx = round(x / sx), sx = max|x| / 4095), at the same speed: a product's error is then the weights' alone
// (SwiGLU's down projections, whose inputs are heavy-tailed products, lose 0.3% of cosine per layer with 8-bit
// activations; see Docs/Numerics.md). A pair sum is at most 2 x 4095 x 127 = 1,040,130, and a k block of at most
// 3072 (1536 pairs) sums to under 1.6e9 < 2^31: every int32 sum is exact; the only rounding is the quantisation and
// the float epilogue. The register tile and loop order are the fp32 packed kernel's (6 x 16, 12 accumulators).

#include "vlblocks_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define PANEL 16
#define TILE 6
#define KC8 3072         // with ACTIVATION_RANGE, bounds a block's int32 sums (see above)
#define WEIGHT_RANGE 127
#define ACTIVATION_RANGE 4095
#define L2_BUDGET8 (384 * 1024)

long vlb_int8_padded_k(long k) { return (k + 1) & ~1L; }

size_t vlb_int8_weight_size(long n, long k) {
    return (size_t)((n + PANEL - 1) / PANEL) * (size_t)vlb_int8_padded_k(k) * PANEL;
}

// k blocks of at most KC8, each even, of near-equal size.
static long int8_k_block(long kpad) {
    long blocks = (kpad + KC8 - 1) / KC8;
    long block = (kpad + blocks - 1) / blocks;
    return (block + 1) & ~1L;
}

long vlb_int8_panel_block(long k) {
    long kc = int8_k_block(vlb_int8_padded_k(k));
    long block = L2_BUDGET8 / (kc * PANEL);
    return block < 1 ? 1 : block;
}

// Rounded to nearest even and clamped to ±range (x / max|x| <= 1 keeps it there but for rounding of the inverse).
static inline int16_t quantize(float x, float inverse, float range) {
    float q = nearbyintf(x * inverse);
    return (int16_t)(q > range ? range : (q < -range ? -range : q));
}

void vlb_quantize_weight(const float *w, long n, long k, int8_t *packed, float *scales) {
    long kpad = vlb_int8_padded_k(k);
    memset(packed, 0, vlb_int8_weight_size(n, k));
    for (long row = 0; row < n; row++) {
        const float *src = w + (size_t)row * k;
        float largest = 0;
        for (long kk = 0; kk < k; kk++) largest = fmaxf(largest, fabsf(src[kk]));
        scales[row] = largest / WEIGHT_RANGE;
        float inverse = largest > 0 ? WEIGHT_RANGE / largest : 0.0f;
        int8_t *panel = packed + (size_t)(row / PANEL) * kpad * PANEL;
        long j = row % PANEL;
        for (long kk = 0; kk < k; kk++) panel[(kk / 2) * 2 * PANEL + j * 2 + (kk & 1)] = (int8_t)quantize(src[kk], inverse, WEIGHT_RANGE);
    }
}

void vlb_dequantize_weight(const int8_t *packed, const float *scales, long n, long k, float *w) {
    long kpad = vlb_int8_padded_k(k);
    for (long row = 0; row < n; row++) {
        const int8_t *panel = packed + (size_t)(row / PANEL) * kpad * PANEL;
        long j = row % PANEL;
        for (long kk = 0; kk < k; kk++) w[(size_t)row * k + kk] = scales[row] * panel[(kk / 2) * 2 * PANEL + j * 2 + (kk & 1)];
    }
}

static void quantize_rows_portable(const float *x, long ldx, long m, long k, int16_t *q, float *scales) {
    long kpad = vlb_int8_padded_k(k);
    for (long r = 0; r < m; r++) {
        const float *src = x + (size_t)r * ldx;
        float largest = 0;
        for (long kk = 0; kk < k; kk++) largest = fmaxf(largest, fabsf(src[kk]));
        scales[r] = largest / ACTIVATION_RANGE;
        float inverse = largest > 0 ? ACTIVATION_RANGE / largest : 0.0f;
        int16_t *dst = q + (size_t)r * kpad;
        for (long kk = 0; kk < k; kk++) dst[kk] = quantize(src[kk], inverse, ACTIVATION_RANGE);
        if (kpad > k) dst[k] = 0;
    }
}

#if defined(__x86_64__)
#include "tile_epilogue_avx2.h"

AVX2 void quantize_rows_avx2(const float *x, long ldx, long m, long k, int16_t *q, float *scales) {
    long kpad = vlb_int8_padded_k(k);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (long r = 0; r < m; r++) {
        const float *src = x + (size_t)r * ldx;
        __m256 most = _mm256_setzero_ps();
        long kk = 0;
        for (; kk + 8 <= k; kk += 8) most = _mm256_max_ps(most, _mm256_andnot_ps(sign, _mm256_loadu_ps(src + kk)));
        float lanes[8];
        _mm256_storeu_ps(lanes, most);
        float largest = 0;
        for (int i = 0; i < 8; i++) largest = fmaxf(largest, lanes[i]);
        for (; kk < k; kk++) largest = fmaxf(largest, fabsf(src[kk]));
        scales[r] = largest / ACTIVATION_RANGE;
        float inverse = largest > 0 ? ACTIVATION_RANGE / largest : 0.0f;
        const __m256 scale = _mm256_set1_ps(inverse);
        const __m256 high = _mm256_set1_ps(ACTIVATION_RANGE), low = _mm256_set1_ps(-ACTIVATION_RANGE);
        int16_t *dst = q + (size_t)r * kpad;
        for (kk = 0; kk + 16 <= k; kk += 16) {
            // Rounded to nearest even (the default MXCSR mode) and clamped, as in the portable path.
            __m256 fa = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(src + kk), scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            __m256 fb = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(src + kk + 8), scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            __m256i a = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(fa, low), high));
            __m256i b = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(fb, low), high));
            __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
            _mm256_storeu_si256((__m256i *)(dst + kk), packed);
        }
        for (; kk < k; kk++) dst[kk] = quantize(src[kk], inverse, ACTIVATION_RANGE);
        if (kpad > k) dst[k] = 0;
    }
}

void vlb_quantize_rows(const float *x, long ldx, long m, long k, int16_t *q, float *scales) {
    if (vlb_kernels_available()) quantize_rows_avx2(x, ldx, m, k, q, scales);
    else quantize_rows_portable(x, ldx, m, k, q, scales);
}

// One k block (kc even) of a 6 x 16 tile: int32 sums of the rows' k pairs against the panel's, then the epilogue with
// the product scaled by the row's and each column's scale.
AVX2 void kernel_6x16_int8(long pairs, const int16_t *const a[TILE], const int8_t *b, float *c, long ldc, long rows,
                           long cols, const float *row_scales, const float *column_scales, tile_epilogue e) {
    __m256i c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256();
    __m256i c10 = _mm256_setzero_si256(), c11 = _mm256_setzero_si256();
    __m256i c20 = _mm256_setzero_si256(), c21 = _mm256_setzero_si256();
    __m256i c30 = _mm256_setzero_si256(), c31 = _mm256_setzero_si256();
    __m256i c40 = _mm256_setzero_si256(), c41 = _mm256_setzero_si256();
    __m256i c50 = _mm256_setzero_si256(), c51 = _mm256_setzero_si256();
    // Each pair of int16 activations is read as one int32 and broadcast (vpbroadcastd).
    typedef int32_t __attribute__((may_alias)) pair;
    const pair *a0p = (const pair *)a[0], *a1p = (const pair *)a[1], *a2p = (const pair *)a[2];
    const pair *a3p = (const pair *)a[3], *a4p = (const pair *)a[4], *a5p = (const pair *)a[5];
    for (long kp = 0; kp < pairs; kp++) {
        __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)b));
        __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 16)));
        __m256i x0 = _mm256_set1_epi32(a0p[kp]), x1 = _mm256_set1_epi32(a1p[kp]);
        c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x0, b0)); c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x0, b1));
        c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x1, b0)); c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x1, b1));
        __m256i x2 = _mm256_set1_epi32(a2p[kp]), x3 = _mm256_set1_epi32(a3p[kp]);
        c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x2, b0)); c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x2, b1));
        c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x3, b0)); c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x3, b1));
        __m256i x4 = _mm256_set1_epi32(a4p[kp]), x5 = _mm256_set1_epi32(a5p[kp]);
        c40 = _mm256_add_epi32(c40, _mm256_madd_epi16(x4, b0)); c41 = _mm256_add_epi32(c41, _mm256_madd_epi16(x4, b1));
        c50 = _mm256_add_epi32(c50, _mm256_madd_epi16(x5, b0)); c51 = _mm256_add_epi32(c51, _mm256_madd_epi16(x5, b1));
        b += 2 * PANEL;
    }
    __m256i acc[TILE][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    float padded[PANEL] __attribute__((aligned(32))) = {0};
    for (long j = 0; j < cols; j++) padded[j] = column_scales[j];
    __m256 s0 = _mm256_load_ps(padded), s1 = _mm256_load_ps(padded + 8);
    for (long r = 0; r < rows; r++) {
        __m256 rs = _mm256_set1_ps(row_scales[r]);
        __m256 v0 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][0]), _mm256_mul_ps(rs, s0));
        __m256 v1 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][1]), _mm256_mul_ps(rs, s1));
        finish_row(c + r * ldc, v0, v1, cols, e);
    }
}

__attribute__((target("avx2,fma")))
static void int8_gemm_avx2(const int16_t *qx, long m, long k, const float *row_scales, const int8_t *packed_w,
                           const float *column_scales, long n, long p0, long panels, float *y, long ldy, long col0,
                           const float *bias, int accumulate, int activation) {
    long kpad = vlb_int8_padded_k(k);
    long tiles = (m + TILE - 1) / TILE;
    long block = vlb_int8_panel_block(k);
    long end = p0 + panels;
    long kcb = int8_k_block(kpad);
    for (long k0 = 0; k0 < kpad; k0 += kcb) {
        long kc = kpad - k0 < kcb ? kpad - k0 : kcb;
        int first = k0 == 0, last = k0 + kc >= kpad;
        for (long pb = p0; pb < end; pb += block) {
            long pe = pb + block < end ? pb + block : end;
            for (long t = 0; t < tiles; t++) {
                long row = t * TILE;
                long rows = m - row < TILE ? m - row : TILE;
                const int16_t *a[TILE];
                for (long i = 0; i < TILE; i++) a[i] = qx + (size_t)(row + (i < rows ? i : 0)) * kpad + k0;
                for (long p = pb; p < pe; p++) {
                    long col = p * PANEL;
                    long cols = n - col < PANEL ? n - col : PANEL;
                    if (cols <= 0) break;
                    tile_epilogue e = {!first || accumulate, first && bias ? bias + col : NULL, last ? activation : 0};
                    kernel_6x16_int8(kc / 2, a, packed_w + (size_t)p * kpad * PANEL + (size_t)k0 * PANEL,
                                     y + (size_t)row * ldy + (col - col0), ldy, rows, cols, row_scales + row,
                                     column_scales + col, e);
                }
            }
        }
    }
}
#else
void vlb_quantize_rows(const float *x, long ldx, long m, long k, int16_t *q, float *scales) {
    quantize_rows_portable(x, ldx, m, k, q, scales);
}
#endif

// The same sums in portable C (exact int32 per element; the activation is left to the caller, as in the fp32
// kernel's fallback).
static void int8_gemm_portable(const int16_t *qx, long m, long k, const float *row_scales, const int8_t *packed_w,
                               const float *column_scales, long n, long p0, long panels, float *y, long ldy, long col0,
                               const float *bias, int accumulate) {
    long kpad = vlb_int8_padded_k(k);
    for (long p = p0; p < p0 + panels; p++) {
        const int8_t *panel = packed_w + (size_t)p * kpad * PANEL;
        for (long j = 0; j < PANEL && p * PANEL + j < n; j++) {
            long column = p * PANEL + j;
            for (long row = 0; row < m; row++) {
                const int16_t *a = qx + (size_t)row * kpad;
                int32_t sum = 0;
                for (long kk = 0; kk < kpad; kk++) sum += (int32_t)a[kk] * panel[(kk / 2) * 2 * PANEL + j * 2 + (kk & 1)];
                float *out = &y[row * ldy + column - col0];
                float base = accumulate ? *out : 0.0f;
                if (bias) base += bias[column];
                *out = base + (float)sum * (row_scales[row] * column_scales[column]);
            }
        }
    }
}

void vlb_int8_gemm(const int16_t *qx, long m, long k, const float *row_scales, const int8_t *packed_w,
                   const float *column_scales, long n, long p0, long panels, float *y, long ldy, long col0,
                   const float *bias, int accumulate, int activation) {
#if defined(__x86_64__)
    if (vlb_kernels_available()) {
        int8_gemm_avx2(qx, m, k, row_scales, packed_w, column_scales, n, p0, panels, y, ldy, col0, bias, accumulate,
                       activation);
        return;
    }
#endif
    (void)activation;
    int8_gemm_portable(qx, m, k, row_scales, packed_w, column_scales, n, p0, panels, y, ldy, col0, bias, accumulate);
}

void vlb_int8_gemm_portable(const int16_t *qx, long m, long k, const float *row_scales, const int8_t *packed_w,
                            const float *column_scales, long n, long p0, long panels, float *y, long ldy, long col0,
                            const float *bias, int accumulate) {
    int8_gemm_portable(qx, m, k, row_scales, packed_w, column_scales, n, p0, panels, y, ldy, col0, bias, accumulate);
}
