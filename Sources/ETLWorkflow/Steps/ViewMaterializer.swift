import ETLHost
import ETLPluginKit

/// Builds a `sql` step's view. The contract runs one statement per call,
/// each in its own transaction, so how atomic the replacement of an
/// existing view is depends on the warehouse's SQL (``ViewReplacement``):
///
/// - PostgreSQL: one `CREATE OR REPLACE VIEW`: readers see the old view
///   or the new one, never none. When PostgreSQL refuses it because the
///   new columns do not extend the old ones (a column renamed, removed,
///   reordered or of another type: SQLSTATE 42P16), one `DO` block drops
///   and creates the view, still one transaction; when other views depend
///   on it (2BP01) the step fails naming the view, and the old view stays.
/// - SQLite (and any other warehouse): no `OR REPLACE`; when SQLite's
///   stored definition is already this one nothing is done, otherwise
///   `DROP VIEW IF EXISTS` then `CREATE VIEW`, two transactions: a reader
///   that comes between them finds no view. The run log says so.
///
/// Before anything is dropped or replaced, the SELECT runs once through
/// `query` (its first batch is read, then the stream is closed): a SELECT
/// the warehouse refuses fails the step with the warehouse's message and
/// the position in the step's SQL, and the old view stays.
enum ViewMaterializer {
    /// Builds view `target` from `sql`; returns true when the view was
    /// already exactly this one and was left alone.
    static func run(sql: String, target: String, place: StepPlace, warehouse: StepWarehouse, log: RunLog?,
                    cancellation: Cancellation?) throws -> Bool {
        let cancel = StepCancellation(cancellation: cancellation, place: "\(place)")
        let unchanged = "while checking the SELECT of view \"\(target)\"; the view is unchanged"
        try cancel.check(unchanged)
        let instance = try warehouse.open()
        defer { instance.close() }
        try cancel.guarding([instance], unchanged) {
            do {
                let rows = try instance.query(sql: sql)
                defer { rows.close() }
                _ = try rows.next()
            } catch {
                throw place.refused(error, doing: "the warehouse refused the SELECT")
            }
        }
        let body = SQLText.withoutTerminator(sql)
        let view = SQLText.identifier(target)
        switch ViewReplacement(warehouse: warehouse.name) {
        case .createOrReplace:
            do {
                _ = try instance.execute(sql: "CREATE OR REPLACE VIEW \(view) AS \(body)")
                log?.write(.info, plugin: nil, stream: nil, "\(place): view \"\(target)\" created or replaced in one "
                    + "statement (CREATE OR REPLACE VIEW)")
                return false
            } catch let error as HostError where error.sqlstate == "42P16" {
                // The columns changed in a way OR REPLACE cannot take: drop
                // and create in one statement (one transaction).
                log?.write(.info, plugin: nil, stream: nil, "\(place): view \"\(target)\" has columns CREATE OR "
                    + "REPLACE VIEW cannot take (\(error.message)); dropping and creating it in one transaction")
            } catch {
                throw place.refused(error, doing: "creating view \"\(target)\" failed; the old view stays")
            }
            do {
                _ = try instance.execute(sql: dropAndCreateInOneStatement(view: view, create: "CREATE VIEW \(view) AS \(body)"))
            } catch let error as HostError where error.sqlstate == "2BP01" {
                throw place.refused(error, doing: "view \"\(target)\" has new columns that CREATE OR REPLACE VIEW "
                    + "cannot take, and objects depend on it, so it cannot be dropped and created again",
                    then: "; the old view stays: drop the views that read it (and create them again after), or keep "
                        + "its columns")
            } catch {
                throw place.refused(error, doing: "replacing view \"\(target)\" failed; the old view stays")
            }
            log?.write(.info, plugin: nil, stream: nil, "\(place): view \"\(target)\" dropped and created in one "
                + "transaction (its privileges and comment are not carried over)")
            return false
        case .dropThenCreate:
            let create = "CREATE VIEW \(view) AS \(body)"
            if warehouse.name == "sqlite", try storedDefinition(of: target, in: instance) == create {
                log?.write(.info, plugin: nil, stream: nil, "\(place): view \"\(target)\" is unchanged; left as it is")
                return true
            }
            do {
                _ = try instance.execute(sql: "DROP VIEW IF EXISTS \(view)")
            } catch {
                throw place.refused(error, doing: "dropping the old view \"\(target)\" failed")
            }
            do {
                _ = try instance.execute(sql: create)
            } catch {
                throw place.refused(error, doing: "creating view \"\(target)\" failed after the old one was dropped: "
                    + "the view is missing until the step succeeds")
            }
            log?.write(.info, plugin: nil, stream: nil, "\(place): view \"\(target)\" replaced by DROP VIEW then "
                + "CREATE VIEW, two transactions (\(warehouse.name) has no CREATE OR REPLACE VIEW and the plugin "
                + "contract runs one statement per transaction): a reader between them found no view")
            return false
        }
    }

    /// A PostgreSQL `DO` block that drops `view` and runs `create`: one
    /// statement, so one transaction (readers wait on the view's lock and
    /// then see the new one). The statements are dollar-quoted with tags
    /// that do not occur in them.
    static func dropAndCreateInOneStatement(view: String, create: String) -> String {
        let texts = [view, create]
        func tag(_ base: String) -> String {
            var candidate = base
            var number = 0
            while texts.contains(where: { $0.contains("$\(candidate)$") }) {
                number += 1
                candidate = "\(base)\(number)"
            }
            return "$\(candidate)$"
        }
        let outer = tag("etl_do")
        let inner = tag("etl_sql")
        return "DO \(outer) BEGIN EXECUTE \(inner)DROP VIEW \(view)\(inner); EXECUTE \(inner)\(create)\(inner); END \(outer)"
    }

    /// The `CREATE VIEW` text SQLite keeps for view `name`, if there is one.
    private static func storedDefinition(of name: String, in instance: PluginInstance) throws -> String? {
        let rows = try instance.query(sql: "SELECT CAST(sql AS TEXT) AS sql FROM sqlite_master WHERE type = 'view' "
            + "AND name = \(SQLText.literal(name))")
        defer { rows.close() }
        guard let batch = try rows.next(), batch.rowCount > 0, batch.schema.fields.first?.type == .utf8 else {
            return nil
        }
        return batch.string(row: 0, column: 0)
    }
}

/// How a warehouse replaces a view with the SQL the contract lets a step
/// run (one statement per transaction).
enum ViewReplacement: Equatable {
    /// `CREATE OR REPLACE VIEW`: one statement, atomic (PostgreSQL).
    case createOrReplace
    /// `DROP VIEW IF EXISTS` then `CREATE VIEW`: two transactions (SQLite
    /// and warehouses whose dialect is not known).
    case dropThenCreate

    /// The way for the warehouse plugin named `warehouse`.
    init(warehouse: String) {
        self = warehouse == "postgres" ? .createOrReplace : .dropThenCreate
    }
}
