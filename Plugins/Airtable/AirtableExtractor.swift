import ETLPluginKit

/// The Airtable extractor: one stream per table of a base, read through
/// Airtable's Web API (libcurl), with typed columns from the base schema.
///
/// - discover: `GET /v0/meta/bases/{base}/tables` gives the tables and
///   their fields; each field's Airtable type becomes a type hint and a
///   typed column (``FieldKind``). When the token cannot read the schema
///   (HTTP 403 there), the extractor falls back, once warned, to the tables
///   of config `tables` and emits each record as JSON for the host to type.
/// - read: pages of 100 records, paced and retried by ``AirtableAPI``,
///   assembled into batches by ``TableReader``.
/// - incremental: given a state `{"since": "<ISO time>"}`, a read lists only
///   the records modified after it (`filterByFormula=IS_AFTER(LAST_MODIFIED_TIME(),
///   '<since>')`); checkpoint() answers the time the completed read started,
///   minus `incremental_lookback_seconds`. The host upserts on `id`.
///
/// See docs/AIRTABLE.md.
final class AirtableExtractor: Extractor {
    static let version = "0.1.0"

    static let info = PluginInfo(
        name: "airtable", version: version,
        description: "Airtable bases through the Web API: one stream per table, typed from the base schema, "
            + "paced to the rate limit, incremental on the last-modified time",
        configSchema: AirtableConfig.schema,
        capabilities: [.incremental, .schemaHints, .keyListing])

    private let config: AirtableConfig
    private let host: HostContext
    private let api: AirtableAPI
    private var schema: Schema?
    private var reads: [String: StreamRead] = [:]

    /// What the extractor knows about the base's tables.
    private enum Schema {
        /// From the base schema: typed columns.
        case typed([AirtableTable])
        /// The token cannot read the schema: the configured tables, as records.
        case untyped([String])
    }

    init(config: PluginConfig, host: HostContext) throws {
        self.config = try AirtableConfig(config)
        self.host = host
        api = try AirtableAPI(config: self.config, host: host)
        if self.config.sendsTokenInClear {
            host.log(.warn, "api_url \(self.config.displayURL) is plain http to another machine: the token travels "
                + "unencrypted; use https")
        }
    }

    /// Reads the base schema (or, without the schema scope, one record of
    /// the first configured table).
    func check() throws {
        switch try loadSchema() {
        case .typed(let tables):
            _ = try selectedTables(tables)
        case .untyped(let tables):
            var query = AirtableAPI.ListQuery(pageSize: 1)
            query.view = config.view
            _ = try api.listRecords(table: tables[0], tableLabel: "\"\(tables[0])\"", query: query, offset: nil, page: 1)
        }
    }

    func discover() throws -> Catalog {
        switch try loadSchema() {
        case .typed(let tables):
            return Catalog(streams: try selectedTables(tables).map { table in
                CatalogStream(name: table.name, primaryKey: [ColumnNames.recordID],
                              fields: TypedRowWriter.catalogFields(of: table))
            })
        case .untyped(let tables):
            return Catalog(streams: tables.map { CatalogStream(name: $0, primaryKey: [ColumnNames.recordID]) })
        }
    }

    func read(stream: String, state: String?) throws -> any BatchSource {
        var query = AirtableAPI.ListQuery()
        query.view = config.view
        let previousState = try IncrementalState.parse(state)
        if let since = previousState {
            query.filterByFormula = IncrementalState.filter(since: since)
        }
        let progress = StreamRead(previousState: previousState.map(IncrementalState.json(since:)))
        reads[stream] = progress
        switch try loadSchema() {
        case .typed(let tables):
            guard let table = tables.first(where: { $0.name == stream }) ?? tables.first(where: { $0.id == stream }) else {
                throw PluginError.notFound("base \(config.base) has no table \"\(stream)\"; its tables: "
                    + tables.map { "\"\($0.name)\"" }.joined(separator: ", "))
            }
            host.log(.debug, "reading table \"\(table.name)\" (\(table.id)), \(table.fields.count) fields"
                + (previousState.map { ", modified after \($0)" } ?? ""))
            return TableReader(api: api, host: host, tableReference: table.id.isEmpty ? table.name : table.id,
                               tableName: table.name, query: query,
                               rows: .typed(TypedRowWriter(table: table, host: host)), progress: progress)
        case .untyped(let tables):
            guard tables.contains(stream) else {
                throw PluginError.notFound("stream \"\(stream)\" is not one of config \"tables\" ("
                    + tables.map { "\"\($0)\"" }.joined(separator: ", ") + ")")
            }
            return TableReader(api: api, host: host, tableReference: stream, tableName: stream, query: query,
                               rows: .records(RecordRowWriter(table: stream)), progress: progress)
        }
    }

    /// The id of every record of `stream` (in its view, when config `view`
    /// is set), for the host to detect deleted records: the same paced,
    /// retried listing as a full read (one request per 100 records), asking
    /// for a single cheap field so that pages stay small.
    func readKeys(stream: String) throws -> any BatchSource {
        var query = AirtableAPI.ListQuery()
        query.view = config.view
        let progress = StreamRead(previousState: nil)
        switch try loadSchema() {
        case .typed(let tables):
            guard let table = tables.first(where: { $0.name == stream }) ?? tables.first(where: { $0.id == stream }) else {
                throw PluginError.notFound("base \(config.base) has no table \"\(stream)\"; its tables: "
                    + tables.map { "\"\($0.name)\"" }.joined(separator: ", "))
            }
            query.fields = KeyRowWriter.cheapestField(of: table).map { [$0] }
            host.log(.debug, "listing the record ids of table \"\(table.name)\" (\(table.id))")
            return TableReader(api: api, host: host, tableReference: table.id.isEmpty ? table.name : table.id,
                               tableName: table.name, query: query, rows: .keys, progress: progress)
        case .untyped(let tables):
            guard tables.contains(stream) else {
                throw PluginError.notFound("stream \"\(stream)\" is not one of config \"tables\" ("
                    + tables.map { "\"\($0)\"" }.joined(separator: ", ") + ")")
            }
            // Without the schema no field name is known to exist: whole records.
            return TableReader(api: api, host: host, tableReference: stream, tableName: stream, query: query,
                               rows: .keys, progress: progress)
        }
    }

    /// `{"since": "…"}` once the last read of `stream` completed: the time
    /// it started minus the lookback. Before that (a read that stopped
    /// half-way), the state it was given, so nothing unread is skipped.
    func checkpoint(stream: String) throws -> String? {
        guard let read = reads[stream] else { return nil }
        guard read.completed, let start = read.startMicroseconds else { return read.previousState }
        let since = start - Int64(config.incrementalLookbackSeconds * 1_000_000)
        return IncrementalState.json(since: CalendarTime.format(microseconds: since))
    }

    // MARK: Schema

    /// The base schema, read once per instance.
    private func loadSchema() throws(PluginError) -> Schema {
        if let schema { return schema }
        let loaded: Schema
        do throws(PluginError) {
            switch try api.baseSchema() {
            case .json(let body):
                loaded = .typed(try BaseSchema.parse(body, base: config.base))
            case .iteratorExpired:
                throw PluginError.io("reading the schema of base \(config.base): unexpected answer "
                    + "LIST_RECORDS_ITERATOR_NOT_AVAILABLE", retryable: true)
            }
        } catch let error where error.code == .permissionDenied {
            guard let tables = config.tables else {
                throw PluginError(.permissionDenied, "\(error.message). Without the schema.bases:read scope the "
                    + "tables cannot be listed: give config \"tables\" (names or ids) to read them with inferred "
                    + "types, or add the scope for typed columns")
            }
            host.log(.warn, "the token cannot read the schema of base \(config.base) (HTTP 403 on "
                + "/v0/meta/bases/\(config.base)/tables): reading the tables of config \"tables\" without "
                + "Airtable's field types; the host infers the column types, omitted cells load as NULL (unchecked "
                + "checkboxes too) and fields without any value get no column. Add the schema.bases:read scope to the "
                + "token for typed columns")
            loaded = .untyped(tables)
        }
        schema = loaded
        return loaded
    }

    /// The tables of config `tables` in its order, or all of them.
    private func selectedTables(_ tables: [AirtableTable]) throws(PluginError) -> [AirtableTable] {
        guard let wanted = config.tables else { return tables }
        return try wanted.map { (name: String) throws(PluginError) -> AirtableTable in
            guard let table = tables.first(where: { $0.name == name }) ?? tables.first(where: { $0.id == name }) else {
                throw PluginError.notFound("config \"tables\": base \(config.base) has no table \"\(name)\"; its "
                    + "tables: " + tables.map { "\"\($0.name)\"" }.joined(separator: ", "))
            }
            return table
        }
    }
}

/// The incremental state: `{"since": "2024-05-01T10:00:00.000Z"}`.
enum IncrementalState {
    /// The `since` of a state; `nil` for no state (or JSON `null`).
    ///
    /// - Throws: ``PluginError/Code/invalidArgument`` for anything else.
    static func parse(_ state: String?) throws(PluginError) -> String? {
        guard let state else { return nil }
        let value: JSONValue
        do {
            value = try JSONValue(jsonText: state)
        } catch {
            throw PluginError.invalidArgument("the saved state is not valid JSON (\(error.description)); expected "
                + #"{"since": "<ISO 8601 time>"}"#)
        }
        if value == .null { return nil }
        guard case .string(let since)? = value["since"],
              let micros = since.utf8.withContiguousStorageIfAvailable({ CalendarTime.timestamp(UnsafeRawBufferPointer($0)) }) ?? nil
        else {
            throw PluginError.invalidArgument(#"the saved state must be {"since": "<ISO 8601 time>"}; "#
                + "run once without --incremental to start over")
        }
        // Written back in one canonical form, so nothing but a time reaches the formula.
        return CalendarTime.format(microseconds: micros)
    }

    /// The formula that keeps records modified after `since` (canonical form).
    static func filter(since: String) -> String {
        "IS_AFTER(LAST_MODIFIED_TIME(), '\(since)')"
    }

    static func json(since: String) -> String {
        "{\"since\":\"\(since)\"}"
    }
}
