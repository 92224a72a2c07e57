import CPostgres
import ETLPluginKit
import ETLPostgresShared

/// The rules of the contract's SQL OPERATIONS that concern the statement
/// itself, for `execute` and `query`: transaction control is refused, and
/// a statement the server rejects is reported with the server's message,
/// the position PostgreSQL gives, and its SQLSTATE.
///
/// One statement per call is PostgreSQL's own rule here: both operations
/// send the SQL through the extended query protocol (`PQsendQueryParams`,
/// `PQprepare`), which refuses a string holding two commands (`cannot
/// insert multiple commands into a prepared statement`, SQLSTATE 42601),
/// while a trailing `;` is fine.
enum PGStatementText {
    /// The statements that begin or end transactions (`BEGIN`, `START
    /// TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`, `SAVEPOINT`,
    /// `RELEASE`, `PREPARE TRANSACTION`, `COMMIT PREPARED`, ...): the
    /// leading keyword of `sql` when it is one, after whitespace and
    /// comments.
    static func transactionControl(in sql: String) -> String? {
        let words = leadingWords(of: sql, count: 2)
        guard let first = words.first else { return nil }
        switch first {
        case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE":
            return first
        case "PREPARE" where words.count > 1 && words[1] == "TRANSACTION":
            return "PREPARE TRANSACTION"
        default:
            return nil
        }
    }

    /// Whether `sql` holds nothing but whitespace, comments and `;`.
    static func isEmpty(_ sql: String) -> Bool {
        var scanner = Scanner(Array(sql.utf8))
        scanner.skipSpaceAndComments(alsoSemicolons: true)
        return scanner.atEnd
    }

    /// The first `count` words of `sql` (letters and underscores),
    /// uppercased, skipping whitespace and `--` / `/* */` comments before
    /// and between them.
    static func leadingWords(of sql: String, count: Int) -> [String] {
        var scanner = Scanner(Array(sql.utf8))
        var words: [String] = []
        while words.count < count {
            scanner.skipSpaceAndComments(alsoSemicolons: false)
            guard let word = scanner.word() else { break }
            words.append(word.uppercased())
        }
        return words
    }

    /// The refusal of transaction control.
    static func transactionControlRefusal(_ keyword: String) -> PostgresError {
        .invalidArgument("transaction control (\(keyword)) is refused: every statement runs in its own "
            + "transaction")
    }

    /// The error of a statement the server failed: its message, `at
    /// offset N` (the byte offset from 0 in `sql` of PostgreSQL's statement
    /// position, as the SQLite plugin names its offsets), the SQLSTATE, and
    /// the table, column, constraint, detail and hint the server gives (no
    /// detail for data errors, which quotes row values). Without a result
    /// (the connection broke) it is an `io` error that says whether the
    /// statement may have run.
    ///
    /// - Parameters:
    ///   - sql: the caller's SQL, or nil when the failed statement is the
    ///     plugin's own (`FETCH`), whose positions mean nothing to the caller.
    ///   - prefix: text the plugin put before `sql` in the statement it
    ///     sent (`DECLARE ... FOR `), whose characters the server's position
    ///     counts too.
    static func failure(_ result: OpaquePointer?, on db: PGConnection, sql: String?, prefix: String = "",
                        outcomeUnknown: Bool = false) -> PostgresError {
        guard let result, let diagnostics = db.diagnostics(of: result) else {
            let message = db.redactor.redact(PGConnection.oneLine(String(cString: PQerrorMessage(db.handle))))
            let lost = !db.isAlive
            let outcome = outcomeUnknown && lost ? "; whether the statement committed is unknown" : ""
            return PostgresError(.io, (message.isEmpty ? "no answer from the server" : message)
                + (lost ? " (the connection to \(db.server) was lost\(outcome))" : ""),
                retryable: lost && !outcomeUnknown)
        }
        let state = diagnostics.sqlState ?? "XX000"
        let (code, retryable) = classify(sqlState: state)
        var place = ""
        if let sql, let position = PQresultErrorField(result, Int32(UInt8(ascii: "P"))).flatMap({ Int(String(cString: $0)) }),
           let offset = byteOffset(ofCharacter: position - prefix.unicodeScalars.count, in: sql) {
            place = " at offset \(offset)"
        }
        var notes = ["SQLSTATE \(state)"]
        var names: [String] = []
        if let table = diagnostics.table { names.append("table \"\(table)\"") }
        if let column = diagnostics.column { names.append("column \"\(column)\"") }
        if let constraint = diagnostics.constraint { names.append("constraint \"\(constraint)\"") }
        if !names.isEmpty { notes.append(names.joined(separator: ", ")) }
        let quotesValues = state.hasPrefix("22") || state.hasPrefix("23")
        if let detail = diagnostics.detail, !quotesValues { notes.append(PGConnection.oneLine(detail)) }
        if let hint = diagnostics.hint { notes.append("hint: \(PGConnection.oneLine(hint))") }
        if state == "42601", place.isEmpty { notes.append("pass one statement per call") }
        return PostgresError(code, "\(diagnostics.message)\(place) (\(notes.joined(separator: "; ")))",
                             sqlState: state, retryable: retryable)
    }

    /// The byte offset (from 0) in `sql` of PostgreSQL's statement
    /// position `character` (from 1, counted in characters), or nil when
    /// it lies outside `sql`.
    static func byteOffset(ofCharacter character: Int, in sql: String) -> Int? {
        guard character >= 1 else { return nil }
        let scalars = sql.unicodeScalars
        guard let index = scalars.index(scalars.startIndex, offsetBy: character - 1, limitedBy: scalars.endIndex)
        else { return nil }
        return sql.utf8.distance(from: sql.utf8.startIndex, to: index)
    }

    /// The contract's code for a SQLSTATE of a statement handed to execute
    /// or query: what the statement itself gets wrong is
    /// `invalidArgument` (class 42 but 42501: syntax, unknown table or
    /// column; class 0A: a feature PostgreSQL does not offer there; class
    /// 25: read-only transaction and transaction state; 2D000, 3D000,
    /// 3F000); everything else as for loads (``PostgresError/classify(sqlState:)``:
    /// classes 22 and 23 `data`, 42501 `permissionDenied`, ...).
    static func classify(sqlState state: String) -> (code: PluginError.Code, retryable: Bool) {
        let category = state.prefix(2)
        if category == "42", state != "42501" { return (.invalidArgument, false) }
        if category == "0A" || category == "25" { return (.invalidArgument, false) }
        if ["2D000", "3D000", "3F000"].contains(state) { return (.invalidArgument, false) }
        return PostgresError.classify(sqlState: state)
    }
}

/// A forward scanner over SQL text that knows whitespace, comments and
/// words, enough to find a statement's leading keywords.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    /// Skips whitespace, `-- ...` line comments, `/* ... */` comments
    /// (nested, as PostgreSQL allows) and, when asked, semicolons.
    mutating func skipSpaceAndComments(alsoSemicolons: Bool) {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || (alsoSemicolons && byte == UInt8(ascii: ";")) {
                index += 1
            } else if byte == UInt8(ascii: "-"), next(is: UInt8(ascii: "-")) {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            } else if byte == UInt8(ascii: "/"), next(is: UInt8(ascii: "*")) {
                var depth = 0
                repeat {
                    if bytes[index] == UInt8(ascii: "/"), next(is: UInt8(ascii: "*")) {
                        depth += 1
                        index += 2
                    } else if bytes[index] == UInt8(ascii: "*"), next(is: UInt8(ascii: "/")) {
                        depth -= 1
                        index += 2
                    } else {
                        index += 1
                    }
                } while depth > 0 && index < bytes.count
            } else {
                return
            }
        }
    }

    private func next(is byte: UInt8) -> Bool {
        index + 1 < bytes.count && bytes[index + 1] == byte
    }

    /// The ASCII word (letters, `_`) that starts here, if any.
    mutating func word() -> String? {
        let start = index
        while index < bytes.count {
            let byte = bytes[index] | 0x20
            guard (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || bytes[index] == UInt8(ascii: "_")
            else { break }
            index += 1
        }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }
}
