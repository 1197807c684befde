/// The operator console's pages, as Mustache templates: every value is escaped (`{{…}}`), except the page
/// body the layout wraps, which was rendered (and escaped) first. No script: the console works with forms and
/// links alone, so its Content-Security-Policy forbids every script.
enum ConsoleTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Backchannel console</title>
        <style>
        body{font:16px/1.5 system-ui,-apple-system,sans-serif;margin:0;color:#1c2330;background:#f5f6f8}
        header{background:#1c2330;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
        header a{color:#cfe0ff;text-decoration:none;display:inline-flex;align-items:center;min-height:44px;min-width:44px;padding:0 .2rem}header a.here{color:#fff;font-weight:600;text-decoration:underline}
        nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem;flex:1}
        header form{margin:0}main{padding:1rem;max-width:72rem}
        h1{font-size:1.35rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
        .scroll{overflow-x:auto;background:#fff;border:1px solid #d8dce3;border-radius:6px}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #eceef2;vertical-align:top}
        th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:#535c6c}
        code{font-size:.85em;word-break:break-all}
        form.inline{display:inline;margin:0}
        .filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}
        label{display:flex;flex-direction:column;font-size:.85rem;gap:.15rem}
        input,select{font:inherit;padding:.35rem .45rem;border:1px solid #6b7383;border-radius:4px;min-width:9rem;min-height:44px;box-sizing:border-box}
        button{font:inherit;padding:.38rem .9rem;min-height:44px;min-width:44px;border:0;border-radius:4px;background:#2d5be3;color:#fff;cursor:pointer}
        button.danger{background:#c23b2a}header button{background:#39445a}
        .notice{background:#e7f4ea;border:1px solid #9fd0ab;padding:.5rem .7rem;border-radius:4px}
        .problem{background:#fbeaea;border:1px solid #e3a6a6;padding:.5rem .7rem;border-radius:4px}
        .ok{color:#1d7a35;font-weight:600}.bad{color:#b3261e;font-weight:600}.muted{color:#535c6c}
        main a{display:inline-flex;align-items:center;min-height:44px}
        @media (max-width:40rem){.scroll table,.scroll tbody,.scroll tr,.scroll td{display:block}.scroll thead{display:none}
        .scroll tr{padding:.5rem 0;border-bottom:1px solid #d8dce3}.scroll td{border:0;padding:.1rem .7rem}
        .scroll td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#535c6c}}
        pre{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:.7rem;overflow-x:auto;font-size:.85rem}
        </style></head><body>
        <header><strong>Backchannel</strong>
        {{#signedIn}}<nav>{{#nav}}<a href="{{href}}"{{#here}} class="here" aria-current="page"{{/here}}>{{label}}</a>{{/nav}}</nav>
        <form method="post" action="/console/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button id="sign-out">Sign out</button></form>{{/signedIn}}
        </header>
        <main><h1>{{title}}</h1>
        {{#notice}}<p class="notice" id="notice" role="status">{{notice}}</p>{{/notice}}
        {{#problem}}<p class="problem" id="problem" role="alert">{{problem}}</p>{{/problem}}
        {{{body}}}
        </main></body></html>
        """

    static let login = """
        <form method="post" action="/console/login" id="sign-in">
        <p class="muted">Sign in with the admin API's token (<code>server.operations.admin_token</code>).</p>
        <label>Admin token <input type="password" name="token" id="token" autocomplete="current-password" required autofocus></label>
        <p><button>Sign in</button></p>
        </form>
        """

    static let pending = """
        <form method="get" action="/console/pending" class="filters">
        <label>Client <input name="client_id" value="{{clientId}}"></label>
        <label>Subject <input name="subject" value="{{subject}}"></label>
        <label>Authenticator <select name="authenticator"><option value="">any</option>{{#authenticators}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/authenticators}}</select></label>
        <button>Filter</button>
        </form>
        <div class="scroll"><table id="pending"><thead><tr><th>Request</th><th>Client</th><th>Subject</th><th>Authenticator</th><th>Mode</th><th>Started</th><th>Expires</th><th></th></tr></thead><tbody>
        {{#requests}}<tr><td data-label="Request"><code title="{{hash}}">{{label}}</code></td><td data-label="Client">{{clientId}}</td><td data-label="Subject">{{subject}}</td><td data-label="Authenticator">{{authenticator}}</td><td data-label="Mode">{{mode}}</td><td data-label="Started">{{created}}</td><td data-label="Expires">{{expires}}</td>
        <td><form method="post" action="/console/pending/cancel" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="request" value="{{hash}}"><button class="danger">Cancel</button></form></td></tr>{{/requests}}
        {{^requests}}<tr><td colspan="8" class="muted">No pending request matches.</td></tr>{{/requests}}
        </tbody></table></div>
        <p class="muted">At most {{limit}} shown, oldest first. Cancelling denies the request: its client is told <code>access_denied</code>.</p>
        """

    static let clients = """
        <div class="scroll"><table id="clients"><thead><tr><th>Client</th><th>Mode</th><th>Authentication</th><th>Scopes</th><th>Authenticators</th><th>Recent outcomes</th></tr></thead><tbody>
        {{#clients}}<tr><td><strong>{{clientId}}</strong>{{#name}}<br><span class="muted">{{name}}</span>{{/name}}</td><td data-label="Mode">{{mode}}{{#endpoint}}<br><code>{{endpoint}}</code>{{/endpoint}}</td>
        <td data-label="Authentication">{{methods}}</td><td data-label="Scopes">{{scopes}}</td><td data-label="Authenticators">{{authenticators}}</td>
        <td data-label="Outcomes">{{#outcomes}}{{name}}: {{count}}<br>{{/outcomes}}{{^outcomes}}<span class="muted">none yet</span>{{/outcomes}}{{#last}}<span class="muted">last {{last}}</span>{{/last}}</td></tr>{{/clients}}
        </tbody></table></div>
        <p class="muted">Outcomes on this node since it started. No secret is shown.</p>
        """

    static let authenticators = """
        <div class="scroll"><table id="authenticators"><thead><tr><th>Name</th><th>Plugin</th><th>acr</th><th>State</th><th>Pending</th><th>Sent</th><th>Retried</th><th>Failed</th></tr></thead><tbody>
        {{#authenticators}}<tr><td><strong>{{name}}</strong></td><td data-label="Plugin">{{plugin}}</td><td data-label="acr"><code>{{acr}}</code></td><td data-label="State" class="{{stateClass}}">{{state}}</td><td data-label="Pending">{{pending}}</td><td data-label="Sent">{{sent}}</td><td data-label="Retried">{{retried}}</td><td data-label="Failed">{{failed}}</td></tr>{{/authenticators}}
        </tbody></table></div>
        <h2>Client notifications</h2>
        <p id="notifications">Delivered {{delivered}} · retried {{retried}} · failed {{failed}}</p>
        <p class="muted">Deliveries on this node since it started.</p>
        """

    static let devices = """
        {{#enrolling}}
        <form method="get" action="/console/devices" class="filters">
        <label>Authenticator <select name="authenticator">{{#authenticators}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/authenticators}}</select></label>
        <label>Subject <input name="subject" value="{{subject}}" required></label>
        <button>Show devices</button>
        </form>
        {{#code}}<p class="notice" id="enrollment-code">Enrollment code for <strong>{{subject}}</strong>: <code>{{code}}</code>, valid until {{expires}}. Give it to the user once; it works once.</p>{{/code}}
        {{#listed}}
        <div class="scroll"><table id="devices"><thead><tr><th>Device</th><th>Platform</th><th>Label</th><th>Enrolled</th><th>State</th><th></th></tr></thead><tbody>
        {{#devices}}<tr><td data-label="Device"><code>{{id}}</code></td><td data-label="Platform">{{platform}}</td><td data-label="Label">{{label}}</td><td data-label="Enrolled">{{enrolled}}</td><td data-label="State">{{#stale}}stale{{/stale}}{{^stale}}active{{/stale}}</td>
        <td><form method="post" action="/console/devices/revoke" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="authenticator" value="{{authenticator}}"><input type="hidden" name="subject" value="{{subject}}"><input type="hidden" name="device" value="{{id}}"><button class="danger">Revoke</button></form></td></tr>{{/devices}}
        {{^devices}}<tr><td colspan="6" class="muted">No device is enrolled for this subject.</td></tr>{{/devices}}
        </tbody></table></div>
        <form method="post" action="/console/devices/enroll"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="authenticator" value="{{authenticator}}"><input type="hidden" name="subject" value="{{subject}}">
        <p><button>Issue an enrollment code for {{subject}}</button></p></form>
        {{/listed}}
        {{/enrolling}}
        {{^enrolling}}<p class="muted">No configured authenticator enrolls devices (the push authenticator does).</p>{{/enrolling}}
        """

    static let users = """
        <form method="get" action="/console/users" class="filters">
        <label>Subject <input name="subject" value="{{subject}}"></label>
        <button>Look up</button>
        </form>
        {{#looked}}{{#user}}<div class="scroll"><table id="user"><tbody>
        <tr><th>Subject</th><td>{{subject}}</td></tr><tr><th>Login hints</th><td>{{hints}}</td></tr><tr><th>Phone</th><td>{{phone}}</td></tr>
        <tr><th>E-mail</th><td>{{email}}</td></tr><tr><th>Devices</th><td>{{devices}}</td></tr></tbody></table></div>{{/user}}
        {{^user}}<p class="muted" id="no-user">The directory knows no user with this subject.</p>{{/user}}{{/looked}}
        {{#listing}}<h2>Users of the store directory</h2>
        <div class="scroll"><table id="users"><thead><tr><th>Subject</th><th>Login hints</th><th>Phone</th><th>E-mail</th></tr></thead><tbody>
        {{#stored}}<tr><td>{{subject}}</td><td>{{hints}}</td><td>{{phone}}</td><td>{{email}}</td></tr>{{/stored}}
        {{^stored}}<tr><td colspan="4" class="muted">None.</td></tr>{{/stored}}
        </tbody></table></div>{{#next}}<p><a href="/console/users?after={{next}}">Next page</a></p>{{/next}}{{/listing}}
        {{^listing}}<p class="muted">The configured directories are looked up one user at a time; the <code>store</code> directory also lists its users here.</p>{{/listing}}
        """

    static let configuration = """
        <form method="post" action="/console/reload"><input type="hidden" name="csrf" value="{{csrf}}">
        <p><button id="reload"{{^reloadable}} disabled{{/reloadable}}>Reload the configuration file</button> <span class="muted">{{reloadNote}}</span></p></form>
        {{#outcome}}<div class="{{outcomeClass}}" id="reload-outcome"><p>{{outcome}}</p>{{#restart}}<p>Needs a restart: {{restart}}</p>{{/restart}}</div>{{/outcome}}
        <h2>In force</h2>
        <pre id="configuration">{{configuration}}</pre>
        <p class="muted">Secrets (client secrets, tokens, keys, passwords) are shown as <code>(redacted)</code>.</p>
        """

    static let audit = """
        <div class="scroll"><table id="audit"><thead><tr><th>Time</th><th>Event</th><th>Fields</th></tr></thead><tbody>
        {{#entries}}<tr><td data-label="Time">{{time}}</td><td><strong>{{event}}</strong><br><span class="muted">{{message}}</span></td><td>{{#fields}}{{name}}=<code>{{value}}</code> {{/fields}}</td></tr>{{/entries}}
        {{^entries}}<tr><td colspan="3" class="muted">No audit event yet.</td></tr>{{/entries}}
        </tbody></table></div>
        <p class="muted">The latest {{count}} audit events of this node, newest first: what the audit trail writes to the log.</p>
        """
}
