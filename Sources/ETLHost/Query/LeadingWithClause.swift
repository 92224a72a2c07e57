/// The `WITH [RECURSIVE]` clause a statement starts with, as far as
/// `query --as-of` needs it: where its first common table expression
/// begins, and the names the statement defines there.
///
/// The scan knows SQL's lexical rules that SQLite and PostgreSQL share:
/// `'strings'`, `"quoted identifiers"` (doubled quotes inside both),
/// `-- comments`, `/* comments */`, and PostgreSQL's `$tag$ ... $tag$`
/// strings, so parentheses inside them do not count.
///
/// ```swift
/// let clause = LeadingWithClause(in: #"WITH recent AS (SELECT 1) SELECT * FROM recent"#)
/// clause?.names            // ["recent"]
/// clause?.bodyOffset       // 5: the byte offset of "recent"
/// ```
public struct LeadingWithClause: Sendable, Equatable {
    /// Whether the clause is `WITH RECURSIVE`.
    public let isRecursive: Bool
    /// The byte offset (from 0, UTF-8) in the statement just after `WITH`
    /// or `WITH RECURSIVE`: where more common table expressions can go.
    public let bodyOffset: Int
    /// The names the clause defines, in order: a quoted name as written
    /// (without its quotes), an unquoted one lowercased (both databases
    /// match unquoted names without regard to case).
    public let names: [String]

    /// The clause `sql` starts with (after whitespace and comments), or
    /// nil when it does not start with `WITH`.
    public init?(in sql: String) {
        var scanner = SQLScanner(sql)
        scanner.skipSpaceAndComments()
        guard scanner.word()?.uppercased() == "WITH" else { return nil }
        var offset = scanner.position
        scanner.skipSpaceAndComments()
        var recursive = false
        let afterWith = scanner.position
        if scanner.word()?.uppercased() == "RECURSIVE" {
            recursive = true
            offset = scanner.position
        } else {
            scanner.position = afterWith
        }
        isRecursive = recursive
        bodyOffset = offset
        names = Self.names(&scanner)
    }

    /// Reads `name [(columns)] AS [[NOT] MATERIALIZED] (body)` entries
    /// separated by commas, stopping at the first thing that is not one.
    private static func names(_ scanner: inout SQLScanner) -> [String] {
        var names: [String] = []
        while true {
            scanner.skipSpaceAndComments()
            guard let name = scanner.identifier() else { return names }
            names.append(name)
            scanner.skipSpaceAndComments()
            if scanner.peek == UInt8(ascii: "(") {
                guard scanner.skipParenthesized() else { return names }
                scanner.skipSpaceAndComments()
            }
            guard scanner.word()?.uppercased() == "AS" else { return names }
            scanner.skipSpaceAndComments()
            let beforeOptions = scanner.position
            switch scanner.word()?.uppercased() {
            case "NOT":
                scanner.skipSpaceAndComments()
                guard scanner.word()?.uppercased() == "MATERIALIZED" else { return names }
            case "MATERIALIZED":
                break
            default:
                scanner.position = beforeOptions
            }
            scanner.skipSpaceAndComments()
            guard scanner.peek == UInt8(ascii: "("), scanner.skipParenthesized() else { return names }
            scanner.skipSpaceAndComments()
            guard scanner.peek == UInt8(ascii: ",") else { return names }
            scanner.position += 1
        }
    }
}

/// A cursor over the UTF-8 bytes of a SQL statement that skips what SQL
/// does not read as code: whitespace, comments, strings.
struct SQLScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ sql: String) { bytes = Array(sql.utf8) }

    var atEnd: Bool { position >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[position] }

    private func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Skips whitespace, `-- ...` to the end of the line and `/* ... */`.
    mutating func skipSpaceAndComments() {
        while let byte = peek {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C {
                position += 1
            } else if byte == UInt8(ascii: "-"), self.byte(at: position + 1) == UInt8(ascii: "-") {
                while let next = peek, next != 0x0A { position += 1 }
            } else if byte == UInt8(ascii: "/"), self.byte(at: position + 1) == UInt8(ascii: "*") {
                position += 2
                skipBlockComment()
            } else {
                return
            }
        }
    }

    /// Skips to after the `*/` that closes a comment (PostgreSQL nests them).
    private mutating func skipBlockComment() {
        var depth = 1
        while !atEnd, depth > 0 {
            if bytes[position] == UInt8(ascii: "*"), byte(at: position + 1) == UInt8(ascii: "/") {
                depth -= 1
                position += 2
            } else if bytes[position] == UInt8(ascii: "/"), byte(at: position + 1) == UInt8(ascii: "*") {
                depth += 1
                position += 2
            } else {
                position += 1
            }
        }
    }

    /// A bare word (letters, digits, `_`, `$`, any non-ASCII byte, not
    /// starting with a digit or `$`), or nil (the position is unchanged).
    mutating func word() -> String? {
        let start = position
        while let byte = peek, Self.isWordByte(byte), position > start || !(0x30...0x39).contains(byte) && byte != UInt8(ascii: "$") {
            position += 1
        }
        guard position > start else { return nil }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A name: `"quoted"` (as written, doubled quotes undone) or a bare
    /// word (lowercased), or nil.
    mutating func identifier() -> String? {
        guard peek == UInt8(ascii: "\"") else { return word()?.lowercased() }
        position += 1
        var name: [UInt8] = []
        while let byte = peek {
            position += 1
            if byte == UInt8(ascii: "\"") {
                guard peek == UInt8(ascii: "\"") else { return String(decoding: name, as: UTF8.self) }
                position += 1
            }
            name.append(byte)
        }
        return nil
    }

    /// At `(`: skips to after its matching `)`, passing over strings,
    /// quoted names, comments and dollar-quoted strings; false when the
    /// statement ends first.
    mutating func skipParenthesized() -> Bool {
        var depth = 0
        while let byte = peek {
            switch byte {
            case UInt8(ascii: "("):
                depth += 1
                position += 1
            case UInt8(ascii: ")"):
                depth -= 1
                position += 1
                if depth == 0 { return true }
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                guard skipQuoted(byte) else { return false }
            case UInt8(ascii: "-") where self.byte(at: position + 1) == UInt8(ascii: "-"),
                 UInt8(ascii: "/") where self.byte(at: position + 1) == UInt8(ascii: "*"):
                skipSpaceAndComments()
            case UInt8(ascii: "$"):
                skipDollarQuoted()
            default:
                position += 1
            }
        }
        return false
    }

    /// Skips a string or quoted name opened by `quote` (doubled quotes
    /// inside); false when it is not closed.
    private mutating func skipQuoted(_ quote: UInt8) -> Bool {
        position += 1
        while let byte = peek {
            position += 1
            if byte == quote {
                guard peek == quote else { return true }
                position += 1
            }
        }
        return false
    }

    /// At `$`: skips `$tag$ ... $tag$` when it is one, else just the `$`.
    private mutating func skipDollarQuoted() {
        var end = position + 1
        while let byte = byte(at: end), Self.isWordByte(byte), byte != UInt8(ascii: "$") { end += 1 }
        guard byte(at: end) == UInt8(ascii: "$") else {
            position += 1
            return
        }
        let tag = Array(bytes[position...end])
        var at = end + 1
        while at + tag.count <= bytes.count {
            if Array(bytes[at..<(at + tag.count)]) == tag {
                position = at + tag.count
                return
            }
            at += 1
        }
        position = bytes.count
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || byte >= 0x80
    }
}
