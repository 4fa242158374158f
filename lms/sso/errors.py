"""SSO failures with a plain message for the person signing in; the code goes to the log."""
from __future__ import annotations

from ..i18n import _l

MESSAGES = {
    "unknown_domain": _l("Für diese E-Mail-Domain ist keine Anmeldung über einen Identitätsanbieter eingerichtet."),
    "provider_disabled": _l("Die Anmeldung über diesen Identitätsanbieter ist abgeschaltet."),
    "state": _l("Die Anmeldung ist abgelaufen oder wurde in einem anderen Fenster gestartet. Bitte erneut versuchen."),
    "signature": _l("Die Antwort des Identitätsanbieters ist nicht gültig signiert."),
    "audience": _l("Die Anmeldebestätigung ist für eine andere Anwendung ausgestellt (falsche Zielgruppe)."),
    "expired": _l("Die Anmeldebestätigung ist abgelaufen. Bitte erneut anmelden."),
    "issuer": _l("Die Anmeldebestätigung stammt nicht vom eingerichteten Identitätsanbieter."),
    "nonce": _l("Die Anmeldebestätigung gehört nicht zu dieser Anmeldung."),
    "replay": _l("Diese Anmeldebestätigung wurde bereits verwendet."),
    "deactivated": _l("Ihr Konto ist deaktiviert. Bitte wenden Sie sich an Ihre Administration."),
    "not_provisioned": _l("Für Sie ist noch kein Konto angelegt. Bitte wenden Sie sich an Ihre Administration."),
    "domain_mismatch": _l("Ihre E-Mail-Adresse gehört nicht zu den Domains dieser Organisation."),
    "no_email": _l("Der Identitätsanbieter hat keine E-Mail-Adresse übermittelt."),
    "denied": _l("Die Anmeldung wurde beim Identitätsanbieter abgebrochen oder abgelehnt."),
    "provider_error": _l("Der Identitätsanbieter ist nicht erreichbar oder hat einen Fehler gemeldet."),
    "domain_taken": _l("Eine dieser Domains ist bereits einer anderen Organisation zugeordnet."),
    "password_login_off": _l("Ihre Organisation meldet Sie über ihren Identitätsanbieter an. Bitte nutzen Sie „Mit Firmenkonto anmelden“."),
}


class SsoError(Exception):
    """A refused sign-in; ``code`` names the reason (see MESSAGES), ``detail`` is for the log only."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def message(self):
        """The plain-language message in the user's language."""
        return MESSAGES.get(self.code, MESSAGES["provider_error"])
