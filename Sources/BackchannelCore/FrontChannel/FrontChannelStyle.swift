/// The stylesheet the built-in pages share, for a plugin's pages to look like them and to meet the same
/// bar: readable at phone width (18 px type, no horizontal scrolling), controls at least 48 px high, a
/// visible keyboard focus, and text and controls above WCAG AA contrast (4.5:1 for text, 3:1 for borders).
///
/// Put it in the page's `<style>` element when the template is built, not through a template variable:
/// it is a constant of this module, so nothing is rendered unescaped.
///
/// ```swift
/// static let page = """
///     <style>\(FrontChannelStyle.stylesheet)</style>
///     ...
///     <div class="actions"><button type="submit">Approve</button>
///     <button class="secondary" type="submit">Deny</button></div>
///     """
/// ```
///
/// Classes: `actions` (a row of buttons that wraps on narrow screens), `secondary` (an outlined button),
/// `card`, `notice`, `binding` (the binding message, large), `muted`, `detail` (one entry of authorization
/// details: its summary, then a `dl` of its fields; since 1.3).
public enum FrontChannelStyle {
    /// The CSS.
    public static let stylesheet = """
        *{box-sizing:border-box}
        body{font:1.125rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;\
        max-width:32rem;margin:0 auto;padding:1.5rem 1rem 3rem}
        h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}
        h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
        label{display:block;font-weight:600;margin:1rem 0 .25rem}
        input:not([type=hidden]){display:block;width:100%;min-height:3rem;margin-top:.25rem;font:inherit;font-size:1.25rem;\
        padding:.5rem .75rem;color:#1a1a1a;background:#fff;border:2px solid #595959;border-radius:.5rem}
        .actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}
        button{min-height:3rem;min-width:3rem;flex:1 1 8rem;font:inherit;font-weight:600;padding:.625rem 1.25rem;\
        color:#fff;background:#0b57d0;border:2px solid #0b57d0;border-radius:.5rem;cursor:pointer}
        button.secondary{color:#0b57d0;background:#fff}
        :focus-visible{outline:3px solid #1a1a1a;outline-offset:3px}
        .card{border:1px solid #767676;border-radius:.75rem;padding:0 1rem 1rem;margin:1rem 0}
        .notice{color:#0d3b1e;background:#e6f4ea;border-left:4px solid #137333;padding:.75rem 1rem;border-radius:.25rem}
        .binding{font-size:1.5rem;font-weight:700;letter-spacing:.05em}
        .muted{color:#4d4d4d}
        .detail{background:#f3f6fb;border-left:4px solid #0b57d0;border-radius:.25rem;padding:.25rem .75rem;margin:.75rem 0}
        .detail dl{margin:.25rem 0 .5rem;font-size:1rem}
        .detail dt{color:#4d4d4d}
        .detail dd{margin:0 0 .375rem;font-weight:600;overflow-wrap:anywhere}
        """
}
