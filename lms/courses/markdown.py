"""Lesson markdown: CommonMark + tables + callouts, raw HTML off."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin

CALLOUT_KINDS = ("info", "tip", "warning", "example", "checklist", "law", "open")
DATED_KINDS = ("law", "open")  # these must carry checked= (with freshness = true); any other callout may
CALLOUT_LINE = re.compile(r"^\s*:::\s*(\S+)?(.*)$")
CHECKED_TOKEN = re.compile(r"^checked=(\S*)\s*")
CHECKED_VALUE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
URL_RE = re.compile(r"https://[^\s)>\]]+\.[^\s)>\]]+")
CHECKED_HTML = re.compile(r'<p class="callout-checked" data-checked="(\d{4})-(\d{2})">[^<]*</p>')
DEFAULT_TITLES = {
    "info": "Info", "tip": "Tipp", "warning": "Achtung", "example": "Beispiel",
    "checklist": "Checkliste", "law": "Rechtslage", "open": "Offene Rechtsfrage",
}
MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember")


@dataclass(frozen=True)
class Box:
    """A law/open callout, or any callout with checked=: where it is, its title, its date, whether it cites a URL."""

    kind: str
    line: int
    title: str
    checked: str | None  # "YYYY-MM"
    has_url: bool


def split_info(kind: str, info: str) -> tuple[str | None, str]:
    """Split the text after the callout kind into the `checked=` value (or None) and the title."""
    rest = info.strip()[len(kind):].strip()
    match = CHECKED_TOKEN.match(rest)
    if not match:
        return None, rest
    return match.group(1), rest[match.end():].strip()


def checked_label_de(value: str) -> str:
    """'2026-12' → 'Geprüft: Dezember 2026' (the German text rendered at load time)."""
    year, month = value.split("-")
    return f"Geprüft: {MONTHS_DE[int(month) - 1]} {year}"


def _callout_renderer(kind: str):
    def render(self, tokens, idx, _options, _env):
        token = tokens[idx]
        if token.nesting == 1:
            checked, title = split_info(kind, token.info)
            html = (f'<aside class="callout callout-{kind}" role="note">'
                    f'<p class="callout-title">{escape(title or DEFAULT_TITLES[kind])}</p>\n')
            if checked and CHECKED_VALUE.match(checked):
                html += f'<p class="callout-checked" data-checked="{checked}">{checked_label_de(checked)}</p>\n'
            return html
        return "</aside>\n"

    return render


def make_renderer() -> MarkdownIt:
    """A markdown-it instance: CommonMark, tables, heading anchors, the callout containers; HTML stays text."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.use(anchors_plugin, min_level=2, max_level=3)
    for kind in CALLOUT_KINDS:
        md.use(container_plugin, name=kind, render=_callout_renderer(kind))
    return md


_MD = make_renderer()


def render(text: str) -> str:
    """Render markdown to safe HTML."""
    return _MD.render(text)


@lru_cache(maxsize=8192)  # quiz pages render the same prompts and options for every learner
def render_inline(text: str) -> str:
    """Render one paragraph of inline markdown (quiz prompts, options) without the <p> wrapper."""
    return _MD.renderInline(text)


def localize_checked(html: str, label) -> str:
    """Replace the German 'Geprüft: …' lines of rendered lesson HTML with label(year, month) for the reader."""
    return CHECKED_HTML.sub(lambda m: f'<p class="callout-checked" data-checked="{m.group(1)}-{m.group(2)}">'
                                      f'{escape(label(int(m.group(1)), int(m.group(2))))}</p>', html)


def dated_boxes(text: str) -> list[Box]:
    """Every law/open callout and every dated callout of a lesson: line, title, `checked=` value, URL or not."""
    boxes, stack = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        match = CALLOUT_LINE.match(line)
        if match and match.group(1) is None:
            if stack:
                box = stack.pop()
                if box is not None:
                    boxes.append(box)
            continue
        if match and match.group(1) in CALLOUT_KINDS:
            kind = match.group(1)
            checked, title = split_info(kind, line.strip()[3:])
            dated = kind in DATED_KINDS or checked is not None
            stack.append(Box(kind, number, title or DEFAULT_TITLES[kind], checked, False) if dated else None)
            continue
        if stack and stack[-1] is not None and URL_RE.search(line):
            stack[-1] = Box(**{**stack[-1].__dict__, "has_url": True})
    return sorted(boxes, key=lambda box: box.line)


def check_callouts(text: str) -> list[tuple[int, str]]:
    """Return (line number, problem) for unknown or unbalanced callout fences and malformed `checked=` dates."""
    problems, depth = [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = CALLOUT_LINE.match(line)
        if not match:
            continue
        kind = match.group(1)
        if kind is None:
            if depth == 0:
                problems.append((number, "':::' closes a callout that was never opened"))
            else:
                depth -= 1
        elif kind in CALLOUT_KINDS:
            depth += 1
            checked, _title = split_info(kind, line.strip()[3:])
            if checked is not None and not CHECKED_VALUE.match(checked):
                problems.append((number, f"'checked={checked}' is not a month like checked=2026-12"))
        else:
            problems.append((number, f"unknown callout kind '{kind}' (allowed: {', '.join(CALLOUT_KINDS)})"))
    if depth:
        problems.append((len(text.splitlines()), "a callout is not closed with ':::'"))
    return problems
