"""The sign-in and consent page of the authorization server, server-rendered in the
product's look (its logo and primary colour), and its error page. Every value is escaped."""

from __future__ import annotations

from html import escape

from backend_services.kernel.oauth_tokens import SCOPE_WRITE

_STYLE = """
:root { --primary: hsl(218 72% 53%); color-scheme: light dark; }
body { font-family: system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid;
  place-items: center; background: Canvas; color: CanvasText; }
main { width: min(26rem, 92vw); padding: 2rem; border: 1px solid #8884; border-radius: 12px; }
header { display: flex; align-items: center; gap: .6rem; margin-bottom: 1rem; }
header img { width: 2rem; height: 2rem; }
h1 { font-size: 1.25rem; margin: 0; }
ul { padding-left: 1.2rem; }
label { display: block; margin: .8rem 0 .2rem; font-size: .9rem; }
input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .55rem;
  border: 1px solid #8886; border-radius: 8px; font: inherit; }
.buttons { display: flex; gap: .6rem; margin-top: 1.2rem; }
button { flex: 1; padding: .6rem; border-radius: 8px; font: inherit; cursor: pointer;
  border: 1px solid var(--primary); background: transparent; color: inherit; }
button.allow { background: var(--primary); color: white; }
.error { color: #c0392b; margin: .6rem 0; }
.small { font-size: .8rem; opacity: .75; overflow-wrap: anywhere; }
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Todo Assistant</title><style>{_STYLE}</style></head>"
        '<body><main><header><img src="/public/favicon.svg" alt="">'
        f"<h1>{escape(title)}</h1></header>{body}</main></body></html>"
    )


def consent_page(
    *,
    client_name: str,
    client_id: str,
    redirect_uri: str,
    scopes: list[str],
    hidden: dict[str, str],
    error: str | None = None,
) -> str:
    can = ["see your tasks, lists and reminders"]
    if SCOPE_WRITE in scopes:
        can.append("add, change, complete and delete them")
    fields = "".join(
        f'<input type=hidden name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items()
    )
    problem = f"<p class=error role=alert>{escape(error)}</p>" if error else ""
    body = (
        f"<p><strong>{escape(client_name)}</strong> wants to connect to your to-do list. "
        "It will be able to:</p><ul>"
        + "".join(f"<li>{escape(c)}</li>" for c in can)
        + "</ul><p class=small>Client: "
        + escape(client_id)
        + "<br>Returns to: "
        + escape(redirect_uri)
        + "</p>"
        + problem
        + '<form method=post action="/oauth/authorize">'
        + fields
        + "<label for=username>Username</label>"
        "<input id=username name=username type=text autocomplete=username required>"
        "<label for=password>Password</label>"
        "<input id=password name=password type=password autocomplete=current-password required>"
        "<div class=buttons><button class=allow name=decision value=allow>Sign in and allow"
        "</button><button name=decision value=deny formnovalidate>Deny</button></div></form>"
        "<p class=small>You can disconnect it at any time: <code>todo oauth revoke</code> or "
        "DELETE /me/oauth-grants/{id}.</p>"
    )
    return _page("Connect an app", body)


def error_page(message: str) -> str:
    return _page("Cannot connect this app", f"<p class=error>{escape(message)}</p>")
