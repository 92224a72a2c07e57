import ETLWorkflow

extension RunTrigger: NamedChoice {
    static let option = "--trigger"
    static let listing = "cli, schedule, manual or external"
    var name: String { rawValue }
}
