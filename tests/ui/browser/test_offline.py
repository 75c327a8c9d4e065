"""The console works with no network: nothing it serves points a browser at another host,
and the console process itself sends nothing out (it runs jailed, see jail.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from urllib.parse import urljoin, urlsplit

from selenium import webdriver

from tests.ui.browser.conftest import (
    LOCALES,
    PAGES,
    RunningConsole,
    open_page,
    requested_urls,
    use_locale,
)

# Where a document names another resource, by kind of document. Only syntax that makes a
# browser (or the page's code) load or open something counts: an http URL inside a
# comment, a licence header or an error message of a bundled library is text, not a
# reference, and is not matched.
_QUOTED = r"""(["'`])(?P<ref>[^"'`\s]+?)\1"""
HTML_REFERENCES = [
    re.compile(r"""(?<![\w:-])(?:src|href|action|poster|srcset)\s*=\s*""" + _QUOTED),
    # Element props serialised into the page (NiceGUI's initial state).
    re.compile(r""""(?:src|href)"\s*:\s*"(?P<ref>[^"]+)\""""),
]
SCRIPT_REFERENCES = [
    re.compile(r"\bimport\s*\(\s*" + _QUOTED),  # import("x")
    re.compile(r"\bimport\s*" + _QUOTED),  # import "x"
    re.compile(r"\bfrom\s*" + _QUOTED),  # import {a} from "x", export * from "x"
    re.compile(
        r"\b(?:fetch|importScripts|EventSource|WebSocket|Worker|SharedWorker)\s*\(\s*" + _QUOTED
    ),
    re.compile(r"\.(?:src|href)\s*=\s*" + _QUOTED),  # script.src = "x"
    re.compile(r"[#@]\s*sourceMappingURL=(?P<ref>\S+)"),
]
STYLE_REFERENCES = [
    re.compile(r"""url\(\s*(["']?)(?P<ref>[^"')\s]+)\1\s*\)"""),
    re.compile(r"@import\s+" + _QUOTED),
]
IMPORT_MAP = re.compile(r'<script type="importmap">(?P<map>.*?)</script>', re.S)
# Text worth reading; fonts and images name nothing.
TEXT_TYPES = ("text/", "javascript", "json", "svg", "xml")
# What the crawl follows: a path to a file a page loads. Bare module names ("vue") are the
# import map's, pages' own links are NAVIGATION's, and source maps load only in devtools.
RESOURCE = re.compile(r"[\w@./~%-]+\.(?:m?js|css|woff2?|ttf|otf|svg|png|ico|json)(?:\?[\w=&.%-]*)?")
MAX_RESOURCES = 500


def references(body: str, content_type: str) -> set[str]:
    """Every resource reference in a document of `content_type` (HTML holds scripts and
    styles too, so all patterns apply to it)."""
    patterns = SCRIPT_REFERENCES + STYLE_REFERENCES
    if "html" in content_type:
        patterns = HTML_REFERENCES + patterns
    found = {match.group("ref") for pattern in patterns for match in pattern.finditer(body)}
    # Built at run time (`${base}/x`): the browser's own requests cover those.
    return {ref for ref in found if "${" not in ref}


def import_map(body: str) -> dict[str, str]:
    """A page's module aliases ("vue" -> its file): where a bare `import "vue"` leads."""
    aliases: dict[str, str] = {}
    for block in IMPORT_MAP.finditer(body):
        aliases.update(json.loads(block.group("map")).get("imports", {}))
    return aliases


def elsewhere(reference: str, netloc: str) -> bool:
    """Whether `reference` points to another host: an absolute or protocol-relative URL
    with another host (mailto:, data:, blob:, javascript: and fragments stay here)."""
    parts = urlsplit(reference)
    if parts.scheme in ("data", "blob", "javascript", "about", "mailto"):
        return False
    return bool(parts.netloc) and parts.netloc != netloc


def fetch(url: str, cookie: str) -> tuple[str, str]:
    """The content type and, for text, the body; nothing for a reference that leads
    nowhere (a source map a library names but does not ship is no external URL)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        response = urllib.request.urlopen(request, timeout=15)
    except urllib.error.HTTPError as error:
        print(f"{url}: HTTP {error.code}")
        return "", ""
    with response:
        content_type = response.headers.get("content-type", "")
        if not any(kind in content_type for kind in TEXT_TYPES):
            return content_type, ""
        return content_type, response.read().decode("utf-8", errors="replace")


def load_every_page(driver: webdriver.Chrome, console: RunningConsole) -> set[str]:
    """Opens each page in each language; returns the console's URLs the browser loaded."""
    loaded: set[str] = set()
    for locale in LOCALES:
        use_locale(console, locale)
        for path, key in PAGES:
            events = open_page(driver, console, path, key, locale)
            loaded |= {
                url
                for url in requested_urls(events)
                if urlsplit(url).scheme == "http" and urlsplit(url).netloc == console.netloc
            }
    return loaded


def test_nothing_the_console_serves_refers_to_another_host(
    admin_browser: webdriver.Chrome, console: RunningConsole
) -> None:
    """Every page (both languages, and the login page), every script, stylesheet and font
    the browser loaded for them, and every file of the console those import, is fetched
    and read for resource references: HTML src/href/action/poster/srcset attributes and
    serialised src/href props, import maps, static and dynamic imports, fetch/Worker/
    WebSocket/EventSource/importScripts targets, assignments to .src/.href, source maps,
    CSS url() and @import. None may name another host.

    Not read: free text (a bundled library's comments and error messages hold
    documentation URLs that nothing loads), and libraries only listed in the import map
    that no served file imports (NiceGUI maps all its optional elements, e.g. plotly,
    whose bundle holds mapbox and maplibre links; the console never loads it). The import
    map's own entries must all be local. References assembled at run time are not
    statically visible: the browser's request log (test_pages) covers those."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in admin_browser.get_cookies())
    pages = {console.base_url + path for path, _ in PAGES} | {console.base_url + "/login"}
    loaded = load_every_page(admin_browser, console) | pages
    # Pages first: their import map resolves the bare imports of the scripts.
    queue = deque(sorted(loaded, key=lambda url: (url not in pages, url)))
    seen: set[str] = set(queue)
    aliases: dict[str, str] = {}
    offenders: list[str] = []
    while queue:
        url = queue.popleft()
        content_type, body = fetch(url, cookie if not url.endswith("/login") else "")
        aliases.update(import_map(body))
        offenders += [
            f"{url}: import map {a}"
            for a in import_map(body).values()
            if elsewhere(a, console.netloc)
        ]
        for reference in sorted(references(body, content_type)):
            if elsewhere(reference, console.netloc):
                offenders.append(f"{url}: {reference}")
                continue
            reference = aliases.get(reference, reference)
            if not RESOURCE.fullmatch(reference):
                continue
            target = urljoin(url, reference)
            if urlsplit(target).netloc == console.netloc and target not in seen:
                seen.add(target)
                queue.append(target)
        assert len(seen) < MAX_RESOURCES, "the crawl does not end: a reference loop?"
    assert offenders == []
    assert len(seen) > len(pages), seen  # the scripts and styles were read too


def test_the_console_sends_nothing_out_of_its_network_namespace(
    admin_browser: webdriver.Chrome, console: RunningConsole
) -> None:
    """The console runs in a network namespace whose only route out is a TUN device that
    records each packet (jail.py): a connect, a DNS lookup, any datagram to an address
    other than loopback shows up there, even when the console swallows the failure. This
    is stronger than looking at /proc/<pid>/net/tcp afterwards, which misses attempts
    that already ended and all of UDP. After every page has loaded in both languages
    (and their live refresh ran a few seconds), not one packet may have left.

    Then the same namespace is made to try, to show the check can fail: a connect from a
    process in it is recorded."""
    load_every_page(admin_browser, console)
    time.sleep(3)
    assert console.process.poll() is None, console.output()
    assert console.packets() == []

    probe = "import socket\ntry: socket.create_connection(('192.0.2.1', 80), timeout=1)\nexcept OSError: pass\n"
    namespace = f"/proc/{console.process.pid}/ns/net"
    subprocess.run(
        ["nsenter", f"--net={namespace}", sys.executable, "-c", probe], check=True, timeout=30
    )
    deadline = time.monotonic() + 5
    while not any("-> 192.0.2.1 proto 6" in line for line in console.packets()):
        assert time.monotonic() < deadline, "the jail did not record the probe's connect"
        time.sleep(0.1)
    # The probe was this test's own: the console is shared by the browser tests, and each
    # one after this starts from an empty record (the recorder appends to the file).
    console.packets_log.write_text("")


def test_the_reference_reader_finds_what_a_browser_would_load_from_elsewhere() -> None:
    page = (
        '<script src="https://cdn.example.com/vue.js"></script>'
        '<link href="//fonts.example.com/css" rel="stylesheet">'
    )
    script = 'import("https://esm.example.com/x.js"); fetch(`https://api.example.com/y`)'
    style = "@font-face { src: url(https://fonts.example.com/a.woff2) }"
    found = references(page, "text/html") | references(script, "text/javascript")
    found |= references(style, "text/css")
    assert {ref for ref in found if elsewhere(ref, "127.0.0.1:8080")} == {
        "https://cdn.example.com/vue.js",
        "//fonts.example.com/css",
        "https://esm.example.com/x.js",
        "https://api.example.com/y",
        "https://fonts.example.com/a.woff2",
    }


def test_the_reference_reader_ignores_urls_in_comments_and_messages() -> None:
    script = (
        "/*! MIT licence, https://github.com/example/lib */\n"
        'throw new Error("see https://example.com/docs/errors#42");\n'
        'import { h } from "/_nicegui/3.18.0/static/vue.js";\n'
    )
    found = references(script, "text/javascript")
    assert found == {"/_nicegui/3.18.0/static/vue.js"}
    assert not any(elsewhere(ref, "127.0.0.1:8080") for ref in found)
