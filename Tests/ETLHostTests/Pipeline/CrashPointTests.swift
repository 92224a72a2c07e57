@testable import ETLHost
import Foundation
import Testing

/// `ETL_CRASH_AT=<name>[:<n>][:<signal>]`, as the crash and signal tests write it.
@Suite struct CrashPointTests {
    @Test func targetsNameAPointATimeAndWhatToSend() {
        #expect(CrashPoint.Target("committed") == CrashPoint.Target(name: "committed", count: 1, action: .kill))
        #expect(CrashPoint.Target("committed:2") == CrashPoint.Target(name: "committed", count: 2, action: .kill))
        #expect(CrashPoint.Target("committed:2:INT") == CrashPoint.Target(name: "committed", count: 2, action: .signal(SIGINT)))
        #expect(CrashPoint.Target("committing:SIGTERM") == CrashPoint.Target(name: "committing", count: 1, action: .signal(SIGTERM)))
        #expect(CrashPoint.Target("begun:3:KILL") == CrashPoint.Target(name: "begun", count: 3, action: .kill))
        #expect(CrashPoint.Target("") == nil)
    }
}
