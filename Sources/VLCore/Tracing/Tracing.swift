import Foundation

/// Records modules' outputs during a forward pass, under their PyTorch module paths (the names `named_modules()`
/// gives for the same model in transformers or timm), as forward hooks would see them.
///
/// ```swift
/// let (output, trace) = try Tracing.record(modules: ModuleFilter(parsing: "encoder.layers.3*")) {
///     try tower(pixels)
/// }
/// try trace.write(to: "swift.safetensors")   // compare with `vlblocks diff` or `TraceComparison`
/// ```
///
/// While a trace is recording, towers and connectors run their blocks composed from tensor operations, so that every
/// module's output exists as a tensor (the result equals the fused path's to rounding). With no trace, nothing is
/// recorded and the fused paths run: the cost is one task-local read per forward pass and per recording point.
public enum Tracing {
    @TaskLocal static var recorder: TraceRecorder?

    /// Runs `body` while recording the modules `filter` selects; returns its result and the trace.
    public static func record<R>(modules filter: ModuleFilter = .all, _ body: () throws -> R) rethrows -> (R, Trace) {
        let recorder = TraceRecorder(filter: filter)
        let result = try $recorder.withValue(recorder) { try body() }
        return (result, recorder.trace)
    }

    /// Whether a trace is recording (modules then take their composed paths).
    package static var isRecording: Bool { recorder != nil }

    /// Records `tensor()` at `path` when a trace is recording and its filter selects the path (the tensor is not
    /// built otherwise).
    package static func record(_ path: @autoclosure () -> String, _ tensor: @autoclosure () throws -> Tensor) rethrows {
        guard let recorder else { return }
        try recorder.record(path(), tensor)
    }

    /// Runs `body` with `prefix` put in front of every recorded path (a module inside a larger model).
    package static func withPrefix<R>(_ prefix: String, _ body: () throws -> R) rethrows -> R {
        guard let recorder, !prefix.isEmpty else { return try body() }
        return try $recorder.withValue(recorder.prefixed(prefix)) { try body() }
    }
}

/// The recording state behind ``Tracing``; shared by the tasks of one `record` call.
final class TraceRecorder: @unchecked Sendable {
    let filter: ModuleFilter
    private let prefix: String
    private let storage: Storage

    final class Storage: @unchecked Sendable {
        let lock = NSLock()
        var trace = Trace()
    }

    init(filter: ModuleFilter, prefix: String = "", storage: Storage = Storage()) {
        self.filter = filter
        self.prefix = prefix
        self.storage = storage
    }

    func prefixed(_ more: String) -> TraceRecorder {
        TraceRecorder(filter: filter, prefix: prefix + more, storage: storage)
    }

    var trace: Trace {
        storage.lock.lock()
        defer { storage.lock.unlock() }
        return storage.trace
    }

    func record(_ path: String, _ tensor: () throws -> Tensor) rethrows {
        let name = prefix + path
        // The root module (path "") is not recorded, as PyTorch's tracer skips it.
        guard !name.isEmpty, filter.matches(name) else { return }
        let value = try tensor()
        storage.lock.lock()
        storage.trace.record(value, at: name)
        storage.lock.unlock()
    }
}

extension Tracing {
    /// Records a channels-last map `[B, H, W, C]` in a hook's NCHW layout `[B, C, H, W]` (convolution stages keep
    /// their maps channels-last; PyTorch's are channels-first).
    package static func recordChannelsLast(
        _ path: @autoclosure () -> String, _ pixels: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int
    ) {
        record(path(), Tensor(shape: [batch, channels, height, width]) { out in
            for b in 0..<batch {
                for p in 0..<(height * width) {
                    let row = pixels + (b * height * width + p) * channels
                    for c in 0..<channels { out[(b * channels + c) * height * width + p] = row[c] }
                }
            }
        })
    }
}
