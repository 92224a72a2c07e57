import ETLPostgresShared
/// What the plugin needs to know about an existing table.
struct TableInfo {
    /// The table's OID (as text, for queries).
    var oid: String
    /// The table name, exactly.
    var name: String
    /// The columns in table order.
    var columns: [ColumnInfo]
    /// Whether it is a partitioned table (`PARTITION BY`).
    var isPartitioned = false

    /// The column named exactly `name`, if any.
    func column(_ name: String) -> ColumnInfo? {
        columns.first { $0.name == name }
    }
}

/// What a replace carries over from the old table to the new one: the SQL
/// to recreate each dependent object, and the columns it needs.
struct Dependents {
    struct Object {
        /// How messages name it, e.g. `index "orders_day"`.
        var what: String
        /// The statement that recreates it on the new table.
        var sql: String
        /// The columns it uses; it is skipped when the new table lacks one.
        var columns: [String]
    }

    /// Indexes that back no constraint, and constraints (primary key,
    /// unique, check, foreign key), in creation order.
    var objects: [Object] = []
    /// Triggers; one that cannot be recreated is dropped with a warning.
    var triggers: [Object] = []
    /// GRANT statements that give the old table's privileges to the new one.
    var grants: [String] = []
    /// The old table's owner, when another role than the loader.
    var owner: String?
    /// COMMENT ON TABLE for the old table's comment.
    var comment: String?
}

/// Reads table structure from `pg_catalog` (bound parameters: no name
/// needs quoting).
///
/// Related PostgreSQL documentation:
/// https://www.postgresql.org/docs/current/catalogs.html
enum TableCatalog {
    /// The table `name` in `schema`, or `nil` when there is none.
    ///
    /// - Throws: ``PostgresError`` (invalidArgument) when the name belongs
    ///   to a view, a materialized view or another kind of relation.
    static func read(_ name: String, schema: String, in db: PGConnection) throws(PostgresError) -> TableInfo? {
        let rows = try db.query("""
            SELECT c.oid, c.relkind, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = $1 AND c.relname = $2
            ORDER BY a.attnum
            """, [schema, name], "table \"\(name)\": reading its columns")
        guard !rows.isEmpty, let oid = rows[0, 0] else { return nil }
        let kind = rows[0, 1] ?? ""
        guard kind == "r" || kind == "p" else {
            let names = ["v": "a view", "m": "a materialized view", "f": "a foreign table", "S": "a sequence",
                         "i": "an index", "I": "an index", "c": "a composite type", "t": "a TOAST table"]
            throw PostgresError.invalidArgument("table \"\(name)\": \"\(schema)\".\"\(name)\" is "
                + "\(names[kind] ?? "not a table"), not a table; choose another table name or drop it")
        }
        var columns: [ColumnInfo] = []
        for row in 0..<rows.count {
            guard let column = rows[row, 2], let declared = rows[row, 3] else { continue }
            columns.append(ColumnInfo(name: column, declared: declared))
        }
        return TableInfo(oid: oid, name: name, columns: columns, isPartitioned: kind == "p")
    }

    /// Whether `schema` exists.
    static func schemaExists(_ schema: String, in db: PGConnection) throws(PostgresError) -> Bool {
        try !db.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", [schema],
                      "looking for schema \"\(schema)\"").isEmpty
    }

    /// Whether the table `name` exists in `schema`.
    static func tableExists(_ name: String, schema: String, in db: PGConnection) throws(PostgresError) -> Bool {
        try !db.query("""
            SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
            """, [schema, name], "looking for table \"\(name)\"").isEmpty
    }

    /// The column sets of every unique, non-partial index on plain columns
    /// of the table (primary keys and unique constraints included), with
    /// the index names.
    static func uniqueKeys(of table: TableInfo, in db: PGConnection) throws(PostgresError)
        -> [(index: String, columns: Set<String>)]
    {
        let rows = try db.query("""
            SELECT i.relname, a.attname
            FROM pg_catalog.pg_index x
            JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
            JOIN LATERAL pg_catalog.unnest(x.indkey) AS k(attnum) ON true
            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
            WHERE x.indrelid = $1::pg_catalog.oid AND x.indisunique AND x.indpred IS NULL AND x.indexprs IS NULL
            ORDER BY i.relname
            """, [table.oid], "table \"\(table.name)\": reading its unique indexes")
        var keys: [(index: String, columns: Set<String>)] = []
        for row in 0..<rows.count {
            guard let index = rows[row, 0], let column = rows[row, 1] else { continue }
            if keys.last?.index == index {
                keys[keys.count - 1].columns.insert(column)
            } else {
                keys.append((index, [column]))
            }
        }
        return keys
    }

    /// The names of every index of the table.
    static func indexNames(of table: TableInfo, in db: PGConnection) throws(PostgresError) -> [String] {
        let rows = try db.query("""
            SELECT i.relname FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = $1::pg_catalog.oid ORDER BY 1
            """, [table.oid], "table \"\(table.name)\": reading its indexes")
        return rows.all.compactMap { $0[0] }
    }

    /// What a replace recreates on the new table: indexes, constraints,
    /// triggers, privileges, owner and comment of `table`. The statements
    /// name the table by its qualified name, which the new table takes.
    ///
    /// - Parameter skippedIndex: an index not to carry over (the upsert key
    ///   index: the next upsert makes it again).
    static func dependents(of table: TableInfo, qualifiedName: String, skippedIndex: String,
                           in db: PGConnection) throws(PostgresError) -> Dependents {
        let what = "table \"\(table.name)\": reading its indexes, constraints and triggers"
        var dependents = Dependents()
        // Constraints first (they make their own indexes), then the other
        // indexes, in creation order.
        let constraints = try db.query("""
            SELECT c.conname, pg_catalog.pg_get_constraintdef(c.oid),
                   ARRAY(SELECT a.attname FROM pg_catalog.pg_attribute a
                         WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) ORDER BY a.attnum)::pg_catalog.text[]
            FROM pg_catalog.pg_constraint c
            WHERE c.conrelid = $1::pg_catalog.oid AND c.contype IN ('p', 'u', 'c', 'f', 'x')
            ORDER BY c.oid
            """, [table.oid], what)
        for row in 0..<constraints.count {
            guard let name = constraints[row, 0], let definition = constraints[row, 1] else { continue }
            dependents.objects.append(Dependents.Object(
                what: "constraint \"\(name)\"",
                sql: "ALTER TABLE \(qualifiedName) ADD CONSTRAINT \(PGName.quoted(name)) \(definition)",
                columns: textArray(constraints[row, 2])))
        }
        let indexes = try db.query("""
            SELECT i.relname, pg_catalog.pg_get_indexdef(x.indexrelid),
                   ARRAY(SELECT a.attname FROM pg_catalog.pg_attribute a
                         WHERE a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey) ORDER BY a.attnum)::pg_catalog.text[],
                   x.indexprs IS NOT NULL OR x.indpred IS NOT NULL
            FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = $1::pg_catalog.oid
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = x.indexrelid
                              AND c.conrelid = x.indrelid)
            ORDER BY x.indexrelid
            """, [table.oid], what)
        for row in 0..<indexes.count {
            guard let name = indexes[row, 0], let definition = indexes[row, 1], name != skippedIndex else { continue }
            dependents.objects.append(Dependents.Object(what: "index \"\(name)\"", sql: definition,
                                                        columns: textArray(indexes[row, 2])))
        }
        let triggers = try db.query("""
            SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid)
            FROM pg_catalog.pg_trigger t WHERE t.tgrelid = $1::pg_catalog.oid AND NOT t.tgisinternal
            ORDER BY t.oid
            """, [table.oid], what)
        for row in 0..<triggers.count {
            guard let name = triggers[row, 0], let definition = triggers[row, 1] else { continue }
            dependents.triggers.append(Dependents.Object(what: "trigger \"\(name)\"", sql: definition, columns: []))
        }
        let grants = try db.query("""
            SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END,
                   a.privilege_type, a.is_grantable
            FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
            LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
            WHERE c.oid = $1::pg_catalog.oid AND a.grantee <> c.relowner
            ORDER BY 1, 2
            """, [table.oid], what)
        for row in 0..<grants.count {
            guard let grantee = grants[row, 0], let privilege = grants[row, 1] else { continue }
            dependents.grants.append("GRANT \(privilege) ON TABLE \(qualifiedName) TO \(grantee)"
                + (grants[row, 2] == "t" ? " WITH GRANT OPTION" : ""))
        }
        let owner = try db.query("""
            SELECT CASE WHEN c.relowner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
                        THEN pg_catalog.quote_ident(o.rolname) END,
                   pg_catalog.obj_description(c.oid, 'pg_class')
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_roles o ON o.oid = c.relowner
            WHERE c.oid = $1::pg_catalog.oid
            """, [table.oid], what)
        dependents.owner = owner[0, 0]
        if let comment = owner[0, 1] {
            dependents.comment = "COMMENT ON TABLE \(qualifiedName) IS \(PGName.literal(comment))"
        }
        return dependents
    }

    /// The elements of a `text[]` in PostgreSQL's text form (`{a,"b c"}`).
    static func textArray(_ text: String?) -> [String] {
        guard let text, text.hasPrefix("{"), text.hasSuffix("}") else { return [] }
        var elements: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        var wasQuoted = false
        for character in text.dropFirst().dropLast() {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                wasQuoted = true
            } else if character == ",", !quoted {
                elements.append(current)
                current = ""
                wasQuoted = false
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty || wasQuoted || !elements.isEmpty { elements.append(current) }
        return elements
    }
}
