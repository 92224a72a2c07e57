import ETLPluginKit
import Testing

/// Finishes the builder's batch and imports it again through the C structs,
/// as the host would: the schema goes through its C form too.
func roundTrip(_ builder: ArrowBatchBuilder) throws -> ImportedBatch {
    var array = ArrowArray()
    var schema = ArrowSchema()
    try builder.finish(into: &array, schema: &schema)
    defer { schema.release(&schema) }
    return try ImportedBatch(taking: &array, schema: &schema)
}

/// Finishes the builder's batch into C structs owned by the caller.
final class ExportedBatch {
    var array = ArrowArray()
    var schema = ArrowSchema()

    init(_ builder: ArrowBatchBuilder) throws {
        try builder.finish(into: &array, schema: &schema)
    }

    deinit {
        if let release = array.release { release(&array) }
        if let release = schema.release { release(&schema) }
    }

    /// The child array of column `index`.
    func child(_ index: Int) -> UnsafeMutablePointer<ArrowArray> {
        array.children[index]!
    }

    /// Buffer `buffer` of column `index`, writable (for corrupting it).
    func buffer<T>(_ index: Int, _ buffer: Int, as type: T.Type) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer(mutating: child(index).pointee.buffers[buffer]!).assumingMemoryBound(to: T.self)
    }

    /// Validates the batch without taking it; the error message, or nil.
    func validationError() -> String? {
        do {
            let parsed = try ArrowBatchSchema(importing: &schema)
            try ImportedBatch.validate(&array, schema: parsed)
            return nil
        } catch {
            return error.message
        }
    }
}

/// The message of the PluginError that `body` throws, or nil.
func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as PluginError {
        return error.message
    } catch {
        return "not a PluginError: \(error)"
    }
}

/// The PluginError that `body` throws, or nil.
func pluginError(_ body: () throws -> Void) -> PluginError? {
    do {
        try body()
        return nil
    } catch let error as PluginError {
        return error
    } catch {
        return PluginError(.unknown, "not a PluginError: \(error)")
    }
}
