// AVX2 + FMA versions of VLBlocks' vectorised functions. The polynomials are the ones VectorMath uses
// (Cephes' expf coefficients; VLBlocks' own two-piece erf fit; Cephes' small-argument tanh), evaluated with
// FMA, so accuracy is the same or better (see VectorMathTests).

#include "vlblocks_kernels.h"

#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>

int vlb_kernels_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#include "vector_math_avx2.h"

// Loads the first `n` (< 8) floats of p, the rest `fill`.
AVX2 __m256 load_partial(const float *p, long n, float fill) {
    float buffer[8] = {fill, fill, fill, fill, fill, fill, fill, fill};
    for (long i = 0; i < n; i++) buffer[i] = p[i];
    return _mm256_loadu_ps(buffer);
}

AVX2 void store_partial(float *p, __m256 v, long n) {
    float buffer[8];
    _mm256_storeu_ps(buffer, v);
    for (long i = 0; i < n; i++) p[i] = buffer[i];
}

__attribute__((target("avx2,fma"))) static void activation_avx2(int kind, float *x, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, activation8(kind, _mm256_loadu_ps(x + i)));
    if (i < count) store_partial(x + i, activation8(kind, load_partial(x + i, count - i, 0.0f)), count - i);
}

void vlb_activation_apply(int kind, float *x, long count) {
    switch (kind) {  // one instantiation per kind keeps the switch out of the loop
    case VLB_GELU: activation_avx2(VLB_GELU, x, count); break;
    case VLB_GELU_TANH: activation_avx2(VLB_GELU_TANH, x, count); break;
    case VLB_QUICK_GELU: activation_avx2(VLB_QUICK_GELU, x, count); break;
    case VLB_SILU: activation_avx2(VLB_SILU, x, count); break;
    case VLB_SIGMOID: activation_avx2(VLB_SIGMOID, x, count); break;
    case VLB_RELU: activation_avx2(VLB_RELU, x, count); break;
    default: break;
    }
}

AVX2 float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 float hmax8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) void vlb_softmax_rows(float *data, long rows, long width, long stride) {
    for (long row = 0; row < rows; row++) {
        float *x = data + row * stride;
        __m256 m = _mm256_set1_ps(-INFINITY);
        long i = 0;
        for (; i + 8 <= width; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
        float maximum = hmax8(m);
        for (long j = i; j < width; j++) maximum = x[j] > maximum ? x[j] : maximum;
        __m256 shift = _mm256_set1_ps(maximum), sum = _mm256_setzero_ps();
        for (i = 0; i + 8 <= width; i += 8) {
            __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift));
            _mm256_storeu_ps(x + i, e);
            sum = _mm256_add_ps(sum, e);
        }
        float total = hsum8(sum);
        if (i < width) {
            __m256 e = exp8(_mm256_sub_ps(load_partial(x + i, width - i, -INFINITY), shift));
            store_partial(x + i, e, width - i);
            total += hsum8(e);
        }
        __m256 inverse = _mm256_set1_ps(1.0f / total);
        for (i = 0; i + 8 <= width; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inverse));
        for (; i < width; i++) x[i] *= 1.0f / total;
    }
}

__attribute__((target("avx2,fma"))) void vlb_layer_norm_rows(const float *input, long rows, long width, const float *gamma,
                                                            const float *beta, float epsilon, float *output) {
    for (long row = 0; row < rows; row++) {
        const float *x = input + row * width;
        float *y = output + row * width;
        __m256 s = _mm256_setzero_ps();
        long i = 0;
        for (; i + 8 <= width; i += 8) s = _mm256_add_ps(s, _mm256_loadu_ps(x + i));
        float sum = hsum8(s);
        for (long j = i; j < width; j++) sum += x[j];
        float mean = sum / (float)width;
        __m256 mean8 = _mm256_set1_ps(mean), q = _mm256_setzero_ps();
        for (i = 0; i + 8 <= width; i += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), mean8);
            q = _mm256_fmadd_ps(d, d, q);
        }
        float squares = hsum8(q);
        for (long j = i; j < width; j++) squares += (x[j] - mean) * (x[j] - mean);
        float inverse = 1.0f / sqrtf(squares / (float)width + epsilon);
        __m256 scale = _mm256_set1_ps(inverse);
        for (i = 0; i + 8 <= width; i += 8) {
            __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mean8), scale);
            if (gamma) v = _mm256_mul_ps(v, _mm256_loadu_ps(gamma + i));
            if (beta) v = _mm256_add_ps(v, _mm256_loadu_ps(beta + i));
            _mm256_storeu_ps(y + i, v);
        }
        for (; i < width; i++) {
            float v = (x[i] - mean) * inverse;
            if (gamma) v *= gamma[i];
            if (beta) v += beta[i];
            y[i] = v;
        }
    }
}

#define ELEMENTWISE(name, f)                                                                            \
    __attribute__((target("avx2,fma"))) void name(const float *x, float *y, long count) {            \
        long i = 0;                                                                                     \
        for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));             \
        if (i < count) store_partial(y + i, f(load_partial(x + i, count - i, 0.0f)), count - i);       \
    }
ELEMENTWISE(vlb_exp, exp8)
ELEMENTWISE(vlb_erf, erf8)
ELEMENTWISE(vlb_tanh, tanh8)

#else

int vlb_kernels_available(void) { return 0; }
void vlb_activation_apply(int kind, float *x, long count) { (void)kind; (void)x; (void)count; }
void vlb_softmax_rows(float *x, long rows, long width, long stride) { (void)x; (void)rows; (void)width; (void)stride; }
void vlb_layer_norm_rows(const float *x, long rows, long width, const float *gamma, const float *beta, float epsilon, float *y) {
    (void)x; (void)rows; (void)width; (void)gamma; (void)beta; (void)epsilon; (void)y;
}
void vlb_exp(const float *x, float *y, long count) { (void)x; (void)y; (void)count; }
void vlb_erf(const float *x, float *y, long count) { (void)x; (void)y; (void)count; }
void vlb_tanh(const float *x, float *y, long count) { (void)x; (void)y; (void)count; }

#endif
