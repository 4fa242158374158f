"""Bulk import of users: file reading, preview without writes, confirm, idempotence, CLI."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from lms.assignments.models import LearnerAssignment
from lms.audit.models import AuditEntry
from lms.auth.models import User
from lms.imports import parse
from lms.imports.models import PendingImport
from lms.imports.parse import ImportFileError, read_rows

CSV = ("\ufeffE-Mail;Name;Abteilung;Rolle;Kurs;Fällig\n"
       "neu@alpha.example;Nina Neu;Marketing;Lernende;mini;31.12.2099\n"
       "learner@alpha.example;Lea Lernend;Vertrieb;learner;;\n"
       "trainer@alpha.example;Theo Trainer;;trainer;;\n").encode("utf-8")


def _upload(client, data: bytes, name: str = "people.csv", **options):
    form = {"file": (io.BytesIO(data), name), "handover": options.get("handover", "mail")}
    if options.get("deactivate"):
        form["deactivate_missing"] = "y"
    return client.post("/admin/users/import", data=form, content_type="multipart/form-data")


def _confirm(client, preview):
    body = preview.get_data(as_text=True)
    fields = dict(re.findall(r'<input id="(token|handover|deactivate_missing)" name="\1" type="hidden" value="([^"]*)"',
                             body))
    return client.post("/admin/users/import/confirm", data=fields)


def _count(db, model=User) -> int:
    db.rollback()
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_imports_parse_csv_bom_semicolon_and_comma_english_headers():
    """Excel's CSV UTF-8 (BOM, semicolons) and a comma file with English headers read the same way."""
    german = read_rows(CSV, "a.csv")
    english = read_rows(b"email,name,department,role\nneu@alpha.example,Nina Neu,Marketing,learner\n", "b.csv")
    assert german[0].values["email"] == english[0].values["email"] == "neu@alpha.example"
    assert german[0].get("due") == "31.12.2099" and german[0].line == 2
    assert english[0].get("department") == "Marketing"


@pytest.mark.parametrize("data, message", [
    ("E-Mail;Name\nmüller@alpha.example;Jörg\n".encode("latin-1"), "UTF-8"),
    (b"Name;Rolle\nNina;learner\n", "Es fehlen Spalten"),
    (b"", "keine Zeilen"),
    ("\ufeffE-Mail;Name\n;\n".encode(), "keine Zeilen"),
    (b"E-Mail;Name;email\nx@y.example;X;x@y.example\n", "doppelt"),
])
def test_imports_parse_bad_files_are_refused(data, message):
    """Wrong encoding, missing or doubled columns and empty files give a clear error."""
    with pytest.raises(ImportFileError, match=message):
        read_rows(data, "x.csv")


def test_imports_parse_row_limit(monkeypatch):
    """More rows than the limit are refused as a whole."""
    monkeypatch.setattr(parse, "MAX_ROWS", 3)
    data = "E-Mail;Name\n" + "".join(f"p{i}@alpha.example;P {i}\n" for i in range(4))
    with pytest.raises(ImportFileError, match="mehr als"):
        read_rows(data.encode(), "x.csv")
    assert len(read_rows(("E-Mail;Name\n" + "a@b.example;A\n" * 3).encode(), "x.csv")) == 3


def test_imports_parse_xlsx_and_zip_bomb():
    """An XLSX is read (dates as ISO text); a zip whose content unpacks far larger than it is, is refused."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["E-Mail", "Name", "Kurs", "Fällig"])
    sheet.append(["neu@alpha.example", "Nina Neu", "mini", __import__("datetime").date(2099, 12, 31)])
    out = io.BytesIO()
    workbook.save(out)
    rows = read_rows(out.getvalue(), "a.xlsx")
    assert rows[0].get("name") == "Nina Neu" and rows[0].get("due") == "2099-12-31"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)
    with pytest.raises(ImportFileError, match="zu groß"):
        read_rows(bomb.getvalue(), "bomb.xlsx")
    with pytest.raises(ImportFileError, match="beschädigt"):
        read_rows(b"PK\x03\x04broken", "broken.xlsx")


def test_imports_preview_writes_nothing_and_confirm_imports(client, login_as, db, world):
    """The preview lists create/update/unchanged and changes nothing; the confirm does it all, with one audit row."""
    login_as("admin_a")
    users, audits = _count(db), _count(db, AuditEntry)
    preview = _upload(client, CSV)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 neu, 1 geändert, 1 unverändert, 0 mit Fehlern" in body
    assert _count(db) == users and _count(db, AuditEntry) == audits
    done = _confirm(client, preview)
    assert done.status_code == 200, done.get_data(as_text=True)[:800]
    db.rollback()
    db.expire_all()
    new = db.scalar(select(User).where(User.email == "neu@alpha.example"))
    assert new.org_id == world["org_a"].id and new.department_name == "Marketing" and new.role == "learner"
    assert db.get(User, world["learner_a"].id).department_name == "Vertrieb"
    item = db.scalar(select(LearnerAssignment).where(LearnerAssignment.user_id == new.id))
    assert item.course_slug == "mini" and item.due_at.date().isoformat() == "2099-12-31"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "users.import"))
    assert entry.details["create"] == 1 and entry.details["update"] == 1
    assert _count(db, PendingImport) == 0


def test_imports_same_file_twice_changes_nothing(client, login_as, db, world):
    """Idempotent: the second import of the same file is all 'unchanged' and adds no assignment."""
    login_as("admin_a")
    _confirm(client, _upload(client, CSV))
    assignments = _count(db, LearnerAssignment)
    preview = _upload(client, CSV)
    assert "0 neu, 0 geändert, 3 unverändert" in preview.get_data(as_text=True)
    assert _confirm(client, preview).status_code == 200
    assert _count(db, LearnerAssignment) == assignments


def test_imports_confirm_refuses_a_changed_file(client, login_as, db, world):
    """If the stored file no longer matches the signed hash, the confirm answers 400 and imports nothing."""
    login_as("admin_a")
    preview = _upload(client, CSV)
    db.rollback()
    db.expire_all()
    pending = db.scalar(select(PendingImport))
    pending.content = CSV.replace(b"Nina Neu", b"Eve Evil")
    db.commit()
    users = _count(db)
    response = _confirm(client, preview)
    assert response.status_code == 400 and "geändert" in response.get_data(as_text=True)
    assert _count(db) == users
    bogus = client.post("/admin/users/import/confirm", data={"token": "forged", "handover": "mail"})
    assert bogus.status_code == 400


def test_imports_row_errors_block_the_import(client, login_as, db, world):
    """Duplicates, formulas, unknown roles/courses, past dates and other organisations' addresses are row errors."""
    login_as("admin_a")
    data = ("E-Mail;Name;Rolle;Kurs;Fällig\n"
            "dup@alpha.example;A;learner;;\n"
            "DUP@alpha.example;B;learner;;\n"
            "f@alpha.example;=HYPERLINK(\"x\");learner;;\n"
            "r@alpha.example;R;boss;;\n"
            "c@alpha.example;C;learner;nope;\n"
            "d@alpha.example;D;learner;mini;01.01.2000\n"
            "learner@beta.example;Ben;learner;;\n").encode()
    users = _count(db)
    preview = _upload(client, data)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "7 mit Fehlern" in body and "Import ausführen" not in body
    for text in ("mehrfach", "Formel", "Unbekannte Rolle", "Unbekannter Kurs", "Zukunft",
                 "kann nicht verwendet werden"):
        assert text in body, text
    assert _count(db) == users and _count(db, PendingImport) == 0


def test_imports_bad_file_is_a_clear_400(client, login_as, db, world):
    """An unreadable file is answered with the reason and status 400, never a 500."""
    login_as("admin_a")
    response = _upload(client, "E-Mail;Name\nä;ö\n".encode("latin-1"))
    assert response.status_code == 400 and "UTF-8" in response.get_data(as_text=True)


def test_imports_deactivate_missing_never_the_admin(client, login_as, db, world):
    """Deactivating the missing spares the importing admin and leaves other organisations alone."""
    login_as("admin_a")
    data = b"E-Mail;Name\nlearner@alpha.example;Lea Lernend\n"
    preview = _upload(client, data, deactivate=True)
    assert "2 werden deaktiviert" in preview.get_data(as_text=True)  # trainer_a and learner_a2
    done = _confirm(client, preview)
    assert "2 werden deaktiviert" in done.get_data(as_text=True), done.get_data(as_text=True)
    db.rollback()
    db.expire_all()
    assert db.get(User, world["admin_a"].id).active and db.get(User, world["learner_b"].id).active
    assert not db.get(User, world["learner_a2"].id).active


def test_imports_links_without_mail_are_single_use(client, login_as, db, world, app):
    """Without mail the admin gets one set-password link per new person, usable once."""
    login_as("admin_a")
    done = _confirm(client, _upload(client, CSV, handover="links"))
    links = re.findall(r"http://lms\.test(/password/set\?token=[\w-]+)", done.get_data(as_text=True))
    assert len(links) == 1
    other = app.test_client()
    assert other.get(links[0]).status_code == 200
    assert other.post(links[0], data={"new": "ein-neues-Passwort-42", "repeat": "ein-neues-Passwort-42"}
                      ).status_code == 302
    assert other.get(links[0]).status_code == 400


def test_imports_other_roles_cannot_import(client, login_as, world):
    """Trainers are refused."""
    login_as("trainer_a")
    assert _upload(client, CSV).status_code == 403


def test_imports_cli_dry_run_and_import(runner, db, world, tmp_path):
    """The CLI prints the preview; --dry-run changes nothing, without it the import runs."""
    path = tmp_path / "people.csv"
    path.write_bytes(CSV)
    users = _count(db)
    result = runner.invoke(args=["users", "import", str(path), "--org", "alpha", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "create: 1, update: 1, unchanged: 1, error: 0" in result.output and _count(db) == users
    result = runner.invoke(args=["users", "import", str(path), "--org", "alpha", "--no-mail"])
    assert result.exit_code == 0, result.output
    assert "neu@alpha.example\thttp://lms.test/password/set?token=" in result.output
    assert _count(db) == users + 1
    sync = runner.invoke(args=["users", "import", str(path), "--org", "alpha", "--deactivate-missing", "--dry-run"])
    assert "deactivate: 1" in sync.output and "admin@alpha.example" not in sync.output  # learner2 only
    bad = runner.invoke(args=["users", "import", str(path), "--org", "nowhere"])
    assert bad.exit_code != 0 and "Unknown organisation" in bad.output



def test_imports_batch_matches_one_by_one(client, login_as, db, world, app):
    """A bulk import gives each new person exactly what a single invitation and assignment gives: one invitation
    mail with a working link, one assignment mail, one 'assigned' statement carrying that person's user id."""
    from lms.mail.models import Mail
    from lms.lrs.models import Statement

    lines = ["E-Mail;Name;Abteilung;Rolle;Kurs;Fällig"] + [
        f"neu{n}@alpha.example;Neu {n};Marketing;Lernende;mini;31.12.2099" for n in range(7)]
    login_as("admin_a")
    assert _confirm(client, _upload(client, "\n".join(lines).encode())).status_code in (200, 302)
    db.rollback()
    people = db.scalars(select(User).where(User.email.like("neu%@alpha.example")).order_by(User.email)).all()
    assert len(people) == 7
    for person in people:
        kinds = sorted(db.scalars(select(Mail.kind).where(Mail.user_id == person.id)))
        assert kinds == ["assignment", "invitation"]
        statements = db.scalars(select(Statement).where(Statement.user_id == person.id)).all()
        assert [s.verb_id.rsplit("/", 1)[-1] for s in statements] == ["assigned"]
        assert person.actor_id in statements[0].raw
    invitation = db.scalar(select(Mail).where(Mail.user_id == people[3].id, Mail.kind == "invitation"))
    link = invitation.context["action_url"]
    assert client.get(link[link.index("/password/set"):]).status_code == 200
