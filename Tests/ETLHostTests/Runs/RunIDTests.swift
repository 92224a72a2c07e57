@testable import ETLHost
import Foundation
import Testing

/// Run ids sort by start time: UTC to the millisecond, then 8 hex digits.
@Suite struct RunIDTests {
    @Test func anIDIsTheUTCStartTimeAndAZeroPaddedHexSuffix() {
        let date = Date(timeIntervalSince1970: 1_796_000_000.123)
        #expect(RunID.make(at: date, suffix: 0x2a) == "20261130T005320123Z-0000002a")
        #expect(RunID.make(at: date, suffix: .max) == "20261130T005320123Z-ffffffff")
    }

    @Test func newIDsHaveTheShapeAndSortInStartOrder() throws {
        let id = SyncRunner.newRunID()
        #expect(id.wholeMatch(of: /\d{8}T\d{9}Z-[0-9a-f]{8}/) != nil, "\(id)")
        let earlier = RunID.make(at: Date(timeIntervalSince1970: 1_796_000_000), suffix: .max)
        let later = RunID.make(at: Date(timeIntervalSince1970: 1_796_000_000.001), suffix: 0)
        #expect(earlier < later)
    }
}
