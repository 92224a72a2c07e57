#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The schema of a batch: the ordered columns of a `"+s"` (struct) Arrow
/// array. A Swift value that can be exported to, and imported from, a C
/// `ArrowSchema`.
///
/// ```swift
/// let schema = ArrowBatchSchema([ArrowField("id", .int64), ArrowField("name", .utf8)])
/// var c = ArrowSchema()
/// schema.export(to: &c)                        // caller owns c; call c.release
/// let copy = try ArrowBatchSchema(importing: &c)
/// c.release(&c)
/// ```
public struct ArrowBatchSchema: Sendable, Hashable, CustomStringConvertible {
    /// The columns, in order.
    public var fields: [ArrowField]

    /// Creates a schema from its columns.
    public init(_ fields: [ArrowField]) {
        self.fields = fields
    }

    /// The number of columns.
    public var count: Int { fields.count }

    /// The index of the first column named `name`.
    public func index(of name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }

    /// Checks every field (see ``ArrowField/validate()``).
    public func validate() throws(PluginError) {
        for field in fields { try field.validate() }
    }

    /// Copies and validates a borrowed C schema of a batch.
    ///
    /// Requires format `"+s"`, a non-released struct, and for every child: a
    /// name, a v1 format (see ``ArrowColumnType``), no children, no
    /// dictionary and well-formed metadata. The C schema is not released.
    ///
    /// - Throws: ``PluginError/Code/data`` naming the offending column.
    public init(importing schema: UnsafePointer<ArrowSchema>) throws(PluginError) {
        let root = schema.pointee
        guard root.release != nil else {
            throw PluginError.data("the batch schema was already released (release is NULL)")
        }
        let rootFormat = root.format.map { String(cString: $0) }
        guard rootFormat == "+s" else {
            throw PluginError.data("a batch schema must have format \"+s\" (struct), "
                + "got \(rootFormat.map { "\"\($0)\"" } ?? "NULL")")
        }
        guard root.dictionary == nil else {
            throw PluginError.data("a batch schema must not be dictionary-encoded")
        }
        let count = Int(root.n_children)
        guard count >= 0 else {
            throw PluginError.data("the batch schema has n_children = \(count)")
        }
        guard count == 0 || root.children != nil else {
            throw PluginError.data("the batch schema has \(count) children but children is NULL")
        }
        var fields: [ArrowField] = []
        fields.reserveCapacity(count)
        for index in 0..<count {
            guard let child = root.children[index] else {
                throw PluginError.data("schema column \(index + 1): the child pointer is NULL")
            }
            fields.append(try Self.importField(child.pointee, index: index))
        }
        self.fields = fields
    }

    private static func importField(_ child: ArrowSchema, index: Int) throws(PluginError) -> ArrowField {
        var label = "column \(index + 1)"
        guard let namePointer = child.name else {
            throw PluginError.data("schema \(label): the name is NULL; every column needs a name")
        }
        guard let name = String(validatingCString: namePointer) else {
            throw PluginError.data("schema \(label): the name is not valid UTF-8")
        }
        label = "column \(index + 1) (\"\(name)\")"
        guard child.release != nil else {
            throw PluginError.data("schema \(label) was already released (release is NULL)")
        }
        guard let formatPointer = child.format else {
            throw PluginError.data("schema \(label): the format is NULL")
        }
        let format = String(decoding: UnsafeRawBufferPointer(
            start: formatPointer, count: strlen(formatPointer)), as: UTF8.self)
        guard let type = ArrowColumnType(format: format) else {
            throw PluginError.data("schema \(label): format \"\(format)\" is not in ABI v1; "
                + "use one of \(ArrowColumnType.formatList)")
        }
        guard child.n_children == 0 else {
            throw PluginError.data("schema \(label): a \(type) column must have no children, "
                + "has \(child.n_children); nested values travel as utf8 JSON")
        }
        guard child.dictionary == nil else {
            throw PluginError.data("schema \(label): dictionary encoding is not in ABI v1")
        }
        let metadata: ArrowMetadata
        do {
            metadata = try ArrowMetadata(decodingOptional: child.metadata)
        } catch {
            throw PluginError.data("schema \(label): \(error.message)")
        }
        let field = ArrowField(name, type, metadata: metadata,
                               nullable: child.flags & Int64(ARROW_FLAG_NULLABLE) != 0)
        do {
            try field.validate()
        } catch {
            throw PluginError.data("schema \(label): \(error.message.removingPrefix("column \"\(name)\": "))")
        }
        return field
    }

    /// Exports the schema into a caller-provided C struct, as a `"+s"`
    /// schema with one child per field. The caller owns the result and
    /// calls its `release` exactly once; children may be moved out and
    /// released independently, as the C Data Interface allows.
    public func export(to out: UnsafeMutablePointer<ArrowSchema>) {
        let children = UnsafeMutablePointer<UnsafeMutablePointer<ArrowSchema>?>.allocate(
            capacity: max(1, fields.count))
        for (index, field) in fields.enumerated() {
            let child = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
            let storage = SchemaNodeStorage(format: field.type.format, name: field.name,
                                            metadata: field.metadata, children: nil, childCount: 0)
            child.initialize(to: storage.makeNode(flags: field.nullable ? Int64(ARROW_FLAG_NULLABLE) : 0))
            children[index] = child
        }
        let storage = SchemaNodeStorage(format: "+s", name: "", metadata: ArrowMetadata(),
                                        children: children, childCount: fields.count)
        out.initialize(to: storage.makeNode(flags: 0))
    }

    /// The columns as `name: type`, comma-separated.
    public var description: String {
        fields.map(\.description).joined(separator: ", ")
    }
}

extension String {
    /// The string without `prefix` when it starts with it.
    fileprivate func removingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
