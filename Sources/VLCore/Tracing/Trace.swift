import Foundation

/// Every recorded module's output, under its PyTorch dotted path, and the order in which the modules finished.
///
/// The file layout, shared with the Python tracer (`Tools/trace/torch_trace.py`): a safetensors file with one fp32
/// tensor per module, named by its path, and the metadata `order`, a JSON array of the paths in the order their
/// forward passes finished. A module that ran more than once keeps its last output, at the position of its last
/// call.
public struct Trace: Sendable {
    public private(set) var tensors: [String: Tensor]
    /// Paths in the order their modules finished.
    public private(set) var order: [String]

    public init() {
        tensors = [:]
        order = []
    }

    /// A trace from tensors and their order; names missing from `order` follow, sorted.
    public init(tensors: [String: Tensor], order: [String]) {
        self.tensors = tensors
        let known = order.filter { tensors[$0] != nil }
        self.order = known + tensors.keys.filter { !known.contains($0) }.sorted()
    }

    public subscript(path: String) -> Tensor? { tensors[path] }

    public var isEmpty: Bool { tensors.isEmpty }

    /// Records `tensor` at `path`, replacing an earlier output of the same module (which then moves to the end).
    public mutating func record(_ tensor: Tensor, at path: String) {
        if tensors.updateValue(tensor, forKey: path) != nil { order.removeAll { $0 == path } }
        order.append(path)
    }

    /// Reads a trace file (ours or the Python tracer's); tensors of any stored dtype are converted to fp32.
    /// - Throws: ``SafeTensorsError`` for a malformed file.
    public init(contentsOf path: String) throws {
        let file = try SafeTensorsFile(path: path)
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames { tensors[name] = try file.tensor(named: name) }
        var order: [String] = []
        if let text = file.metadata["order"], let data = text.data(using: .utf8),
           let names = try? JSONDecoder().decode([String].self, from: data) {
            order = names
        }
        self.init(tensors: tensors, order: order)
    }

    /// Writes the trace as safetensors with the `order` metadata, atomically.
    public func write(to path: String) throws {
        let data = try JSONEncoder().encode(order)
        try SafeTensorsWriter.write(tensors, metadata: ["order": String(decoding: data, as: UTF8.self)], to: path)
    }
}
