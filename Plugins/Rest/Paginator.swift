import ETLPluginKit

/// How a resource's pages follow one another.
enum Paginator {
    /// One request, one page.
    case none
    /// The next page's URL is in the `Link` header with `rel="next"` (RFC 8288).
    case linkHeader
    /// The next page's URL is in the answer at `path`; a missing, null or empty value ends.
    case nextURL(path: JSONPath)
    /// An opaque cursor is in the answer at `path`; it is sent back as `param`
    /// (a query parameter, or a member of a POST's body); a missing, null or
    /// empty cursor ends.
    case cursor(path: JSONPath, param: String, inBody: Bool)
    /// `offset_param`/`limit_param` query parameters; ends on a page with fewer
    /// than `limit` records, or when the offset reaches the total at `totalPath`.
    case offset(limit: Int, offsetParam: String, limitParam: String, start: Int, totalPath: JSONPath?)
    /// A page-number query parameter from `start`; ends on an empty page, or
    /// after the page count at `totalPath`.
    case pageNumber(param: String, start: Int, totalPath: JSONPath?)

    /// The kinds, as written in `paginator.type`.
    enum Kind: String, CaseIterable {
        case none, linkHeader = "link_header", nextURL = "next_url", cursor, offset, pageNumber = "page_number"
    }

    /// Reads a paginator from config; `nil` when `value` is absent.
    init?(_ value: JSONValue?, place: String) throws(PluginError) {
        guard let value, value != .null else { return nil }
        let members: [String: JSONValue]
        if let name = value.stringValue {
            members = ["type": .string(name)]
        } else if let object = value.objectValue {
            members = object
        } else {
            throw PluginError.invalidArgument("\(place) must be a type name or an object such as {\"type\": \"link_header\"}")
        }
        let allowed: Set<String> = ["type", "path", "param", "in", "limit", "offset_param", "limit_param", "start", "total_path"]
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PluginError.invalidArgument("\(place) has an unknown key \"\(unknown)\" (keys: "
                + allowed.sorted().joined(separator: ", ") + ")")
        }
        guard let typeName = members["type"]?.stringValue, let kind = Kind(rawValue: typeName) else {
            throw PluginError.invalidArgument("\(place): \"type\" must be one of "
                + Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        func path(_ key: String, required: Bool) throws(PluginError) -> JSONPath? {
            guard let text = members[key]?.stringValue else {
                if required { throw PluginError.invalidArgument("\(place): \"\(key)\" is needed by type \(typeName)") }
                return nil
            }
            return try JSONPath(text, place: "\(place), \"\(key)\"")
        }
        func integer(_ key: String, default fallback: Int) throws(PluginError) -> Int {
            guard let member = members[key] else { return fallback }
            guard case .integer(let number) = member, number >= 0, number <= 1_000_000_000 else {
                throw PluginError.invalidArgument("\(place): \"\(key)\" must be a whole number from 0")
            }
            return Int(number)
        }
        switch kind {
        case .none: self = .none
        case .linkHeader: self = .linkHeader
        case .nextURL: self = .nextURL(path: try path("path", required: true)!)
        case .cursor:
            let cursorPath = try path("path", required: true)!
            let inBody: Bool
            switch members["in"]?.stringValue ?? "query" {
            case "query": inBody = false
            case "body": inBody = true
            default: throw PluginError.invalidArgument("\(place): \"in\" must be \"query\" or \"body\"")
            }
            self = .cursor(path: cursorPath, param: members["param"]?.stringValue ?? cursorPath.keys.last ?? "cursor",
                           inBody: inBody)
        case .offset:
            let limit = try integer("limit", default: 100)
            guard limit > 0 else { throw PluginError.invalidArgument("\(place): \"limit\" must be at least 1") }
            self = .offset(limit: limit, offsetParam: members["offset_param"]?.stringValue ?? "offset",
                           limitParam: members["limit_param"]?.stringValue ?? "limit",
                           start: try integer("start", default: 0), totalPath: try path("total_path", required: false))
        case .pageNumber:
            self = .pageNumber(param: members["param"]?.stringValue ?? "page", start: try integer("start", default: 1),
                               totalPath: try path("total_path", required: false))
        }
    }

    /// The URL of `rel="next"` in a `Link` header value, if any.
    static func nextLink(in header: String) -> String? {
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingSpacesAndQuotes }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = pieces.dropFirst().contains { piece in
                let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingSpacesAndQuotes }
                return pair.count == 2 && pair[0].lowercased() == "rel"
                    && pair[1].split(separator: " ").contains { $0.lowercased() == "next" }
            }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }
}

extension Substring {
    /// Without surrounding spaces and double quotes.
    fileprivate var trimmingSpacesAndQuotes: String {
        var text = self
        while let first = text.first, first == " " || first == "\t" || first == "\"" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\"" { text.removeLast() }
        return String(text)
    }
}
