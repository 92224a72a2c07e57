#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A fast, strict scanner for JSON documents that must be objects, such as
/// the lines of a JSON Lines file: it validates the whole document and
/// reports its top-level members without allocating per value.
///
/// ``scan(_:)`` checks the document against RFC 8259 (UTF-8, escapes
/// including surrogate pairs, the number grammar, nesting at most
/// ``maxDepth`` deep, nothing but whitespace after the value) and returns
/// the top-level members in document order: for each, the unescaped key,
/// the value's kind and raw bytes, a string's unescaped content and a
/// number's classification (``JSONNumberKind``). Nested objects and arrays
/// are validated but not decoded: their ``JSONMember/raw`` text is the
/// value. ``validateObject(_:)`` does the same checks without recording
/// members; ``validate(_:)`` accepts any JSON value.
///
/// Strings without escapes (and keys) are slices of the document; escaped
/// ones are unescaped into one scratch buffer that the scanner reuses, as
/// it reuses its member table: once warmed up, scanning allocates nothing.
///
/// ```swift
/// let scanner = JSONObjectScanner()
/// try line.withUnsafeBytes { bytes in
///     for member in try scanner.scan(bytes) {
///         print(member.keyString, member.kind, member.rawText)
///     }
/// }
/// ```
///
/// Decisions:
/// - **Duplicate keys**: by default the last value wins and the member
///   keeps the position where its key first appeared (as Python's `json`,
///   JavaScript and SQLite do); ``DuplicateKeyPolicy/reject`` makes a
///   duplicate an error instead, and ``DuplicateKeyPolicy/keepAll``
///   reports every occurrence as a member of its own (the host's record
///   flattener uses it, so that no value is dropped). Only top-level keys
///   are checked: nested values are kept as their raw text.
/// - **Numbers** are never wrapped or truncated: see ``JSONNumberKind``.
///   `1E400` is valid JSON of kind ``JSONNumberKind/outOfRange`` (keep the
///   text), `007` is invalid JSON.
/// - **Byte order mark**: not JSON (RFC 8259 §8.1); strip it from files
///   before scanning (``JSONLinesReader`` does).
///
/// A scanner is not thread-safe; use one per thread.
public final class JSONObjectScanner {
    /// What to do with a key that appears twice in the scanned object.
    public enum DuplicateKeyPolicy: Sendable, Hashable {
        /// The last value wins, at the key's first position.
        case lastWins
        /// The document is refused with `"duplicate key"` at the second
        /// occurrence.
        case reject
        /// Every occurrence is a member of its own, in document order:
        /// `{"a":1,"a":2}` has two members named `a`. Nothing is dropped;
        /// the caller decides what a repeated key means.
        case keepAll
    }

    /// The default nesting limit: 512 open objects and arrays, the
    /// top-level one included.
    public static let defaultMaxDepth = 512

    /// The deepest nesting accepted (the top-level value counts as 1).
    public let maxDepth: Int
    /// What a duplicate top-level key does.
    public let duplicateKeys: DuplicateKeyPolicy

    private let stack: UnsafeMutablePointer<UInt8>
    private var scratch = JSONScratch()
    private var store = MemberStore()
    private var document: UnsafePointer<UInt8>?

    /// Creates a scanner.
    ///
    /// - Parameters:
    ///   - maxDepth: the deepest nesting accepted (at least 1).
    ///   - duplicateKeys: what a duplicate top-level key does.
    public init(maxDepth: Int = JSONObjectScanner.defaultMaxDepth, duplicateKeys: DuplicateKeyPolicy = .lastWins) {
        self.maxDepth = max(1, maxDepth)
        self.duplicateKeys = duplicateKeys
        stack = .allocate(capacity: self.maxDepth)
    }

    deinit {
        stack.deallocate()
        scratch.free()
        store.free()
    }

    /// Validates `document`, which must be one JSON object, and returns its
    /// top-level members.
    ///
    /// The members point into `document` and into the scanner: they are
    /// valid until the next call on this scanner, and only while
    /// `document`'s bytes are alive.
    ///
    /// - Throws: ``JSONError``: a syntax error with its offset, or
    ///   ``JSONError/Kind/notAnObject(found:)`` for a valid document that
    ///   is not an object.
    @discardableResult
    public func scan(_ document: UnsafeRawBufferPointer) throws(JSONError) -> JSONMembers {
        try scan(document, keepingScanner: true)
    }

    /// ``scan(_:)``; without `keepingScanner` the members do not retain
    /// the scanner (one retain and release less per document): its owner
    /// keeps it alive while they are used.
    func scan(_ document: UnsafeRawBufferPointer, keepingScanner: Bool) throws(JSONError) -> JSONMembers {
        var engine = JSONEngine(document, maxDepth: maxDepth, stack: stack, scratch: scratch)
        engine.scratch.count = 0
        var store = self.store
        store.reset()
        self.document = nil
        defer {
            scratch = engine.scratch
            self.store = store
        }
        try Self.scanObject(&engine, &store, collect: true, duplicateKeys: duplicateKeys)
        self.document = engine.base
        return JSONMembers(records: store.records, count: store.count, document: engine.base,
                           scratch: engine.scratch.base, owner: keepingScanner ? self : nil)
    }

    /// The members of the last successful ``scan(_:)``; empty after a
    /// failed one. Same lifetime rules as the result of ``scan(_:)``.
    public var members: JSONMembers {
        guard let document else { return .empty }
        return JSONMembers(records: store.records, count: store.count, document: document, scratch: scratch.base,
                           owner: self)
    }

    /// Validates `document`, which must be one JSON object, as ``scan(_:)``
    /// does, without recording its members (faster). Duplicate keys are
    /// not looked for.
    ///
    /// - Throws: ``JSONError``, as ``scan(_:)``.
    public func validateObject(_ document: UnsafeRawBufferPointer) throws(JSONError) {
        var engine = JSONEngine(document, maxDepth: maxDepth, stack: stack, scratch: scratch)
        var store = self.store // not written to when collect is false
        try Self.scanObject(&engine, &store, collect: false, duplicateKeys: .lastWins)
    }

    /// Validates `document` holding any one JSON value (RFC 8259) and
    /// returns its kind.
    ///
    /// - Throws: ``JSONError`` with the offset of the problem.
    @discardableResult
    public func validate(_ document: UnsafeRawBufferPointer) throws(JSONError) -> JSONValueKind {
        var engine = JSONEngine(document, maxDepth: maxDepth, stack: stack, scratch: scratch)
        return try engine.validateDocument()
    }

    /// The content of `token`, which must be exactly one JSON string with
    /// its quotes (`"a \"b\""`, as ``JSONMember/raw`` holds a string),
    /// with its escapes undone and its UTF-8 checked: a slice of `token`
    /// when it has no escape, else of the scanner's scratch buffer, valid
    /// until the next call on this scanner.
    ///
    /// - Throws: ``JSONError`` when `token` is not one JSON string.
    public func stringContent(_ token: UnsafeRawBufferPointer) throws(JSONError) -> UnsafeRawBufferPointer {
        var engine = JSONEngine(token, maxDepth: maxDepth, stack: stack, scratch: scratch)
        engine.scratch.count = 0
        defer { scratch = engine.scratch }
        guard engine.count > 0, engine.base[0] == JSONByte.quote else {
            throw engine.expected("expected a JSON string", at: 0)
        }
        let string = try engine.readString()
        guard engine.position == engine.count else { throw engine.error("expected the end of the value after the string", at: engine.position) }
        return UnsafeRawBufferPointer(start: (string.inScratch ? UnsafePointer(engine.scratch.base) : engine.base) + string.start,
                                      count: string.end - string.start)
    }

    /// The scan itself: `collect` records members into `store`.
    private static func scanObject(_ engine: inout JSONEngine, _ store: inout MemberStore, collect: Bool,
                                   duplicateKeys: DuplicateKeyPolicy) throws(JSONError) {
        engine.skipWhitespace()
        guard engine.position < engine.count, engine.base[engine.position] == JSONByte.openBrace else {
            try engine.refuseNonObject()
        }
        engine.stack[0] = 1
        engine.position += 1
        engine.skipWhitespace()
        if engine.position < engine.count, engine.base[engine.position] == JSONByte.closeBrace {
            engine.position += 1
            try engine.expectEnd()
            return
        }
        var afterComma = false
        while true {
            guard engine.position < engine.count, engine.base[engine.position] == JSONByte.quote else {
                throw engine.expected(afterComma ? "expected a string key after ','" : "expected a string key or '}'",
                                      at: engine.position)
            }
            var record = MemberRecord()
            let keyOffset = engine.position
            if collect {
                let key = try engine.readString()
                record.keyStart = key.start
                record.keyEnd = key.end
                record.keyInScratch = key.inScratch
                let keyBase = key.inScratch ? UnsafePointer(engine.scratch.base) : engine.base
                record.keyHash = JSONKeyHash.hash(keyBase + key.start, count: key.end - key.start)
            } else {
                _ = try engine.skipString()
            }
            try engine.colon()
            guard engine.position < engine.count else { throw engine.unexpectedValue(at: engine.position) }
            let valueStart = engine.position
            switch engine.base[valueStart] {
            case JSONByte.quote:
                record.kind = .string
                if collect {
                    let string = try engine.readString()
                    record.stringStart = string.start
                    record.stringEnd = string.end
                    record.stringInScratch = string.inScratch
                } else {
                    _ = try engine.skipString()
                }
            case JSONByte.openBrace:
                record.kind = .object
                try engine.skipContainer(depth: 1)
            case JSONByte.openBracket:
                record.kind = .array
                try engine.skipContainer(depth: 1)
            case JSONByte.minus, 0x30...0x39:
                record.kind = .number
                let (kind, value) = try engine.number(classify: collect)
                record.numberKind = kind
                record.integer = value
            case 0x74, 0x66, 0x6E:
                record.kind = try engine.literal()
            default:
                throw engine.unexpectedValue(at: valueStart)
            }
            if collect {
                record.rawStart = valueStart
                record.rawEnd = engine.position
                if duplicateKeys == .keepAll {
                    store.append(record)
                } else {
                    let added = store.add(record, document: engine.base, scratch: engine.scratch.base)
                    if !added, duplicateKeys == .reject { throw engine.error("duplicate key", at: keyOffset) }
                }
            }
            engine.skipWhitespace()
            guard engine.position < engine.count else {
                throw engine.expected("expected ',' or '}' after an object member", at: engine.position)
            }
            let byte = engine.base[engine.position]
            if byte == JSONByte.comma {
                engine.position += 1
                engine.skipWhitespace()
                afterComma = true
                continue
            }
            if byte == JSONByte.closeBrace {
                engine.position += 1
                break
            }
            throw engine.error("expected ',' or '}' after an object member", at: engine.position)
        }
        try engine.expectEnd()
    }
}

/// The members of the object being scanned: a growable table of records,
/// with a hash index once an object has many members (so that finding a
/// duplicate key stays cheap).
struct MemberStore {
    private(set) var records: UnsafeMutablePointer<MemberRecord>
    private var capacity: Int
    private(set) var count = 0
    /// Member index + 1 per slot, 0 for an empty slot; `slotMask + 1` slots.
    private var slots: UnsafeMutablePointer<Int32>?
    private var slotMask = 0
    private var indexed = false

    /// Objects with fewer members compare keys linearly.
    private static let linearLimit = 16

    init(capacity: Int = 32) {
        self.capacity = max(1, capacity)
        records = .allocate(capacity: self.capacity)
    }

    func free() {
        records.deallocate()
        slots?.deallocate()
    }

    mutating func reset() {
        count = 0
        if indexed, let slots {
            slots.update(repeating: 0, count: slotMask + 1)
            indexed = false
        }
    }

    /// Adds `record`, or, when its key is already present, gives the
    /// earlier member its value (last wins) and returns `false`.
    mutating func add(_ record: MemberRecord, document: UnsafePointer<UInt8>,
                      scratch: UnsafeMutablePointer<UInt8>) -> Bool {
        if let existing = find(record, document: document, scratch: scratch) {
            let key = (records[existing].keyStart, records[existing].keyEnd, records[existing].keyInScratch)
            records[existing] = record
            (records[existing].keyStart, records[existing].keyEnd, records[existing].keyInScratch) = key
            return false
        }
        if count == capacity { grow() }
        records[count] = record
        count += 1
        if indexed {
            if count * 2 > slotMask + 1 {
                buildIndex()
            } else {
                insert(count - 1)
            }
        } else if count >= Self.linearLimit {
            buildIndex()
        }
        return true
    }

    /// Appends `record` without looking for its key (``JSONObjectScanner/DuplicateKeyPolicy/keepAll``):
    /// no index is kept, since nothing is looked up.
    mutating func append(_ record: MemberRecord) {
        if count == capacity { grow() }
        records[count] = record
        count += 1
    }

    private func find(_ record: MemberRecord, document: UnsafePointer<UInt8>,
                      scratch: UnsafeMutablePointer<UInt8>) -> Int? {
        @inline(__always) func sameKey(_ other: MemberRecord) -> Bool {
            let length = record.keyEnd - record.keyStart
            guard other.keyHash == record.keyHash, other.keyEnd - other.keyStart == length else { return false }
            let mine = (record.keyInScratch ? UnsafePointer(scratch) : document) + record.keyStart
            let theirs = (other.keyInScratch ? UnsafePointer(scratch) : document) + other.keyStart
            return length == 0 || memcmp(mine, theirs, length) == 0
        }
        guard indexed, let slots else {
            for index in 0..<count where sameKey(records[index]) { return index }
            return nil
        }
        var slot = Int(truncatingIfNeeded: record.keyHash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if sameKey(records[Int(entry) - 1]) { return Int(entry) - 1 }
            slot = (slot + 1) & slotMask
        }
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let grown = UnsafeMutablePointer<MemberRecord>.allocate(capacity: newCapacity)
        grown.moveInitialize(from: records, count: count)
        records.deallocate()
        records = grown
        capacity = newCapacity
    }

    private mutating func buildIndex() {
        var size = 64
        while size < count * 4 { size *= 2 }
        if slotMask + 1 < size || slots == nil {
            slots?.deallocate()
            slots = .allocate(capacity: size)
            slotMask = size - 1
        }
        slots!.update(repeating: 0, count: slotMask + 1)
        indexed = true
        for index in 0..<count { insert(index) }
    }

    private func insert(_ index: Int) {
        guard let slots else { return }
        var slot = Int(truncatingIfNeeded: records[index].keyHash) & slotMask
        while slots[slot] != 0 { slot = (slot + 1) & slotMask }
        slots[slot] = Int32(index + 1)
    }
}
