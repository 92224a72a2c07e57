import CPostgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Keeps passwords out of messages: every text the plugin reports that
/// could hold part of the connection string (libpq's errors, the server's
/// messages) goes through ``redact(_:)``, which replaces each known secret
/// with `***`.
///
/// The secrets are the password of the configured `url` (as written and
/// percent-decoded, from a URI or a `key=value` string) and `$PGPASSWORD`.
///
/// ```swift
/// let redactor = SecretRedactor(url: "postgresql://me:s3cr%40t@db/x")
/// redactor.redact("... s3cr@t ...")   // "... *** ..."
/// ```
package struct SecretRedactor: Sendable {
    /// The texts to hide, longest first (so that a secret containing
    /// another is hidden whole).
    package private(set) var secrets: [String]

    package init(url: String?, environment: [String: String] = SecretRedactor.processEnvironment()) {
        var found: Set<String> = []
        if let url, !url.isEmpty {
            found.formUnion(Self.passwordsWritten(in: url))
            if let parsed = Self.parsedPassword(url) { found.insert(parsed) }
        }
        if let password = environment["PGPASSWORD"] { found.insert(password) }
        secrets = found.filter { !$0.isEmpty }.sorted { $0.utf8.count > $1.utf8.count }
    }

    /// `text` with every secret replaced by `***`.
    package func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.split(separator: secret, omittingEmptySubsequences: false).joined(separator: "***")
        }
        return result
    }

    /// The password libpq reads from `url`, percent-decoded, if it parses.
    private static func parsedPassword(_ url: String) -> String? {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &message) else {
            PQfreemem(message)
            return nil
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val {
                return String(cString: value)
            }
            option += 1
        }
        return nil
    }

    /// Password-like parts of `url` as written: the part after `user:` in a
    /// URI's user info, and the value of `password=` (URI query or
    /// `key=value` string), percent-encoded or not.
    package static func passwordsWritten(in url: String) -> [String] {
        var found: [String] = []
        if let scheme = url.firstRange(of: "://") {
            let rest = url[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    found.append(String(userInfo[userInfo.index(after: colon)...]))
                }
            }
        }
        var search = url[...]
        while let range = search.firstRange(of: "password=") {
            var value = search[range.upperBound...]
            if value.hasPrefix("'") {
                value = value.dropFirst()
                found.append(String(value.prefix { $0 != "'" }))
            }
            found.append(String(value.prefix { $0 != "&" && $0 != " " }))
            search = value
        }
        return found + found.compactMap(percentDecoded)
    }

    /// `text` with `%XX` escapes decoded, or `nil` when it has none or
    /// they are not valid UTF-8.
    private static func percentDecoded(_ text: String) -> String? {
        guard text.contains("%") else { return nil }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.first {
            iterator = iterator.dropFirst()
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The variables of this process that libpq reads secrets from.
    package static func processEnvironment() -> [String: String] {
        guard let value = getenv("PGPASSWORD") else { return [:] }
        return ["PGPASSWORD": String(cString: value)]
    }
}
