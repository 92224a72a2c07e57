#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One top-level member of a scanned JSON object: its key, and its value's
/// kind, raw text and decoded content.
///
/// Every buffer points into the scanned document or into the scanner's
/// reusable scratch buffer, without copying: a member is valid only until
/// the scanner's next scan, and only while the document's bytes are alive.
/// Copy what you keep (``keyString``, ``stringValue``).
///
/// ```swift
/// for member in try scanner.scan(document) {
///     switch member.kind {
///     case .number where member.numberKind == .int64: store(member.int64Value!)
///     case .string: store(member.stringBytes)          // unescaped UTF-8
///     case .object, .array: store(member.raw)          // JSON text, as is
///     default: ...
///     }
/// }
/// ```
public struct JSONMember {
    /// The key's UTF-8 bytes with escapes undone: a slice of the document
    /// when the key has no escape sequence, else of the scratch buffer.
    public let key: UnsafeRawBufferPointer
    /// Whether the key was written with escape sequences (`"a\u0062"`).
    public let keyHasEscapes: Bool
    /// ``JSONKeyHash`` of ``key``, computed while scanning.
    public let keyHash: UInt64
    /// The value's kind.
    public let kind: JSONValueKind
    /// The value's JSON text exactly as in the document (for a string,
    /// with its quotes and escapes; for an object or array, byte for byte
    /// including inner whitespace).
    public let raw: UnsafeRawBufferPointer
    /// For a string, its UTF-8 content with escapes undone (a slice of the
    /// document when it has none); empty for other kinds.
    public let stringBytes: UnsafeRawBufferPointer
    /// Whether a string value was written with escape sequences.
    public let stringHasEscapes: Bool
    /// For a number, what it fits in; `nil` for other kinds.
    public let numberKind: JSONNumberKind?
    @usableFromInline let integer: Int64

    @usableFromInline
    init(key: UnsafeRawBufferPointer, keyHasEscapes: Bool, keyHash: UInt64, kind: JSONValueKind,
         raw: UnsafeRawBufferPointer, stringBytes: UnsafeRawBufferPointer, stringHasEscapes: Bool,
         numberKind: JSONNumberKind?, integer: Int64) {
        self.key = key
        self.keyHasEscapes = keyHasEscapes
        self.keyHash = keyHash
        self.kind = kind
        self.raw = raw
        self.stringBytes = stringBytes
        self.stringHasEscapes = stringHasEscapes
        self.numberKind = numberKind
        self.integer = integer
    }

    /// The key as a `String` (allocates for keys over 15 bytes).
    public var keyString: String { String(decoding: key, as: UTF8.self) }

    /// Whether the key's bytes equal `other`'s.
    public func keyEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        guard key.count == other.count else { return false }
        guard let mine = key.baseAddress, let theirs = other.baseAddress else { return true }
        return memcmp(mine, theirs, key.count) == 0
    }

    /// Whether the key's bytes equal `other`.
    public func keyEquals(_ other: [UInt8]) -> Bool {
        other.withUnsafeBytes { keyEquals($0) }
    }

    /// Whether the key is `other` (compared as UTF-8 bytes).
    public func keyEquals(_ other: String) -> Bool {
        var other = other
        return other.withUTF8 { keyEquals(UnsafeRawBufferPointer($0)) }
    }

    /// The value of a number of kind ``JSONNumberKind/int64``; `nil`
    /// otherwise (never a truncated or wrapped value).
    public var int64Value: Int64? { numberKind == .int64 ? integer : nil }

    /// The value of a number as the nearest `Double`: exact for most
    /// ``JSONNumberKind/double``s, an approximation for
    /// ``JSONNumberKind/bigInteger``s and for int64s beyond 2^53; `nil` for
    /// ``JSONNumberKind/outOfRange`` and for other kinds.
    public var doubleValue: Double? {
        switch numberKind {
        case .int64?: Double(integer)
        case .double?, .bigInteger?: JSONNumberParser.double(raw)
        case .outOfRange?, nil: nil
        }
    }

    /// `true` or `false` for the literals, `nil` for other kinds.
    public var boolValue: Bool? {
        switch kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    /// The unescaped content of a string, `nil` for other kinds.
    public var stringValue: String? {
        kind == .string ? String(decoding: stringBytes, as: UTF8.self) : nil
    }

    /// The raw JSON text of the value as a `String`.
    public var rawText: String { String(decoding: raw, as: UTF8.self) }
}

/// The top-level members of the object last scanned by a
/// ``JSONObjectScanner``, in document order (a duplicated key appears once,
/// at its first position, unless the scanner keeps every occurrence:
/// ``JSONObjectScanner/DuplicateKeyPolicy/keepAll``). Valid until the scanner's next scan and while
/// the document is alive (the members keep the scanner itself alive).
///
/// ```swift
/// let members = try scanner.scan(document)
/// let id = members["id"]?.int64Value
/// ```
public struct JSONMembers: RandomAccessCollection {
    @usableFromInline let records: UnsafePointer<MemberRecord>?
    @usableFromInline let document: UnsafePointer<UInt8>?
    @usableFromInline let scratch: UnsafePointer<UInt8>?
    /// Keeps the scanner's buffers alive as long as the members are used.
    let owner: AnyObject?

    /// 0.
    public let startIndex = 0
    /// The number of members.
    public let endIndex: Int

    init(records: UnsafePointer<MemberRecord>?, count: Int, document: UnsafePointer<UInt8>?,
         scratch: UnsafePointer<UInt8>?, owner: AnyObject?) {
        self.owner = owner
        self.records = records
        self.endIndex = count
        self.document = document
        self.scratch = scratch
    }

    /// No members.
    static var empty: JSONMembers { JSONMembers(records: nil, count: 0, document: nil, scratch: nil, owner: nil) }

    /// The member at `index` (inlinable: a plugin's loop over members
    /// computes only the parts it reads).
    @inlinable
    public subscript(index: Int) -> JSONMember {
        precondition(index >= 0 && index < endIndex, "member index \(index) out of range 0..<\(endIndex)")
        let record = records![index]
        let document = self.document!
        func slice(_ start: Int, _ end: Int, inScratch: Bool) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: (inScratch ? scratch! : document) + start, count: end - start)
        }
        return JSONMember(
            key: slice(record.keyStart, record.keyEnd, inScratch: record.keyInScratch),
            keyHasEscapes: record.keyInScratch, keyHash: record.keyHash, kind: record.kind,
            raw: slice(record.rawStart, record.rawEnd, inScratch: false),
            stringBytes: record.kind == .string
                ? slice(record.stringStart, record.stringEnd, inScratch: record.stringInScratch)
                : UnsafeRawBufferPointer(start: document + record.rawStart, count: 0),
            stringHasEscapes: record.stringInScratch,
            numberKind: record.kind == .number ? record.numberKind : nil, integer: record.integer)
    }

    /// The member whose key is `key`, `nil` if there is none.
    public subscript(key: String) -> JSONMember? {
        let hash = JSONKeyHash.hash(key)
        for index in indices where records![index].keyHash == hash {
            let member = self[index]
            if member.keyEquals(key) { return member }
        }
        return nil
    }
}

/// What the scanner records per member: offsets only, so that the
/// scratch buffer may move while the document is scanned.
@usableFromInline
struct MemberRecord {
    @usableFromInline var keyStart = 0
    @usableFromInline var keyEnd = 0
    @usableFromInline var rawStart = 0
    @usableFromInline var rawEnd = 0
    @usableFromInline var stringStart = 0
    @usableFromInline var stringEnd = 0
    @usableFromInline var integer: Int64 = 0
    @usableFromInline var keyHash: UInt64 = 0
    @usableFromInline var kind = JSONValueKind.null
    @usableFromInline var numberKind = JSONNumberKind.int64
    @usableFromInline var keyInScratch = false
    @usableFromInline var stringInScratch = false

    init() {}
}
