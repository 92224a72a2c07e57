import ETLPluginKit
import ETLPostgresShared

/// The streams a config selects, found in the server's catalog: every
/// table and view of `schemas`, or the `tables` listed, plus the `queries`.
///
/// ```swift
/// let streams = try StreamDirectory(config: config).streams(on: db)
/// // [orders (table "public"."orders", key [id]), big_orders (query)]
/// ```
struct StreamDirectory {
    let config: PostgresSourceConfig

    /// The relation kinds that are streams: tables, partitioned tables,
    /// views, materialized views, foreign tables.
    private static let relationKinds = "('r','p','v','m','f')"

    /// Every stream of the config, in a stable order (schemas as listed,
    /// then names; then queries by name), with keys and cursors attached.
    ///
    /// - Throws: `notFound` naming a listed table that does not exist;
    ///   `invalidArgument` when `cursor` or `keys` name an unknown stream.
    func streams(on db: PGConnection) throws(PostgresError) -> [SourceStream] {
        var streams: [SourceStream] = []
        if let tables = config.tables {
            for table in tables { streams.append(try listedTable(table, on: db)) }
        } else if config.queries.isEmpty {
            streams = try schemaRelations(on: db)
        }
        for query in config.queries {
            streams.append(SourceStream(name: query.stream, origin: .query(query.sql)))
        }
        let names = Set(streams.map(\.name))
        for (option, named) in [("cursor", Array(config.cursors.keys)), ("keys", Array(config.keys.keys))] {
            for stream in named.sorted() where !names.contains(stream) {
                throw PostgresError.invalidArgument("config \"\(option)\" names the stream \"\(stream)\", which is not "
                    + "one of this config's streams (\(names.sorted().joined(separator: ", ")))")
            }
        }
        for index in streams.indices {
            let name = streams[index].name
            if let key = config.keys[name] {
                streams[index].key = key
            } else if case .relation(let schema, let relation) = streams[index].origin {
                streams[index].key = try primaryKey(schema: schema, name: relation, on: db)
            }
            streams[index].cursor = config.cursors[name]
        }
        return streams
    }

    /// The stream called `name`.
    func stream(named name: String, on db: PGConnection) throws(PostgresError) -> SourceStream {
        let all = try streams(on: db)
        guard let stream = all.first(where: { $0.name == name }) else {
            throw PostgresError(.notFound, "no stream \"\(name)\" in this config (streams: "
                + all.map(\.name).joined(separator: ", ") + ")")
        }
        return stream
    }

    private var schemaList: String { JSONValue.array(config.schemas.map(JSONValue.string)).jsonText }

    /// The tables and views of every configured schema.
    private func schemaRelations(on db: PGConnection) throws(PostgresError) -> [SourceStream] {
        let rows = try db.query("""
            SELECT n.nspname::text, c.relname::text
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS s(name, position) ON s.name = n.nspname
            WHERE c.relkind IN \(Self.relationKinds) AND NOT c.relispartition
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            ORDER BY s.position, c.relname
            """, [schemaList], "listing the tables of schemas \(config.schemas.joined(separator: ", "))")
        let qualify = config.schemas.count > 1
        return rows.all.compactMap { row in
            guard let schema = row[0], let name = row[1], !name.hasPrefix("_etl_") else { return nil }
            return SourceStream(name: qualify ? "\(schema).\(name)" : name, origin: .relation(schema: schema, name: name))
        }
    }

    /// A `tables` entry: `schema.name`, or `name` looked up in the schemas.
    private func listedTable(_ entry: String, on db: PGConnection) throws(PostgresError) -> SourceStream {
        let parts = entry.split(separator: ".", maxSplits: 1).map(String.init)
        let candidates = parts.count == 2 ? [parts[0]] : config.schemas
        let name = parts.count == 2 ? parts[1] : entry
        let rows = try db.query("""
            SELECT n.nspname::text
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS s(name, position) ON s.name = n.nspname
            WHERE c.relname = $2 AND c.relkind IN \(Self.relationKinds)
            ORDER BY s.position LIMIT 1
            """, [JSONValue.array(candidates.map(JSONValue.string)).jsonText, name], "looking up table \"\(entry)\"")
        guard let schema = rows.scalar else {
            throw PostgresError(.notFound, "config \"tables\": no table or view \"\(name)\" in schema"
                + (candidates.count > 1 ? "s " : " ") + candidates.joined(separator: ", ") + " of \(db.server)")
        }
        return SourceStream(name: entry, origin: .relation(schema: schema, name: name))
    }

    /// The primary key columns of a table, in key order; `nil` without one.
    private func primaryKey(schema: String, name: String, on db: PGConnection) throws(PostgresError) -> [String]? {
        let rows = try db.query("""
            SELECT a.attname::text
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = ($1::text)::regclass AND i.indisprimary
            ORDER BY array_position(i.indkey::int2[], a.attnum)
            """, [PGName.qualified(schema, name)], "reading the primary key of \(PGName.qualified(schema, name))")
        let columns = rows.all.compactMap { $0[0] }
        return columns.isEmpty ? nil : columns
    }
}
