import Yams

/// `check:` steps.
extension PipelineDecoder {
    static let checkKeys = ["table", "warehouse", "not_null", "unique", "accepted_values", "row_count", "freshness", "sql", "severity"]

    func decodeCheck(_ node: Node, step: String, context: StepContext) -> CheckStep? {
        let what = "step '\(step)': check"
        guard let fields = reader.fields(node, what: what) else { return nil }
        reader.checkKeys(fields, allowed: Self.checkKeys)
        var complete = true
        var assertions: [CheckAssertion] = []
        for pair in fields.pairs {
            let keyWhat = "\(what): \(pair.key)"
            switch pair.key {
            case "not_null", "unique":
                guard let list = reader.textList(pair.value, what: keyWhat, allowSingle: true) else { complete = false; continue }
                guard !list.isEmpty else {
                    reader.log.error(reader.location(pair.value), "\(keyWhat) names no column")
                    complete = false
                    continue
                }
                assertions.append(pair.key == "not_null" ? .notNull(list.map(\.0)) : .unique(list.map(\.0)))
            case "accepted_values":
                guard let columns = reader.fields(pair.value, what: keyWhat) else { complete = false; continue }
                for column in columns.pairs {
                    guard let values = reader.textList(column.value, what: "\(keyWhat): \(column.key)") else { complete = false; continue }
                    assertions.append(.acceptedValues(column: column.key, values: values.map(\.0)))
                }
            case "row_count":
                guard let rule = decodeRowCount(pair.value, what: keyWhat) else { complete = false; continue }
                assertions.append(.rowCount(rule))
            case "freshness":
                guard let freshness = decodeFreshness(pair.value, what: keyWhat) else { complete = false; continue }
                assertions.append(freshness)
            case "sql":
                guard let query = reader.text(pair.value, what: keyWhat) else { complete = false; continue }
                assertions.append(.customSQL(query))
            default:
                continue
            }
        }
        guard let tableNode = fields.value("table") else {
            reader.missing(fields, "table", " (the table the assertions are about)")
            return nil
        }
        guard let table = reader.text(tableNode, what: "\(what): table") else { return nil }
        var severity = context.defaults.severity
        if let node = fields.value("severity") {
            guard let value = reader.choice(node, what: "\(what): severity", as: CheckSeverity.self) else { return nil }
            severity = value
        }
        if assertions.isEmpty, complete {
            reader.log.error(fields.location, "\(what) asserts nothing: give at least one of not_null, unique, accepted_values, row_count, freshness, sql")
            return nil
        }
        guard let warehouse = warehouseConnection(fields, key: "warehouse", context: context), complete else { return nil }
        return CheckStep(table: table, warehouse: warehouse, assertions: assertions, severity: severity)
    }

    /// `">0"`, `">=10"`, `"==3"`, or a bare number meaning `==`.
    private func decodeRowCount(_ node: Node, what: String) -> RowCountRule? {
        if case .integer(let count)? = reader.scalar(node), count >= 0 { return RowCountRule(.equal, count) }
        guard let text = reader.text(node, what: what) else { return nil }
        do { return try RowCountRule.parse(text) } catch {
            reader.log.error(reader.location(node), "\(what): \(error) (quote it in YAML: row_count: \">0\")")
            return nil
        }
    }

    /// `{column: updated_at, max_age: 26h}`.
    private func decodeFreshness(_ node: Node, what: String) -> CheckAssertion? {
        guard let fields = reader.fields(node, what: what) else { return nil }
        reader.checkKeys(fields, allowed: ["column", "max_age"])
        guard let columnNode = fields.value("column") else { reader.missing(fields, "column"); return nil }
        guard let ageNode = fields.value("max_age") else { reader.missing(fields, "max_age", " (e.g. 26h)"); return nil }
        guard let column = reader.text(columnNode, what: "\(what): column"), let age = reader.duration(ageNode, what: "\(what): max_age") else {
            return nil
        }
        return .freshness(column: column, maxAge: age)
    }
}
