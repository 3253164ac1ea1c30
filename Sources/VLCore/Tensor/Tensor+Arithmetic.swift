/// Elementwise arithmetic with PyTorch's broadcasting: shapes are aligned from the last axis, and an axis
/// of extent 1 (or a missing leading axis) repeats to match the other operand. `try a + b` for tensors;
/// scalars never fail (`x * 0.5`, `x + 1`).
extension Tensor {
    /// The broadcast shape of `a` and `b`, or nil when they do not broadcast.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            result[i] = x == 1 ? y : x
        }
        return result
    }

    /// `a op b` elementwise under broadcasting.
    static func combine(_ a: Tensor, _ b: Tensor, _ operation: ElementwiseOperation) throws(ShapeError) -> Tensor {
        guard let shape = broadcastShape(a.shape, b.shape) else {
            throw ShapeError(path: operation.name, tensor: "other", expected: "a shape that broadcasts with \(a.shape.shapeDescription)",
                             actual: b.shape)
        }
        let count = shape.reduce(1, *)
        // The common cases without a copy: equal shapes, or one operand repeating along leading axes only.
        if a.shape == shape, repeatsAlongLeadingAxes(b.shape, to: shape) {
            return Tensor(shape: shape) { out in
                a.withUnsafeBufferPointer { x in
                    b.withUnsafeBufferPointer { y in
                        operation.apply(x.baseAddress!, count: count, repeating: y.baseAddress!, period: b.count, output: out.baseAddress!)
                    }
                }
            }
        }
        if b.shape == shape, repeatsAlongLeadingAxes(a.shape, to: shape) {
            return Tensor(shape: shape) { out in
                a.withUnsafeBufferPointer { x in
                    b.withUnsafeBufferPointer { y in
                        operation.swapped.apply(y.baseAddress!, count: count, repeating: x.baseAddress!, period: a.count, output: out.baseAddress!)
                    }
                }
            }
        }
        return try combine(try a.expanded(to: shape), try b.expanded(to: shape), operation)
    }

    /// Whether a contiguous tensor of `small` broadcast to `full` is `small`'s elements repeated whole: `small`
    /// without its leading unit axes is a suffix of `full`.
    static func repeatsAlongLeadingAxes(_ small: [Int], to full: [Int]) -> Bool {
        let trimmed = small.drop { $0 == 1 }
        return small.reduce(1, *) > 0 && full.suffix(trimmed.count).elementsEqual(trimmed)
    }

    public static func + (a: Tensor, b: Tensor) throws(ShapeError) -> Tensor { try combine(a, b, .add) }
    public static func - (a: Tensor, b: Tensor) throws(ShapeError) -> Tensor { try combine(a, b, .subtract) }
    public static func * (a: Tensor, b: Tensor) throws(ShapeError) -> Tensor { try combine(a, b, .multiply) }
    public static func / (a: Tensor, b: Tensor) throws(ShapeError) -> Tensor { try combine(a, b, .divide) }

    /// `torch.maximum(a, b)` under broadcasting.
    public func maximum(_ other: Tensor) throws(ShapeError) -> Tensor { try Self.combine(self, other, .maximum) }
    /// `torch.minimum(a, b)` under broadcasting.
    public func minimum(_ other: Tensor) throws(ShapeError) -> Tensor { try Self.combine(self, other, .minimum) }

    /// The scalar as a one-element tensor, for the scalar operators.
    static func scalar(_ value: Float) -> Tensor { Tensor(shape: [], repeating: value) }

    public static func + (a: Tensor, b: Float) -> Tensor { try! combine(a, scalar(b), .add) }
    public static func - (a: Tensor, b: Float) -> Tensor { try! combine(a, scalar(b), .subtract) }
    public static func * (a: Tensor, b: Float) -> Tensor { try! combine(a, scalar(b), .multiply) }
    public static func / (a: Tensor, b: Float) -> Tensor { try! combine(a, scalar(b), .divide) }
    public static func + (a: Float, b: Tensor) -> Tensor { try! combine(scalar(a), b, .add) }
    public static func - (a: Float, b: Tensor) -> Tensor { try! combine(scalar(a), b, .subtract) }
    public static func * (a: Float, b: Tensor) -> Tensor { try! combine(scalar(a), b, .multiply) }
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    /// `x.exp()`, with VLBlocks' vectorised exponential.
    public func exp() -> Tensor { mapped(.exp) }
    /// `x.sqrt()`.
    public func squareRoot() -> Tensor { mapped(.squareRoot) }
    /// `x.rsqrt()`: `1 / sqrt(x)`.
    public func reciprocalSquareRoot() -> Tensor { mapped(.reciprocalSquareRoot) }
    /// `x.abs()`.
    public func magnitude() -> Tensor { mapped(.magnitude) }
    /// `x.square()`.
    public func squared() -> Tensor { (try? self * self)! }

    func mapped(_ function: UnaryFunction) -> Tensor {
        Tensor(shape: shape) { out in
            withUnsafeBufferPointer { x in function.apply(x.baseAddress!, count: count, output: out.baseAddress!) }
        }
    }
}

/// A binary elementwise operation, vectorised eight lanes at a time.
enum ElementwiseOperation: Sendable {
    case add, subtract, multiply, divide, maximum, minimum
    case reverseSubtract, reverseDivide

    var name: String {
        switch self {
        case .add: "add"
        case .subtract, .reverseSubtract: "sub"
        case .multiply: "mul"
        case .divide, .reverseDivide: "div"
        case .maximum: "maximum"
        case .minimum: "minimum"
        }
    }

    /// The operation with its operands exchanged: `swapped(b, a) == self(a, b)`.
    var swapped: ElementwiseOperation {
        switch self {
        case .subtract: .reverseSubtract
        case .reverseSubtract: .subtract
        case .divide: .reverseDivide
        case .reverseDivide: .divide
        default: self
        }
    }

    @inline(__always)
    func callAsFunction(_ x: Float8, _ y: Float8) -> Float8 {
        switch self {
        case .add: x + y
        case .subtract: x - y
        case .multiply: x * y
        case .divide: x / y
        case .reverseSubtract: y - x
        case .reverseDivide: y / x
        case .maximum: x.replacing(with: y, where: (y .> x) .| (y .!= y))
        case .minimum: x.replacing(with: y, where: (y .< x) .| (y .!= y))
        }
    }

    /// `output[i] = x[i] op y[i % period]` for `i < count` (`period` divides `count`).
    func apply(_ x: UnsafePointer<Float>, count: Int, repeating y: UnsafePointer<Float>, period: Int, output: UnsafeMutablePointer<Float>) {
        if period == 1 {
            applyScalar(x, count: count, scalar: y.pointee, output: output)
            return
        }
        let rows = count / period
        parallelChunks(count: rows, minimumChunk: Swift.max(1, 32_768 / period)) { range in
            for row in range {
                let a = x + row * period, out = output + row * period
                var j = 0
                while j + 8 <= period {
                    self(Float8.load(a + j), Float8.load(y + j)).store(out + j)
                    j += 8
                }
                if j < period {
                    let rest = period - j
                    self(Float8.loadPartial(a + j, count: rest, fill: 1), Float8.loadPartial(y + j, count: rest, fill: 1))
                        .storePartial(out + j, count: rest)
                }
            }
        }
    }

    /// `output[i] = x[i] op scalar`.
    func applyScalar(_ x: UnsafePointer<Float>, count: Int, scalar: Float, output: UnsafeMutablePointer<Float>) {
        let value = Float8(repeating: scalar)
        parallelChunks(count: count, minimumChunk: 65_536) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound { self(Float8.load(x + i), value).store(output + i); i += 8 }
            if i < range.upperBound {
                let rest = range.upperBound - i
                self(Float8.loadPartial(x + i, count: rest, fill: 1), value).storePartial(output + i, count: rest)
            }
        }
    }
}

/// A unary elementwise function, vectorised eight lanes at a time.
enum UnaryFunction: Sendable {
    case exp, squareRoot, reciprocalSquareRoot, magnitude

    @inline(__always)
    func callAsFunction(_ x: Float8) -> Float8 {
        switch self {
        case .exp: VectorMath.exp(x)
        case .squareRoot: x.squareRoot()
        case .reciprocalSquareRoot: 1 / x.squareRoot()
        case .magnitude: x.replacing(with: -x, where: x .< 0)
        }
    }

    func apply(_ x: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>) {
        parallelChunks(count: count, minimumChunk: 65_536) { range in
            if self == .exp {
                VectorKernels.evaluate(.exp, x + range.lowerBound, output: output + range.lowerBound, count: range.count)
                return
            }
            var i = range.lowerBound
            while i + 8 <= range.upperBound { self(Float8.load(x + i)).store(output + i); i += 8 }
            if i < range.upperBound {
                let rest = range.upperBound - i
                self(Float8.loadPartial(x + i, count: rest, fill: 1)).storePartial(output + i, count: rest)
            }
        }
    }
}
