import ETLHTTPShared
import ETLPluginKit

/// The batches of one resource: one page per batch, each record of the
/// page's list emitted byte for byte as a JSON record (`_record`,
/// `etl.record = 1`) for the host to flatten and type, as the JSON Lines
/// extractor does; the resource's ``Paginator`` says which page comes next.
final class ResourceReader: BatchSource {
    /// The name of the record column.
    static let recordColumn = "_record"
    let schema = ArrowBatchSchema([ArrowField(ResourceReader.recordColumn, .utf8, annotation: .record, nullable: false)])

    private let resource: RestResource
    private let client: RestClient
    private let host: HostContext
    private let pathScanner = JSONObjectScanner()
    /// The next request, `nil` once the last page was read.
    private var next: (target: RestClient.Target, body: [UInt8])?
    /// The offset or page number of the next page (offset and page-number paginators).
    private var position: Int
    private var pages = 0
    private var records = 0
    private let recordScanner = JSONObjectScanner()
    private var prefixed: [UInt8] = []
    /// Spreads nested objects into `a__b` members (`flatten_depth`), `nil` at depth 0.
    private let flattener: NestedObjectFlattener?
    /// The value sent as the incremental parameter (nil: none).
    private let incrementalValue: String?
    /// The largest cursor read so far (incremental resources).
    private(set) var largestCursor: CursorValue?
    /// Whether the last page was read.
    private(set) var completed = false
    /// The path read: the resource's, or a child's with its parent's value filled in.
    private let path: String
    /// Inserted at the start of each record (a child's parent key member, `"_posts_id":1,`).
    private let recordPrefix: [UInt8]
    /// When set, each record's value of this field is kept in ``collected`` (a parent's key).
    var collectField: String?
    /// The raw JSON values of ``collectField`` (null and missing skipped).
    private(set) var collected: [[UInt8]] = []

    /// A reader of `resource`; `incrementalValue` is sent as the incremental parameter.
    /// `path` replaces the resource's (a child's, filled in); `recordPrefix`
    /// is a JSON member (with its comma) inserted at the start of each record.
    init(resource: RestResource, client: RestClient, host: HostContext, incrementalValue: String?,
         path: String? = nil, recordPrefix: [UInt8] = []) throws(PluginError) {
        self.resource = resource
        self.incrementalValue = incrementalValue
        self.path = path ?? resource.path
        self.recordPrefix = recordPrefix
        self.client = client
        self.host = host
        flattener = resource.flattenDepth > 0 ? NestedObjectFlattener(depth: resource.flattenDepth) : nil
        switch resource.paginator {
        case .offset(_, _, _, let start, _), .pageNumber(_, let start, _): position = start
        default: position = 0
        }
        next = (target(parameters: pageParameters(cursor: nil)), try body(cursor: nil))
    }

    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        guard let request = next else { return false }
        let page = try client.send(resource.method == .get ? .get : .post, request.target, body: request.body,
                                   stream: resource.name)
        pages += 1
        let place = "resource \"\(resource.name)\", \(request.target.shown)"
        let count = try appendRecords(page.body, place: place, into: builder)
        records += count
        next = try following(page, recordCount: count, place: place)
        host.progress(stream: resource.name, rowsDone: Int64(records))
        if next == nil {
            completed = true
            host.log(.info, "resource \"\(resource.name)\": \(records) \(records == 1 ? "record" : "records") in \(pages) "
                + "\(pages == 1 ? "page" : "pages")\(client.retries > 0 ? " (\(client.retries) retries so far)" : "")")
        }
        return true
    }

    // MARK: Records

    /// Appends the records of a page's list; returns how many.
    private func appendRecords(_ body: UnsafeRawBufferPointer, place: String,
                               into builder: ArrowBatchBuilder) throws(PluginError) -> Int {
        guard let list = try value(at: resource.records, in: body, place: place) else {
            throw PluginError.data("\(place): the answer has no list at \"records\" path \(resource.records)")
        }
        if list.kind == .null { return 0 }
        guard list.kind == .array else {
            throw PluginError.data("\(place): the value at \"records\" path \(resource.records) is "
                + "\(list.kind.foundDescription), not a list")
        }
        var count = 0
        try JSONText.forEachElement(of: list.raw) { element throws(PluginError) in
            count += 1
            guard element.first == UInt8(ascii: "{") else {
                throw PluginError.data("\(place): record \(count) of the list is not a JSON object")
            }
            if resource.incremental != nil || collectField != nil {
                let record = try members(of: element, position: count, place: place)
                if let spec = resource.incremental { try noteCursor(of: record, spec: spec, position: count, place: place) }
                if let collectField { collect(collectField, of: record) }
            }
            if let flattener {
                do throws(FlattenFailure) {
                    try flattener.flatten(element)
                } catch {
                    throw PluginError.data("\(place): record \(count) of the list: \(error.message)")
                }
                flattener.output.withUnsafeBytes { append($0, into: builder) }
            } else {
                append(element, into: builder)
            }
            try builder.endRow()
        }
        return count
    }

    /// Appends one record's JSON text, with ``recordPrefix`` inserted.
    private func append(_ record: UnsafeRawBufferPointer, into builder: ArrowBatchBuilder) {
        if recordPrefix.isEmpty {
            builder.appendUTF8(record, validate: false)
            return
        }
        prefixed.removeAll(keepingCapacity: true)
        prefixed.append(UInt8(ascii: "{"))
        prefixed.append(contentsOf: recordPrefix)
        let rest = record.dropFirst().drop { [0x20, 0x0A, 0x0D, 0x09].contains($0) }
        if rest.first == UInt8(ascii: "}") { prefixed.removeLast() } // {} : no comma after the member
        prefixed.append(contentsOf: rest)
        prefixed.withUnsafeBytes { builder.appendUTF8($0, validate: false) }
    }

    /// The members of one record of the list, scanned once for the cursor
    /// and the child resources' parent keys.
    private func members(of element: UnsafeRawBufferPointer, position: Int, place: String) throws(PluginError) -> JSONMembers {
        do throws(JSONError) {
            return try recordScanner.scan(element)
        } catch {
            throw PluginError.data("\(place): record \(position) of the list is not a JSON object (\(error.message))")
        }
    }

    /// Keeps the record's value of `field` in ``collected``.
    private func collect(_ field: String, of record: JSONMembers) {
        guard let member = record[field], member.kind != .null else { return }
        collected.append(Array(member.raw))
    }

    /// Keeps the record's cursor when it is past the largest so far; a null
    /// or missing cursor moves nothing.
    private func noteCursor(of record: JSONMembers, spec: IncrementalSpec, position: Int,
                            place: String) throws(PluginError) {
        guard let member = record[spec.cursorField] else { return }
        let text: String
        switch member.kind {
        case .string: text = member.stringValue ?? ""
        case .number: text = member.rawText
        case .null: return
        default:
            throw PluginError.data("\(place): record \(position): the cursor field \"\(spec.cursorField)\" is "
                + "\(member.kind.foundDescription), not a string or a number")
        }
        let value = CursorValue(text)
        if largestCursor.map({ $0.isBefore(value) }) ?? true { largestCursor = value }
    }

    /// A value found by a ``JSONPath``: its kind and raw text (in `body`).
    struct Found {
        var kind: JSONValueKind
        var raw: UnsafeRawBufferPointer
        /// A string's content, or a number's text.
        var text: String?
    }

    /// The value at `path` in `body`, `nil` when a member on the way is missing.
    private func value(at path: JSONPath, in body: UnsafeRawBufferPointer, place: String) throws(PluginError) -> Found? {
        if path.keys.isEmpty {
            var start = 0
            while start < body.count, [0x20, 0x0A, 0x0D, 0x09].contains(body[start]) { start += 1 }
            let kind: JSONValueKind = start < body.count && body[start] == UInt8(ascii: "[") ? .array
                : start < body.count && body[start] == UInt8(ascii: "{") ? .object : .string
            return Found(kind: kind, raw: UnsafeRawBufferPointer(rebasing: body[start...]), text: nil)
        }
        var current = body
        for (index, key) in path.keys.enumerated() {
            let members: JSONMembers
            do throws(JSONError) {
                members = try pathScanner.scan(current)
            } catch {
                let where_ = index == 0 ? "the answer" : "the value at \(path.keys[..<index].joined(separator: "."))"
                throw PluginError.data("\(place): \(where_) is not a JSON object, so path \(path) cannot be followed")
            }
            guard let member = members[key] else { return nil }
            if index == path.keys.count - 1 {
                let text: String? = switch member.kind {
                case .string: member.stringValue
                case .number: member.rawText
                default: nil
                }
                return Found(kind: member.kind, raw: member.raw, text: text)
            }
            current = member.raw
        }
        return nil
    }

    // MARK: Pages

    /// The request for the page after `page`, `nil` when it was the last.
    private func following(_ page: RestClient.Page, recordCount: Int,
                           place: String) throws(PluginError) -> (RestClient.Target, [UInt8])? {
        switch resource.paginator {
        case .none:
            return nil
        case .linkHeader:
            guard let link = page.link, let url = Paginator.nextLink(in: link) else { return nil }
            return (client.target(absolute(url), parameters: []), try body(cursor: nil))
        case .nextURL(let path):
            guard let url = try value(at: path, in: page.body, place: place)?.text, !url.isEmpty else { return nil }
            return (client.target(absolute(url), parameters: []), try body(cursor: nil))
        case .cursor(let path, _, _):
            guard let cursor = try value(at: path, in: page.body, place: place)?.text, !cursor.isEmpty else { return nil }
            return (target(parameters: pageParameters(cursor: cursor)), try body(cursor: cursor))
        case .offset(let limit, _, _, _, let totalPath):
            if recordCount < limit { return nil }
            position += limit
            if let totalPath, let total = try value(at: totalPath, in: page.body, place: place)?.text.flatMap({ Int($0) }),
               position >= total {
                return nil
            }
            return (target(parameters: pageParameters(cursor: nil)), try body(cursor: nil))
        case .pageNumber(_, let start, let totalPath):
            if recordCount == 0 { return nil }
            // `total` counts pages: the pages read so far are position - start + 1.
            if let totalPath, let total = try value(at: totalPath, in: page.body, place: place)?.text.flatMap({ Int($0) }),
               position - start + 1 >= total {
                return nil
            }
            position += 1
            return (target(parameters: pageParameters(cursor: nil)), try body(cursor: nil))
        }
    }

    /// The paginator's query parameters for the next page.
    private func pageParameters(cursor: String?) -> [(String, String)] {
        switch resource.paginator {
        case .none, .linkHeader, .nextURL: []
        case .cursor(_, let param, let inBody): (cursor == nil || inBody) ? [] : [(param, cursor!)]
        case .offset(let limit, let offsetParam, let limitParam, _, _): [(offsetParam, String(position)), (limitParam, String(limit))]
        case .pageNumber(let param, _, _): [(param, String(position))]
        }
    }

    /// The resource's URL with its parameters and `parameters`.
    private func target(parameters: [(String, String)]) -> RestClient.Target {
        var incremental: [(String, String)] = []
        if let spec = resource.incremental, let incrementalValue { incremental = [(spec.param, incrementalValue)] }
        return client.target(absolute(path), parameters: resource.params + incremental + parameters)
    }

    /// `url` when absolute, else under `base_url` (a path) or the base's origin (a path from the root).
    private func absolute(_ url: String) -> String {
        if url.hasPrefix("http://") || url.hasPrefix("https://") { return url }
        let base = client.config.baseURL
        if url.hasPrefix("/"), path != url || path.isEmpty {
            // A path from the server (a next link): relative to the origin.
            let scheme = base.hasPrefix("https://") ? "https://" : "http://"
            let rest = base.dropFirst(scheme.count)
            return scheme + String(rest.prefix { $0 != "/" }) + url
        }
        return base + (url.hasPrefix("/") || url.isEmpty ? "" : "/") + url
    }

    /// The JSON body of a POST: the resource's `body`, with the cursor when
    /// the paginator sends it in the body.
    private func body(cursor: String?) throws(PluginError) -> [UInt8] {
        guard resource.method == .post else { return [] }
        var value = resource.body ?? .object([:])
        if let cursor, case .cursor(_, let param, true) = resource.paginator {
            guard case .object(var members) = value else {
                throw PluginError.invalidArgument("resource \"\(resource.name)\": the cursor goes in the body, so "
                    + "\"body\" must be an object")
            }
            members[param] = .string(cursor)
            value = .object(members)
        }
        return Array(value.description.utf8)
    }
}
