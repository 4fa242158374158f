"""German texts of the privacy documents (placeholders are filled from the organisation's settings)."""

DISCLAIMER = ("Vorlage – von den Betriebsparteien zu prüfen, keine Rechtsberatung. Alle Angaben wurden aus den "
              "Datenschutzeinstellungen der Lernplattform erzeugt und sind vor der Verwendung zu prüfen und zu "
              "ergänzen.")
DISCLAIMER_SHORT = "Vorlage – keine Rechtsberatung"

WORDS = {
    "level": {"individual": "personenbezogen (mit Namen)", "pseudonymous": "pseudonymisiert",
              "aggregate": "ausschließlich zusammengefasst (aggregiert)"},
    "detail": {"progress": "nur Fortschritt und Abschluss", "scores": "Fortschritt, Abschluss und Ergebnisse",
               "answers": "Fortschritt, Abschluss, Ergebnisse, Antworten und Zeitverlauf"},
    "forwarding": {"names": "mit Name und E-Mail-Adresse", "pseudonymous": "mit pseudonymer Kennung",
                   "none": "ohne personenbezogene Angaben"},
    "register": {True: "bleibt der Eintrag im Zertifikatsregister (Name, Kurs, Ausstellungsdatum) mit Begründung "
                       "erhalten", False: "wird auch das Zertifikat gelöscht"},
    "actor": {"account": "eine zufällige, nicht sprechende Kennung", "mbox": "die dienstliche E-Mail-Adresse"},
}

LEVEL_CLAUSES = {
    "individual": ("Trainer:innen und Administrator:innen sehen den Lernstand einzelner Beschäftigter mit Namen. "
                   "Sichtbar sind je Person: {detail}."),
    "pseudonymous": ("Trainer:innen sehen den Lernstand einzelner Beschäftigter nur unter einem Pseudonym. Das "
                     "Pseudonym wird mit einem geheimen Schlüssel der Organisation gebildet und kann aus Namen, "
                     "E-Mail-Adressen oder Kennungen nicht berechnet werden. Sichtbar sind je Person: {detail}."),
    "aggregate": ("Auswertungen zeigen ausschließlich zusammengefasste Werte für Gruppen von mindestens {k} "
                  "Personen. Gruppen mit weniger als {k} Personen werden in keiner Ansicht, keinem Filter, keinem "
                  "Export und keinem Diagramm ausgewiesen (Anzeige „weniger als {k}“). Es gibt keine Ansicht "
                  "einzelner Personen, keine Auswertung von Lernzeiten oder Anmeldezeiten je Person und keine "
                  "Auswertung einzelner Antworten."),
}

_PURPOSE = ("Bereitstellung von Online-Schulungen zum Thema Social Media, Nachweis der Teilnahme und des "
            "Abschlusses (Zertifikate), Bestätigung von Richtlinien sowie die Verbesserung der Schulungsinhalte "
            "anhand zusammengefasster Auswertungen.")

RECORDS = {
    "title": "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO) – Lernplattform",
    "subtitle": "Verantwortlicher: {org} · Stand: {date} · Einstellungsversion {version}",
    "sections": [
        ("Angaben zur Verarbeitung", [
            ("Bezeichnung", "Betrieb der Lernplattform (Social-Media-Schulung) mit eingebautem Learning Record "
                            "Store (xAPI)."),
            ("Zwecke (Art. 30 Abs. 1 lit. b DSGVO)", _PURPOSE),
            ("Rechtsgrundlage", "§ 26 BDSG bzw. Art. 88 DSGVO in Verbindung mit einer Betriebsvereinbarung; "
                                "Art. 6 Abs. 1 lit. b und c DSGVO."),
            ("Kategorien betroffener Personen", "Beschäftigte von {org}, die an Schulungen teilnehmen, sowie "
                                                "Trainer:innen und Administrator:innen."),
            ("Kategorien personenbezogener Daten", "Stammdaten (Name, dienstliche E-Mail-Adresse, Abteilung, "
                                                   "Rolle), Lernfortschritt, Quiz-Versuche mit Antworten und "
                                                   "Ergebnissen, Lernereignisse (xAPI-Statements), Zertifikate, "
                                                   "Bestätigungen von Richtlinien, Abgaben praktischer Aufgaben, "
                                                   "Protokolleinträge über Zugriffe."),
        ]),
        ("Empfänger und Übermittlungen", [
            ("Interne Empfänger", "Trainer:innen: Auswertungen {level}. Administrator:innen: Verwaltung der "
                                  "Konten und Einstellungen."),
            ("Externe Empfänger", "Weiterleitung von Lernereignissen an konfigurierte Learning Record Stores "
                                  "{forwarding}. In Lernereignissen wird die Person durch {actor} bezeichnet."),
        ]),
        ("Löschfristen (Art. 5 Abs. 1 lit. e DSGVO)", [
            ("Lernereignisse und Antworten", "Nach {months} Monaten gelöscht; Ergebnisse bleiben nur "
                                             "zusammengefasst erhalten."),
            ("Zertifikate", "Nach {cert_months} Monaten gelöscht."),
            ("Bestätigungen", "Nach {ack_months} Monaten gelöscht."),
            ("Löschung auf Antrag (Art. 17 DSGVO)", "Alle Daten der Person werden gelöscht oder anonymisiert; "
                                                    "auf Wunsch der Organisation {register}."),
        ]),
        ("Technische und organisatorische Maßnahmen (Art. 32 DSGVO)", [
            ("Verweis", "Siehe das Dokument „Technische und organisatorische Maßnahmen“ zu Version {version}."),
        ]),
    ],
}

TOMS = {
    "title": "Technische und organisatorische Maßnahmen – Lernplattform",
    "subtitle": "{org} · Stand: {date} · Einstellungsversion {version}",
    "sections": [
        ("Zugriffskontrolle", [
            ("Rollen", "Lernende sehen nur eigene Daten. Trainer:innen sehen Auswertungen {level}. "
                       "Administrator:innen verwalten Konten und Einstellungen."),
            ("Auswertungsebene", "{level_clause}"),
            ("Sitzungen", "Sitzungen enden serverseitig bei Abmeldung, nach Inaktivität und spätestens nach "
                          "einer festen Höchstdauer; Anmeldeversuche werden begrenzt."),
        ]),
        ("Protokollierung", [
            ("Protokoll", "Änderungen an Einstellungen, Exporte, Einsicht in Daten einzelner Personen und "
                          "Löschungen werden mit Zeitpunkt und handelnder Person protokolliert."),
            ("Versionierung", "Jede Änderung der Datenschutzeinstellungen wird als neue Version mit Zeitpunkt "
                              "und ändernder Person gespeichert; Auswertungen nennen die geltende Version."),
        ]),
        ("Datensparsamkeit und Speicherbegrenzung", [
            ("Kennungen", "Lernereignisse bezeichnen die Person durch {actor}."),
            ("Weiterleitung", "An externe Learning Record Stores werden Lernereignisse {forwarding} übermittelt."),
            ("Aufbewahrung", "Lernereignisse und Antworten {months} Monate, Zertifikate {cert_months} Monate, "
                             "Bestätigungen {ack_months} Monate; ein täglicher Lauf löscht ältere Daten und "
                             "protokolliert jeden Lauf."),
        ]),
        ("Rechte der Betroffenen", [
            ("Auskunft und Datenübertragbarkeit (Art. 15, 20 DSGVO)", "Jede Person kann unter „Meine Daten“ "
                                                                       "alle über sie gespeicherten Daten als "
                                                                       "JSON, JSON Lines und lesbare "
                                                                       "Zusammenfassung herunterladen."),
            ("Löschung (Art. 17 DSGVO)", "Löschung durch die Administration, auch auf Antrag der Person; "
                                         "externe Empfänger erhalten Annullierungen (xAPI „voided“)."),
        ]),
    ],
}

AGREEMENT = {
    "title": "Betriebsvereinbarung über die Einführung und Nutzung der Lernplattform (Entwurf)",
    "subtitle": "zwischen {org} (Arbeitgeber) und dem Betriebsrat · Entwurf vom {date} · "
                "Einstellungsversion {version}",
    "sections": [
        ("§ 1 Gegenstand und Geltungsbereich", [
            ("", "Diese Vereinbarung regelt die Einführung und Nutzung der Lernplattform für Schulungen zum Thema "
                 "Social Media gemäß § 87 Abs. 1 Nr. 6 BetrVG. Sie gilt für alle Beschäftigten von {org}, die "
                 "die Lernplattform nutzen."),
        ]),
        ("§ 2 Zweck", [("", _PURPOSE)]),
        ("§ 3 Zweckbindung, Verbot der Leistungs- und Verhaltenskontrolle", [
            ("", "Die Daten dürfen nur für die in § 2 genannten Zwecke verwendet werden. Eine Leistungs- oder "
                 "Verhaltenskontrolle einzelner Beschäftigter außerhalb der in § 6 vereinbarten Auswertungen ist "
                 "unzulässig. Erkenntnisse aus der Lernplattform dürfen nicht für arbeitsrechtliche Maßnahmen "
                 "verwendet werden; ausgenommen ist der Nachweis gesetzlich oder vertraglich vorgeschriebener "
                 "Schulungen."),
        ]),
        ("§ 4 Erhobene Daten", [
            ("", "Erhoben werden: Name, dienstliche E-Mail-Adresse, Abteilung und Rolle; Lernfortschritt; "
                 "Quiz-Versuche mit Antworten und Ergebnissen; Lernereignisse (xAPI-Statements); Zertifikate; "
                 "Bestätigungen von Richtlinien. In Lernereignissen wird die Person durch {actor} bezeichnet."),
        ]),
        ("§ 5 Zugriffsrechte", [
            ("", "Lernende sehen ausschließlich ihre eigenen Daten. Trainer:innen erhalten Auswertungen "
                 "{level}. Administrator:innen verwalten Konten und Einstellungen; sie sehen Auswertungen in "
                 "demselben Umfang wie Trainer:innen."),
        ]),
        ("§ 6 Auswertungen", [
            ("", "{level_clause}"),
        ]),
        ("§ 7 Speicherdauer und Löschung", [
            ("", "Lernereignisse und einzelne Antworten werden nach {months} Monaten gelöscht; Ergebnisse bleiben "
                 "danach nur zusammengefasst erhalten. Zertifikate werden nach {cert_months} Monaten, "
                 "Bestätigungen von Richtlinien nach {ack_months} Monaten gelöscht. Die Löschung erfolgt durch "
                 "einen automatischen Lauf, der jede Ausführung protokolliert (Art. 5 Abs. 1 lit. e DSGVO)."),
        ]),
        ("§ 8 Rechte der Beschäftigten", [
            ("", "Jede:r Beschäftigte kann jederzeit einsehen und herunterladen, welche Daten über sie oder ihn "
                 "gespeichert sind und wer welche Teile sehen darf (Art. 15 und 20 DSGVO). Beschäftigte können "
                 "die Löschung ihrer Daten beantragen (Art. 17 DSGVO); nach Bestätigung durch die Administration "
                 "werden alle Daten gelöscht oder anonymisiert. Dabei {register}."),
        ]),
        ("§ 9 Schnittstellen und Weiterleitung", [
            ("", "Lernereignisse werden an die vom Arbeitgeber konfigurierten Learning Record Stores "
                 "{forwarding} weitergeleitet. Bei einer Löschung erhalten diese Empfänger für jedes "
                 "weitergeleitete Lernereignis eine Annullierung. Neue Schnittstellen bedürfen der Zustimmung des "
                 "Betriebsrats."),
        ]),
        ("§ 10 Kontrollrechte des Betriebsrats", [
            ("", "Der Betriebsrat kann jederzeit die Einstellungen, deren Versionsverlauf, das Protokoll der "
                 "Zugriffe und das Löschprotokoll einsehen. Er erhält die Dokumente „Verzeichnis von "
                 "Verarbeitungstätigkeiten“ und „Technische und organisatorische Maßnahmen“ in der jeweils "
                 "geltenden Fassung."),
        ]),
        ("§ 11 Änderungen", [
            ("", "Jede Änderung der Datenschutzeinstellungen erzeugt eine neue Version. Änderungen, die "
                 "Auswertungen, Zugriffsrechte, Speicherdauer oder Weiterleitung erweitern, bedürfen der "
                 "vorherigen Zustimmung des Betriebsrats. Diese Vereinbarung beruht auf Version {version}."),
        ]),
        ("§ 12 Schlussbestimmungen", [
            ("", "Diese Vereinbarung tritt mit Unterzeichnung in Kraft und kann mit einer Frist von drei Monaten "
                 "gekündigt werden; bis zum Abschluss einer neuen Vereinbarung wirkt sie nach. Rechtsgrundlagen: "
                 "§ 87 Abs. 1 Nr. 6 BetrVG, Art. 5, 15, 17, 20, 30 und 88 DSGVO, § 26 BDSG.\n\n"
                 "Ort, Datum: ____________________\n\nArbeitgeber: ____________________\n\n"
                 "Betriebsrat: ____________________"),
        ]),
    ],
}

DOCUMENTS = {"records": RECORDS, "toms": TOMS, "works-agreement": AGREEMENT}
