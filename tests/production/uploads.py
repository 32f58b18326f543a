"""Upload plans to a running server the way staff do: log in to the admin, send the files to the upload page,
confirm the preview as a browser would submit it, and read the per-file report."""

from __future__ import annotations

import http.cookiejar
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

from tests.production.plandocs import PlanDoc
from tests.production.servers import GunicornServer, Response, run_manage

UPLOAD_PATH = "/admin/plans/plan/upload/"
STAFF_USER, STAFF_PASSWORD = "uploader", "Upl0ad-and-search-at-once"


def create_staff_user(server: GunicornServer) -> None:
    """A superuser in the server's database (after the entrypoint migrated it)."""
    env = {**server.env, "DJANGO_SUPERUSER_PASSWORD": STAFF_PASSWORD, "SEARCH_WARM": "0"}
    run_manage(env, "createsuperuser", "--noinput", "--username", STAFF_USER, "--email", "u@example.org")


class FormFields(HTMLParser):
    """The fields of one <form id=...> as a browser would submit them (checked boxes, selected options)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            if chosen:
                self.fields.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields


class StaffClient:
    """One staff member's browser session (cookies, CSRF token) against a server."""

    def __init__(self, server: GunicornServer, timeout: float = 300):
        self.server = server
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> Response:
        request = urllib.request.Request(self.server.url + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=self.timeout) as reply:
                return Response(reply.status, dict(reply.headers.items()), reply.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers.items()), error.read())

    def csrf_token(self) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def post_form(self, path: str, fields: list[tuple[str, str]]) -> Response:
        return self.request(path, urllib.parse.urlencode(fields).encode())

    def log_in(self) -> None:
        self.request("/admin/login/")
        reply = self.post_form(
            "/admin/login/?next=/admin/",
            [("csrfmiddlewaretoken", self.csrf_token()), ("username", STAFF_USER), ("password", STAFF_PASSWORD),
             ("next", "/admin/")],
        )  # fmt: skip
        assert reply.status == 200 and "logout" in reply.text.lower(), f"login failed: {reply.status}"

    def upload(self, files: list[tuple[str, bytes]]) -> Response:
        """Send the files to the upload page; returns the preview page."""
        self.request(UPLOAD_PATH)
        boundary = "----policy-search-" + secrets.token_hex(12)
        parts = []
        for name, value in [("csrfmiddlewaretoken", self.csrf_token()), ("_preview", "提取并预览")]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for filename, data in files:
            quoted = filename.replace('"', "%22")
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{quoted}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n".encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(UPLOAD_PATH, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def confirm(self, preview: Response) -> Response:
        """Submit the preview form unchanged, as staff who agree with the extracted metadata."""
        assert preview.status == 200 and 'id="preview-form"' in preview.text, preview.text[:2000]
        return self.post_form(UPLOAD_PATH + "confirm/", form_fields(preview.text, "preview-form"))


def report_statuses(report: Response) -> dict[str, str]:
    """{file label: status class} from the per-file report (report-ingested, report-duplicate, ...)."""
    assert report.status == 200 and 'id="upload-report"' in report.text, report.text[:3000]
    rows = re.findall(r'<tr class="report-(\w+)">\s*<td>(.*?)</td>', report.text, flags=re.S)
    return {label: status for status, label in rows}


def upload(server: GunicornServer, docs: list[PlanDoc]) -> dict[str, str]:
    """Upload the documents through the admin upload page; returns {filename: "saved" or the status}."""
    client = StaffClient(server)
    client.log_in()
    statuses = report_statuses(client.confirm(client.upload([(doc.filename, doc.data) for doc in docs])))
    return {label: "saved" if status == "ingested" else status for label, status in statuses.items()}
