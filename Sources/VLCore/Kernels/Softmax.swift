/// Softmax over the last dimension.
package enum Softmax {
    /// Replaces each row of `data[rows, width]` (row stride `stride`) by its softmax, as
    /// `torch.softmax(x, dim=-1)`: `exp(x - max) / sum(exp(x - max))`. Rows whose entries are all
    /// `-inf` (fully masked) become NaN, as in PyTorch.
    package static func inPlace(_ data: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int? = nil) {
        let rowStride = stride ?? width
        parallelChunks(count: rows, minimumChunk: Swift.max(1, 8192 / Swift.max(width, 1))) { range in
            if VectorKernels.softmax(data + range.lowerBound * rowStride, rows: range.count, width: width, stride: rowStride) {
                return
            }
            for row in range { softmaxRowPortably(data + row * rowStride, width: width) }
        }
    }

    /// The serial form, for callers that already run one task per thread.
    package static func softmaxRow(_ x: UnsafeMutablePointer<Float>, width: Int) {
        if VectorKernels.softmax(x, rows: 1, width: width, stride: width) { return }
        softmaxRowPortably(x, width: width)
    }

    /// The portable Swift SIMD implementation (what runs without AVX2 and FMA).
    package static func softmaxRowPortably(_ x: UnsafeMutablePointer<Float>, width: Int) {
        let vectorEnd = width & ~7
        var max8 = Float8(repeating: -.infinity)
        var i = 0
        while i < vectorEnd {
            let v = Float8.load(x + i)
            max8.replace(with: v, where: v .> max8)
            i += 8
        }
        var maximum = max8.max()
        while i < width { maximum = Swift.max(maximum, x[i]); i += 1 }

        let shift = Float8(repeating: maximum)
        var sum8 = Float8()
        i = 0
        while i < vectorEnd {
            let e = VectorMath.exp(Float8.load(x + i) - shift)
            e.store(x + i)
            sum8 += e
            i += 8
        }
        var sum = sum8.sum()
        if i < width {
            let rest = width - i
            let e = VectorMath.exp(Float8.loadPartial(x + i, count: rest, fill: -.infinity) - shift)
            e.storePartial(x + i, count: rest)
            sum += e.sum()
        }
        let inverse = Float8(repeating: 1 / sum)
        i = 0
        while i < vectorEnd { (Float8.load(x + i) * inverse).store(x + i); i += 8 }
        while i < width { x[i] *= inverse[0]; i += 1 }
    }
}
