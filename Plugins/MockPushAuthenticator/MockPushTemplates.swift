/// The device page's template, compiled into the binary so a deployed executable needs no resources.
/// Every `{{value}}` is HTML-escaped by Mustache; nothing is rendered raw.
enum MockPushTemplates {
    static let page = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; }
        .card { border: 1px solid #ccc; border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
        .binding { font-size: 1.4rem; font-weight: bold; letter-spacing: .05em; }
        .notice { background: #eef6ee; padding: .5rem 1rem; border-radius: .5rem; }
        button { font-size: 1rem; padding: .4rem 1.2rem; margin-right: .5rem; }
        </style>
        </head>
        <body>
        <h1>{{title}}</h1>
        {{#notice}}<p class="notice">{{notice}}</p>{{/notice}}
        <form method="get" action="">
        <label>User <input name="user" value="{{user}}" autocomplete="off"></label>
        <button type="submit">Open device</button>
        </form>
        {{#hasUser}}
        <h2>Requests for {{user}}</h2>
        {{#none}}<p>No pending requests.</p>{{/none}}
        {{#notifications}}
        <div class="card">
        <p><strong>{{client}}</strong> asks you to sign in.</p>
        {{#hasBindingMessage}}<p>Check that the client shows: <span class="binding">{{bindingMessage}}</span></p>{{/hasBindingMessage}}
        <p>Access requested: {{scopes}}</p>
        <form method="post" action="{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="id" value="{{id}}">
        <input type="hidden" name="user" value="{{user}}">
        <button type="submit" name="decision" value="approve">Approve</button>
        <button type="submit" name="decision" value="deny">Deny</button>
        </form>
        </div>
        {{/notifications}}
        {{/hasUser}}
        </body>
        </html>
        """
}
