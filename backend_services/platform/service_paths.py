"""Every URL path built from data goes through here: service invocation methods, the sidecar's
`/v1.0/...` routes (state keys, job names, secrets, topics), the agent's task client.

`service_path("tasks", task_id, "reminders", reminder_id)` percent-encodes each segment on
its own (`quote(segment, safe="")`: `/`, `?`, `#`, `%` and every other reserved character
become escapes) and refuses a segment that would still be a dot segment (`.`, `..`: httpx,
daprd and browsers collapse those, `quote` leaves dots alone) or is empty.

`checked_path` is the runtimes' own check of a path they are handed (a caller that built one
by hand): no `?` or `#`, no empty segment, and no segment that decodes to a dot segment or to
anything holding `/`, `\\`, `?`, `#`, `%` or a control character. daprd 1.18 decodes a
service invocation's method once and then collapses dot segments (`tasks/x%2F..%2F..%2Fadmin`
reaches the app as `/admin`; `%2E%2E` segments are collapsed by its router), refuses a decoded
`?`, `#` or control character and fails on a decoded `%`: what is sent must stay one plain
segment after one decoding. A refusal is `UnsafePath` (a ValueError), raised before any
request is sent.
"""

from __future__ import annotations

from urllib.parse import quote, unquote


class UnsafePath(ValueError):
    """A path segment that could leave its place in the URL: never sent."""


_DOT_SEGMENTS = frozenset({".", ".."})
_NOT_AFTER_DECODING = frozenset("/\\?#%" + "".join(map(chr, range(0x20))) + "\x7f")


def segment(value: str | int) -> str:
    """One path segment, percent-encoded; UnsafePath for an empty or a dot segment."""
    text = str(value)
    encoded = quote(text, safe="", errors="strict")
    if not encoded or encoded in _DOT_SEGMENTS:
        raise UnsafePath(f"{text!r} cannot be a path segment")
    return encoded


def service_path(*segments: str | int) -> str:
    """Segments joined by `/`, each encoded by `segment` (no leading slash)."""
    if not segments:
        raise UnsafePath("an empty path")
    return "/".join(segment(s) for s in segments)


def checked_path(path: str) -> str:
    """`path` (with or without its leading slash) if every segment is an encoded, non-dot
    segment; else UnsafePath. Returns it without the leading slash."""
    bare = path[1:] if path.startswith("/") else path
    if not bare or "?" in bare or "#" in bare:
        raise UnsafePath(f"{path!r} is not a plain path")
    for part in bare.split("/"):
        decoded = unquote(part)
        if not part or decoded in _DOT_SEGMENTS or _NOT_AFTER_DECODING & set(decoded):
            raise UnsafePath(f"{path!r} holds a segment that could leave its place")
        if any(ch <= " " or ch == "\x7f" for ch in part):  # `quote` escapes all of these
            raise UnsafePath(f"{path!r} holds a raw control character or space")
    return bare
