// Elementwise and row kernels with AVX2 + FMA code paths, chosen at run time (VLBlocks' Swift targets build
// for baseline x86-64, which has neither). Callers check vlb_kernels_available() and otherwise use the
// portable Swift implementations. All functions are serial: VLBlocks splits work across threads itself.
#ifndef VLBLOCKS_KERNELS_H
#define VLBLOCKS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU has AVX2 and FMA (x86-64 only).
int vlb_kernels_available(void);

/// Activation kinds, matching VLCore's Activation.
enum vlb_activation {
    VLB_GELU = 1,       // 0.5 x (1 + erf(x / sqrt 2))
    VLB_GELU_TANH = 2,  // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    VLB_QUICK_GELU = 3, // x sigmoid(1.702 x)
    VLB_SILU = 4,       // x sigmoid(x)
    VLB_SIGMOID = 5,
    VLB_RELU = 6
};

/// Applies an activation in place to `count` floats.
void vlb_activation_apply(int kind, float *x, long count);

/// Replaces each of `rows` rows of `width` floats (row stride `stride`) by its softmax, max-subtracted.
void vlb_softmax_rows(float *x, long rows, long width, long stride);

/// Layer norm of each row over `width` (biased variance); gamma and beta may be NULL; y may equal x.
void vlb_layer_norm_rows(const float *x, long rows, long width, const float *gamma, const float *beta, float epsilon,
                         float *y);

/// exp, erf and tanh of `count` floats (for accuracy tests of the AVX2 paths).
void vlb_exp(const float *x, float *y, long count);
void vlb_erf(const float *x, float *y, long count);
void vlb_tanh(const float *x, float *y, long count);

/// Columns of one packed weight panel, and rows of the micro-kernel's register tile.
#define VLB_PANEL_WIDTH 16
#define VLB_TILE_ROWS 6

/// Floats needed to pack an [n, k] weight: ceil(n / 16) panels of k x 16.
size_t vlb_packed_weight_size(long n, long k);

/// Packs w [n, k] (a PyTorch linear weight) into panels: panel p holds rows 16p ..< 16p + 16 as [k][16],
/// zero-padded past n. `packed` must be 32-byte aligned.
void vlb_pack_weight(const float *w, long n, long k, float *packed);

/// Unpacks panels back to [n, k].
void vlb_unpack_weight(const float *packed, long n, long k, float *w);

/// Panels per block of the packed GEMM for inner dimension k: the weights it keeps in L2 while every row
/// tile passes. Splitting work across threads at block boundaries costs nothing extra.
long vlb_packed_panel_block(long k);

/// For x [m, k] (row stride ldx, read in place) and packed w: output column c (16 p0 <= c < min(16 (p0 +
/// panels), n)) of every row, stored at y[row * ldy + c - col0], becomes
/// act((accumulate ? y : 0) + bias[c] + x · w[c, :]), where bias (indexed by absolute column) may be NULL and
/// act is the enum vlb_activation `activation` (0: none). The sum is rounded as "(y or 0) + bias, then add the
/// product". Needs AVX2 + FMA (see vlb_kernels_available).
void vlb_packed_gemm(const float *x, long ldx, long m, long k, const float *packed_w, long n, long p0, long panels,
                     float *y, long ldy, long col0, const float *bias, int accumulate, int activation);

/// int8 linear layers (int8_gemm.c). k is padded to an even count (pairs of k feed one vpmaddwd).
long vlb_int8_padded_k(long k);

/// Bytes of an [n, k] weight quantised into 16-column panels of k pairs ([padded k / 2][16][2] int8 per panel).
size_t vlb_int8_weight_size(long n, long k);

/// Quantises w [n, k] symmetrically per output row (scales[row] = max|w[row]| / 127, values rounded to nearest even
/// and clamped to -127..127) and packs it into panels (zero-padded past n and k).
void vlb_quantize_weight(const float *w, long n, long k, int8_t *packed, float *scales);

/// The quantised weight back as floats, scales applied: w [n, k].
void vlb_dequantize_weight(const int8_t *packed, const float *scales, long n, long k, float *w);

/// Quantises each of m rows of x (row stride ldx) symmetrically to 13 bits: scales[r] = max|x[r]| / 4095, q [m][padded
/// k] int16 holding -4095..4095 (rounded to nearest even), zero-padded. q must be 4-byte aligned.
void vlb_quantize_rows(const float *x, long ldx, long m, long k, int16_t *q, float *scales);

/// Panels per block of the int8 GEMM for inner dimension k (a block stays in L2 while every row tile passes).
long vlb_int8_panel_block(long k);

/// As vlb_packed_gemm for a quantised weight: output column c (16 p0 <= c < min(16 (p0 + panels), n)) of every row,
/// stored at y[row * ldy + c - col0], becomes act((accumulate ? y : 0) + bias[c] + row_scales[row] column_scales[c]
/// sum_k qx[row, k] qw[c, k]), the integer sums exact in int32 (per block of at most 3072 k: 1536 pairs of at most
/// 2 x 4095 x 127). Without AVX2 the
/// activation is not applied (callers apply it).
void vlb_int8_gemm(const int16_t *qx, long m, long k, const float *row_scales, const int8_t *packed_w,
                   const float *column_scales, long n, long p0, long panels, float *y, long ldy, long col0,
                   const float *bias, int accumulate, int activation);

/// The portable path of vlb_int8_gemm (for tests on machines with AVX2).
void vlb_int8_gemm_portable(const int16_t *qx, long m, long k, const float *row_scales, const int8_t *packed_w,
                            const float *column_scales, long n, long p0, long panels, float *y, long ldy, long col0,
                            const float *bias, int accumulate);

/// A chunk of a parallel job: `chunk` in 0 ..< chunks.
typedef void (*vlb_chunk_fn)(void *context, long chunk);

/// Runs fn(context, 0 ..< chunks) on the calling thread and up to threads - 1 pooled workers, returning when
/// all chunks are done; returns 1. Returns 0 without running anything when the pool is busy with another job
/// (a concurrent or nested caller), when threads < 2, or where there is no pool (not Linux).
int vlb_parallel_run(long chunks, int threads, vlb_chunk_fn fn, void *context);

/// How long an idle pool worker keeps polling for the next job before it sleeps (default 200 000 ns).
void vlb_set_worker_spin(long nanoseconds);

#ifdef __cplusplus
}
#endif

#endif
