import Foundation
import Yams

/// `schedules:` and `alerts:`: what `etl-host serve` does with the file.
extension PipelineDecoder {
    static let scheduleKeys = ["cron", "every", "timezone", "select", "catch_up", "overlap"]
    static let alertKeys = ["webhook", "on"]

    /// `schedules: [{cron: ..., timezone: ..., select: [...], catch_up: ..., overlap: ...} | {every: 15m}]`.
    func decodeSchedules(_ node: Node, stepNames: [String]) -> [Schedule] {
        guard case .sequence(let items) = node else {
            reader.log.error(reader.location(node), "schedules must be a list of schedules (- {cron: \"0 2 * * *\"} or - {every: 15m}), not \(reader.describe(node))")
            return []
        }
        return items.enumerated().compactMap { index, item in decodeSchedule(item, what: "schedule \(index + 1)", stepNames: stepNames) }
    }

    private func decodeSchedule(_ node: Node, what: String, stepNames: [String]) -> Schedule? {
        guard let fields = reader.fields(node, what: what) else { return nil }
        reader.checkKeys(fields, allowed: Self.scheduleKeys)
        var timing: Schedule.Timing?
        switch (fields.value("cron"), fields.value("every")) {
        case (let cronNode?, nil):
            var zone: TimeZone? = TimeZone(identifier: "UTC")!
            if let zoneNode = fields.value("timezone"), let name = reader.text(zoneNode, what: "\(what): timezone") {
                zone = TimeZone(identifier: name)
                if zone == nil {
                    reader.log.error(reader.location(zoneNode), "\(what): timezone '\(name)' is not a time zone of the tz database (e.g. UTC, Europe/Berlin, America/New_York)")
                }
            }
            if let text = reader.text(cronNode, what: "\(what): cron") {
                do {
                    let cron = try CronExpression.parse(text)
                    timing = zone.map { .cron(cron, $0) }
                } catch {
                    reader.log.error(reader.location(cronNode), "\(what): \(error)")
                }
            }
        case (nil, let everyNode?):
            if fields.has("timezone") {
                reader.log.error(fields.keyLocation("timezone"), "\(what): timezone belongs to cron schedules; every: counts from 1970-01-01 00:00 UTC (use cron for local times)")
            }
            timing = reader.duration(everyNode, what: "\(what): every").map(Schedule.Timing.every)
        case (.some, .some):
            reader.log.error(fields.keyLocation("every"), "\(what) has both 'cron' and 'every': give one (two schedules for both)")
        case (nil, nil):
            reader.log.error(reader.location(node), "\(what) has no time: give cron (\"0 2 * * *\") or every (15m)")
        }
        var select: [String] = []
        if let node = fields.value("select"), let list = reader.textList(node, what: "\(what): select", allowSingle: true) {
            for (text, location) in list {
                let selector = StepSelector.parse(text)
                if stepNames.contains(selector.step) {
                    select.append(text)
                } else {
                    reader.log.error(location, "\(what): select '\(text)' names no step\(KeySuggestion.hint(for: selector.step, in: stepNames)); steps: \(stepNames.joined(separator: ", "))")
                }
            }
        }
        let catchUp = fields.value("catch_up").flatMap { reader.choice($0, what: "\(what): catch_up", as: Schedule.CatchUp.self) } ?? .skip
        let overlap = fields.value("overlap").flatMap { reader.choice($0, what: "\(what): overlap", as: Schedule.Overlap.self) } ?? .skip
        guard let timing else { return nil }
        return Schedule(timing: timing, select: select, catchUp: catchUp, overlap: overlap, location: reader.location(node))
    }

    /// `alerts: [{webhook: URL | "@env:NAME", on: [failure, late, recovery]}]`.
    func decodeAlerts(_ node: Node) -> [AlertRule] {
        guard case .sequence(let items) = node else {
            reader.log.error(reader.location(node), "alerts must be a list (- {webhook: \"@env:ALERT_URL\", on: [failure]}), not \(reader.describe(node))")
            return []
        }
        return items.enumerated().compactMap { index, item in
            let what = "alert \(index + 1)"
            guard let fields = reader.fields(item, what: what) else { return nil }
            reader.checkKeys(fields, allowed: Self.alertKeys)
            guard let webhookNode = fields.value("webhook") else {
                reader.missing(fields, "webhook", " (an http(s) URL, or @env:NAME to read it from the environment)")
                return nil
            }
            // Read raw (no ${VAR}): the URL is a secret and must not be needed to parse the file.
            var webhook: String?
            if case .scalar(let scalar) = webhookNode, !scalar.string.isEmpty {
                let text = scalar.string
                if text.hasPrefix("@env:") || text.hasPrefix("http://") || text.hasPrefix("https://") {
                    webhook = text
                } else {
                    reader.log.error(reader.location(webhookNode), "\(what): webhook must be an http:// or https:// URL or @env:NAME")
                }
            } else {
                reader.log.error(reader.location(webhookNode), "\(what): webhook must be text, not \(reader.describe(webhookNode))")
            }
            var events: Set<AlertRule.Event> = [.failure, .recovery]
            if let onNode = fields.value("on"), let list = reader.textList(onNode, what: "\(what): on", allowSingle: true) {
                events = []
                for (text, location) in list {
                    guard let event = AlertRule.Event(rawValue: text) else {
                        let names = AlertRule.Event.allCases.map(\.rawValue)
                        reader.log.error(location, "\(what): on '\(text)' is not one of \(names.joined(separator: ", "))\(KeySuggestion.hint(for: text, in: names))")
                        continue
                    }
                    events.insert(event)
                }
            }
            guard let webhook else { return nil }
            return AlertRule(webhook: webhook, events: events, location: reader.location(item))
        }
    }
}
