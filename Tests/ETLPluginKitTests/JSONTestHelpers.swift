import ETLPluginKit
import Testing

/// A member of a scanned object, copied out of the scanner so that it can
/// be compared after the document is gone.
struct ScannedMember: Equatable, CustomStringConvertible {
    var key: String
    var kind: JSONValueKind
    var raw: String
    var string: String?
    var number: JSONNumberKind?
    var int64: Int64?

    init(_ key: String, _ kind: JSONValueKind, raw: String, string: String? = nil,
         number: JSONNumberKind? = nil, int64: Int64? = nil) {
        self.key = key
        self.kind = kind
        self.raw = raw
        self.string = string
        self.number = number
        self.int64 = int64
    }

    init(_ member: JSONMember) {
        self.init(member.keyString, member.kind, raw: member.rawText, string: member.stringValue,
                  number: member.numberKind, int64: member.int64Value)
    }

    var description: String {
        "\(key): \(kind) \(raw)" + (string.map { " string=\($0.debugDescription)" } ?? "")
            + (number.map { " \($0)" } ?? "") + (int64.map { " int64=\($0)" } ?? "")
    }
}

/// Scans `text` (or raw `bytes`) with `scanner` and copies the members out.
func scanMembers(_ text: String, scanner: JSONObjectScanner = JSONObjectScanner()) throws(JSONError)
    -> [ScannedMember]
{
    try scanMembers(Array(text.utf8), scanner: scanner)
}

func scanMembers(_ bytes: [UInt8], scanner: JSONObjectScanner = JSONObjectScanner()) throws(JSONError)
    -> [ScannedMember]
{
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(JSONError) in try scanner.scan(buffer).map(ScannedMember.init) }
    }
    return try result.get()
}

/// The error scanning `bytes` as an object throws, or nil when it is valid.
func scanError(_ bytes: [UInt8], scanner: JSONObjectScanner = JSONObjectScanner()) -> JSONError? {
    bytes.withUnsafeBytes { buffer -> JSONError? in
        do throws(JSONError) {
            try scanner.scan(buffer)
            return nil
        } catch {
            return error
        }
    }
}

func scanError(_ text: String, scanner: JSONObjectScanner = JSONObjectScanner()) -> JSONError? {
    scanError(Array(text.utf8), scanner: scanner)
}

/// The error validating `bytes` as any JSON value throws, or nil.
func validationError(_ bytes: [UInt8], scanner: JSONObjectScanner = JSONObjectScanner()) -> JSONError? {
    bytes.withUnsafeBytes { buffer -> JSONError? in
        do throws(JSONError) {
            try scanner.validate(buffer)
            return nil
        } catch {
            return error
        }
    }
}

/// A small deterministic random number generator (SplitMix64), so that a
/// failing fuzz case can be reproduced from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
