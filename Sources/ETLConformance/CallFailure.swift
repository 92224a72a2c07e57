import CETLPlugin
import ETLHost
import ETLPluginKit
import Foundation

/// What a failed plugin call left in its `etl_error`, read and released
/// (its `release` called exactly once), with the rules it broke.
///
/// ```swift
/// if let failure = CallFailure.calling({ error in ops.read!(handle, &request, stream, error) }) {
///     for problem in failure.problems(operation: "read of an unknown stream") { recorder.fail(problem) }
/// }
/// ```
struct CallFailure: Error, CustomStringConvertible, Sendable {
    /// The status the call returned.
    var status: Int32
    /// `error.code` as the plugin filled it; `nil` when it left it 0.
    var filledCode: Int32?
    /// The message, `nil` when the plugin left it NULL.
    var message: String?
    /// Whether the message bytes are valid UTF-8.
    var messageIsUTF8 = true
    /// Whether the plugin set `error.release`.
    var releaseSet: Bool
    /// A problem the host saw itself (e.g. ETL_OK without a result).
    var extra: String?

    init(status: Int32, filledCode: Int32?, message: String?, messageIsUTF8: Bool = true, releaseSet: Bool,
         extra: String? = nil) {
        self.status = status
        self.filledCode = filledCode
        self.message = message
        self.messageIsUTF8 = messageIsUTF8
        self.releaseSet = releaseSet
        self.extra = extra
    }

    /// Calls `body` with a zeroed `etl_error` (struct_size set) and returns
    /// `nil` on ETL_OK, or what the plugin filled, after releasing it.
    static func calling(_ body: (UnsafeMutablePointer<etl_error>) -> Int32) -> CallFailure? {
        let error = UnsafeMutablePointer<etl_error>.allocate(capacity: 1)
        defer { error.deallocate() }
        error.initialize(to: emptyError())
        let status = body(error)
        return take(error, status: status)
    }

    /// Reads and releases an error filled by a call that returned `status`.
    static func take(_ error: UnsafeMutablePointer<etl_error>, status: Int32) -> CallFailure? {
        guard status != ETL_OK.rawValue else {
            if let release = error.pointee.release { release(error) }
            return nil
        }
        var text: String?
        var valid = true
        if let message = error.pointee.message {
            let bytes = UnsafeRawBufferPointer(start: message, count: strlen(message))
            valid = UTF8Validator.isValid(bytes)
            text = String(decoding: bytes, as: UTF8.self)
        }
        let code = error.pointee.code
        let releaseSet = error.pointee.release != nil
        if let release = error.pointee.release { release(error) }
        return CallFailure(status: status, filledCode: code == 0 ? nil : code, message: text,
                           messageIsUTF8: valid, releaseSet: releaseSet)
    }

    /// The status and message, e.g. `ETL_ERR_NOT_FOUND (3): no table "x"`.
    var summary: String {
        if let extra { return extra }
        return "\(PluginStatusCode.name(status)): \(message.map { $0.isEmpty ? "(empty message)" : $0 } ?? "(no message)")"
    }

    var description: String { summary }

    /// The rules of `etl_error` this failure breaks, each naming `operation`.
    func problems(operation: String) -> [String] {
        if let extra { return ["\(operation): \(extra)"] }
        var found: [String] = []
        let statusName = PluginStatusCode.name(status)
        if message == nil {
            found.append("\(operation) failed with \(statusName) but set no message (etl_error.message is NULL)")
        } else if message?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true {
            found.append("\(operation) failed with \(statusName) but its message is empty")
        } else if !messageIsUTF8 {
            found.append("\(operation) failed with \(statusName) but its message is not valid UTF-8")
        }
        if let filledCode, filledCode != status {
            found.append("\(operation) returned \(statusName) but set etl_error.code to "
                + "\(PluginStatusCode.name(filledCode)); they must be the same")
        } else if filledCode == nil {
            found.append("\(operation) returned \(statusName) but left etl_error.code 0; set it to the status returned")
        }
        return found
    }
}
