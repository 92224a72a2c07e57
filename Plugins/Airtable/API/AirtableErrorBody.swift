import ETLPluginKit

/// The error an Airtable response body describes, in any of the shapes the
/// API uses:
///
///     {"error": {"type": "AUTHENTICATION_REQUIRED", "message": "Authentication required"}}
///     {"error": "NOT_FOUND"}
///     {"errors": [{"error": "RATE_LIMIT_REACHED", "message": "..."}]}
struct AirtableErrorBody: Equatable {
    /// Airtable's error type, e.g. `INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND`.
    var type: String?
    /// Airtable's message.
    var message: String?

    /// The error in `body`, or an empty one when the body is not a JSON
    /// error object.
    init(json body: UnsafeRawBufferPointer) {
        guard let value = try? JSONValue(jsonBytes: body, maxDepth: 16) else {
            self.init(type: nil, message: nil)
            return
        }
        self.init(value: value)
    }

    init(type: String?, message: String?) {
        self.type = type
        self.message = message
    }

    private init(value: JSONValue) {
        switch value["error"] {
        case .string(let type)?:
            self.type = type
            if case .string(let message)? = value["message"] { self.message = message }
        case .object?:
            if case .string(let type)? = value["error"]?["type"] { self.type = type }
            if case .string(let message)? = value["error"]?["message"] { self.message = message }
        default:
            if case .array(let errors)? = value["errors"], let first = errors.first {
                if case .string(let type)? = first["error"] { self.type = type }
                if case .string(let type)? = first["type"] { self.type = type }
                if case .string(let message)? = first["message"] { self.message = message }
            }
        }
    }

    /// `TYPE: message`, `TYPE`, `message`, or `nil` when there is neither.
    var summary: String? {
        switch (type, message) {
        case let (type?, message?): "\(type): \(message)"
        case let (type?, nil): type
        case let (nil, message?): message
        case (nil, nil): nil
        }
    }
}
