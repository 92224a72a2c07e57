/// How a pipeline's ``Freshness`` follows from its runs and schedules:
/// failing when the newest ended run failed (or was interrupted), else late
/// when a scheduled fire is overdue, else on time when a schedule is
/// active, else unscheduled.
public enum FreshnessRule {
    /// The freshness of a pipeline whose newest ended run ended `lastEnded`
    /// (nil: none yet), which has an active (unpaused) schedule when
    /// `scheduled`, and a fire overdue when `late`.
    public static func freshness(lastEnded: PipelineRunRecord.Status?, scheduled: Bool, late: Bool) -> Freshness {
        if lastEnded == .failed || lastEnded == .interrupted { return .failing }
        if late { return .late }
        return scheduled ? .onTime : .unscheduled
    }
}
