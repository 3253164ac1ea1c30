import Testing
import VLCore

@Suite struct TensorTests {
    @Test func shapeAndScalars() throws {
        let t = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.count == 6 && t.rank == 2)
        #expect(t[1, 2] == 6)
        #expect(try t.reshaped([3, 2])[2, 1] == 6)
    }

    @Test func wrongScalarCountThrows() {
        #expect(throws: ShapeError.self) { try Tensor(shape: [2, 3], scalars: [1, 2]) }
        #expect(throws: ShapeError.self) { try Tensor(shape: [-1, 3], scalars: []) }
        #expect(throws: ShapeError.self) { try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).reshaped([4, 2]) }
    }

    @Test func copyOnWrite() throws {
        let a = try Tensor(shape: [4], scalars: [1, 2, 3, 4])
        var b = a
        b[0] = 10
        #expect(a[0] == 1)
        #expect(b[0] == 10)
    }

    @Test func storageIs64ByteAligned() {
        for n in [1, 3, 17, 197, 4096] {
            let t = Tensor(shape: [n])
            t.withUnsafeBufferPointer { #expect(Int(bitPattern: $0.baseAddress!) % 64 == 0) }
        }
    }

    @Test func overflowingShapeIsDetected() {
        #expect(Tensor.checkedCount([Int.max, 2]) == nil)
        #expect(Tensor.checkedCount([3, 0, 5]) == 0)
    }
}
