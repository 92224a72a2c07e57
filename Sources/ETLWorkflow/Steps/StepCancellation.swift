import ETLHost

/// A step's view of the run's ``Cancellation`` (none: the step cannot be
/// cancelled): while a step's statements run, cancelling asks the plugin
/// instances to stop them (PostgreSQL cancels the statement on the
/// server, SQLite interrupts it), and the error that comes back is
/// reported as the cancellation it is.
struct StepCancellation {
    let cancellation: Cancellation?
    /// What messages start with: `step 'orders' (query:)`.
    let place: String

    /// Throws `.cancelled` when the run was cancelled; `doing` says what
    /// the step was about to do or doing.
    func check(_ doing: @autoclosure () -> String) throws {
        guard let cancellation, cancellation.isCancelled else { return }
        throw HostError(.cancelled, "\(place): cancelled (\(cancellation.reason)) \(doing())")
    }

    /// Runs `body` with `instances` cancelled if the run is; an error
    /// `body` throws after a cancellation becomes `.cancelled` (with
    /// `doing`).
    func guarding<T>(_ instances: [PluginInstance], _ doing: @autoclosure () -> String,
                     _ body: () throws -> T) throws -> T {
        guard let cancellation else { return try body() }
        let token = cancellation.onCancel { instances.forEach { $0.cancel() } }
        defer { cancellation.remove(token) }
        do {
            return try body()
        } catch {
            try check(doing())
            throw error
        }
    }
}
