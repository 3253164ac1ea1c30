// A pre-packed-weight SGEMM for linear layers: y += x · wᵀ with w packed once at load time.
//
// BLAS packs both operands on every call; for a linear layer over a few hundred rows packing a weight of
// several MB costs 10-35% of the product. Here the weight is packed once into 16-column panels ([k][16]
// per panel) and the activations per call into 6-row tiles ([k][6] per tile). A 6 x 16 register tile
// (12 AVX accumulators, FMA) sweeps k in blocks: a block of panels stays in L2 while every activation tile
// streams past it (the GotoBLAS loop order, with the roles of the operands swapped).

#include "vlblocks_kernels.h"

#include <string.h>

#define NR VLB_PANEL_WIDTH
#define MR VLB_TILE_ROWS
#define KC 512
#define L2_BUDGET (384 * 1024)

size_t vlb_packed_weight_size(long n, long k) { return (size_t)((n + NR - 1) / NR) * (size_t)k * NR; }

size_t vlb_packed_input_size(long m, long k) { return (size_t)((m + MR - 1) / MR) * (size_t)k * MR; }

void vlb_pack_weight(const float *w, long n, long k, float *packed) {
    long panels = (n + NR - 1) / NR;
    for (long p = 0; p < panels; p++) {
        float *dst = packed + (size_t)p * k * NR;
        for (long j = 0; j < NR; j++) {
            long row = p * NR + j;
            const float *src = w + (size_t)row * k;
            for (long kk = 0; kk < k; kk++) dst[kk * NR + j] = row < n ? src[kk] : 0.0f;
        }
    }
}

void vlb_unpack_weight(const float *packed, long n, long k, float *w) {
    for (long row = 0; row < n; row++) {
        const float *src = packed + (size_t)(row / NR) * k * NR + row % NR;
        for (long kk = 0; kk < k; kk++) w[(size_t)row * k + kk] = src[kk * NR];
    }
}

void vlb_pack_input(const float *x, long m, long k, long ldx, float *packed, long t0, long t1) {
    for (long t = t0; t < t1; t++) {
        float *dst = packed + (size_t)t * k * MR;
        for (long i = 0; i < MR; i++) {
            long row = t * MR + i;
            if (row < m) {
                const float *src = x + (size_t)row * ldx;
                for (long kk = 0; kk < k; kk++) dst[kk * MR + i] = src[kk];
            } else {
                for (long kk = 0; kk < k; kk++) dst[kk * MR + i] = 0.0f;
            }
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// c[rows x cols] (row stride ldc) += a_tile[kc][6] · b_panel[kc][16].
__attribute__((target("avx2,fma")))
static inline void kernel_6x16(long kc, const float *a, const float *b, float *c, long ldc, long rows, long cols) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma clang loop unroll_count(2)
    for (long kk = 0; kk < kc; kk++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        __m256 a0 = _mm256_broadcast_ss(a + 0), a1 = _mm256_broadcast_ss(a + 1);
        c00 = _mm256_fmadd_ps(a0, b0, c00); c01 = _mm256_fmadd_ps(a0, b1, c01);
        c10 = _mm256_fmadd_ps(a1, b0, c10); c11 = _mm256_fmadd_ps(a1, b1, c11);
        __m256 a2 = _mm256_broadcast_ss(a + 2), a3 = _mm256_broadcast_ss(a + 3);
        c20 = _mm256_fmadd_ps(a2, b0, c20); c21 = _mm256_fmadd_ps(a2, b1, c21);
        c30 = _mm256_fmadd_ps(a3, b0, c30); c31 = _mm256_fmadd_ps(a3, b1, c31);
        __m256 a4 = _mm256_broadcast_ss(a + 4), a5 = _mm256_broadcast_ss(a + 5);
        c40 = _mm256_fmadd_ps(a4, b0, c40); c41 = _mm256_fmadd_ps(a4, b1, c41);
        c50 = _mm256_fmadd_ps(a5, b0, c50); c51 = _mm256_fmadd_ps(a5, b1, c51);
        a += MR;
        b += NR;
    }
    __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    if (cols == NR) {
        for (long r = 0; r < rows; r++) {
            float *row = c + r * ldc;
            _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), acc[r][0]));
            _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), acc[r][1]));
        }
    } else {
        float tile[NR] __attribute__((aligned(32)));
        for (long r = 0; r < rows; r++) {
            _mm256_store_ps(tile, acc[r][0]);
            _mm256_store_ps(tile + 8, acc[r][1]);
            float *row = c + r * ldc;
            for (long j = 0; j < cols; j++) row[j] += tile[j];
        }
    }
}

__attribute__((target("avx2,fma")))
void vlb_packed_gemm(const float *packed_x, long m, long k, const float *packed_w, long n, long p0, long panels,
                     float *y, long ldy, long col0) {
    long tiles = (m + MR - 1) / MR;
    long kc_max = k < KC ? k : KC;
    long block = L2_BUDGET / (kc_max * NR * (long)sizeof(float));
    if (block < 1) block = 1;
    long end = p0 + panels;
    for (long k0 = 0; k0 < k; k0 += KC) {
        long kc = k - k0 < KC ? k - k0 : KC;
        for (long pb = p0; pb < end; pb += block) {
            long pe = pb + block < end ? pb + block : end;
            for (long t = 0; t < tiles; t++) {
                const float *a = packed_x + (size_t)t * k * MR + (size_t)k0 * MR;
                long row = t * MR;
                long rows = m - row < MR ? m - row : MR;
                for (long p = pb; p < pe; p++) {
                    long col = p * NR;
                    long cols = n - col < NR ? n - col : NR;
                    if (cols <= 0) break;
                    kernel_6x16(kc, a, packed_w + (size_t)p * k * NR + (size_t)k0 * NR, y + (size_t)row * ldy + (col - col0), ldy,
                                rows, cols);
                }
            }
        }
    }
}

#else

void vlb_packed_gemm(const float *packed_x, long m, long k, const float *packed_w, long n, long p0, long panels,
                     float *y, long ldy, long col0) {
    for (long p = p0; p < p0 + panels; p++) {
        for (long j = 0; j < NR && p * NR + j < n; j++) {
            for (long row = 0; row < m; row++) {
                float sum = 0;
                const float *a = packed_x + (size_t)(row / MR) * k * MR + row % MR;
                const float *b = packed_w + (size_t)p * k * NR + j;
                for (long kk = 0; kk < k; kk++) sum += a[kk * MR] * b[kk * NR];
                y[row * ldy + p * NR + j - col0] += sum;
            }
        }
    }
}

#endif
