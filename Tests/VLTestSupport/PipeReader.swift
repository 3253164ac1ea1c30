public import Foundation

/// Reads everything from a pipe with `read(2)`, retrying when a signal interrupts it. Foundation's
/// `readDataToEndOfFile()` traps on EINTR, which the SIGCHLD handling of `Process` can cause while other tests start
/// and reap child processes.
public func readAll(_ handle: FileHandle) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            data.append(contentsOf: buffer[0..<count])
        } else if count == 0 || errno != EINTR {
            return data
        }
    }
}

/// Reads two pipes to their ends at once (so that neither fills up while the other is read).
public func readBoth(_ first: FileHandle, _ second: FileHandle) -> (Data, Data) {
    nonisolated(unsafe) var secondData = Data()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        secondData = readAll(second)
        done.signal()
    }
    let firstData = readAll(first)
    done.wait()
    return (firstData, secondData)
}
