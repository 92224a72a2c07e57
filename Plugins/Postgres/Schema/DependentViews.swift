import ETLPostgresShared
/// The views that depend on a table a replace swaps out, saved so the swap
/// can drop them with the old table and recreate them on the new one, in
/// the same transaction: readers of a view see it over the old rows until
/// the commit and over the new rows after, and never a missing view.
///
/// Found through `pg_depend`/`pg_rewrite`, recursively (views on views, in
/// any schema), and recreated in dependency order from `pg_get_viewdef`
/// with their options (`security_barrier`, `check_option`, ...), owner,
/// privileges, comment and `INSTEAD OF` triggers.
///
/// Refused, before anything is dropped (the replace fails and nothing
/// changes): a materialized view on the table (its rows would have to be
/// recomputed inside the swap, unbounded work under the table's exclusive
/// lock), and a foreign key of another table that references it (a replace
/// may remove rows the other table points at; recreating the key would
/// either fail the load or need `NOT VALID`, silently weakening it). Both
/// are named in the message.
///
/// Related PostgreSQL documentation:
/// https://www.postgresql.org/docs/current/catalog-pg-depend.html
struct DependentViews {
    /// One dependent view, as the swap recreates it.
    struct View {
        /// How messages name it, e.g. `view "analytics"."named"`.
        var what: String
        /// `"schema"."name"`.
        var qualified: String
        /// `CREATE VIEW` with its options and definition.
        var create: String
        /// The old table's columns the view reads directly (empty for a
        /// view that reads the table only through another view).
        var tableColumns: [String]
        /// GRANT, ALTER VIEW OWNER TO, COMMENT ON VIEW and CREATE TRIGGER
        /// statements, run after `create`.
        var extras: [String]
    }

    /// The views in dependency order: each after every view it reads.
    var views: [View] = []

    private static let rewrite = "'pg_catalog.pg_rewrite'::pg_catalog.regclass"
    private static let relation = "'pg_catalog.pg_class'::pg_catalog.regclass"

    /// Why the views are saved: the table is swapped out by a replace, or
    /// columns it has are widened in place (`ALTER COLUMN TYPE`, which
    /// PostgreSQL refuses while a view uses the column).
    enum Purpose {
        /// A replace drops the table: foreign keys to it are refused too.
        case replace
        /// An append or upsert widens columns: foreign keys follow the
        /// type change on their own (PostgreSQL rebuilds them).
        case widening

        /// The refusal of a materialized view on `table`.
        func materializedViewRefusal(table: String, view: String) -> PostgresError {
            switch self {
            case .replace:
                PostgresError.invalidArgument("table \"\(table)\": materialized \(view) depends on "
                    + "it, and a replace would have to recompute it inside the swap; drop it (and create it again "
                    + "after the load), or load the table with append or upsert")
            case .widening:
                PostgresError.invalidArgument("table \"\(table)\": materialized \(view) depends on "
                    + "it, and widening its columns would have to recompute it inside the load; drop it (and create "
                    + "it again after the load)")
            }
        }
    }

    /// Reads the views that depend on `table` (directly or through other
    /// views).
    ///
    /// - Throws: ``PostgresError`` (invalidArgument) naming a materialized
    ///   view that depends on the table, or (for a replace) a foreign key
    ///   of another table that references it.
    static func read(of table: TableInfo, in db: PGConnection,
                     for purpose: Purpose = .replace) throws(PostgresError) -> DependentViews {
        let what = "table \"\(table.name)\": reading the views that depend on it"
        if purpose == .replace { try refuseForeignKeys(to: table, in: db, what) }
        let rows = try viewRows(of: table, in: db, what)
        var result = DependentViews()
        for row in 0..<rows.count {
            guard let oid = rows[row, 0], let qualified = rows[row, 1], let schema = rows[row, 2],
                  let name = rows[row, 3], let definition = rows[row, 5] else { continue }
            let named = "view \"\(schema)\".\"\(name)\""
            guard rows[row, 4] == "v" else { throw purpose.materializedViewRefusal(table: table.name, view: named) }
            var body = Substring(definition)
            while let last = body.last, last == ";" || last.isWhitespace { body = body.dropLast() }
            let options = rows[row, 6].flatMap { $0.isEmpty ? nil : " WITH (\($0))" } ?? ""
            var extras = try grants(of: oid, qualified: qualified, in: db, what)
            if let owner = rows[row, 7] { extras.append("ALTER VIEW \(qualified) OWNER TO \(owner)") }
            if let comment = rows[row, 8] { extras.append("COMMENT ON VIEW \(qualified) IS \(PGName.literal(comment))") }
            extras += try db.query("""
                SELECT pg_catalog.pg_get_triggerdef(t.oid) FROM pg_catalog.pg_trigger t
                WHERE t.tgrelid = $1::pg_catalog.oid AND NOT t.tgisinternal ORDER BY t.oid
                """, [oid], what).all.compactMap { $0[0] }
            result.views.append(View(what: named, qualified: qualified,
                                     create: "CREATE VIEW \(qualified)\(options) AS \(body)",
                                     tableColumns: TableCatalog.textArray(rows[row, 9]), extras: extras))
        }
        return result
    }

    /// Throws for a foreign key of another table that references `table`
    /// (a replace may remove the rows it points at).
    private static func refuseForeignKeys(to table: TableInfo, in db: PGConnection,
                                          _ what: String) throws(PostgresError) {
        let references = try db.query("""
            SELECT c.conname, pg_catalog.format('%I.%I', n.nspname, r.relname)
            FROM pg_catalog.pg_constraint c
            JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
            WHERE c.contype = 'f' AND c.confrelid = $1::pg_catalog.oid AND c.conrelid <> c.confrelid
            ORDER BY c.oid LIMIT 1
            """, [table.oid], what)
        if references.count > 0, let constraint = references[0, 0], let other = references[0, 1] {
            throw PostgresError.invalidArgument("table \"\(table.name)\": foreign key \"\(constraint)\" of table "
                + "\(other) references it, and a replace may remove the rows it points at; drop the foreign key, "
                + "or load the table with upsert")
        }
    }

    /// The rows describing the views on `table`, deepest last: oid,
    /// qualified name, schema, name, relkind, definition, options, owner
    /// (when not the current user), comment, the table's columns read.
    private static func viewRows(of table: TableInfo, in db: PGConnection,
                                 _ what: String) throws(PostgresError) -> PGRows {
        try db.query("""
            WITH RECURSIVE dependent(oid, depth) AS (
                SELECT r.ev_class, 1
                FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
                WHERE d.classid = \(rewrite) AND d.refclassid = \(relation)
                  AND d.refobjid = $1::pg_catalog.oid AND r.ev_class <> $1::pg_catalog.oid
                UNION
                SELECT r.ev_class, dependent.depth + 1
                FROM dependent
                JOIN pg_catalog.pg_depend d ON d.refobjid = dependent.oid
                JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
                WHERE d.classid = \(rewrite) AND d.refclassid = \(relation) AND r.ev_class <> dependent.oid
            ), deepest AS (
                SELECT oid, pg_catalog.max(depth) AS depth FROM dependent GROUP BY oid
            )
            SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname), n.nspname, c.relname, c.relkind,
                   pg_catalog.pg_get_viewdef(c.oid), pg_catalog.array_to_string(c.reloptions, ', '),
                   CASE WHEN c.relowner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
                        THEN pg_catalog.quote_ident(o.rolname) END,
                   pg_catalog.obj_description(c.oid, 'pg_class'),
                   ARRAY(SELECT DISTINCT a.attname FROM pg_catalog.pg_depend d
                         JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                         WHERE d.classid = \(rewrite) AND r.ev_class = c.oid
                           AND d.refobjid = $1::pg_catalog.oid AND d.refobjsubid > 0
                         ORDER BY 1)::pg_catalog.text[]
            FROM deepest
            JOIN pg_catalog.pg_class c ON c.oid = deepest.oid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_roles o ON o.oid = c.relowner
            ORDER BY deepest.depth, c.oid
            """, [table.oid], what)
    }

    /// GRANT statements that give the view's privileges (other than its
    /// owner's) to the recreated view.
    private static func grants(of oid: String, qualified: String, in db: PGConnection,
                               _ what: String) throws(PostgresError) -> [String] {
        let rows = try db.query("""
            SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END,
                   a.privilege_type, a.is_grantable
            FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
            LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
            WHERE c.oid = $1::pg_catalog.oid AND a.grantee <> c.relowner
            ORDER BY 1, 2
            """, [oid], what)
        return rows.all.compactMap { row in
            guard let grantee = row[0], let privilege = row[1] else { return nil }
            return "GRANT \(privilege) ON TABLE \(qualified) TO \(grantee)" + (row[2] == "t" ? " WITH GRANT OPTION" : "")
        }
    }

    /// Drops the views, the ones that read others first.
    func drop(in db: PGConnection, _ what: String) throws(PostgresError) {
        for view in views.reversed() {
            try db.execute("DROP VIEW \(view.qualified)", "\(what): dropping \(view.what) to recreate it")
        }
    }

    /// Throws for the first view that reads a column not in `columns`
    /// (the new table's): ``PostgresError`` (invalidArgument) naming the
    /// view and the column. Run at begin, to fail before the rows are
    /// loaded, and again at commit.
    func check(columns: Set<String>, _ what: String) throws(PostgresError) {
        for view in views {
            if let missing = view.tableColumns.first(where: { !columns.contains($0) }) {
                throw PostgresError.invalidArgument("\(what): \(view.what) uses column \"\(missing)\", which the "
                    + "new rows do not have; change or drop the view, or load the column again")
            }
        }
    }

    /// Recreates the views on the new table, whose columns are `columns`.
    ///
    /// - Throws: ``PostgresError`` (invalidArgument) naming the first view
    ///   that reads a column the new table lacks, before any is recreated;
    ///   the server's error for one it refuses otherwise (a column's type
    ///   that no longer fits, say). The transaction then rolls back.
    func recreate(onColumns columns: Set<String>, in db: PGConnection, _ what: String) throws(PostgresError) {
        try check(columns: columns, what)
        for view in views {
            try db.execute(view.create, "\(what): recreating \(view.what)")
            for statement in view.extras {
                try db.execute(statement, "\(what): recreating \(view.what)")
            }
        }
    }
}
