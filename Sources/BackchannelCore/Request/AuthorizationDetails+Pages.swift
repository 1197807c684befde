extension AuthorizationDetails {
    /// The entries as a Mustache context, for ``htmlSection``: each entry's `summary`, and its `fields`, each
    /// with a `name` and a `value`. Added in 1.3.
    public var templateContext: [[String: Any]] {
        entries.map { entry in
            ["summary": entry.summary, "fields": entry.fieldLines.map { ["name": $0.name, "value": $0.value] }] as [String: Any]
        }
    }

    /// A Mustache section that shows every entry on a page: its summary, then all its fields in a list, in
    /// ``FrontChannelStyle``'s `detail` style. Put it in a page's template and render the template with
    /// ``templateContext`` under the key `authorizationDetails`; every value is HTML-escaped. Added in 1.3.
    public static let htmlSection = """
        {{#authorizationDetails}}
        <div class="detail">
        <p class="summary"><strong>{{summary}}</strong></p>
        <dl>{{#fields}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/fields}}</dl>
        </div>
        {{/authorizationDetails}}
        """

    /// The summaries on one line for a short message (an SMS): the first summary, cut to `budget` characters
    /// with an ellipsis, and how many more entries there are. Empty when there are no details. Added in 1.3.
    public func shortSummary(budget: Int) -> String {
        guard let first = entries.first else { return "" }
        let more = entries.count > 1 ? " (+\(entries.count - 1) more)" : ""
        let room = max(1, budget - more.count)
        let text = first.summary.count <= room ? first.summary : String(first.summary.prefix(room - 1)) + "…"
        return text + more
    }
}
