/// A length of time written as a number and a unit: `90s`, `10m`, `26h`,
/// `2d`, or several in a row, largest first: `1h30m`.
///
/// ```swift
/// try PipelineDuration.parse("26h").seconds   // 93600
/// try PipelineDuration.parse("1h30m").seconds // 5400
/// ```
public struct PipelineDuration: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Whole seconds.
    public var seconds: Int

    /// A duration of `seconds`.
    public init(seconds: Int) { self.seconds = seconds }

    /// Why a duration could not be read.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The text that was given.
        public var text: String
        /// The error for `text`.
        public init(text: String) { self.text = text }
        /// What a duration looks like.
        public var description: String {
            "'\(text)' is not a duration: write a whole number and a unit, s (seconds), m (minutes), h (hours) or d (days), e.g. 90s, 10m, 26h, 1h30m"
        }
    }

    private static let units: [(Character, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// Parses `90s`, `10m`, `26h`, `2d`, `1h30m`; the total must be more than 0.
    public static func parse(_ text: String) throws(ParseError) -> PipelineDuration {
        var total = 0
        var digits = ""
        var lastUnit = Int.max
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let unit = units.first(where: { $0.0 == character })?.1, let number = Int(digits), unit < lastUnit else {
                throw ParseError(text: text)
            }
            let (product, overflow) = number.multipliedReportingOverflow(by: unit)
            guard !overflow, total <= Int.max - product else { throw ParseError(text: text) }
            total += product
            digits = ""
            lastUnit = unit
        }
        guard digits.isEmpty, total > 0 else { throw ParseError(text: text) }
        return PipelineDuration(seconds: total)
    }

    /// The shortest spelling: `26h`, `1h30m`, `90s` -> `1m30s`.
    public var description: String {
        var rest = seconds
        var text = ""
        for (unit, size) in Self.units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text.isEmpty ? "0s" : text
    }
}
