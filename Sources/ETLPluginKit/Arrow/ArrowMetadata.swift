#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Arrow field metadata: an ordered list of key/value pairs, and its binary
/// encoding in `ArrowSchema.metadata`.
///
/// The encoding (native endian): int32 number of pairs, then for each pair
/// int32 key length, key bytes, int32 value length, value bytes; no NUL
/// terminators.
///
/// ```swift
/// var metadata: ArrowMetadata = ["etl.untyped": "1"]
/// metadata["etl.source"] = "orders.csv"
/// let bytes = metadata.encoded()
/// let back = try bytes.withUnsafeBytes { try ArrowMetadata(decoding: $0.baseAddress!) }
/// ```
public struct ArrowMetadata: Sendable, Hashable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One key/value pair.
    public struct Entry: Sendable, Hashable {
        /// The key, e.g. `"ARROW:extension:name"`.
        public var key: String
        /// The value, e.g. `"arrow.json"`.
        public var value: String

        /// Creates a pair.
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The pairs, in encoding order. Keys are unique when built through the
    /// subscript; decoded metadata keeps whatever the producer wrote.
    public var entries: [Entry]

    /// Creates metadata from pairs.
    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    /// Creates metadata from a literal such as `["etl.untyped": "1"]`.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.entries = elements.map { Entry($0.0, $0.1) }
    }

    /// Whether there are no pairs.
    public var isEmpty: Bool { entries.isEmpty }

    /// The value of the first pair with `key`; setting replaces it (or
    /// appends a pair), setting `nil` removes every pair with `key`.
    public subscript(key: String) -> String? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            if let newValue {
                if let index = entries.firstIndex(where: { $0.key == key }) {
                    entries[index].value = newValue
                } else {
                    entries.append(Entry(key, newValue))
                }
            } else {
                entries.removeAll { $0.key == key }
            }
        }
    }

    /// The binary encoding. Empty metadata encodes as a count of zero.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        func appendInt32(_ value: Int) {
            withUnsafeBytes(of: Int32(truncatingIfNeeded: value)) { bytes.append(contentsOf: $0) }
        }
        appendInt32(entries.count)
        for entry in entries {
            appendInt32(entry.key.utf8.count)
            bytes.append(contentsOf: entry.key.utf8)
            appendInt32(entry.value.utf8.count)
            bytes.append(contentsOf: entry.value.utf8)
        }
        return bytes
    }

    /// The encoding in a `malloc`'d buffer (the caller frees it), or `nil`
    /// for empty metadata, as `ArrowSchema.metadata` expects.
    public func mallocEncoded() -> UnsafeMutablePointer<CChar>? {
        guard !entries.isEmpty else { return nil }
        let bytes = encoded()
        let pointer = malloc(bytes.count)!
        bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return pointer.assumingMemoryBound(to: CChar.self)
    }

    /// The largest number of pairs or bytes per key or value accepted when
    /// decoding; anything larger is taken as corruption.
    public static let decodingLimit = 1 << 24

    /// Decodes metadata from an `ArrowSchema.metadata` pointer.
    ///
    /// The encoding carries no total length, so the pointer must really
    /// point to encoded metadata; within that, negative or absurd lengths
    /// and invalid UTF-8 are rejected.
    ///
    /// - Throws: ``PluginError/Code/data`` describing the corruption.
    public init(decoding pointer: UnsafeRawPointer) throws(PluginError) {
        var offset = 0
        func readLength(_ what: String) throws(PluginError) -> Int {
            let value = Int(pointer.loadUnaligned(fromByteOffset: offset, as: Int32.self))
            offset += 4
            guard value >= 0, value <= ArrowMetadata.decodingLimit else {
                throw PluginError.data("metadata is corrupt: \(what) is \(value)")
            }
            return value
        }
        func readString(_ what: String) throws(PluginError) -> String {
            let length = try readLength("the length of \(what)")
            let bytes = UnsafeRawBufferPointer(start: pointer + offset, count: length)
            offset += length
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw PluginError.data("metadata is corrupt: \(what) is not valid UTF-8")
            }
            return text
        }
        let count = try readLength("the number of pairs")
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for index in 0..<count {
            let key = try readString("key \(index + 1)")
            let value = try readString("the value of \"\(key)\"")
            entries.append(Entry(key, value))
        }
        self.entries = entries
    }

    /// Decodes an optional `ArrowSchema.metadata` pointer; `nil` gives empty
    /// metadata.
    public init(decodingOptional pointer: UnsafePointer<CChar>?) throws(PluginError) {
        guard let pointer else {
            self.init()
            return
        }
        try self.init(decoding: UnsafeRawPointer(pointer))
    }

    /// The pairs as `key=value`, comma-separated.
    public var description: String {
        entries.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
