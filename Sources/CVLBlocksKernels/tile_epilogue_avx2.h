// The epilogue of a 6 x 16 output tile, shared by the fp32 and int8 packed GEMMs (internal header): what the output
// held, the bias and the activation applied to a finished tile row.

#ifndef VLBLOCKS_TILE_EPILOGUE_AVX2_H
#define VLBLOCKS_TILE_EPILOGUE_AVX2_H

#include "vector_math_avx2.h"

#define NR VLB_PANEL_WIDTH
#define MR VLB_TILE_ROWS

// The epilogue of one k block of a 6 x 16 tile. `load` keeps what the output holds (later k blocks, or an
// accumulating product); `bias` (the tile's 16 features, or NULL) is added before the products, so the sums are
// (y + b) + x·w exactly as "fill with the bias, then multiply-accumulate" would round them; `activation`
// (last k block only) maps the finished value.
typedef struct {
    int load;
    const float *bias;
    int activation;
} tile_epilogue;

AVX2 void finish_row(float *row, __m256 acc0, __m256 acc1, long cols, tile_epilogue e) {
    float base[NR] __attribute__((aligned(32)));
    if (cols == NR) {
        __m256 b0 = e.load ? _mm256_loadu_ps(row) : _mm256_setzero_ps();
        __m256 b1 = e.load ? _mm256_loadu_ps(row + 8) : _mm256_setzero_ps();
        if (e.bias) {
            b0 = _mm256_add_ps(b0, _mm256_loadu_ps(e.bias));
            b1 = _mm256_add_ps(b1, _mm256_loadu_ps(e.bias + 8));
        }
        __m256 v0 = _mm256_add_ps(b0, acc0), v1 = _mm256_add_ps(b1, acc1);
        if (e.activation) {
            v0 = activation8(e.activation, v0);
            v1 = activation8(e.activation, v1);
        }
        _mm256_storeu_ps(row, v0);
        _mm256_storeu_ps(row + 8, v1);
        return;
    }
    for (long j = 0; j < NR; j++) {
        float b = j < cols && e.load ? row[j] : 0.0f;
        base[j] = j < cols && e.bias ? b + e.bias[j] : b;
    }
    __m256 v0 = _mm256_add_ps(_mm256_load_ps(base), acc0), v1 = _mm256_add_ps(_mm256_load_ps(base + 8), acc1);
    if (e.activation) {
        v0 = activation8(e.activation, v0);
        v1 = activation8(e.activation, v1);
    }
    _mm256_store_ps(base, v0);
    _mm256_store_ps(base + 8, v1);
    for (long j = 0; j < cols; j++) row[j] = base[j];
}

#endif
