import ETLPluginKit
import ETLPostgresShared

/// The PostgreSQL extractor: every table and view of the configured
/// schemas (or the listed tables, or configured queries) as a stream,
/// typed from the catalog, read with binary `COPY ... TO STDOUT`, all
/// streams of a run in one `REPEATABLE READ READ ONLY` snapshot (exported
/// to the instances of parallel streams, see ``ReadSnapshot``).
///
/// A stream with a `cursor` is incremental: each read continues after the
/// (cursor, key) of the last row the previous run read (keyset order), and
/// ``checkpoint(stream:)`` answers the position of the last row of the
/// batches returned so far. See README.md for the type mapping.
final class PostgresExtractor: Extractor {
    static let info = PluginInfo(
        name: "postgres", version: "0.1.0",
        description: "PostgreSQL tables, views and queries (libpq): binary COPY, typed from the catalog, "
            + "incremental by a cursor column (keyset), one snapshot per run",
        configSchema: PostgresSourceConfig.schema,
        capabilities: [.incremental, .schemaHints, .keyListing, .parallelStreams])

    private let config: PostgresSourceConfig
    private let host: HostContext
    private let db: PGConnection
    private let snapshot: ReadSnapshot
    /// Per stream: the position of the last row returned (incremental
    /// streams), or the state the read started from.
    private var positions: [String: KeysetPosition] = [:]
    /// The streams discover() found, by name: a read uses them, so a table
    /// dropped since then is named as such rather than as an unknown stream.
    private var discovered: [String: SourceStream] = [:]

    init(config: PluginConfig, host: HostContext) throws {
        do {
            self.config = try PostgresSourceConfig(config)
            self.host = host
            // Text forms (the state's cursor values, ::text columns) that do
            // not depend on the server's or the role's settings.
            db = try PGConnection(parameters: self.config.connection.connectionParameters,
                                  settings: [("TimeZone", "UTC"), ("DateStyle", "ISO, YMD"),
                                             ("IntervalStyle", "iso_8601"), ("extra_float_digits", "3")],
                                  redactor: SecretRedactor(url: self.config.connection.url), host: host)
            let parameters = self.config.connection.connectionParameters
            snapshot = ReadSnapshot(db: db, host: host,
                                    exchangeKey: parameters.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{0}"))
            host.log(.debug, "connected to \(db.server) (server \(db.serverVersion))")
        } catch {
            throw PostgresError.wrapping(error).pluginError
        }
    }

    /// Checks that the server answers and that every configured stream can
    /// be described (tables exist, queries parse, cursors have a key).
    func check() throws {
        do {
            for stream in try directory.streams(on: db) {
                _ = try stream.columns(on: db)
                _ = try keyset(of: stream)
            }
        } catch {
            throw PostgresError.wrapping(error).pluginError
        }
    }

    func discover() throws -> Catalog {
        do {
            // The run's moment starts here, so the catalog and every read agree.
            try snapshot.begin("discovering the streams")
            var streams: [CatalogStream] = []
            for stream in try directory.streams(on: db) {
                try host.checkCancelled("discovering \(stream.sourceDescription)")
                discovered[stream.name] = stream
                let columns = try stream.columns(on: db)
                // A cursor without a key or naming no column is a config mistake, refused before any read.
                if let keyset = try keyset(of: stream) { try Self.requireColumns(keyset, of: stream, in: columns) }
                streams.append(stream.catalogStream(columns: columns))
            }
            return Catalog(streams: streams)
        } catch {
            throw PostgresError.wrapping(error).pluginError
        }
    }

    func read(stream name: String, state: String?) throws -> any BatchSource {
        do {
            // The snapshot first: an instance of a parallel stream imports the run's
            // snapshot before any other statement, and finds its stream in it.
            let savepoint = try snapshot.beginStream(name)
            do {
                let stream = try discovered[name] ?? directory.stream(named: name, on: db)
                let keyset = try keyset(of: stream)
                var after: KeysetPosition?
                if let keyset { after = try KeysetPosition.parse(state, stream: name, keyCount: keyset.key.count) }
                positions[name] = after
                let columns = try describe(stream)
                if let keyset { try Self.requireColumns(keyset, of: stream, in: columns) }
                let query = StreamQuery(stream: stream, columns: columns, keyset: keyset, after: after)
                host.log(.debug, "stream \"\(name)\": \(query.copyStatement)")
                return try CopyStreamSource(query: query, db: db, snapshot: snapshot, savepoint: savepoint,
                                            batchRows: config.batchRows, host: host) { [weak self] position in
                    if let position { self?.positions[name] = position }
                }
            } catch {
                snapshot.abandonStream(savepoint)
                throw error
            }
        } catch {
            throw PostgresError.wrapping(error).pluginError
        }
    }

    /// The key columns of every row of `stream`, in the run's snapshot, for
    /// the host to find the rows deleted at the source (`--incremental
    /// --deletions`): one binary COPY of the key columns only.
    ///
    /// - Throws: `invalidArgument` for a stream without a key.
    func readKeys(stream name: String) throws -> any BatchSource {
        do {
            let savepoint = try snapshot.beginStream(name)
            do {
                let stream = try discovered[name] ?? directory.stream(named: name, on: db)
                guard let key = stream.key, !key.isEmpty else {
                    throw PostgresError.invalidArgument("stream \"\(name)\" has no primary key to list; give one with "
                        + "\"keys\": {\"\(name)\": [\"id\"]}")
                }
                let columns = try describe(stream)
                try Self.requireColumns((cursor: key[0], key: key), of: stream, in: columns)
                let keyColumns = key.compactMap { column in columns.first { $0.name == column } }
                let query = StreamQuery(stream: stream, columns: keyColumns, keyset: nil, after: nil)
                host.log(.debug, "stream \"\(name)\": listing keys: \(query.copyStatement)")
                return try CopyStreamSource(query: query, db: db, snapshot: snapshot, savepoint: savepoint,
                                            batchRows: config.batchRows, host: host) { _ in }
            } catch {
                snapshot.abandonStream(savepoint)
                throw error
            }
        } catch {
            throw PostgresError.wrapping(error).pluginError
        }
    }

    /// `{"cursor": ..., "key": [...]}` of the last row returned, or the
    /// state the read started from; `nil` for a stream without a cursor.
    func checkpoint(stream: String) throws -> String? {
        positions[stream]?.stateJSON
    }

    func cancel() {
        db.cancel()
    }

    private var directory: StreamDirectory { StreamDirectory(config: config) }

    /// The stream's columns, described inside the snapshot; a table gone
    /// since discover is named as such.
    private func describe(_ stream: SourceStream) throws(PostgresError) -> [SourceStream.Column] {
        do {
            return try stream.columns(on: db)
        } catch where error.sqlState == "42P01" {
            throw PostgresError(.notFound, "stream \"\(stream.name)\": the \(stream.sourceDescription) no longer exists "
                + "(it was there when the streams were discovered; was it dropped or renamed?): \(error.message)",
                sqlState: error.sqlState)
        }
    }

    /// Throws unless the stream has the cursor and key columns.
    private static func requireColumns(_ keyset: (cursor: String, key: [String]), of stream: SourceStream,
                                       in columns: [SourceStream.Column]) throws(PostgresError) {
        let names = Set(columns.map(\.name))
        for (option, column) in [("cursor", keyset.cursor)] + keyset.key.map({ ("keys", $0) }) where !names.contains(column) {
            throw PostgresError.invalidArgument("stream \"\(stream.name)\": config \"\(option)\" names the column \"\(column)\", "
                + "which the \(stream.sourceDescription) does not have (columns: \(columns.map(\.name).joined(separator: ", ")))")
        }
    }

    /// The cursor and key of an incremental stream, `nil` for a full read.
    ///
    /// - Throws: `invalidArgument` when the stream has a cursor but no key
    ///   to order ties by.
    private func keyset(of stream: SourceStream) throws(PostgresError) -> (cursor: String, key: [String])? {
        guard let cursor = stream.cursor else { return nil }
        guard let key = stream.key, !key.isEmpty else {
            throw PostgresError.invalidArgument("stream \"\(stream.name)\": config \"cursor\" names \"\(cursor)\", but the "
                + "stream has no primary key to order rows that share a cursor value; give one with "
                + "\"keys\": {\"\(stream.name)\": [\"id\"]}")
        }
        return (cursor, key)
    }
}
