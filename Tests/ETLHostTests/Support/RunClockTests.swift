@testable import ETLHost
import Foundation
import Testing

/// Instants are written one way (ISO 8601 UTC, milliseconds); the system
/// clock's wait ends early when interrupted.
@Suite struct RunClockTests {
    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 1_796_000_000.25)) == "2026-11-30T00:53:20.250Z")
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test func secondsSinceAreRoundedToTheMillisecond() {
        let clock = FakeClock(Date(timeIntervalSince1970: 100))
        clock.advance(1.23456)
        #expect(clock.secondsSince(Date(timeIntervalSince1970: 100)) == 1.235)
    }

    @Test func theSystemClocksWaitReturnsAtOnceWhenInterrupted() {
        let clock = SystemClock()
        let start = Date()
        clock.wait(600) { true }
        #expect(Date().timeIntervalSince(start) < 1)
    }
}
