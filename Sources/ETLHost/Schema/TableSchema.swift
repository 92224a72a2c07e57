import ETLPluginKit
import Foundation

/// The resolved schema of one warehouse table: which source field feeds
/// which column, with which type. Stored in the warehouse (`_etl_schemas`)
/// with every load, so that the next run reuses the same column names and
/// never narrows a type.
///
/// ```json
/// {"version": 1, "table": "orders", "stream": "orders",
///  "columns": [{"name": "first_name", "source": "First Name", "type": "text"}]}
/// ```
public struct TableSchema: Codable, Equatable, Sendable {
    /// One column.
    public struct Column: Codable, Equatable, Sendable {
        /// The warehouse identifier.
        public var name: String
        /// The field name in the source.
        public var source: String
        /// The resolved type.
        public var type: ColumnType

        /// A column.
        public init(name: String, source: String, type: ColumnType) {
            self.name = name
            self.source = source
            self.type = type
        }
    }

    /// The source of the `_etl_deleted_at` column that `--deletions flag`
    /// adds: no source field can have this name (it starts with NUL), so no
    /// source data ever lands in it.
    public static let deletedAtSource = "\u{0}etl:deleted_at"

    /// Format version of this JSON.
    public var version = 1
    /// The table's name.
    public var table: String
    /// The stream it is loaded from.
    public var stream: String
    /// The columns, in table order.
    public var columns: [Column]

    /// A schema.
    public init(table: String, stream: String, columns: [Column]) {
        self.table = table
        self.stream = stream
        self.columns = columns
    }

    /// The schema as compact JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Decodes a stored schema.
    public static func decode(_ json: String) throws -> TableSchema {
        do { return try JSONDecoder().decode(TableSchema.self, from: Data(json.utf8)) } catch {
            throw HostError(.io, "the stored schema is not readable (\(error)); drop its row from _etl_schemas to start over")
        }
    }

    /// The Arrow schema of the batches loaded into this table.
    public var arrowSchema: ArrowBatchSchema {
        ArrowBatchSchema(columns.map { column in
            let (type, annotation) = (column.type == .null ? ColumnType.text : column.type).arrowField
            return ArrowField(column.name, type, annotation: annotation)
        })
    }
}
