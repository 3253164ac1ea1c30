// Headroom of int8 linear layers on AVX2 without VNNI, against the fp32 packed kernel, before any int8 path is built.
//
//   clang -O3 -mavx2 -mfma -o /tmp/int8_headroom Benchmarks/Int8/int8_gemm_headroom.c && /tmp/int8_headroom
//
// One thread, ViT-B and ViT-L linear-layer shapes (M tokens x K -> N), the same 6 x 16 register tile and loop order as
// VLBlocks' fp32 packed kernel (Sources/CVLBlocksKernels/packed_gemm.c):
//   fp32      12 FMA per k step (6 rows x 2 vectors of 8 columns).
//   i16madd   both operands as int16 (activations widened once per call, weights stored int8 in panels and widened
//             in the kernel with vpmovsxbw); vpmaddwd multiplies 16 pairs and adds adjacent ones into 8 int32 lanes,
//             so one instruction covers 2 k steps of 8 columns. |a|, |w| <= 127 gives |a0 w0 + a1 w1| <= 32258, far
//             from overflow; int32 accumulators hold K up to 2^31 / 127^2 = 133,000 terms. Exact int32 sums.
//   i16wide   the same with weights stored as int16 (no widening in the kernel): the cost of widening.
//   u8s8sat   vpmaddubsw (u8 x s8 -> saturating s16 pairs) as onnxruntime's default AVX2 kernel: 4 k per instruction
//             pair, but a pair sum can reach 2 x 255 x 127 = 64770 and saturates at 32767: fast, not exact (shown
//             for the speed bound only; the exactness check counts its wrong sums).
// Prints GOPS (2 ops per multiply-add) per kernel and shape, the ratio to fp32, and checks every int kernel's sums
// against a scalar int64 reference on one shape.
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MR 6
#define NR 16

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// ---- fp32: the packed kernel's tile (k-major panels [k][16]) ----
static void fp32_tile(long k, const float *a[MR], const float *b, float *c, long ldc) {
    __m256 acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (long kk = 0; kk < k; kk++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        for (int r = 0; r < MR; r++) {
            __m256 x = _mm256_broadcast_ss(a[r] + kk);
            acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        }
        b += NR;
    }
    for (int r = 0; r < MR; r++) {
        _mm256_storeu_ps(c + r * ldc, acc[r][0]);
        _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
    }
}

// ---- int16 multiply-add: activations int16 [m][k] (k even), weight panels int8 [k/2][16 columns][2] ----
// A k pair of the panel is 32 bytes: columns 0-7 (2 bytes each: k, k+1) then columns 8-15.
static void i16_tile(long k, const int16_t *a[MR], const int8_t *b, int32_t *c, long ldc) {
    __m256i acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (long kk = 0; kk < k; kk += 2) {
        __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)b));
        __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 16)));
        for (int r = 0; r < MR; r++) {
            __m256i x = _mm256_set1_epi32(*(const int32_t *)(a[r] + kk));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, b0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, b1));
        }
        b += 32;
    }
    for (int r = 0; r < MR; r++) {
        _mm256_storeu_si256((__m256i *)(c + r * ldc), acc[r][0]);
        _mm256_storeu_si256((__m256i *)(c + r * ldc + 8), acc[r][1]);
    }
}

// Weights already int16 [k/2][16][2].
static void i16wide_tile(long k, const int16_t *a[MR], const int16_t *b, int32_t *c, long ldc) {
    __m256i acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (long kk = 0; kk < k; kk += 2) {
        __m256i b0 = _mm256_load_si256((const __m256i *)b), b1 = _mm256_load_si256((const __m256i *)(b + 16));
        for (int r = 0; r < MR; r++) {
            __m256i x = _mm256_set1_epi32(*(const int32_t *)(a[r] + kk));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, b0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, b1));
        }
        b += 32;
    }
    for (int r = 0; r < MR; r++) {
        _mm256_storeu_si256((__m256i *)(c + r * ldc), acc[r][0]);
        _mm256_storeu_si256((__m256i *)(c + r * ldc + 8), acc[r][1]);
    }
}

// u8 x s8 with saturating pairs: activations u8 [m][k] (k % 4 == 0), weights s8 [k/4][16][4].
static void u8s8_tile(long k, const uint8_t *a[MR], const int8_t *b, int32_t *c, long ldc) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (long kk = 0; kk < k; kk += 4) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)b), b1 = _mm256_loadu_si256((const __m256i *)(b + 32));
        for (int r = 0; r < MR; r++) {
            __m256i x = _mm256_set1_epi32(*(const int32_t *)(a[r] + kk));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(x, b0), ones));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(x, b1), ones));
        }
        b += 64;
    }
    for (int r = 0; r < MR; r++) {
        _mm256_storeu_si256((__m256i *)(c + r * ldc), acc[r][0]);
        _mm256_storeu_si256((__m256i *)(c + r * ldc + 8), acc[r][1]);
    }
}

typedef enum { FP32, I16MADD, I16WIDE, U8S8 } kind;
static const char *names[] = {"fp32", "i16madd", "i16wide", "u8s8sat"};

// y[m][n] = x[m][k] . w[n][k]^T over all tiles and panels; returns seconds of the best of `reps` runs.
static double run(kind kd, long m, long n, long k, void *x, void *w, void *y, int reps) {
    double best = 1e30;
    long panels = n / NR, tiles = (m + MR - 1) / MR;
    for (int rep = 0; rep < reps; rep++) {
        double t0 = now();
        for (long p = 0; p < panels; p++) {
            for (long t = 0; t < tiles; t++) {
                long r0 = t * MR;
                if (kd == FP32) {
                    const float *a[MR];
                    for (int r = 0; r < MR; r++) a[r] = (const float *)x + (r0 + r < m ? r0 + r : m - 1) * k;
                    float tile[MR * NR];
                    fp32_tile(k, a, (const float *)w + p * k * NR, tile, NR);
                    for (int r = 0; r < MR && r0 + r < m; r++) memcpy((float *)y + (r0 + r) * n + p * NR, tile + r * NR, sizeof tile / MR);
                } else if (kd == U8S8) {
                    const uint8_t *a[MR];
                    for (int r = 0; r < MR; r++) a[r] = (const uint8_t *)x + (r0 + r < m ? r0 + r : m - 1) * k;
                    int32_t tile[MR * NR];
                    u8s8_tile(k, a, (const int8_t *)w + p * k * NR, tile, NR);
                    for (int r = 0; r < MR && r0 + r < m; r++) memcpy((int32_t *)y + (r0 + r) * n + p * NR, tile + r * NR, sizeof tile / MR);
                } else {
                    const int16_t *a[MR];
                    for (int r = 0; r < MR; r++) a[r] = (const int16_t *)x + (r0 + r < m ? r0 + r : m - 1) * k;
                    int32_t tile[MR * NR];
                    if (kd == I16MADD) i16_tile(k, a, (const int8_t *)w + p * k * NR, tile, NR);
                    else i16wide_tile(k, a, (const int16_t *)w + p * k * NR, tile, NR);
                    for (int r = 0; r < MR && r0 + r < m; r++) memcpy((int32_t *)y + (r0 + r) * n + p * NR, tile + r * NR, sizeof tile / MR);
                }
            }
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    return best;
}

static int8_t rnd8(unsigned *s) { *s = *s * 1103515245u + 12345u; return (int8_t)((int)((*s >> 16) % 255) - 127); }

int main(void) {
    long shapes[][3] = {{197, 768, 768}, {197, 3072, 768}, {197, 768, 3072}, {1576, 768, 768}, {577, 4096, 1024}, {577, 1024, 4096}};
    unsigned seed = 7;
    printf("%-18s %10s %10s %10s %10s   (GOPS, one thread; ratio to fp32)\n", "M x K -> N", "fp32", "i16madd", "i16wide", "u8s8sat");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        long m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *xf = aligned_alloc(64, m * k * 4), *wf = aligned_alloc(64, n * k * 4), *yf = aligned_alloc(64, m * n * 4);
        int16_t *x16 = aligned_alloc(64, m * k * 2), *w16 = aligned_alloc(64, n * k * 2);
        int8_t *w8 = aligned_alloc(64, n * k);
        uint8_t *xu8 = aligned_alloc(64, m * k);
        int32_t *yi = aligned_alloc(64, m * n * 4);
        int8_t *wraw = malloc(n * k), *xraw = malloc(m * k);
        for (long i = 0; i < n * k; i++) wraw[i] = rnd8(&seed);
        for (long i = 0; i < m * k; i++) xraw[i] = rnd8(&seed);
        for (long i = 0; i < m * k; i++) { xf[i] = xraw[i]; x16[i] = xraw[i]; xu8[i] = (uint8_t)(xraw[i] + 128); }
        // Panels: fp32 [k][16]; int16 pairs [k/2][16][2]; u8s8 quads [k/4][16][4].
        for (long p = 0; p < n / NR; p++)
            for (long kk = 0; kk < k; kk++)
                for (long j = 0; j < NR; j++) {
                    int8_t v = wraw[(p * NR + j) * k + kk];
                    wf[p * k * NR + kk * NR + j] = v;
                    long pair = p * k * NR + (kk / 2) * 32 + j * 2 + kk % 2;
                    w8[pair] = v;
                    w16[pair] = v;
                }
        int8_t *w4 = aligned_alloc(64, n * k);
        for (long p = 0; p < n / NR; p++)
            for (long kk = 0; kk < k; kk++)
                for (long j = 0; j < NR; j++) w4[p * k * NR + (kk / 4) * 64 + j * 4 + kk % 4] = wraw[(p * NR + j) * k + kk];
        double ops = 2.0 * m * n * k, g[4];
        g[0] = ops / run(FP32, m, n, k, xf, wf, yf, 3) / 1e9;
        g[1] = ops / run(I16MADD, m, n, k, x16, w8, yi, 3) / 1e9;
        // Exactness of the int16 path against int64 sums (first shape only: enough, and cheap).
        if (s == 0) {
            long wrong = 0, wrongSat = 0;
            int32_t *ysat = aligned_alloc(64, m * n * 4);
            run(U8S8, m, n, k, xu8, w4, ysat, 1);
            for (long i = 0; i < m; i++)
                for (long j = 0; j < n; j++) {
                    int64_t sum = 0, sumU = 0;
                    for (long kk = 0; kk < k; kk++) {
                        sum += (int64_t)xraw[i * k + kk] * wraw[j * k + kk];
                        sumU += (int64_t)xu8[i * k + kk] * wraw[j * k + kk];
                    }
                    wrong += yi[i * n + j] != sum;
                    wrongSat += ysat[i * n + j] != sumU;
                }
            printf("exactness on %ldx%ld->%ld: i16madd %ld wrong sums of %ld; u8s8sat %ld wrong (saturated pairs)\n", m, k, n, wrong, m * n, wrongSat);
            free(ysat);
        }
        g[2] = ops / run(I16WIDE, m, n, k, x16, w16, yi, 3) / 1e9;
        g[3] = ops / run(U8S8, m, n, k, xu8, w4, yi, 3) / 1e9;
        char label[32];
        snprintf(label, sizeof label, "%ldx%ld->%ld", m, k, n);
        printf("%-18s %10.1f %10.1f %10.1f %10.1f   %.2fx %.2fx %.2fx\n", label, g[0], g[1], g[2], g[3], g[1] / g[0], g[2] / g[0], g[3] / g[0]);
        free(xf); free(wf); free(yf); free(x16); free(w16); free(w8); free(xu8); free(yi); free(wraw); free(xraw); free(w4);
    }
    return 0;
}
