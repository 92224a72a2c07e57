import ETLPluginKit
import ETLPostgresShared

/// One stream of the extractor: a table or view, or a configured query,
/// with its columns typed from the server's description of the result.
struct SourceStream {
    /// Where the rows come from.
    enum Origin: Equatable {
        /// A table, view or materialized view.
        case relation(schema: String, name: String)
        /// A configured `SELECT`.
        case query(String)
    }

    /// One column: its name, type and how it is read.
    struct Column {
        /// The name as the server reports it.
        var name: String
        /// The column's type OID (domains already resolved to their base).
        var typeOID: UInt32
        /// How it is decoded and what it becomes.
        var kind: ColumnKind

        /// The column's expression in the COPY's select list.
        var selectExpression: String { kind.selectExpression(PGName.quoted(name), sourceOID: typeOID) }
    }

    /// The stream's name (what read() is given).
    var name: String
    var origin: Origin
    /// The key columns: the primary key of a table, or the config's `keys`.
    var key: [String]?
    /// The incremental cursor column, when the config names one.
    var cursor: String?

    /// What messages call the stream's source: `table "public"."orders"`
    /// or `query stream "big_orders"`.
    var sourceDescription: String {
        switch origin {
        case .relation(let schema, let name): "table \(PGName.qualified(schema, name))"
        case .query: "query of stream \"\(name)\""
        }
    }

    /// The alias of the `FROM` item, so that the keyset condition and order
    /// name the source's columns, never an output column of the same name.
    static let sourceAlias = "\"_etl_source\""

    /// The `FROM` item: `"schema"."name" AS "_etl_source"` or
    /// `(query) AS "_etl_source"`.
    var fromItem: String {
        switch origin {
        case .relation(let schema, let name): "\(PGName.qualified(schema, name)) AS \(Self.sourceAlias)"
        case .query(let sql): "(\(sql)) AS \(Self.sourceAlias)"
        }
    }

    /// The columns of the stream, typed: a table's from the catalog (which
    /// takes no lock on the table, so a long read snapshot does not block
    /// DDL on tables it has not read yet), a query's from the server's
    /// description of its result.
    func columns(on db: PGConnection) throws(PostgresError) -> [Column] {
        let described: [(name: String, typeOID: UInt32, typeModifier: Int32)]
        switch origin {
        case .relation(let schema, let relation):
            // Domains as their base type, as a result's description gives them.
            let rows = try db.query("""
                SELECT a.attname::text, (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::text,
                       (CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)::text
                FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                WHERE a.attrelid = ($1::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """, [PGName.qualified(schema, relation)], "stream \"\(name)\": describing the \(sourceDescription)")
            described = rows.all.map { ($0[0] ?? "", UInt32($0[1] ?? "") ?? 25, Int32($0[2] ?? "") ?? -1) }
        case .query:
            described = try db.describeColumns("SELECT * FROM \(fromItem) LIMIT 0",
                                               "stream \"\(name)\": describing the \(sourceDescription)")
        }
        let arrayTypes = try Self.arrayTypes(Set(described.map(\.typeOID)), on: db)
        return described.map { column in
            Column(name: column.name, typeOID: column.typeOID,
                   kind: ColumnKind(typeOID: column.typeOID, modifier: column.typeModifier,
                                    isArray: arrayTypes.contains(column.typeOID)))
        }
    }

    /// Which of `oids` are array types (`typcategory = 'A'`).
    private static func arrayTypes(_ oids: Set<UInt32>, on db: PGConnection) throws(PostgresError) -> Set<UInt32> {
        guard !oids.isEmpty else { return [] }
        let list = "{" + oids.map(String.init).joined(separator: ",") + "}"
        let rows = try db.query("SELECT oid::text FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[]) AND typcategory = 'A'",
                                [list], "reading the array types")
        return Set(rows.all.compactMap { $0[0].flatMap { UInt32($0) } })
    }

    /// The catalog entry of the stream.
    func catalogStream(columns: [Column]) -> CatalogStream {
        CatalogStream(name: name, primaryKey: key, cursorField: cursor,
                      fields: columns.map { CatalogField(name: $0.name, type: $0.kind.hint) })
    }
}
