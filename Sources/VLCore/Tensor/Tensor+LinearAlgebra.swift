internal import CVLBlocksBLAS

extension Tensor {
    /// The eigenvalues (ascending) and eigenvectors of a symmetric `[D, D]` matrix, through LAPACKE's `ssyevd`:
    /// `values [D]`, `vectors [D, D]` with eigenvector `k` in row `k` (`vectors[k] · A = values[k] · vectors[k]`).
    /// - Throws: ``ShapeError`` when the tensor is not square; ``ConfigurationError`` when LAPACK does not converge.
    public func symmetricEigendecomposition() throws -> (values: Tensor, vectors: Tensor) {
        guard rank == 2, shape[0] == shape[1], shape[0] > 0 else {
            throw ShapeError(path: "eigh", tensor: "matrix", expected: "[D, D]", actual: shape)
        }
        let d = shape[0]
        // Row-major input with jobz 'V': the eigenvectors come back as the columns of the row-major result.
        var columns = self
        var values = Tensor(shape: [d])
        let status = columns.withUnsafeMutableBufferPointer { a in
            values.withUnsafeMutableBufferPointer { w in
                LAPACKE_ssyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")), Int32(d), a.baseAddress!,
                               Int32(d), w.baseAddress!)
            }
        }
        guard status == 0 else {
            throw ConfigurationError(field: "eigh", reason: "LAPACKE_ssyevd did not converge (info \(status))")
        }
        return (values, try columns.transposed())
    }
}
