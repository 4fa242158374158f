"""Lesson markdown: CommonMark + tables + callouts, raw HTML off."""
from __future__ import annotations

import re
from html import escape

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin

CALLOUT_KINDS = ("info", "tip", "warning", "example", "checklist", "law", "open")
CALLOUT_LINE = re.compile(r"^\s*:::\s*(\S+)?(.*)$")
DEFAULT_TITLES = {
    "info": "Info", "tip": "Tipp", "warning": "Achtung", "example": "Beispiel",
    "checklist": "Checkliste", "law": "Rechtslage", "open": "Offene Rechtsfrage",
}


def _callout_renderer(kind: str):
    def render(self, tokens, idx, _options, _env):
        token = tokens[idx]
        if token.nesting == 1:
            title = token.info.strip()[len(kind):].strip() or DEFAULT_TITLES[kind]
            return (f'<aside class="callout callout-{kind}" role="note">'
                    f'<p class="callout-title">{escape(title)}</p>\n')
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


def render_inline(text: str) -> str:
    """Render one paragraph of inline markdown (quiz prompts, options) without the <p> wrapper."""
    return _MD.renderInline(text)


def check_callouts(text: str) -> list[tuple[int, str]]:
    """Return (line number, problem) for unknown or unbalanced callout fences."""
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
        else:
            problems.append((number, f"unknown callout kind '{kind}' (allowed: {', '.join(CALLOUT_KINDS)})"))
    if depth:
        problems.append((len(text.splitlines()), "a callout is not closed with ':::'"))
    return problems
