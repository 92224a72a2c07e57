import Foundation

/// The optional `.env` file next to a pipeline file: `KEY=VALUE` lines.
///
/// ```text
/// # comments and blank lines are skipped
/// AIRTABLE_BASE=appXXXXXXXX
/// export PGHOST=localhost          # "export " is allowed and ignored
/// GREETING="hello\nworld"          # double quotes: \n \t \" \\ \$ escapes
/// PATTERN='${not_expanded}'        # single quotes: taken literally
/// ```
///
/// Values are not interpolated (no `${...}` inside `.env`). The environment
/// wins over the file: a variable set in both takes the environment's
/// value, so a CI job or a shell can override what the file says.
struct DotEnvFile {
    /// The variables the file defines, in file order of last definition.
    private(set) var variables: [String: String] = [:]

    /// Reads `path`; a missing file is an empty one. Malformed lines are
    /// reported to `log` with their line and column.
    static func read(path: String, displayPath: String, log: DiagnosticLog) -> DotEnvFile {
        var file = DotEnvFile()
        guard let data = FileManager.default.contents(atPath: path) else { return file }
        let text = String(decoding: data, as: UTF8.self)
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            var line = Substring(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            line = line.dropFirst(indent)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop { $0 == " " } }
            let location = SourceLocation(file: displayPath, line: lineNumber, column: indent + 1)
            guard let equals = line.firstIndex(of: "=") else {
                log.error(location, "expected KEY=VALUE, found '\(line.prefix(40))'")
                continue
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard Interpolation.isValidName(key) else {
                log.error(location, "'\(key)' is not a variable name (a letter or _, then letters, digits or _)")
                continue
            }
            switch value(line[line.index(after: equals)...]) {
            case .success(let value): file.variables[key] = value
            case .failure(let problem): log.error(location, "\(key): \(problem.message)")
            }
        }
        return file
    }

    /// A malformed value.
    struct ValueProblem: Error { var message: String }

    /// The value after `=`: quoted (single: literal; double: escapes) or
    /// bare (trimmed, a ` #` starts a comment).
    static func value(_ raw: Substring) -> Result<String, ValueProblem> {
        let text = raw.drop { $0 == " " || $0 == "\t" }
        guard let quote = text.first, quote == "\"" || quote == "'" else {
            var bare = String(text)
            if let comment = bare.range(of: " #") ?? bare.range(of: "\t#") { bare = String(bare[..<comment.lowerBound]) }
            return .success(bare.trimmingCharacters(in: .whitespaces))
        }
        var output = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == quote {
                let after = text[text.index(after: index)...].trimmingCharacters(in: .whitespaces)
                guard after.isEmpty || after.hasPrefix("#") else {
                    return .failure(ValueProblem(message: "unexpected text after the closing quote: '\(after.prefix(20))'"))
                }
                return .success(output)
            }
            if quote == "\"", character == "\\", text.index(after: index) < text.endIndex {
                index = text.index(after: index)
                switch text[index] {
                case "n": output.append("\n")
                case "t": output.append("\t")
                case "r": output.append("\r")
                default: output.append(text[index])
                }
            } else {
                output.append(character)
            }
            index = text.index(after: index)
        }
        return .failure(ValueProblem(message: "the value's quote \(quote) is not closed"))
    }
}
