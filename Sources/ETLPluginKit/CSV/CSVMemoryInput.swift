/// Bytes in memory, served at most `maxReadSize` at a time (so tests can
/// cut records at every position).
///
/// ```swift
/// let input = CSVMemoryInput(Array("id,name\n1,Ada\n".utf8), maxReadSize: 3)
/// ```
public final class CSVMemoryInput: CSVInput {
    private let bytes: [UInt8]
    private let maxReadSize: Int
    private var position = 0

    /// Serves `bytes`, at most `maxReadSize` per read.
    public init(_ bytes: [UInt8], maxReadSize: Int = Int.max) {
        self.bytes = bytes
        self.maxReadSize = max(1, maxReadSize)
    }

    /// Serves `text` as UTF-8.
    public convenience init(_ text: String, maxReadSize: Int = Int.max) {
        self.init(Array(text.utf8), maxReadSize: maxReadSize)
    }

    /// Copies the next bytes.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(PluginError) -> Int {
        let count = min(buffer.count, maxReadSize, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: count)
        }
        position += count
        return count
    }
}
