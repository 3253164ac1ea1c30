// AVX2 + FMA vector functions shared by the element-wise kernels and the GEMM epilogue (internal header).
// The polynomials are the ones VectorMath uses (Cephes' expf coefficients; VLBlocks' own two-piece erf fit;
// Cephes' small-argument tanh), evaluated with FMA.

#ifndef VLBLOCKS_VECTOR_MATH_AVX2_H
#define VLBLOCKS_VECTOR_MATH_AVX2_H

#include "vlblocks_kernels.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma"))) static inline

AVX2 __m256 exp8(__m256 input) {
    __m256 x = _mm256_min_ps(_mm256_max_ps(input, _mm256_set1_ps(-87.33654f)), _mm256_set1_ps(88.37626f));
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    __m256 shifted = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504f), magic);
    __m256 n = _mm256_sub_ps(shifted, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    __m256i exponent = _mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_castps_si256(magic));
    __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(exponent, _mm256_set1_epi32(127)), 23));
    __m256 result = _mm256_mul_ps(y, scale);
    result = _mm256_blendv_ps(result, _mm256_setzero_ps(), _mm256_cmp_ps(input, _mm256_set1_ps(-87.33654f), _CMP_LT_OQ));
    return _mm256_blendv_ps(result, input, _mm256_cmp_ps(input, input, _CMP_UNORD_Q));
}

AVX2 __m256 erf8(__m256 input) {
    const __m256 sign_mask = _mm256_set1_ps(-0.0f);
    __m256 sign = _mm256_and_ps(input, sign_mask);
    __m256 a = _mm256_min_ps(_mm256_andnot_ps(sign_mask, input), _mm256_set1_ps(4.0f));
    __m256 u = _mm256_mul_ps(a, a);
    __m256 p = _mm256_set1_ps(7.847259257687256e-05f);
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(-8.008189033716917e-4f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(5.188099108636379e-3f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(-2.6853691786527634e-2f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(1.128358244895935e-1f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(-3.761262595653534e-1f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(1.1283791065216064f));
    __m256 small = _mm256_mul_ps(a, p);
    __m256 q = _mm256_set1_ps(1.4981338836150826e-06f);
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(-4.3787527829408646e-05f));
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(5.791864241473377e-4f));
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(-4.594380967319012e-3f));
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(2.443690039217472e-2f));
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(-9.241911768913269e-2f));
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(2.57569283246994e-1f));
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(-5.418151617050171e-1f));
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(8.737412691116333e-1f));
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(-1.0821399688720703f));
    q = _mm256_fmadd_ps(q, a, _mm256_set1_ps(9.922678470611572e-1f));
    __m256 large = _mm256_fnmadd_ps(exp8(_mm256_sub_ps(_mm256_setzero_ps(), u)), q, _mm256_set1_ps(1.0f));
    __m256 magnitude = _mm256_blendv_ps(small, large, _mm256_cmp_ps(a, _mm256_set1_ps(1.0f), _CMP_GT_OQ));
    __m256 result = _mm256_or_ps(magnitude, sign);
    return _mm256_blendv_ps(result, input, _mm256_cmp_ps(input, input, _CMP_UNORD_Q));
}

AVX2 __m256 tanh8(__m256 x) {
    const __m256 sign_mask = _mm256_set1_ps(-0.0f);
    __m256 magnitude = _mm256_andnot_ps(sign_mask, x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    __m256 e = exp8(_mm256_mul_ps(_mm256_min_ps(magnitude, _mm256_set1_ps(10.0f)), _mm256_set1_ps(2.0f)));
    __m256 large = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
    large = _mm256_or_ps(large, _mm256_and_ps(x, sign_mask));
    __m256 result = _mm256_blendv_ps(small, large, _mm256_cmp_ps(magnitude, _mm256_set1_ps(0.625f), _CMP_GE_OQ));
    return _mm256_blendv_ps(result, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

AVX2 __m256 sigmoid8(__m256 x) {
    __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

AVX2 __m256 activation8(int kind, __m256 x) {
    switch (kind) {
    case VLB_GELU: {
        __m256 e = erf8(_mm256_mul_ps(x, _mm256_set1_ps(0.7071067811865475f)));
        return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    }
    case VLB_GELU_TANH: {
        __m256 cube = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
        __m256 inner = _mm256_mul_ps(_mm256_set1_ps(0.7978845608028654f), _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), cube, x));
        return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), tanh8(inner)));
    }
    case VLB_QUICK_GELU: return _mm256_mul_ps(x, sigmoid8(_mm256_mul_ps(_mm256_set1_ps(1.702f), x)));
    case VLB_SILU: return _mm256_mul_ps(x, sigmoid8(x));
    case VLB_SIGMOID: return sigmoid8(x);
    case VLB_RELU: return _mm256_max_ps(x, _mm256_setzero_ps());
    default: return x;
    }
}

#endif
