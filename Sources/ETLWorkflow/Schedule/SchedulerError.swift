/// Why the scheduler refused a request (``PipelineControl``): what is
/// unknown or unusable, so a web UI can answer 404 or 409 and show the message.
public struct SchedulerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of refusal.
    public enum Kind: String, Sendable {
        /// No such pipeline, schedule or run.
        case notFound = "not_found"
        /// The pipeline's file does not parse: it cannot run.
        case pipelineHasErrors = "pipeline_has_errors"
    }

    /// What kind of refusal.
    public var kind: Kind
    /// The message, naming what was asked for and what exists.
    public var message: String

    /// A refusal.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
