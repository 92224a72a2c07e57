import CETLPlugin
import ETLPluginKit

/// Pass 2's batches for the warehouse: read back from the spool,
/// decompressed and converted to the table's types on a thread of their
/// own (``ReadAhead``) while the caller writes the previous one, so that
/// the two cores share the load. One converted batch waits at most.
///
/// Conversion runs ahead only when no row may be set aside
/// (``BatchConverter/rejectAllowance`` is 0, the default): then a value
/// that does not fit fails the stream whichever side meets it, as before.
/// With an allowance, the warehouse's refusals of one batch lower the
/// allowance of the next, so conversion stays with the caller and only
/// the reading and decompressing run ahead.
///
/// ```swift
/// let batches = ConvertedSpoolBatches(spool: try SpoolBatchReader(path: path, stream: "orders"), converter: converter)
/// defer { batches.close() }
/// while let batch = try batches.next() {
///     try writer.write(batch.array)
///     batches.spendAllowance(refused)
/// }
/// ```
final class ConvertedSpoolBatches {
    /// One converted batch; its Arrow array is released with it unless a
    /// writer took it.
    final class Batch {
        /// The batch in the table's Arrow schema, for the warehouse's `write`.
        let array: UnsafeMutablePointer<ArrowArray>
        /// The rows it holds (rows the converter set aside are not in it).
        fileprivate(set) var rows = 0

        fileprivate init() {
            array = .allocate(capacity: 1)
            array.initialize(to: ArrowArray())
        }

        deinit {
            if let release = array.pointee.release { release(array) }
            array.deallocate()
        }
    }

    /// Where conversion runs.
    enum Placement: Equatable {
        /// On the read-ahead thread (no rows may be set aside).
        case ahead
        /// On the caller's thread, as each batch is taken.
        case caller
    }

    /// Where this stream's conversion runs.
    let placement: Placement
    private let converter: BatchConverter
    private let ahead: ReadAhead<Either>

    private enum Either {
        case converted(Batch)
        case spooled(SpooledBatch)
    }

    /// Starts reading `spool` ahead; `converter` belongs to this object
    /// (and its thread) until ``close()`` or the end of the batches.
    init(spool: SpoolBatchReader, converter: BatchConverter) {
        self.converter = converter
        let placement: Placement = converter.rejectAllowance == 0 ? .ahead : .caller
        self.placement = placement
        ahead = ReadAhead(depth: 1) {
            guard let spooled = try spool.next() else { return nil }
            guard placement == .ahead else { return .spooled(spooled) }
            return .converted(try Self.convert(spooled, with: converter))
        }
    }

    /// The rows that may still be set aside: what the warehouse may refuse
    /// in the next batch.
    var rejectAllowance: Int { placement == .ahead ? 0 : converter.rejectAllowance }

    /// Counts `rows` the warehouse refused (set aside) against the allowance.
    func spendAllowance(_ rows: Int) {
        guard rows > 0, placement == .caller else { return }
        converter.rejectAllowance -= rows
    }

    /// The next converted batch, or `nil` after the last. Throws what
    /// reading or converting that batch threw.
    func next() throws -> Batch? {
        switch try ahead.next() {
        case nil: return nil
        case .converted(let batch)?: return batch
        case .spooled(let spooled)?: return try Self.convert(spooled, with: converter)
        }
    }

    /// Stops reading ahead and waits for the reader's thread; batches not
    /// taken are released.
    func close() { ahead.close() }

    private static func convert(_ spooled: SpooledBatch, with converter: BatchConverter) throws -> Batch {
        let batch = Batch()
        batch.rows = try converter.convert(spooled, into: batch.array)
        return batch
    }
}
