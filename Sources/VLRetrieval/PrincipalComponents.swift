public import VLCore

/// The first principal components of a set of embeddings: the eigenvectors of largest eigenvalue of the `D x D`
/// covariance (`XᵀX / N - μμᵀ`, one GEMM over all rows, then LAPACKE's symmetric eigensolver), for the report's
/// 2-D maps.
public struct PrincipalComponents: Sendable {
    /// `[D]`.
    public let mean: Tensor
    /// `[K, D]`, the component of largest variance first.
    public let components: Tensor
    /// `[K]`, descending.
    public let variances: Tensor

    /// Fits `count` components to `embeddings [N, D]`.
    /// - Throws: ``ShapeError`` for an input that is not `[N, D]` with `N > 0` and `count <= D`.
    public init(fitting embeddings: Tensor, count: Int = 2) throws {
        guard embeddings.rank == 2, embeddings.shape[0] > 0, count > 0, count <= embeddings.shape[1] else {
            throw ShapeError(path: "pca", tensor: "embeddings", expected: "[N, D] with N > 0, D >= \(count)", actual: embeddings.shape)
        }
        let (n, d) = (embeddings.shape[0], embeddings.shape[1])
        let mean = try embeddings.mean(axis: 0)
        var covariance = Tensor(shape: [d, d])
        covariance.withUnsafeMutableBufferPointer { out in
            embeddings.withUnsafeBufferPointer { x in
                GEMM.multiply(transposeA: true, m: d, n: d, k: n, alpha: 1 / Float(n), a: x.baseAddress!, lda: d, b: x.baseAddress!, ldb: d,
                              c: out.baseAddress!, ldc: d)
            }
        }
        covariance = try covariance - (try mean.unsqueezed(axis: 1).matmul(mean.unsqueezed(axis: 0)))
        let (values, vectors) = try covariance.symmetricEigendecomposition()
        // ssyevd sorts ascending: the last rows are the largest.
        let order = (0..<count).map { d - 1 - $0 }
        self.mean = mean
        components = try Tensor(stacking: try order.map { try vectors.selected(axis: 0, index: $0) }, axis: 0)
        variances = try Tensor(shape: [count], scalars: order.map { max(values.scalars[$0], 0) })
    }

    /// `(x - mean) · componentsᵀ`: `[N, D]` → `[N, K]`.
    public func project(_ embeddings: Tensor) throws -> Tensor {
        try (try embeddings - mean).matmul(components, transposeOther: true)
    }
}
