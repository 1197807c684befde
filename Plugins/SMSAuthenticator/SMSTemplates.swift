import BackchannelCore

/// The code page's template, compiled in. Every `{{value}}` is HTML-escaped by Mustache.
enum SMSTemplates {
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
        <input type="hidden" name="request" value="{{request}}">
        <label for="code">Code from the text message</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="{{digits}}" required autofocus>
        <div class="actions"><button type="submit">Approve</button></div>
        </form>
        <p class="muted">If you did not expect this, ignore the message: nothing happens without the code.</p>
        {{/hasForm}}
        </body>
        </html>
        """
}
