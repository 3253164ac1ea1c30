// Elementwise and row kernels with AVX2 + FMA code paths, chosen at run time (VLBlocks' Swift targets build
// for baseline x86-64, which has neither). Callers check vlb_kernels_available() and otherwise use the
// portable Swift implementations. All functions are serial: VLBlocks splits work across threads itself.
#ifndef VLBLOCKS_KERNELS_H
#define VLBLOCKS_KERNELS_H

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

#ifdef __cplusplus
}
#endif

#endif
