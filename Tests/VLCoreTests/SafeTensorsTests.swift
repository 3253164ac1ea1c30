import Foundation
import Testing
import VLCore
import VLTestSupport
import VLTesting

@Suite struct SafeTensorsTests {
    @Test("Reads every dtype of a file written by the safetensors library")
    func readsLibraryFile() throws {
        let file = try SafeTensorsFile(path: Fixtures.path("safetensors/valid/mixed.safetensors"))
        #expect(file.metadata == ["format": "pt", "note": "written by safetensors"])
        #expect(Set(file.tensorNames) == ["f32", "f16", "bf16", "i64", "u8", "flags", "scalar", "empty"])
        #expect(file.entry(named: "f16")?.dtype == .float16)
        #expect(try file["f16"].scalars == [1.0, -2.5, 65504.0, Float(Float16(6.1e-5))])
        #expect(try file["bf16"].scalars == [1.0, -2.0, 3.140625, 0.0, -0.0078125, 256.0])
        #expect(try file["i64"].scalars == [-2, -1, 0, 1, 2])
        #expect(try file["u8"].scalars == [0, 255, 7, 8])
        #expect(try file["flags"].scalars == [1, 0, 1])
        let scalar = try file["scalar"]
        #expect(scalar.shape == [] && scalar.scalars == [3.5])
        let empty = try file["empty"]
        #expect(empty.shape == [0, 4] && empty.count == 0)
        #expect(try SafeTensorsFile(path: Fixtures.path("safetensors/valid/no_tensors.safetensors")).entries.isEmpty)
    }

    @Test("Round-trips F32, F16 and BF16 with metadata")
    func roundTrip() throws {
        var rng = TestRandom(seed: 1)
        let tensors = ["a.weight": rng.tensor([3, 5]), "b": rng.tensor([7]), "scalar": try Tensor(shape: [], scalars: [2])]
        for storage in [SafeTensorsWriter.StorageType.float32, .float16, .bfloat16] {
            let bytes = SafeTensorsWriter.serialize(tensors, metadata: ["k": "v \"quoted\""], as: storage)
            let file = try SafeTensorsFile(bytes: bytes)
            #expect(file.metadata == ["k": "v \"quoted\""])
            let tolerance: Float = storage == .float32 ? 0 : storage == .float16 ? 1e-3 : 8e-3
            for (name, tensor) in tensors {
                expectClose(try file[name], tensor, rtol: tolerance, atol: tolerance, name)
            }
        }
    }

    /// Exact: ids and masks are integers.
    @Test("Stores chosen tensors as I64 (ids, masks), rounding to the nearest integer")
    func int64() throws {
        let ids = try Tensor(shape: [2, 3], scalars: [0, 1, 2, -3, 16_777_216, 2.6])
        let weights = try Tensor(shape: [2], scalars: [0.5, -1.25])
        let bytes = SafeTensorsWriter.serialize(["position_ids": ids, "w": weights], overrides: ["position_ids": .int64])
        let file = try SafeTensorsFile(bytes: bytes)
        #expect(file.entry(named: "position_ids")?.dtype == .int64)
        #expect(file.entry(named: "w")?.dtype == .float32)
        #expect(try file["position_ids"].scalars == [0, 1, 2, -3, 16_777_216, 3])
        #expect(try file["w"].scalars == [0.5, -1.25])
        let raw = file.withUnsafeBytes(of: "position_ids") { Array($0.bindMemory(to: Int64.self)) }
        #expect(raw == [0, 1, 2, -3, 16_777_216, 3])
    }

    @Test("fp16 conversion is exact for every bit pattern")
    func halfConversion() {
        for bits in UInt16.min...UInt16.max {
            let value = Float(Float16(bitPattern: bits))
            let converted = SafeTensorsTestAccess.halfToFloat(bits)
            #expect(value.bitPattern == converted.bitPattern || (value.isNaN && converted.isNaN))
            if !value.isNaN {
                #expect(SafeTensorsTestAccess.floatToHalf(value) == bits)
            }
        }
    }

    static let malformed: [(String, String)] = [
        ("too_small", "too small"), ("header_beyond_file", "header length"), ("header_terabytes", "header length"),
        ("header_not_json", "invalid header"), ("header_not_object", "JSON object"), ("entry_not_object", "not an object"),
        ("missing_dtype", "dtype"), ("unknown_dtype", "unknown dtype 'F31'"), ("negative_dimension", "non-negative"),
        ("fractional_dimension", "non-negative integers"), ("offsets_reversed", "increasing"),
        ("offsets_beyond_buffer", "declares 32 data bytes"), ("byte_length_mismatch", "expected 12"),
        ("shape_overflow", "64 bits"), ("overlap", "overlap"), ("hole", "hole"), ("trailing_bytes", "declares 8 data bytes"),
        ("metadata_not_strings", "not a string"), ("truncated_data", "declares 16 data bytes but the file holds 10"),
    ]

    @Test("Rejects each malformed file with a typed error that says what is wrong", arguments: malformed)
    func rejectsMalformed(name: String, message: String) {
        let path = Fixtures.path("safetensors/malformed/\(name).safetensors")
        do {
            _ = try SafeTensorsFile(path: path)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(name): \(error.description)")
            #expect(error.description.contains(name), "the message names the file")
        }
    }

    @Test("Missing files and directories are typed errors")
    func unreadable() {
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: "/nonexistent/x.safetensors") }
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: Fixtures.directory) }
    }

    @Test("Opens a sharded checkpoint through its index")
    func sharded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vlblocks-shards-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var rng = TestRandom(seed: 2)
        let a = rng.tensor([2, 3]), b = rng.tensor([4])
        try SafeTensorsWriter.write(["a": a], to: directory + "/model-00001-of-00002.safetensors")
        try SafeTensorsWriter.write(["b": b], to: directory + "/model-00002-of-00002.safetensors")
        let index = #"{"metadata": {"total_size": 40}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}"#
        try index.write(toFile: directory + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        let source = try CheckpointWeights.open(directory: directory)
        #expect(source.tensorNames == ["a", "b"])
        #expect(try source.tensor(named: "b").scalars == b.scalars)
        #expect(source.shape(of: "a") == [2, 3])

        let bad = #"{"weight_map": {"c": "model-00001-of-00002.safetensors"}}"#
        try bad.write(toFile: directory + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        #expect(throws: SafeTensorsError.self) { try CheckpointWeights.open(directory: directory) }
        let escape = #"{"weight_map": {"a": "../a.safetensors"}}"#
        try escape.write(toFile: directory + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        #expect(throws: SafeTensorsError.self) { try CheckpointWeights.open(directory: directory) }
    }

    @Test("JSON parser: nesting limit, duplicates, escapes")
    func jsonParser() throws {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(String(repeating: "[", count: 10_000).utf8)) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(#"{"a": 1, "a": 2}"#.utf8)) }
        #expect(try JSONValue.parse(Array(#"{"a\u00e9\ud83d\ude00": [9007199254740993, -0.5e1]}"#.utf8))
            == .object([("aé😀", .array([.integer(9_007_199_254_740_993), .number(-5)]))]))
    }
}
