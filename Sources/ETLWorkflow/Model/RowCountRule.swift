/// A condition on a table's row count: `>0`, `>=10`, `==3`, `<1000`,
/// `<=5`, `!=0` (spaces allowed after the operator).
///
/// ```swift
/// let rule = try RowCountRule.parse(">=10")
/// rule.accepts(12)   // true
/// ```
public struct RowCountRule: Sendable, Equatable, CustomStringConvertible {
    /// How the count is compared.
    public enum Comparison: String, Sendable, CaseIterable {
        /// `==`
        case equal = "=="
        /// `!=`
        case notEqual = "!="
        /// `>=`
        case atLeast = ">="
        /// `<=`
        case atMost = "<="
        /// `>`
        case greaterThan = ">"
        /// `<`
        case lessThan = "<"
    }

    /// The operator.
    public var comparison: Comparison
    /// The number compared with (0 or more).
    public var count: Int

    /// A rule.
    public init(_ comparison: Comparison, _ count: Int) {
        self.comparison = comparison
        self.count = count
    }

    /// Why a rule could not be read.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The text that was given.
        public var text: String
        /// What a rule looks like.
        public var description: String {
            "'\(text)' is not a row count condition: write an operator (==, !=, >=, <=, >, <) and a whole number, e.g. \">0\", \">=10\", \"==3\""
        }
    }

    /// Parses an operator followed by a whole number.
    public static func parse(_ text: String) throws(ParseError) -> RowCountRule {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // Two-character operators first, so ">=" is not read as ">".
        for comparison in Comparison.allCases where trimmed.hasPrefix(comparison.rawValue) {
            let number = trimmed.dropFirst(comparison.rawValue.count).trimmingCharacters(in: .whitespaces)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(number) else {
                throw ParseError(text: text)
            }
            return RowCountRule(comparison, count)
        }
        throw ParseError(text: text)
    }

    /// Whether `rows` satisfies the rule.
    public func accepts(_ rows: Int) -> Bool {
        switch comparison {
        case .equal: rows == count
        case .notEqual: rows != count
        case .atLeast: rows >= count
        case .atMost: rows <= count
        case .greaterThan: rows > count
        case .lessThan: rows < count
        }
    }

    /// `>=10`.
    public var description: String { "\(comparison.rawValue)\(count)" }
}

import Foundation
