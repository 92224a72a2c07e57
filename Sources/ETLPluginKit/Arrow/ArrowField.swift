/// One column of a batch: its name, Arrow type and field metadata.
///
/// ```swift
/// let fields = [
///     ArrowField("id", .int64),
///     ArrowField("tags", .utf8, annotation: .json),
///     ArrowField("amount", .utf8, annotation: .decimal(precision: 12, scale: 2)),
/// ]
/// ```
public struct ArrowField: Sendable, Hashable, CustomStringConvertible {
    /// The column name as the source spells it (the host normalizes it).
    public var name: String
    /// The Arrow type of the values.
    public var type: ArrowColumnType
    /// All field metadata, including the pairs that encode ``annotation``.
    public var metadata: ArrowMetadata
    /// Whether the column may hold nulls (`ARROW_FLAG_NULLABLE`). Builders
    /// always allow nulls; this only sets the flag.
    public var nullable: Bool

    /// Creates a field. An `annotation` is stored as its metadata pair,
    /// added to `metadata`.
    public init(
        _ name: String, _ type: ArrowColumnType, annotation: ArrowFieldAnnotation? = nil,
        metadata: ArrowMetadata = ArrowMetadata(), nullable: Bool = true
    ) {
        self.name = name
        self.type = type
        self.metadata = metadata
        self.nullable = nullable
        if let annotation { self.annotation = annotation }
    }

    /// The meaning carried in ``metadata`` (JSON, untyped, decimal, record),
    /// or `nil`. Setting it replaces any previous annotation.
    public var annotation: ArrowFieldAnnotation? {
        get { (try? ArrowFieldAnnotation(metadata: metadata)) ?? nil }
        set {
            if metadata[ArrowFieldAnnotation.extensionNameKey] == ArrowFieldAnnotation.jsonExtensionName {
                metadata[ArrowFieldAnnotation.extensionNameKey] = nil
            }
            metadata[ArrowFieldAnnotation.untypedKey] = nil
            metadata[ArrowFieldAnnotation.decimalKey] = nil
            metadata[ArrowFieldAnnotation.recordKey] = nil
            if let entry = newValue?.metadataEntry {
                metadata[entry.key] = entry.value
            }
        }
    }

    /// Checks that the metadata is well formed and that an annotation sits
    /// on a utf8 column, as the contract requires.
    ///
    /// - Throws: ``PluginError/Code/data`` naming the column.
    public func validate() throws(PluginError) {
        let annotation: ArrowFieldAnnotation?
        do {
            annotation = try ArrowFieldAnnotation(metadata: metadata)
        } catch {
            throw PluginError.data("column \"\(name)\": \(error.message)")
        }
        if let annotation, type != .utf8 {
            throw PluginError.data("column \"\(name)\": the \(annotation) annotation needs a utf8 "
                + "column (format \"u\"), but the column is \(type) (format \"\(type.format)\")")
        }
    }

    /// `name: type`, plus the annotation if any, e.g. `"price: utf8 decimal(12,2)"`.
    public var description: String {
        if let annotation { return "\(name): \(type) \(annotation)" }
        return "\(name): \(type)"
    }
}
