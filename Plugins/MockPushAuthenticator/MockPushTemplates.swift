import BackchannelCore

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
        \(FrontChannelStyle.stylesheet)
        </style>
        </head>
        <body>
        <h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <form method="get" action="">
        <label for="user">User</label>
        <input id="user" name="user" value="{{user}}" autocomplete="username" autocapitalize="none" spellcheck="false">
        <div class="actions"><button type="submit">Open device</button></div>
        </form>
        {{#hasUser}}
        <h2>Requests for {{user}}</h2>
        {{#none}}<p>No pending requests.</p>{{/none}}
        {{#notifications}}
        <div class="card">
        <p><strong>{{client}}</strong> asks you to {{#approve}}approve:{{/approve}}{{^approve}}sign in.{{/approve}}</p>
        {{#hasBindingMessage}}<p>Check that the client shows: <span class="binding">{{bindingMessage}}</span></p>{{/hasBindingMessage}}
        \(AuthorizationDetails.htmlSection)
        <p>Access requested: {{scopes}}</p>
        <form method="post" action="{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="id" value="{{id}}">
        <input type="hidden" name="user" value="{{user}}">
        <div class="actions">
        <button type="submit" name="decision" value="approve">Approve</button>
        <button class="secondary" type="submit" name="decision" value="deny">Deny</button>
        </div>
        </form>
        </div>
        {{/notifications}}
        {{/hasUser}}
        </body>
        </html>
        """
}
