/// A lookup table of learned vectors, `torch.nn.Embedding(count, width)`: token ids → rows of `weight`.
///
/// Checkpoint key: `weight` `[count, width]`.
public struct Embedding: Module {
    public let weight: Tensor
    public let parameters: ParameterRecord

    public var count: Int { weight.shape[0] }
    public var width: Int { weight.shape[1] }

    public init(_ scope: ParameterScope, count: Int, width: Int) throws {
        weight = try scope.load("weight", shape: [count, width], initializer: .random(std: 0.02))
        parameters = scope.recorded()
    }

    /// `ids [B][N]` (every row of one length) → `[B, N, width]`.
    /// - Throws: ``ShapeError`` for rows of different lengths or an id outside `0 ..< count`.
    public func callAsFunction(_ ids: [[Int]]) throws(ShapeError) -> Tensor {
        let n = ids.first?.count ?? 0
        guard ids.allSatisfy({ $0.count == n }) else {
            throw ShapeError(path: path, tensor: "input_ids", expected: "rows of one length \(n)", actual: ids.map(\.count))
        }
        for row in ids {
            if let bad = row.first(where: { $0 < 0 || $0 >= count }) {
                throw ShapeError(path: path, tensor: "input_ids", expected: "ids in 0 ..< \(count), got \(bad)", actual: [ids.count, n])
            }
        }
        let d = width
        return Tensor(shape: [ids.count, n, d]) { out in
            weight.withUnsafeBufferPointer { table in
                for (b, row) in ids.enumerated() {
                    for (i, id) in row.enumerated() {
                        (out.baseAddress! + (b * n + i) * d).update(from: table.baseAddress! + id * d, count: d)
                    }
                }
            }
        }
    }
}
