import Foundation
public import VLCore

/// Golden fixtures written by the scripts in `Tools/reference/` (see each script's header).
public enum Fixtures {
    /// `Tests/Fixtures`, found from this source file's location.
    public static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()  // VLTestSupport
        url.deleteLastPathComponent()  // Tests
        return url.appendingPathComponent("Fixtures").path
    }()

    /// Opens `Tests/Fixtures/<name>.safetensors`.
    public static func open(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: path(name + ".safetensors"))
    }

    /// The absolute path of a file under `Tests/Fixtures`.
    public static func path(_ relative: String) -> String {
        (directory as NSString).appendingPathComponent(relative)
    }
}

extension SafeTensorsFile {
    /// The tensor `name`, failing the test with the file name when it is absent.
    public subscript(_ name: String) -> Tensor {
        get throws { try readTensor(named: name) }
    }
}
