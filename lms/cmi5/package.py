"""The course as a cmi5 course package: cmi5.xml (one AU per module plus the final exam, moveOn and masteryScore
per AU, the course's stable activity IRIs), validated against the cmi5 CourseStructure XSD, zipped."""
from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from urllib.parse import urlencode

from lxml import etree

from ..resources import package_path

NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
SCHEMA = package_path("cmi5", "schema", "CourseStructure.xsd")
LANGS = {"de": "de-DE", "en": "en-US"}


class PackageError(ValueError):
    """The generated cmi5.xml does not satisfy the XSD (a bug in the export, reported with the schema's words)."""


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def _text(parent, tag: str, texts: dict) -> None:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    for lang, value in texts.items():
        value = "; ".join(value) if isinstance(value, (list, tuple)) else value
        langstring = etree.SubElement(element, f"{{{NS}}}langstring", lang=LANGS.get(lang, lang))
        langstring.text = value or "-"


def exam_iri(course) -> str:
    """The final exam's activity IRI (the one the app's own statements use)."""
    return f"{course.iri}/quiz/{course.final_exam}"


def au_list(course, quizzes: dict) -> list[dict]:
    """The AUs: every module (moveOn Passed with the quiz's pass mark, else Completed) and the final exam."""
    aus = []
    for module in course.modules:
        quiz = quizzes.get(module.quiz) if module.quiz else None
        aus.append({"key": f"module-{module.id}", "iri": module.iri, "title": module.title,
                    "description": module.objectives or module.title,
                    "move_on": "Passed" if quiz else "Completed", "mastery": quiz.pass_mark if quiz else None})
    if course.final_exam and course.final_exam in quizzes:
        exam = quizzes[course.final_exam]
        aus.append({"key": "exam", "iri": exam_iri(course), "title": exam.title, "description": exam.title,
                    "move_on": "Passed", "mastery": exam.pass_mark})
    return aus


def au_url(base_url: str, course, key: str, org_slug: str) -> str:
    """The hosted AU an external cmi5 LMS launches (it appends endpoint, fetch, actor, registration, activityId)."""
    return f"{base_url.rstrip('/')}/cmi5/au/{course.slug}?" + urlencode({"au": key, "org": org_slug})


def course_structure(course, quizzes: dict, base_url: str, org_slug: str) -> bytes:
    """cmi5.xml for the course, validated against the XSD (PackageError if not)."""
    root = etree.Element(f"{{{NS}}}courseStructure", nsmap={None: NS})
    course_el = etree.SubElement(root, f"{{{NS}}}course", id=course.iri)
    _text(course_el, "title", course.title)
    _text(course_el, "description", course.description)
    for au in au_list(course, quizzes):
        attrs = {"id": au["iri"], "moveOn": au["move_on"], "launchMethod": "OwnWindow"}
        if au["mastery"] is not None:
            attrs["masteryScore"] = f"{au['mastery']:.2f}"
        au_el = etree.SubElement(root, f"{{{NS}}}au", **attrs)
        _text(au_el, "title", au["title"])
        _text(au_el, "description", au["description"])
        etree.SubElement(au_el, f"{{{NS}}}url").text = au_url(base_url, course, au["key"], org_slug)
    data = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    validate(data)
    return data


def validate(data: bytes) -> None:
    """Check a cmi5.xml against the cmi5 CourseStructure XSD."""
    schema = _schema()
    document = etree.fromstring(data)
    if not schema.validate(document):
        raise PackageError("; ".join(f"line {e.line}: {e.message}" for e in schema.error_log))


def package_zip(course, quizzes: dict, base_url: str, org_slug: str) -> bytes:
    """The zip an LMS imports: cmi5.xml at the root (the AUs are hosted, so nothing else is needed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cmi5.xml", course_structure(course, quizzes, base_url, org_slug))
    return buffer.getvalue()
