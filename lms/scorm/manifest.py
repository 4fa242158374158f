"""imsmanifest.xml for SCORM 1.2 and SCORM 2004 4th Edition: one SCO per module plus the final exam, each the
package's launcher page with the SCO named in its parameters."""
from __future__ import annotations

from lxml import etree

from ..i18n import localized

V12 = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}
V2004 = {"cp": "http://www.imsglobal.org/xsd/imscp_v1p1", "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
         "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3", "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
         "imsss": "http://www.imsglobal.org/xsd/imsss"}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
FILES = ("launcher.html", "launcher.js", "config.js")


def scos(course, quizzes: dict) -> list[dict]:
    """The SCOs: each module, then the final exam (key, title, mastery score)."""
    items = []
    for module in course.modules:
        quiz = quizzes.get(module.quiz) if module.quiz else None
        items.append({"key": f"module-{module.id}", "title": localized(module.title),
                      "mastery": quiz.pass_mark if quiz else None})
    if course.final_exam and course.final_exam in quizzes:
        exam = quizzes[course.final_exam]
        items.append({"key": "exam", "title": localized(exam.title), "mastery": exam.pass_mark})
    return items


def _e(parent, ns: dict, name: str, text: str | None = None, **attrs):
    prefix, local = name.split(":")
    element = etree.SubElement(parent, f"{{{ns[prefix]}}}{local}", **attrs)
    if text is not None:
        element.text = text
    return element


def _resources(root, ns: dict, items: list[dict], type_attr: str) -> None:
    resources = _e(root, ns, "cp:resources")
    for item in items:
        resource = _e(resources, ns, "cp:resource", identifier=f"RES-{item['key']}", type="webcontent",
                      href="launcher.html", **{f"{{{ns['adlcp']}}}{type_attr}": "sco"})
        for name in FILES:
            _e(resource, ns, "cp:file", href=name)


def manifest(course, quizzes: dict, version: str) -> bytes:
    """The imsmanifest.xml of a package ("1.2" or "2004")."""
    ns = V12 if version == "1.2" else V2004
    root = etree.Element(f"{{{ns['cp']}}}manifest", nsmap={None: ns["cp"], **{k: v for k, v in ns.items()
                                                                               if k != "cp"}, "xsi": XSI},
                         identifier=f"MANIFEST-{course.slug}", version=course.version)
    metadata = _e(root, ns, "cp:metadata")
    _e(metadata, ns, "cp:schema", "ADL SCORM")
    _e(metadata, ns, "cp:schemaversion", "1.2" if version == "1.2" else "2004 4th Edition")
    organizations = _e(root, ns, "cp:organizations", default="ORG-1")
    organization = _e(organizations, ns, "cp:organization", identifier="ORG-1")
    _e(organization, ns, "cp:title", localized(course.title))
    items = scos(course, quizzes)
    for item in items:
        element = _e(organization, ns, "cp:item", identifier=f"ITEM-{item['key']}",
                     identifierref=f"RES-{item['key']}", parameters=f"?sco={item['key']}")
        _e(element, ns, "cp:title", item["title"])
        if version == "1.2" and item["mastery"] is not None:
            _e(element, ns, "adlcp:masteryscore", str(round(item["mastery"] * 100)))
        elif version != "1.2" and item["mastery"] is not None:
            sequencing = _e(element, ns, "imsss:sequencing")
            objectives = _e(sequencing, ns, "imsss:objectives")
            primary = _e(objectives, ns, "imsss:primaryObjective", objectiveID=f"OBJ-{item['key']}",
                         satisfiedByMeasure="true")
            _e(primary, ns, "imsss:minNormalizedMeasure", f"{item['mastery']:.2f}")
    _resources(root, ns, items, "scormtype" if version == "1.2" else "scormType")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
