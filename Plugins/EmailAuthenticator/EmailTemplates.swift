import BackchannelCore

/// The mail's HTML part and the page, compiled in. Every `{{value}}` is HTML-escaped by Mustache.
enum EmailTemplates {
    static let mail = """
        <!doctype html>
        <html lang="en"><body style="font-family: sans-serif">
        <p><strong>{{client}}</strong> asks you to {{#approve}}approve:{{/approve}}{{^approve}}sign in.{{/approve}}</p>
        \(AuthorizationDetails.htmlSection)
        {{#hasBindingMessage}}<p>Check that it shows: <strong>{{bindingMessage}}</strong></p>{{/hasBindingMessage}}
        <p>Access requested: {{scopes}}</p>
        <p><a href="{{link}}">Approve or deny</a></p>
        {{#hasCode}}<p>The page will ask for this code: <strong>{{code}}</strong></p>{{/hasCode}}
        <p>If you did not expect this, ignore this message: nothing happens unless you approve.</p>
        </body></html>
        """

    static let page = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Confirm sign-in</title>
        <style>
        \(FrontChannelStyle.stylesheet)
        input[name=code]{letter-spacing:.3em;max-width:12rem}
        </style>
        </head>
        <body>
        <h1>Confirm sign-in</h1>
        {{#message}}<p class="notice" role="status">{{message}}</p>{{/message}}
        {{#hasForm}}
        <p><strong>{{client}}</strong> asks you to {{#approve}}approve:{{/approve}}{{^approve}}sign in.{{/approve}}</p>
        {{#hasBindingMessage}}<p>Check that it shows: <span class="binding">{{bindingMessage}}</span></p>{{/hasBindingMessage}}
        \(AuthorizationDetails.htmlSection)
        <p>Access requested: {{scopes}}</p>
        <form method="post" action="{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="token" value="{{token}}">
        {{#askCode}}<label for="code">Code from the e-mail</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6">{{/askCode}}
        <div class="actions">
        <button type="submit" name="decision" value="approve">Approve</button>
        <button class="secondary" type="submit" name="decision" value="deny">Deny</button>
        </div>
        </form>
        {{/hasForm}}
        </body>
        </html>
        """
}
