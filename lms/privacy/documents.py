"""Documents generated from the settings in force: Art. 30 record, TOM summary, draft works agreement (PDF/DOCX).

The texts live in documents_text.py (German and English); this module fills them and hands them to the existing
PDF (guidelines.pdf) and DOCX (guidelines.docx) builders.
"""
from __future__ import annotations

from ..auth.models import Organisation
from ..db import utcnow
from ..guidelines.docx import build_docx
from ..guidelines.pdf import build_pdf
from . import documents_text
from .settings import Settings

KINDS = ("records", "toms", "works-agreement")


def facts(org: Organisation, active: Settings, lang: str) -> dict:
    """The values the clauses are filled with, as text in the document's language."""
    words = documents_text.WORDS[lang]
    return {
        "org": org.name, "version": active.version, "date": utcnow().strftime("%d.%m.%Y"),
        "level": words["level"][active.reporting_level], "k": active.min_group_size,
        "detail": words["detail"][active.trainer_detail],
        "forwarding": words["forwarding"][active.forwarding_identity],
        "months": active.retention_months, "cert_months": active.certificate_retention_months,
        "ack_months": active.acknowledgement_retention_months,
        "register": words["register"][active.keep_certificate_register],
        "actor": words["actor"][org.actor_mode],
    }


def sections(kind: str, org: Organisation, active: Settings, lang: str) -> tuple[str, str, list]:
    """Title, subtitle and (heading, [(label, text)]) sections of one document."""
    texts = documents_text.DOCUMENTS[lang][kind]
    values = facts(org, active, lang)
    level_clauses = documents_text.LEVEL_CLAUSES[lang][active.reporting_level]
    out = []
    for heading, items in texts["sections"]:
        filled = []
        for label, text in items:
            text = text.replace("{level_clause}", level_clauses)
            filled.append((label, text.format(**values)))
        out.append((heading, filled))
    subtitle = documents_text.DISCLAIMER[lang] + "\n" + texts["subtitle"].format(**values)
    return texts["title"].format(**values), subtitle, out


def render(kind: str, fmt: str, org: Organisation, active: Settings, lang: str = "de") -> bytes:
    """The document as PDF or DOCX bytes."""
    title, subtitle, parts = sections(kind, org, active, lang)
    if fmt == "pdf":
        return build_pdf(title, subtitle, parts, footer=f"{title} · {documents_text.DISCLAIMER_SHORT[lang]}")
    return build_docx(title, subtitle, parts)
