import Foundation

/// Server-rendered HTML: every value goes through ``escape(_:)``; pages
/// share one layout and one small stylesheet (no JavaScript but the log
/// filter's form).
public enum HTML {
    /// `text` with `& < > " '` escaped, safe in element content and quoted attributes.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// A path segment or query value percent-encoded (then escaped where it goes into HTML).
    public static func urlComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A whole page: title, navigation (the current section marked), body.
    static func page(title: String, section: Section, body: String) -> String {
        let navigation = Section.allCases.map { item in
            "<a href=\"\(item.path)\"\(item == section ? " class=\"current\"" : "")>\(item.title)</a>"
        }.joined(separator: " ")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · etl-host</title><style>\(stylesheet)</style></head>
            <body><header><strong>etl-host</strong> <nav>\(navigation)</nav></header>
            <main>\(body)</main></body></html>
            """
    }

    /// A status as a coloured badge.
    static func badge(_ status: String) -> String {
        "<span class=\"badge \(escape(status))\">\(escape(status))</span>"
    }

    /// A duration as people read it: `0.42 s`, `3 min 5 s`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "" }
        if seconds < 60 { return String(format: "%.2f s", seconds) }
        let whole = Int(seconds.rounded())
        return whole < 3600 ? "\(whole / 60) min \(whole % 60) s" : "\(whole / 3600) h \(whole % 3600 / 60) min"
    }

    /// A POST form with one button, carrying the CSRF token.
    static func postButton(action: String, label: String, csrf: String, danger: Bool = false) -> String {
        """
        <form method="post" action="\(escape(action))" class="inline"><input type="hidden" name="csrf" value="\(escape(csrf))">\
        <button type="submit"\(danger ? " class=\"danger\"" : "")>\(escape(label))</button></form>
        """
    }

    /// The sections of the UI, in navigation order.
    enum Section: CaseIterable {
        case runs, pipelines, tables
        var path: String {
            switch self {
            case .runs: "/runs"
            case .pipelines: "/pipelines"
            case .tables: "/tables"
            }
        }
        var title: String {
            switch self {
            case .runs: "Runs"
            case .pipelines: "Pipelines"
            case .tables: "Tables"
            }
        }
    }

    static let stylesheet = """
        body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}\
        header{background:#1d2430;color:#fff;padding:10px 20px;display:flex;align-items:center}nav{display:inline}header a{color:#c9d4e5;margin-left:16px;text-decoration:none}\
        header a.current{color:#fff;font-weight:600;border-bottom:2px solid #5aa2ff}main{padding:16px 20px}\
        table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0 16px}th,td{padding:5px 8px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}\
        th{background:#eef1f5;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}\
        .badge{padding:1px 7px;border-radius:9px;font-size:12px;color:#fff;background:#7a8699}\
        .succeeded,.on_time{background:#2e9e5b}.failed,.failing,.upstream_failed{background:#d64545}.running,.late{background:#e0a020}\
        .cancelled,.interrupted{background:#8a63c9}.skipped,.pending,.unscheduled{background:#9aa5b5}\
        .error{background:#fdecec;border:1px solid #f0b4b4;padding:8px 12px;margin:8px 0;white-space:pre-wrap}\
        form.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:end;margin-bottom:8px}form.inline{display:inline}\
        label{font-size:12px;color:#566}button{padding:3px 10px;border:1px solid #5aa2ff;background:#e9f2ff;border-radius:4px;cursor:pointer}\
        button.danger{border-color:#d64545;background:#fdecec}pre.log{background:#fff;border:1px solid #e3e6ea;padding:8px;overflow:auto;max-height:480px}\
        #runs td:nth-child(1),#runs td:nth-child(6){white-space:nowrap}.warn{color:#9a6700}.muted{color:#7a8699}svg{background:#fff;border:1px solid #e3e6ea;margin:6px 0}
        """
}
