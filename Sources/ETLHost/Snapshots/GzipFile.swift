import CZlib
import Foundation

/// Reads the lines of a gzip file, one at a time, without holding the file.
final class GzipLineReader {
    let path: String
    private var file: gzFile?
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    /// The number of the last line returned (1-based).
    private(set) var lineNumber = 0

    init(path: String) throws {
        self.path = path
        guard let file = gzopen(path, "rb") else {
            throw HostError(.io, "cannot open the snapshot file '\(path)': \(errnoDescription())")
        }
        self.file = file
        gzbuffer(file, 1 << 17)
    }

    deinit { if let file { gzclose(file) } }

    /// Calls `body` with the next line (without its newline); false at the end.
    func nextLine<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let result = try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<newline])) }
                start = newline + 1
                lineNumber += 1
                return result
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let result = try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                start = buffer.count
                lineNumber += 1
                return result
            }
            try fill()
        }
    }

    private func fill() throws {
        guard let file else { atEnd = true; return }
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = 1 << 17
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let read = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress! + old, UInt32(chunk)) }
        guard read >= 0 else {
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown"
            throw HostError(.io, "snapshot file '\(path)' is damaged (zlib: \(message)); it cannot be replayed")
        }
        buffer.removeLast(chunk - Int(read))
        if read == 0 { atEnd = true }
    }
}
