import ETLPluginKit

/// Whether a cell converts to a declared column type, by the conversion
/// `sync` uses in pass 2 (``CellConversion``), for checks outside the host
/// (the conformance suite's `declared-types`).
///
/// ```swift
/// var conversion = DeclaredValueConversion()
/// let fits = conversion.append(.string, bytes, as: .integer, to: builder)
/// ```
package struct DeclaredValueConversion {
    private var conversion = CellConversion()

    /// A conversion with empty scratch space.
    package init() {}

    /// Appends the non-null cell `value` of kind `kind` to `builder` as
    /// `type`; false when it does not convert (nothing appended then).
    package mutating func append(_ kind: CellKind, _ value: UnsafeRawBufferPointer, as type: ColumnType,
                                 to builder: ArrowBatchBuilder) -> Bool {
        conversion.append(kind, value, as: type, to: builder) == nil
    }
}
