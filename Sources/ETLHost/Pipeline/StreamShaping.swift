/// How one stream's table is shaped (a pipeline's `sync` step: `table:`,
/// `columns:`, `contract:`): its table name, which source fields load and
/// under what names, and what a change of the source's fields may do to an
/// existing table. Applied when the table schema is resolved, so the spool
/// and the snapshot keep the data as the source gave it and a replay can
/// shape it anew.
///
/// ```swift
/// var shaping = StreamShaping(table: "crm_orders")
/// shaping.columns = .allExcept(["internal_note"])
/// shaping.renames = ["Order ID": "order_id"]
/// shaping.contract = .init(newColumns: .discard, typeChanges: .freeze)
/// request.shaping["orders"] = shaping
/// ```
public struct StreamShaping: Sendable, Equatable {
    /// Which source fields load.
    public enum Columns: Sendable, Equatable {
        /// Every field.
        case all
        /// Only these source fields.
        case only([String])
        /// Every field but these.
        case allExcept([String])
    }

    /// What a load may do to an existing table when the source changes.
    public struct Contract: Sendable, Equatable {
        /// A field the table has no column for.
        public enum NewColumns: String, Sendable, CaseIterable {
            /// Add the column (what `etl-host sync` does).
            case evolve
            /// Fail the stream (exit 65), naming stream, table and column.
            case freeze
            /// Load without the field, with a warning and the column in the
            /// stream's report (``StreamReport/discardedColumns``).
            case discard
        }

        /// A value that needs a wider type than its column has.
        public enum TypeChanges: String, Sendable, CaseIterable {
            /// Widen the column (what `etl-host sync` does).
            case widen
            /// Fail the stream (exit 65), naming the column and both types.
            case freeze
        }

        /// New columns.
        public var newColumns: NewColumns
        /// Type changes.
        public var typeChanges: TypeChanges

        /// A contract; the default is what `etl-host sync` does.
        public init(newColumns: NewColumns = .evolve, typeChanges: TypeChanges = .widen) {
            self.newColumns = newColumns
            self.typeChanges = typeChanges
        }
    }

    /// The table's name as written (nil: the stream's name, normalized,
    /// after the request's ``SyncRequest/tablePrefix``).
    public var table: String?
    /// Which source fields load.
    public var columns: Columns
    /// Source field -> column name, for columns the load creates.
    public var renames: [String: String]
    /// What the load may do to an existing table.
    public var contract: Contract

    /// Shaping that changes nothing (every field, no renames, evolve and widen).
    public init(table: String? = nil, columns: Columns = .all, renames: [String: String] = [:], contract: Contract = Contract()) {
        self.table = table
        self.columns = columns
        self.renames = renames
        self.contract = contract
    }

    /// The fields of `fields` that load.
    ///
    /// - Throws: `.invalidArgument` when a selected, excluded or renamed
    ///   field is not one of the stream's fields.
    func select(_ fields: [ObservedField], stream: String) throws -> [ObservedField] {
        let known = fields.map(\.source)
        let named: [(String, [String])] = switch columns {
        case .all: [("rename", Array(renames.keys).sorted())]
        case .only(let list): [("select", list), ("rename", Array(renames.keys).sorted())]
        case .allExcept(let list): [("exclude", list), ("rename", Array(renames.keys).sorted())]
        }
        for (key, names) in named {
            if let unknown = names.first(where: { !known.contains($0) }) {
                throw HostError(.invalidArgument, "stream '\(stream)': columns.\(key) names '\(unknown)', which the stream does not have; its fields: \(known.joined(separator: ", "))")
            }
        }
        switch columns {
        case .all: return fields
        case .only(let list): return fields.filter { list.contains($0.source) }
        case .allExcept(let list): return fields.filter { !list.contains($0.source) }
        }
    }
}
