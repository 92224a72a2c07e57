/// `${VAR}` substitution in the values of a pipeline file.
///
/// `${NAME}` (NAME: a letter or `_`, then letters, digits, `_`) is replaced
/// by the variable's value; `$${` writes a literal `${`; any other `$` is
/// kept as it is. An undefined variable is an error naming it.
struct Interpolation {
    /// The variables: the `.env` file's, overridden by the environment's.
    let variables: [String: String]

    /// Why a value could not be interpolated.
    enum Failure: Error, Equatable {
        /// `${NAME}` with NAME not defined.
        case undefined(String)
        /// `${` without a closing `}` or with a malformed name.
        case malformed(String)
    }

    /// Whether `text` has anything to substitute (a `$` at all).
    static func mentionsVariables(_ text: String) -> Bool { text.contains("$") }

    /// `text` with every `${NAME}` replaced.
    func apply(_ text: String) -> Result<String, Failure> {
        guard Self.mentionsVariables(text) else { return .success(text) }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let rest = text[index...]
            if rest.hasPrefix("$${") {
                output += "${"
                index = text.index(index, offsetBy: 3)
            } else if rest.hasPrefix("${") {
                let nameStart = text.index(index, offsetBy: 2)
                guard let close = text[nameStart...].firstIndex(of: "}") else {
                    return .failure(.malformed(String(rest.prefix(40))))
                }
                let name = String(text[nameStart..<close])
                guard Self.isValidName(name) else { return .failure(.malformed("${\(name)}")) }
                guard let value = variables[name] else { return .failure(.undefined(name)) }
                output += value
                index = text.index(after: close)
            } else {
                output.append(character)
                index = text.index(after: index)
            }
        }
        return .success(output)
    }

    /// A letter or `_`, then letters, digits or `_` (ASCII).
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
              first.properties.isAlphabetic || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }
}
