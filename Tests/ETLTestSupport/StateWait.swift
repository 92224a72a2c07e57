import Foundation

extension TestSupport {
    /// Waits for a state another process reaches (a run record's step
    /// running, a record written): checks `condition` every 20 ms until it
    /// holds, and fails naming `what` (and `detail`) after `seconds`. The
    /// deadline bounds a hang; the test never depends on how long it takes.
    public static func waitFor(_ what: String, seconds: Double = 60, detail: () throws -> String = { "" },
                               _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { throw TestFailure("timed out after \(seconds) s waiting for \(what)\(try detail())") }
            usleep(20_000)
        }
    }
}
