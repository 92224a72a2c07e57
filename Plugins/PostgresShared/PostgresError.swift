import ETLPluginKit

/// The one error type of the PostgreSQL warehouse: what failed, the
/// server's SQLSTATE and message when the server answered, and the
/// contract's status code for it.
///
/// Everything in the plugin throws it; ``pluginError`` turns it into the
/// kit's ``PluginError`` where the plugin hands control back to the kit.
/// Its message never holds a password (every server message goes through
/// the connection's ``SecretRedactor``) nor, for data errors, the server's
/// DETAIL (it quotes row values).
///
/// ```swift
/// // table "orders": loading rows 1-65536 (COPY) failed: invalid input syntax for
/// // type json (SQLSTATE 22P02; column "doc", row 3)
/// throw PostgresError.server(result: failed, what: "table \"orders\": loading rows 1-65536 (COPY)")
/// ```
package struct PostgresError: Error, CustomStringConvertible {
    /// The contract's status for the failure.
    package var code: PluginError.Code
    /// The whole message (the host names the plugin; it does not).
    package var message: String
    /// The server's five-character SQLSTATE, when the server reported one.
    package var sqlState: String?
    /// Whether the same operation may succeed if retried later.
    package var retryable: Bool

    package init(_ code: PluginError.Code, _ message: String, sqlState: String? = nil, retryable: Bool = false) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.retryable = retryable
    }

    package var description: String { message }

    /// The kit's error, with the same code, message and retryability, and
    /// the SQLSTATE as ABI 1.2's error detail (`etl_error_detail.sqlstate`),
    /// so the host can show and match it without parsing the message.
    package var pluginError: PluginError { PluginError(code, message, retryable: retryable, sqlstate: sqlState) }

    /// This error, or a ``PluginError`` from the kit (config parsing)
    /// carried over; anything else is unknown.
    package static func wrapping(_ error: any Error) -> PostgresError {
        switch error {
        case let error as PostgresError: error
        case let error as PluginError: PostgresError(error.code, error.message, sqlState: error.sqlstate, retryable: error.retryable)
        default: PostgresError(.unknown, String(describing: error))
        }
    }

    /// A ``PluginError/Code/invalidArgument`` error.
    package static func invalidArgument(_ message: String) -> PostgresError { PostgresError(.invalidArgument, message) }

    /// A ``PluginError/Code/data`` error: a value that cannot be stored.
    package static func data(_ message: String) -> PostgresError { PostgresError(.data, message) }

    /// A ``PluginError/Code/internal`` error: a bug in the plugin.
    package static func internalError(_ message: String) -> PostgresError { PostgresError(.internal, message) }

    /// The contract's code for a SQLSTATE, and whether a retry may help.
    ///
    /// | SQLSTATE | code | retryable |
    /// | --- | --- | --- |
    /// | class 08 (connection), 57P01-57P03 (shutdown) | io | yes |
    /// | 40001, 40P01 (serialization failure, deadlock) | io | yes |
    /// | 55P03 (lock not available) | io | yes |
    /// | class 28 (authorization) | unauthenticated | no |
    /// | 42501 (insufficient privilege) | permissionDenied | no |
    /// | classes 22 (data), 23 (integrity), 21000 | data | no |
    /// | class 53 (resources) | resourceExhausted | 53300 only |
    /// | 57014 (query canceled) | cancelled | no |
    /// | 3D000, 3F000, 42P01, 42703 (no such database, schema, table, column) | notFound | no |
    /// | 0A (feature not supported) | unsupported | no |
    /// | 2BP01, 42P07, 42701, class 54 (limits) | invalidArgument | no |
    /// | class XX (internal) | internal | no |
    /// | anything else | io | no |
    package static func classify(sqlState state: String) -> (code: PluginError.Code, retryable: Bool) {
        let category = String(state.prefix(2))
        switch state {
        case "40001", "40P01", "55P03", "57P01", "57P02", "57P03": return (.io, true)
        case "42501": return (.permissionDenied, false)
        case "57014": return (.cancelled, false)
        case "53300": return (.resourceExhausted, true)
        case "21000": return (.data, false)
        case "3D000", "3F000", "42P01", "42703": return (.notFound, false)
        case "2BP01", "42P07", "42701": return (.invalidArgument, false)
        default: break
        }
        switch category {
        case "08": return (.io, true)
        case "28": return (.unauthenticated, false)
        case "22", "23": return (.data, false)
        case "53": return (.resourceExhausted, false)
        case "0A": return (.unsupported, false)
        case "54": return (.invalidArgument, false)
        case "XX": return (.internal, false)
        default: return (.io, false)
        }
    }
}

/// What the server said about a failed statement, read from the result's
/// error fields (`PQresultErrorField`).
package struct ServerDiagnostics {
    package var sqlState: String?
    /// The primary message (`PG_DIAG_MESSAGE_PRIMARY`), one line.
    package var message: String
    package var detail: String?
    package var hint: String?
    package var table: String?
    package var column: String?
    package var constraint: String?
    /// `PG_DIAG_CONTEXT`, e.g. `COPY t, line 3, column doc: "x"`.
    package var context: String?

    /// The 1-based row and the column of a COPY error, from its context
    /// (`COPY name, line N, column C` or `COPY name, line N`), without the
    /// value the server may quote after it.
    package var copyPosition: (row: Int64, column: String?)? {
        guard let context else { return nil }
        for line in context.split(separator: "\n") where line.hasPrefix("COPY ") {
            guard let range = line.firstRange(of: ", line ") else { continue }
            let rest = line[range.upperBound...]
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard let row = Int64(digits) else { continue }
            var column: String?
            let after = rest.dropFirst(digits.count)
            if after.hasPrefix(", column ") {
                var name = after.dropFirst(", column ".count)
                if let colon = name.firstRange(of: ": ") { name = name[..<colon.lowerBound] }
                column = String(name)
            }
            return (row, column)
        }
        return nil
    }
}
