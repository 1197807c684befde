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
        body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem; }
        .binding { font-size: 1.4rem; font-weight: bold; letter-spacing: .05em; }
        input { font-size: 1.4rem; letter-spacing: .3em; width: 10rem; }
        button { font-size: 1rem; padding: .4rem 1.2rem; }
        </style>
        </head>
        <body>
        <h1>Confirm sign-in</h1>
        {{#message}}<p>{{message}}</p>{{/message}}
        {{#hasForm}}
        <p><strong>{{client}}</strong> asks you to sign in.</p>
        {{#hasBindingMessage}}<p>Check that it shows: <span class="binding">{{bindingMessage}}</span></p>{{/hasBindingMessage}}
        <p>Access requested: {{scopes}}</p>
        <form method="post" action="{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="request" value="{{request}}">
        <label>Code from the text message<br><input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="{{digits}}" required></label>
        <button type="submit">Approve</button>
        </form>
        <p>If you did not expect this, ignore the message: nothing happens without the code.</p>
        {{/hasForm}}
        </body>
        </html>
        """
}
