import Testing
import VLCore
import VLTestSupport
import VLTesting

/// Tensor operations against PyTorch 2.15 (fixtures from `Tools/reference/make_ops_fixtures.py`, case names shared).
///
/// Tolerances (fp32): shape operations are exact (bit for bit); elementwise arithmetic 1e-7 relative (one
/// rounding); reductions, softmax and norms 1e-6 absolute + 1e-5 relative; products, pooling and convolution
/// 1e-5 + 1e-5.
@Suite struct TensorOperationTests {
    static let fixture = try! Fixtures.open("core/ops")

    static func inputs(_ name: String) throws -> [Tensor] {
        var tensors: [Tensor] = []
        while fixture.entry(named: "\(name).in\(tensors.count)") != nil { tensors.append(try fixture["\(name).in\(tensors.count)"]) }
        return tensors
    }

    static let exact: [String: @Sendable ([Tensor]) throws -> Tensor] = [
        "permute_0213": { try $0[0].permuted([0, 2, 1, 3]) },
        "permute_3102": { try $0[0].permuted([3, 1, 0, 2]) },
        "transpose_last": { try $0[0].transposed() },
        "narrow_axis2": { try $0[0].narrowed(axis: 2, start: 1, length: 2) },
        "select_axis1": { try $0[0].selected(axis: 1, index: 2) },
        "cat_axis1": { try Tensor(concatenating: $0, axis: 1) },
        "stack_axis1": { try Tensor(stacking: $0, axis: 1) },
        "stack_last": { try Tensor(stacking: $0, axis: -1) },
        "expand": { try $0[0].expanded(to: [2, 3, 4, 5]) },
    ]

    @Test("Shape operations equal PyTorch's bit for bit", arguments: exact.keys.sorted())
    func shapes(name: String) throws {
        let result = try Self.exact[name]!(try Self.inputs(name))
        let expected = try Self.fixture["\(name).out"]
        #expect(result.shape == expected.shape, "\(name)")
        #expect(result.scalars == expected.scalars, "\(name)")
    }

    static let close: [String: (tolerance: Float, run: @Sendable ([Tensor]) throws -> Tensor)] = [
        "add_row": (1e-7, { try $0[0] + $0[1] }),
        "sub_column": (1e-7, { try $0[0] - $0[1] }),
        "mul_middle": (1e-7, { try $0[0] * $0[1] }),
        "div_pair": (1e-7, { try $0[0] / $0[1] }),
        "sub_left_broadcast": (1e-7, { try $0[0] - $0[1] }),
        "sum_axis1": (1e-5, { try $0[0].sum(axis: 1) }),
        "mean_last_keepdim": (1e-5, { try $0[0].mean(axis: -1, keepingAxis: true) }),
        "amax_axis0": (0, { try $0[0].max(axis: 0) }),
        "normalize_last": (1e-5, { try $0[0].normalized() }),
        "softmax_last": (1e-5, { try $0[0].softmax() }),
        "softmax_axis1": (1e-5, { try $0[0].softmax(axis: 1) }),
        "layer_norm": (1e-5, { try $0[0].layerNorm(weight: $0[1], bias: $0[2], epsilon: 1e-5) }),
        "rms_norm": (1e-5, { try $0[0].rmsNorm(weight: $0[1], epsilon: 1e-6) }),
        "matmul_shared": (1e-5, { try $0[0].matmul($0[1]) }),
        "matmul_broadcast": (1e-5, { try $0[0].matmul($0[1]) }),
        "matmul_transposed": (1e-5, { try $0[0].matmul($0[1], transposeOther: true) }),
        "matmul_vector": (1e-5, { try $0[0].matmul($0[1]) }),
        "linear": (1e-5, { try $0[0].linear(weight: $0[1], bias: $0[2]) }),
        "adaptive_avg_pool2d": (1e-5, { try $0[0].adaptiveAveragePool2d(height: 3, width: 2) }),
        "adaptive_avg_pool_tokens_8x6": (1e-5, { try $0[0].adaptiveAveragePooledTokens(grid: PatchGrid(height: 8, width: 6), height: 3, width: 3) }),
        "conv2d_groups": (1e-5, { try $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 2, padding: 1, groups: 2) }),
    ]

    @Test("Arithmetic, reductions, norms, products, pooling and convolution match PyTorch", arguments: close.keys.sorted())
    func numerics(name: String) throws {
        let (tolerance, run) = Self.close[name]!
        let result = try run(try Self.inputs(name))
        expectClose(result, try Self.fixture["\(name).out"], rtol: tolerance, atol: tolerance == 1e-7 ? 0 : 1e-6, name)
    }

    @Test("Shapes that do not fit are ShapeErrors naming the operation")
    func shapeErrors() throws {
        let x = Tensor(shape: [2, 3, 4])
        #expect(throws: ShapeError.self) { try x + Tensor(shape: [3, 3]) }
        #expect(throws: ShapeError.self) { try x.matmul(Tensor(shape: [5, 2])) }
        #expect(throws: ShapeError.self) { try x.permuted([0, 0, 1]) }
        #expect(throws: ShapeError.self) { try x.narrowed(axis: 1, start: 2, length: 2) }
        #expect(throws: ShapeError.self) { try x.reshaped([5, -1]) }
        #expect(throws: ShapeError.self) { try Tensor(concatenating: [x, Tensor(shape: [2, 4, 4])], axis: 2) }
        #expect(throws: ShapeError(path: "softmax", tensor: "axis 3", expected: "an axis of a rank-3 tensor", actual: [2, 3, 4])) {
            try x.softmax(axis: 3)
        }
        #expect(try x.reshaped([-1, 4]).shape == [6, 4])
        #expect(try x.flattened(from: 1).shape == [2, 12])
        #expect(try x.unsqueezed(axis: -1).shape == [2, 3, 4, 1])
        #expect(try x.chunked(2, axis: 2).map(\.shape) == [[2, 3, 2], [2, 3, 2]])
    }

    @Test("Scalars, exp and square roots")
    func scalarsAndUnary() throws {
        let x = try Tensor(shape: [5], scalars: [0, 1, 4, 9, 16])
        #expect((x * 2 + 1).scalars == [1, 3, 9, 19, 33])
        #expect((1 - x).scalars == [1, 0, -3, -8, -15])
        #expect(x.squareRoot().scalars == [0, 1, 2, 3, 4])
        #expect((-x).scalars == [0, -1, -4, -9, -16])
        expectClose(try Tensor(shape: [3], scalars: [0, 1, -1]).exp(), try Tensor(shape: [3], scalars: [1, 2.7182817, 0.36787945]),
                    rtol: 2e-7, atol: 0)
        #expect(try x.maximum(Tensor(shape: [1], scalars: [3])).scalars == [3, 3, 4, 9, 16])
    }

    /// Exact: gathering and scattering copy values. Checked against `torch.index_select` / `index_copy_` semantics
    /// written out by hand (every row of a `[4, 3]` matrix and every column of a `[2, 3, 2]` tensor).
    @Test("index_select and index_copy_ gather and scatter whole slices")
    func indexing() throws {
        let x = try Tensor(shape: [4, 3], scalars: (0..<12).map(Float.init))
        let rows = try x.indexSelected(axis: 0, indices: [3, 0, 3])
        #expect(rows.shape == [3, 3] && rows.scalars == [9, 10, 11, 0, 1, 2, 9, 10, 11])
        let y = try Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        let middle = try y.indexSelected(axis: 1, indices: [2, 1])
        #expect(middle.shape == [2, 2, 2] && middle.scalars == [4, 5, 2, 3, 10, 11, 8, 9])
        var target = Tensor(shape: [4, 3], repeating: -1)
        try target.indexCopy(axis: 0, indices: [2, 0], source: try x.indexSelected(axis: 0, indices: [0, 1]))
        #expect(target.scalars == [3, 4, 5, -1, -1, -1, 0, 1, 2, -1, -1, -1])
        // Scattering the rows of a permutation back restores the tensor.
        let order = [1, 3, 0, 2]
        #expect(try Tensor(shape: [4, 3]).indexCopied(axis: 0, indices: order, source: x.indexSelected(axis: 0, indices: order)).scalars
                == x.scalars)
        // A repeated index: the last slice written wins.
        #expect(try Tensor(shape: [2, 3]).indexCopied(axis: 0, indices: [1, 1], source: x.indexSelected(axis: 0, indices: [0, 2])).scalars
                == [0, 0, 0, 6, 7, 8])
        #expect(try x.indexSelected(axis: 0, indices: []).shape == [0, 3])
        #expect(throws: ShapeError.self) { try x.indexSelected(axis: 0, indices: [4]) }
        #expect(throws: ShapeError.self) { try x.indexSelected(axis: 2, indices: [0]) }
        #expect(throws: ShapeError.self) { try target.indexCopy(axis: 0, indices: [-1], source: Tensor(shape: [1, 3])) }
        #expect(throws: ShapeError.self) { try target.indexCopy(axis: 0, indices: [0], source: Tensor(shape: [1, 4])) }
    }
}
