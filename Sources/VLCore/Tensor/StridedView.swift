/// A strided view of a tensor's storage: the element at index `(i0, ..., ik)` of `shape` sits at
/// `offset + i0 * strides[0] + ... + ik * strides[k]`. Permutations, slices and broadcasts are views; copying
/// a view gives a contiguous tensor.
struct StridedView {
    var shape: [Int]
    var strides: [Int]
    var offset: Int

    /// The row-major view of a contiguous tensor of `shape`.
    init(contiguous shape: [Int]) {
        self.shape = shape
        self.strides = Self.contiguousStrides(shape)
        self.offset = 0
    }

    init(shape: [Int], strides: [Int], offset: Int) {
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The same view with unit axes dropped and neighbouring axes merged where the strides allow: the fewest
    /// loops that visit the elements in row-major order.
    func coalesced() -> StridedView {
        var dims: [(extent: Int, stride: Int)] = []
        for (extent, stride) in zip(shape, strides) where extent != 1 {
            if let last = dims.last, last.stride == stride * extent {
                dims[dims.count - 1] = (last.extent * extent, stride)
            } else {
                dims.append((extent, stride))
            }
        }
        if dims.isEmpty { dims = [(1, 1)] }
        return StridedView(shape: dims.map(\.extent), strides: dims.map(\.stride), offset: offset)
    }

    /// Copies the view of `source` into the contiguous `destination` (row-major over `shape`).
    func copy(from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>) {
        let view = coalesced()
        let count = view.shape.reduce(1, *)
        guard count > 0 else { return }
        let rank = view.shape.count
        let inner = view.shape[rank - 1], innerStride = view.strides[rank - 1]
        let rows = count / inner
        // A plain transpose of two axes: copy in tiles so both sides stay in cache.
        if rank == 2, innerStride != 1, view.strides[0] == 1 {
            Self.transpose(source + view.offset, rows: rows, columns: inner, sourceColumnStride: innerStride, destination: destination)
            return
        }
        let outerShape = Array(view.shape.dropLast()), outerStrides = Array(view.strides.dropLast())
        let minimumRows = Swift.max(1, 32_768 / Swift.max(inner, 1))
        parallelChunks(count: rows, minimumChunk: minimumRows) { range in
            var index = [Int](repeating: 0, count: outerShape.count)
            var remainder = range.lowerBound
            for axis in outerShape.indices.reversed() {
                index[axis] = remainder % outerShape[axis]
                remainder /= outerShape[axis]
            }
            for row in range {
                var sourceOffset = view.offset
                for axis in outerShape.indices { sourceOffset += index[axis] * outerStrides[axis] }
                let from = source + sourceOffset, to = destination + row * inner
                switch innerStride {
                case 1: to.update(from: from, count: inner)
                case 0: to.update(repeating: from.pointee, count: inner)
                default: for j in 0..<inner { to[j] = from[j * innerStride] }
                }
                var axis = outerShape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < outerShape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }

    /// `destination[r, c] = source[c * stride + r]` for an `rows x columns` result, in 32 x 32 tiles.
    static func transpose(
        _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceColumnStride: Int,
        destination: UnsafeMutablePointer<Float>
    ) {
        let tile = 32
        let rowTiles = (rows + tile - 1) / tile
        parallelChunks(count: rowTiles, minimumChunk: Swift.max(1, 4096 / Swift.max(columns, 1))) { range in
            for rowTile in range {
                let r0 = rowTile * tile, r1 = Swift.min(rows, r0 + tile)
                var c0 = 0
                while c0 < columns {
                    let c1 = Swift.min(columns, c0 + tile)
                    for c in c0..<c1 {
                        let from = source + c * sourceColumnStride
                        for r in r0..<r1 { destination[r * columns + c] = from[r] }
                    }
                    c0 = c1
                }
            }
        }
    }
}

extension Tensor {
    /// A contiguous tensor holding the elements of `view` over this tensor's storage.
    func materialized(_ view: StridedView) -> Tensor {
        Tensor(shape: view.shape) { out in
            withUnsafeBufferPointer { source in
                view.copy(from: source.baseAddress!, to: out.baseAddress!)
            }
        }
    }
}
