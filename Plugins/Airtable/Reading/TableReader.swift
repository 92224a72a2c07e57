import ETLHTTPShared
import ETLPluginKit

/// What a read of one stream has done so far, for checkpoint().
final class StreamRead {
    /// The state the read was given (`nil`: a full read).
    let previousState: String?
    /// When the read started, by the server's clock when it sent one
    /// (its `Date` header), else by this machine's; microseconds since the
    /// epoch.
    var startMicroseconds: Int64?
    /// Whether every page was read.
    var completed = false

    init(previousState: String?) {
        self.previousState = previousState
    }
}

/// Reads one table page by page (100 records a page, following `offset`
/// until Airtable sends none) and emits a batch every ``pagesPerBatch``
/// pages, so memory holds one batch whatever the table's size.
///
/// When Airtable says the pagination iterator expired
/// (`LIST_RECORDS_ITERATOR_NOT_AVAILABLE`), the listing restarts from the
/// first page and the records already emitted are skipped by id (at most
/// `max_retries` restarts). Cancellation is checked before every request.
final class TableReader: BatchSource {
    /// Pages per batch (1,000 records).
    static let pagesPerBatch = 10
    /// A batch also ends once its text passes this many bytes.
    static let maxBatchBytes = 64 << 20

    enum Rows {
        case typed(TypedRowWriter)
        case records(RecordRowWriter)
        /// A key listing: the record ids only.
        case keys
    }

    let schema: ArrowBatchSchema
    private let api: AirtableAPI
    private let host: HostContext
    /// The table as the URL names it (its id when known).
    private let tableReference: String
    /// The table's name, for messages.
    private let tableName: String
    private let query: AirtableAPI.ListQuery
    private let rows: Rows
    private let progress: StreamRead
    private let pageScanner = JSONObjectScanner()
    private let recordScanner = JSONObjectScanner()
    private var seen = RecordIDSet()
    private var offset: String?
    private var page = 0
    private var pages = 0
    private var records = 0
    private var duplicates = 0
    private var restarts = 0
    private var finished = false
    private let startStatistics: AirtableAPI.Statistics

    init(api: AirtableAPI, host: HostContext, tableReference: String, tableName: String,
         query: AirtableAPI.ListQuery, rows: Rows, progress: StreamRead) {
        self.api = api
        self.host = host
        self.tableReference = tableReference
        self.tableName = tableName
        self.query = query
        self.rows = rows
        self.progress = progress
        startStatistics = api.statistics
        switch rows {
        case .typed(let writer): schema = writer.schema
        case .records: schema = RecordRowWriter.schema
        case .keys: schema = KeyRowWriter.schema
        }
    }

    func nextBatch(into builder: ArrowBatchBuilder) throws -> Bool {
        guard !finished else { return false }
        var fetched = 0
        while fetched < Self.pagesPerBatch, builder.variableWidthByteCount < Self.maxBatchBytes {
            try host.checkCancelled("reading table \"\(tableName)\"")
            guard try readPage(into: builder) else {
                finished = true
                progress.completed = true
                logSummary()
                return false
            }
            fetched += 1
        }
        return true
    }

    /// Reads the next page into `builder`; false when it was the last.
    private func readPage(into builder: ArrowBatchBuilder) throws(PluginError) -> Bool {
        page += 1
        let outcome = try api.listRecords(table: tableReference, tableLabel: "\"\(tableName)\"", query: query,
                                          offset: offset, page: page)
        if progress.startMicroseconds == nil {
            progress.startMicroseconds = api.lastServerDate.map { $0 * 1_000_000 } ?? CalendarTime.nowMicroseconds()
        }
        let body: UnsafeRawBufferPointer
        switch outcome {
        case .iteratorExpired:
            restarts += 1
            guard restarts <= api.config.maxRetries else {
                throw PluginError.io("table \"\(tableName)\": the pagination iterator expired "
                    + "(LIST_RECORDS_ITERATOR_NOT_AVAILABLE) \(restarts) times; gave up after \(restarts - 1) "
                    + "restarts", retryable: true)
            }
            host.log(.warn, "table \"\(tableName)\": the pagination iterator expired at page \(page) "
                + "(LIST_RECORDS_ITERATOR_NOT_AVAILABLE); restarting from the first page, skipping the "
                + "\(seen.count) records already read (restart \(restarts) of \(api.config.maxRetries))")
            offset = nil
            page = 0
            return true
        case .json(let bytes):
            body = bytes
        }
        pages += 1
        let document: JSONMembers
        do throws(JSONError) {
            document = try pageScanner.scan(body)
        } catch {
            throw PluginError.data("table \"\(tableName)\", page \(page): \(error.description)")
        }
        guard let list = document["records"], list.kind == .array else {
            throw PluginError.data("table \"\(tableName)\", page \(page): the response has no \"records\" list")
        }
        var next: String?
        if let member = document["offset"] {
            switch member.kind {
            case .string where !member.stringBytes.isEmpty: next = member.stringValue
            case .null, .string: next = nil
            default:
                throw PluginError.data("table \"\(tableName)\", page \(page): \"offset\" is "
                    + "\(member.kind.foundDescription), not a string")
            }
        }
        var position = 0
        try JSONText.forEachElement(of: list.raw) { element throws(PluginError) in
            position += 1
            let record: JSONMembers
            do throws(JSONError) {
                record = try recordScanner.scan(element)
            } catch {
                throw PluginError.data("table \"\(tableName)\", page \(page): record \(position) is not a JSON "
                    + "object (\(error.message))")
            }
            guard let id = record["id"], id.kind == .string, !id.stringBytes.isEmpty else {
                throw PluginError.data("table \"\(tableName)\", page \(page): record \(position) has no \"id\"")
            }
            guard seen.insert(id.stringBytes) else {
                duplicates += 1
                return
            }
            switch rows {
            case .typed(let writer): guard try writer.append(record, raw: element, id: id, into: builder) else { return }
            case .records(let writer): try writer.append(record, id: id, into: builder)
            case .keys: try KeyRowWriter.append(id: id, into: builder)
            }
            records += 1
        }
        offset = next
        return next != nil
    }

    /// One INFO line per table: records, pages, and what went wrong on the way.
    private func logSummary() {
        let statistics = api.statistics
        var notes: [String] = []
        let retries = statistics.retries - startStatistics.retries
        let waits = statistics.rateLimitWaits - startStatistics.rateLimitWaits
        if retries > 0 { notes.append("\(retries) \(retries == 1 ? "retry" : "retries")") }
        if waits > 0 { notes.append("\(waits) rate-limit \(waits == 1 ? "wait" : "waits")") }
        let resends = statistics.resends - startStatistics.resends
        if resends > 0 {
            notes.append("\(resends) \(resends == 1 ? "request" : "requests") re-sent on a new connection after a "
                + "kept-alive one closed without an answer")
        }
        if restarts > 0 { notes.append("\(restarts) \(restarts == 1 ? "restart" : "restarts") after an expired iterator") }
        if duplicates > 0 { notes.append("\(duplicates) records seen twice skipped") }
        if case .typed(let writer) = rows {
            if writer.setAside > 0 {
                notes.append("\(writer.setAside) \(writer.setAside == 1 ? "record" : "records") with a value that did not "
                    + "fit its field's type set aside")
            }
            if writer.formulaErrorCount > 0 {
                notes.append("\(writer.formulaErrorCount) formula \(writer.formulaErrorCount == 1 ? "error" : "errors") "
                    + "loaded as NULL")
            }
        }
        host.log(.info, "table \"\(tableName)\": \(records) \(records == 1 ? "record" : "records") in \(pages) "
            + "\(pages == 1 ? "page" : "pages")\(notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")")")
    }
}
