// A pre-packed-weight SGEMM for linear layers: y = act((y or 0) + b + x · wᵀ) with w packed once at load time.
//
// BLAS packs both operands on every call; for a linear layer over a few hundred rows packing a weight of
// several MB costs 10-35% of the product. Here the weight is packed once into 16-column panels ([k][16]
// per panel) and the activations are not packed at all: a 6 x 16 register tile (12 AVX accumulators, FMA)
// broadcasts from six rows of x in place, which stay in L1 while a block of panels (in L2) passes. k is swept
// in blocks of KC; bias, residual and activation are applied as a tile is finished (the GotoBLAS loop order,
// with the roles of the operands swapped).

#include "vlblocks_kernels.h"

#include <string.h>

#define NR VLB_PANEL_WIDTH
#define MR VLB_TILE_ROWS
#define KC 768
#define L2_BUDGET (384 * 1024)

size_t vlb_packed_weight_size(long n, long k) { return (size_t)((n + NR - 1) / NR) * (size_t)k * NR; }

// The k block: k split evenly into blocks of at most KC (768 keeps a ViT-B product in one block, so its output
// tiles are written once; 3072 becomes 4 x 768, 1024 becomes 2 x 512).
static long k_block(long k) {
    long blocks = (k + KC - 1) / KC;
    return (k + blocks - 1) / blocks;
}

long vlb_packed_panel_block(long k) {
    long kc = k_block(k);
    long block = L2_BUDGET / (kc * NR * (long)sizeof(float));
    return block < 1 ? 1 : block;
}

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

#if defined(__x86_64__)
#include "tile_epilogue_avx2.h"

// c[rows x cols] (row stride ldc) = epilogue(c, x-rows a[0..5][0 ..< kc] · b_panel[kc][16]). The rows of x are
// read in place (the missing rows of a partial tile point at a real row: computed, never stored).
AVX2 void kernel_6x16(long kc, const float *const a[MR], const float *b, float *c, long ldc, long rows, long cols,
                      tile_epilogue e) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    const float *a0p = a[0], *a1p = a[1], *a2p = a[2], *a3p = a[3], *a4p = a[4], *a5p = a[5];
#pragma clang loop unroll_count(2)
    for (long kk = 0; kk < kc; kk++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        long o = kk;
        __m256 a0 = _mm256_broadcast_ss(a0p + o), a1 = _mm256_broadcast_ss(a1p + o);
        c00 = _mm256_fmadd_ps(a0, b0, c00); c01 = _mm256_fmadd_ps(a0, b1, c01);
        c10 = _mm256_fmadd_ps(a1, b0, c10); c11 = _mm256_fmadd_ps(a1, b1, c11);
        __m256 a2 = _mm256_broadcast_ss(a2p + o), a3 = _mm256_broadcast_ss(a3p + o);
        c20 = _mm256_fmadd_ps(a2, b0, c20); c21 = _mm256_fmadd_ps(a2, b1, c21);
        c30 = _mm256_fmadd_ps(a3, b0, c30); c31 = _mm256_fmadd_ps(a3, b1, c31);
        __m256 a4 = _mm256_broadcast_ss(a4p + o), a5 = _mm256_broadcast_ss(a5p + o);
        c40 = _mm256_fmadd_ps(a4, b0, c40); c41 = _mm256_fmadd_ps(a4, b1, c41);
        c50 = _mm256_fmadd_ps(a5, b0, c50); c51 = _mm256_fmadd_ps(a5, b1, c51);
        b += NR;
    }
    __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (long r = 0; r < rows; r++) finish_row(c + r * ldc, acc[r][0], acc[r][1], cols, e);
}

__attribute__((target("avx2,fma")))
void vlb_packed_gemm(const float *x, long ldx, long m, long k, const float *packed_w, long n, long p0, long panels,
                     float *y, long ldy, long col0, const float *bias, int accumulate, int activation) {
    long tiles = (m + MR - 1) / MR;
    long block = vlb_packed_panel_block(k);
    long end = p0 + panels;
    long kcb = k_block(k);
    for (long k0 = 0; k0 < k; k0 += kcb) {
        long kc = k - k0 < kcb ? k - k0 : kcb;
        int first = k0 == 0, last = k0 + kc >= k;
        for (long pb = p0; pb < end; pb += block) {
            long pe = pb + block < end ? pb + block : end;
            for (long t = 0; t < tiles; t++) {
                long row = t * MR;
                long rows = m - row < MR ? m - row : MR;
                const float *a[MR];
                for (long i = 0; i < MR; i++) a[i] = x + (size_t)(row + (i < rows ? i : 0)) * ldx + k0;
                for (long p = pb; p < pe; p++) {
                    long col = p * NR;
                    long cols = n - col < NR ? n - col : NR;
                    if (cols <= 0) break;
                    tile_epilogue e = {!first || accumulate, first && bias ? bias + col : NULL, last ? activation : 0};
                    kernel_6x16(kc, a, packed_w + (size_t)p * k * NR + (size_t)k0 * NR, y + (size_t)row * ldy + (col - col0),
                                ldy, rows, cols, e);
                }
            }
        }
    }
}

#else

void vlb_packed_gemm(const float *x, long ldx, long m, long k, const float *packed_w, long n, long p0, long panels,
                     float *y, long ldy, long col0, const float *bias, int accumulate, int activation) {
    (void)activation;  // only reached where vlb_kernels_available() is false, and callers then apply it themselves
    for (long p = p0; p < p0 + panels; p++) {
        for (long j = 0; j < NR && p * NR + j < n; j++) {
            for (long row = 0; row < m; row++) {
                float *out = &y[row * ldy + p * NR + j - col0];
                if (!accumulate) *out = 0;
                if (bias) *out += bias[p * NR + j];
                float sum = 0;
                const float *a = x + (size_t)row * ldx;
                const float *b = packed_w + (size_t)p * k * NR + j;
                for (long kk = 0; kk < k; kk++) sum += a[kk] * b[kk * NR];
                *out += sum;
            }
        }
    }
}

#endif
