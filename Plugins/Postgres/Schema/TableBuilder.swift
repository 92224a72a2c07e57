import ETLPluginKit
import ETLPostgresShared

/// The DDL of a load, all of it inside the load's transaction: create
/// tables, add and widen columns, the unique index upserts need, and the
/// swap of a staging table into place with the old table's dependents.
///
/// Related PostgreSQL documentation:
/// https://www.postgresql.org/docs/current/sql-altertable.html
struct TableBuilder {
    let db: PGConnection
    let host: HostContext
    /// The target schema, unquoted.
    let schema: String
    /// The load's table, for messages.
    let table: String

    private var what: String { "table \"\(table)\"" }

    /// `CREATE TABLE "schema"."name" (columns)` with the plugin's types.
    func create(_ name: String, fields: [ArrowField]) throws(PostgresError) {
        let columns = fields.map { "\(PGName.quoted($0.name)) \(PGType($0).declaration)" }
        try db.execute("CREATE TABLE \(PGName.qualified(schema, name)) (\(columns.joined(separator: ", ")))",
                       "\(what): CREATE TABLE")
    }

    /// Creates `schema` if it does not exist (waiting for another load that
    /// is creating it).
    func ensureSchema() throws(PostgresError) {
        guard try !TableCatalog.schemaExists(schema, in: db) else { return }
        try Bookkeeping.lockCreation(in: schema, db: db)
        try db.execute("CREATE SCHEMA IF NOT EXISTS \(PGName.quoted(schema))", "creating schema \"\(schema)\"")
    }

    /// Adds the columns `existing` lacks and widens those too narrow for
    /// `fields`, in one ALTER TABLE; returns the table as it is after.
    ///
    /// Widening follows ``PGType/widened(toHold:)`` and converts every
    /// stored value exactly (``PGType/conversion(of:to:)``); a bigint column
    /// holding an integer that double precision cannot represent exactly is
    /// not widened to it: the load fails. Views that depend on the table
    /// (``DependentViews``) are dropped before a widening and recreated
    /// after it, in the load's transaction; a materialized view on it
    /// fails the load, naming it.
    func evolve(_ existing: TableInfo, to fields: [ArrowField]) throws(PostgresError) -> TableInfo {
        var actions: [String] = []
        var widened = false
        var result = existing
        for field in fields {
            let incoming = PGType(field)
            guard let index = existing.columns.firstIndex(where: { $0.name == field.name }) else {
                host.log(.info, "\(what): adding column \"\(field.name)\" \(incoming.declaration)")
                actions.append("ADD COLUMN \(PGName.quoted(field.name)) \(incoming.declaration)")
                result.columns.append(ColumnInfo(name: field.name, declared: incoming.declaration))
                continue
            }
            let column = existing.columns[index]
            guard let family = column.family, field.type != .null else { continue }
            guard let wanted = family.widened(toHold: incoming) else {
                throw PostgresError(.data, "\(what): column \"\(column.name)\" is \(column.declared) and cannot hold "
                    + "the load's \(incoming.declaration) values, nor can both be widened to one type")
            }
            guard wanted != family else { continue }
            if family == .bigint, wanted == .double { try checkExactAsDouble(column.name) }
            if family == .double || family == .numeric, wanted == .jsonb { try checkFiniteForJSON(column.name) }
            host.log(.info, "\(what): widening column \"\(column.name)\" from \(column.declared) to "
                + "\(wanted.declaration)")
            let quoted = PGName.quoted(column.name)
            widened = true
            actions.append("ALTER COLUMN \(quoted) TYPE \(wanted.declaration) USING "
                + family.conversion(of: quoted, to: wanted))
            result.columns[index] = ColumnInfo(name: column.name, declared: wanted.declaration)
        }
        guard !actions.isEmpty else { return existing }
        // PostgreSQL refuses ALTER COLUMN TYPE on a column a view uses: the
        // views are dropped and recreated around it, in the load's
        // transaction (readers see the old views until the commit).
        let views = widened ? try DependentViews.read(of: existing, in: db, for: .widening) : DependentViews()
        try views.drop(in: db, what)
        try db.execute("ALTER TABLE \(PGName.qualified(schema, existing.name)) \(actions.joined(separator: ", "))",
                       "\(what): adding and widening columns")
        try views.recreate(onColumns: Set(result.columns.map(\.name)), in: db, what)
        return result
    }

    /// Fails when `column` holds an integer that double precision cannot
    /// represent exactly (beyond 2^53 in magnitude, odd ones).
    private func checkExactAsDouble(_ column: String) throws(PostgresError) {
        let quoted = PGName.quoted(column)
        let inexact = try db.execute("""
            SELECT 1 FROM \(PGName.qualified(schema, table)) WHERE CASE WHEN \(quoted) > 9223372036854774784 THEN true \
            ELSE \(quoted) <> \(quoted)::double precision::bigint END LIMIT 1
            """, "\(what): checking column \"\(column)\" before widening it to double precision")
        guard inexact.isEmpty else {
            throw PostgresError.data("\(what): column \"\(column)\" cannot widen from bigint to double precision: "
                + "it holds integers that double precision cannot represent exactly (beyond 2^53); load the column "
                + "as text instead")
        }
    }

    /// Fails when `column` (double precision or numeric) holds NaN or an
    /// infinity, which JSON cannot hold (to_jsonb would make them strings).
    private func checkFiniteForJSON(_ column: String) throws(PostgresError) {
        let quoted = PGName.quoted(column)
        let special = try db.execute("""
            SELECT 1 FROM \(PGName.qualified(schema, table)) WHERE \(quoted)::pg_catalog.text \
            IN ('NaN', 'Infinity', '-Infinity') LIMIT 1
            """, "\(what): checking column \"\(column)\" before widening it to jsonb")
        guard special.isEmpty else {
            throw PostgresError.data("\(what): column \"\(column)\" cannot widen to jsonb: it holds NaN or an "
                + "infinity, which JSON cannot hold")
        }
    }

    /// Makes sure a unique index covers exactly `keys` (the upsert's
    /// conflict target): an existing primary key, unique constraint or
    /// unique index, else `index`, created (and replaced if it covered
    /// other columns).
    func ensureKeyIndex(on info: TableInfo, keys: [String], index: String) throws(PostgresError) {
        let wanted = Set(keys)
        let existing = try TableCatalog.uniqueKeys(of: info, in: db)
        if existing.contains(where: { $0.columns == wanted }) { return }
        if try TableCatalog.indexNames(of: info, in: db).contains(index) {
            try db.execute("DROP INDEX \(PGName.qualified(schema, index))", "\(what): dropping the old key index")
        }
        let list = keys.map(PGName.quoted).joined(separator: ", ")
        do {
            try db.execute("CREATE UNIQUE INDEX \(PGName.quoted(index)) ON \(PGName.qualified(schema, info.name)) "
                + "(\(list))", "\(what): creating the unique index on the upsert key (\(list))")
        } catch where error.sqlState == "23505" {
            throw PostgresError(.data, "\(error.message); the table already holds several rows with the same key "
                + "(loaded with append, or before the key was chosen): remove the duplicates or reload it with "
                + "replace", sqlState: error.sqlState)
        }
    }

    /// Makes `staging` the table `live`: drops `old` (the current table,
    /// if any), renames `staging` into its place, then recreates `old`'s
    /// constraints and indexes (those whose columns still exist), triggers,
    /// privileges, owner and comment, and the views that read it
    /// (``DependentViews``: dropped with it and recreated on the new table). Inside the load's transaction: other
    /// sessions see the old table until the commit and the new one after;
    /// readers that come during the swap wait for the commit (DROP and
    /// RENAME hold an ACCESS EXCLUSIVE lock).
    func swap(_ staging: String, into live: String, replacing old: TableInfo?,
              skippingIndex skipped: String) throws(PostgresError) {
        let qualified = PGName.qualified(schema, live)
        var dependents = Dependents()
        var views = DependentViews()
        if let old {
            dependents = try TableCatalog.dependents(of: old, qualifiedName: qualified, skippedIndex: skipped, in: db)
            views = try DependentViews.read(of: old, in: db)
            try views.drop(in: db, what)
            try db.execute("DROP TABLE \(qualified)", "\(what): dropping the old table")
        }
        try db.execute("ALTER TABLE \(PGName.qualified(schema, staging)) RENAME TO \(PGName.quoted(live))",
                       "\(what): renaming the staging table into place")
        guard old != nil else { return }
        let fresh = Set(try TableCatalog.read(live, schema: schema, in: db)?.columns.map(\.name) ?? [])
        for object in dependents.objects {
            let missing = object.columns.filter { !fresh.contains($0) }
            guard missing.isEmpty else {
                host.log(.warn, "\(what): not recreating \(object.what): the new table has no column "
                    + missing.map { "\"\($0)\"" }.joined(separator: ", "))
                continue
            }
            try db.execute(object.sql, "\(what): recreating \(object.what)")
        }
        try views.recreate(onColumns: fresh, in: db, what)
        for trigger in dependents.triggers {
            try db.execute("SAVEPOINT etl_trigger", "\(what): recreating \(trigger.what)")
            do {
                try db.execute(trigger.sql, "\(what): recreating \(trigger.what)")
                try db.execute("RELEASE SAVEPOINT etl_trigger", "\(what): recreating \(trigger.what)")
            } catch where error.sqlState != nil {
                try db.execute("ROLLBACK TO SAVEPOINT etl_trigger", "\(what): recreating \(trigger.what)")
                host.log(.warn, "\(error.message); the trigger is dropped")
            }
        }
        for grant in dependents.grants {
            try db.execute(grant, "\(what): granting the old table's privileges")
        }
        if let owner = dependents.owner {
            try db.execute("ALTER TABLE \(qualified) OWNER TO \(owner)", "\(what): giving it the old table's owner")
        }
        if let comment = dependents.comment {
            try db.execute(comment, "\(what): copying the old table's comment")
        }
    }
}
