public import VLCore

/// How a family resizes its learned position embeddings for a patch grid other than the native one.
public enum PositionInterpolation: String, Sendable, Codable {
    /// `interpolate(size=(h, w), mode="bicubic", align_corners=False)`: CLIP, SigLIP, DINOv2.
    case bicubic
    /// The same with `antialias=True`: DINOv2 with registers.
    case bicubicAntialiased
}

/// Learned absolute position embeddings on a square grid of `g x g` patches, with an optional leading
/// class-token row, resized to other grids as transformers 5.23 does.
///
/// The class row is kept apart; the patch rows are reshaped to `[g, g, D]`, resized with bicubic
/// interpolation to `[h, w, D]` (``PositionInterpolation``), and flattened back. As in transformers, the
/// table is used unchanged when the grid has `g * g` patches and the image is square.
public struct PositionEmbedding: Sendable {
    /// `[classRows + g * g, D]`.
    public let table: Tensor
    /// 1 when the first row belongs to the class token, else 0.
    public let classRows: Int
    public let interpolation: PositionInterpolation
    public let path: String

    public var width: Int { table.shape[1] }
    /// The native grid side `g`.
    public let nativeGrid: Int

    public init(table: Tensor, classRows: Int, interpolation: PositionInterpolation, path: String) throws(ShapeError) {
        let patches = table.shape.count == 2 ? table.shape[0] - classRows : -1
        let side = Int(Double(max(patches, 0)).squareRoot().rounded())
        guard table.rank == 2, patches > 0, side * side == patches else {
            throw ShapeError(path: path, tensor: "position embeddings", expected: "[\(classRows) + g*g, D]", actual: table.shape)
        }
        self.table = table
        self.classRows = classRows
        self.interpolation = interpolation
        self.path = path
        self.nativeGrid = side
    }

    /// The embeddings for a `gridHeight x gridWidth` patch grid: `[classRows + h * w, D]`.
    public func embeddings(gridHeight: Int, gridWidth: Int) -> Tensor {
        if gridHeight * gridWidth == nativeGrid * nativeGrid && gridHeight == gridWidth { return table }
        let d = width
        let filter: Resampling.Filter = interpolation == .bicubic ? .bicubic : .bicubicAntialiased
        return Tensor(shape: [classRows + gridHeight * gridWidth, d]) { out in
            table.withUnsafeBufferPointer { source in
                out.baseAddress!.update(from: source.baseAddress!, count: classRows * d)
                Resampling.bicubic(source.baseAddress! + classRows * d, height: nativeGrid, width: nativeGrid, channels: d,
                                   outHeight: gridHeight, outWidth: gridWidth, filter: filter,
                                   output: out.baseAddress! + classRows * d)
            }
        }
    }
}
