import ETLPluginKit

/// Rewrites a record so that nested objects become members of their own,
/// named by their path joined with `__` (dlt's convention), down to a depth:
/// with depth 1, `{"a": {"b": 1, "c": {"d": 2}}}` becomes
/// `{"a__b": 1, "a__c": {"d": 2}}`; with depth 2, `{"a__b": 1, "a__c__d": 2}`.
///
/// Lists stay one JSON value, as do objects below the depth and empty
/// objects (`{}`: nothing to spread, and nothing is dropped). Values are
/// copied byte for byte. Two members that would get one name (a member
/// `a__b` next to `a: {b: …}`) fail the record rather than lose one.
///
/// The host's column naming keeps `__` between the parts of a name, so the
/// member `a__b` is the column `a__b`.
final class NestedObjectFlattener {
    /// The levels of objects spread into their parent (1 or more).
    let depth: Int
    /// One scanner per level: a level's members stay valid while the next one is read.
    private let scanners: [JSONObjectScanner]
    /// The last flattened record.
    private(set) var output: [UInt8] = []
    private var name: [UInt8] = []
    private var names = Set<[UInt8]>()

    init(depth: Int) {
        self.depth = depth
        scanners = (0...depth).map { _ in JSONObjectScanner() }
    }

    /// Flattens `record` into ``output``, or says why it cannot be
    /// flattened: a message naming the member.
    func flatten(_ record: UnsafeRawBufferPointer) throws(FlattenFailure) {
        output.removeAll(keepingCapacity: true)
        names.removeAll(keepingCapacity: true)
        name.removeAll(keepingCapacity: true)
        output.append(UInt8(ascii: "{"))
        try write(record, level: 0)
        output.append(UInt8(ascii: "}"))
    }

    /// Writes the members of `object` at `level`, their names after ``name``.
    private func write(_ object: UnsafeRawBufferPointer, level: Int) throws(FlattenFailure) {
        let members: JSONMembers
        do throws(JSONError) {
            members = try scanners[level].scan(object)
        } catch {
            throw FlattenFailure(message: "it is not a JSON object (\(error.message))")
        }
        let prefixLength = name.count
        for member in members {
            name.removeSubrange(prefixLength...)
            if level > 0 { name.append(contentsOf: [UInt8(ascii: "_"), UInt8(ascii: "_")]) }
            name.append(contentsOf: member.key)
            if member.kind == .object, level < depth, !Self.isEmptyObject(member.raw) {
                try write(member.raw, level: level + 1)
                continue
            }
            guard names.insert(name).inserted else {
                throw FlattenFailure(message: "two members become \"\(String(decoding: name, as: UTF8.self))\" "
                    + "(flatten_depth \(depth)); a member of that name and a nested one cannot both be kept")
            }
            if output.count > 1 { output.append(UInt8(ascii: ",")) }
            name.withUnsafeBytes { JSONStringWriter.append($0, to: &output) }
            output.append(UInt8(ascii: ":"))
            output.append(contentsOf: member.raw)
        }
        name.removeSubrange(prefixLength...)
    }

    /// Whether `raw` is `{}` (spaces allowed).
    private static func isEmptyObject(_ raw: UnsafeRawBufferPointer) -> Bool {
        raw.allSatisfy { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") || $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }
}

/// Why a record could not be flattened.
struct FlattenFailure: Error {
    /// What is wrong, naming the member.
    var message: String
}
