import ETLPluginKit

/// One stream of the REST extractor: an endpoint, how to find the records
/// in its answer, and how to page through it.
struct RestResource {
    /// The stream name.
    let name: String
    /// The path under `base_url` (`/users`), or an absolute URL.
    let path: String
    /// GET or POST.
    let method: Method
    /// The JSON body of a POST (its text), `nil` for none.
    let body: JSONValue?
    /// Query parameters of this resource, after the config's.
    let params: [(String, String)]
    /// Where the list of records is in an answer (``JSONPath``); the root
    /// when empty (an answer that is a list).
    let records: JSONPath
    /// The primary key columns, if any.
    let primaryKey: [String]?
    /// Type hints by field name.
    let types: [CatalogField]
    /// How to get the next page.
    let paginator: Paginator
    /// The incremental read, `nil` for a full read each run.
    let incremental: IncrementalSpec?
    /// The levels of nested objects spread into `a__b` members
    /// (`flatten_depth`; 0: nested objects stay one JSON value).
    let flattenDepth: Int
    /// For a child resource (`/posts/{posts.id}/comments`): the parent
    /// resource and the field of its records that fills the placeholder.
    let parent: ParentReference?

    /// A placeholder `{resource.field}` in a child's path.
    struct ParentReference {
        /// The parent resource's name.
        let resource: String
        /// The parent record's field.
        let field: String
        /// The placeholder as written, `{posts.id}`.
        let placeholder: String
        /// The member each child record gets: `_posts_id`.
        var column: String { "_\(resource)_\(field)" }
    }

    /// The request methods a resource may use.
    enum Method: String, CaseIterable { case get = "GET", post = "POST" }

    init(_ value: JSONValue, index: Int, defaultPaginator: Paginator, defaultFlattenDepth: Int = 0) throws(PluginError) {
        let place = "config \"resources\"[\(index)]"
        guard let members = value.objectValue else {
            throw PluginError.invalidArgument("\(place) must be an object such as {\"name\": \"users\", \"path\": \"/users\"}")
        }
        let allowed: Set<String> = ["name", "path", "method", "body", "params", "records", "primary_key", "types", "paginator", "incremental",
                                    "flatten_depth"]
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PluginError.invalidArgument("\(place) has an unknown key \"\(unknown)\" (keys: "
                + allowed.sorted().joined(separator: ", ") + ")")
        }
        guard let name = members["name"]?.stringValue, !name.isEmpty else {
            throw PluginError.invalidArgument("\(place).name is missing: give the stream's name")
        }
        self.name = name
        let place2 = "resource \"\(name)\""
        guard let path = members["path"]?.stringValue else {
            throw PluginError.invalidArgument("\(place2): \"path\" is missing (e.g. \"/users\")")
        }
        self.path = path
        parent = try Self.parentReference(in: path, place: place2)
        let methodName = (members["method"]?.stringValue ?? "GET").uppercased()
        guard let method = Method(rawValue: methodName) else {
            throw PluginError.invalidArgument("\(place2): \"method\" must be GET or POST (got \"\(methodName)\")")
        }
        self.method = method
        body = members["body"]
        if body != nil, method == .get {
            throw PluginError.invalidArgument("\(place2): \"body\" needs \"method\": \"POST\"")
        }
        params = try RestConfig.stringMap(members["params"], key: "resources[\(index)].params")
        records = try JSONPath(members["records"]?.stringValue ?? "", place: "\(place2), \"records\"")
        if let key = members["primary_key"] {
            if let single = key.stringValue {
                primaryKey = [single]
            } else if let list = key.stringArrayValue, !list.isEmpty {
                primaryKey = list
            } else {
                throw PluginError.invalidArgument("\(place2): \"primary_key\" must be a field name or a list of them")
            }
        } else {
            primaryKey = nil
        }
        var types: [CatalogField] = []
        if let hints = members["types"] {
            guard let object = hints.objectValue else {
                throw PluginError.invalidArgument("\(place2): \"types\" must be an object of field names and types")
            }
            for field in object.keys.sorted() {
                guard let text = object[field]?.stringValue, let hint = FieldTypeHint(rawValue: text) else {
                    throw PluginError.invalidArgument("\(place2): \"types\".\(field) must be one of "
                        + FieldTypeHint.allCases.map(\.rawValue).joined(separator: ", "))
                }
                types.append(CatalogField(name: field, type: hint))
            }
        }
        self.types = types
        paginator = try Paginator(members["paginator"], place: "\(place2), \"paginator\"") ?? defaultPaginator
        incremental = try members["incremental"].map { (value) throws(PluginError) in
            try IncrementalSpec(value, place: "\(place2), \"incremental\"")
        }
        flattenDepth = try Self.flattenDepth(members["flatten_depth"], place: "\(place2): \"flatten_depth\"") ?? defaultFlattenDepth
        if case .cursor(_, _, true) = paginator, method != .post {
            throw PluginError.invalidArgument("\(place2): a cursor sent in the body (\"in\": \"body\") needs \"method\": \"POST\"")
        }
    }
}

extension RestResource {
    /// The deepest `flatten_depth` accepted.
    static let maximumFlattenDepth = 16

    /// A `flatten_depth` value: an integer from 0 to ``maximumFlattenDepth``, `nil` when absent.
    static func flattenDepth(_ value: JSONValue?, place: String) throws(PluginError) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .integer(let depth)? where (0...Int64(maximumFlattenDepth)).contains(depth): return Int(depth)
        case .string(let text)? where Int(text).map({ (0...maximumFlattenDepth).contains($0) }) == true: return Int(text)
        default:
            throw PluginError.invalidArgument("\(place) must be an integer from 0 to \(maximumFlattenDepth) "
                + "(the levels of nested objects spread into a__b columns)")
        }
    }

    /// The `{resource.field}` placeholder of `path`, if any (at most one).
    static func parentReference(in path: String, place: String) throws(PluginError) -> ParentReference? {
        guard let open = path.firstIndex(of: "{") else { return nil }
        guard let close = path[open...].firstIndex(of: "}") else {
            throw PluginError.invalidArgument("\(place): \"path\" has a \"{\" without its \"}\"")
        }
        let inside = path[path.index(after: open)..<close]
        let parts = inside.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw PluginError.invalidArgument("\(place): the placeholder {\(inside)} of \"path\" must name a resource "
                + "and a field of its records, e.g. /posts/{posts.id}/comments")
        }
        guard !path[path.index(after: close)...].contains("{") else {
            throw PluginError.invalidArgument("\(place): \"path\" may hold one {resource.field} placeholder")
        }
        return ParentReference(resource: parts[0], field: parts[1], placeholder: "{\(inside)}")
    }
}

/// A dotted path to a value in a JSON answer: `data.items`, `meta.next`.
/// Empty (or `$`) is the answer itself.
struct JSONPath: CustomStringConvertible {
    /// The member names, outermost first.
    let keys: [String]

    init(_ text: String, place: String) throws(PluginError) {
        var text = text
        if text.hasPrefix("$") { text.removeFirst(); if text.hasPrefix(".") { text.removeFirst() } }
        keys = text.isEmpty ? [] : text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !keys.contains(where: \.isEmpty) else {
            throw PluginError.invalidArgument("\(place): \"\(text)\" is not a dotted path such as data.items")
        }
    }

    var description: String { keys.isEmpty ? "$" : keys.joined(separator: ".") }
}
