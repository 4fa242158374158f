"""Foreign hosts for the interop browser tests: the test LTI platform and cmi5 LMS role (from tests/lti and
tests/cmi5), and a SCORM host LMS page with a recording runtime API, all on 127.0.0.1."""
from __future__ import annotations

import io
import sys
import threading
import zipfile
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

TESTS = Path(__file__).resolve().parents[1]
for folder in ("lti", "cmi5"):
    if str(TESTS / folder) not in sys.path:
        sys.path.append(str(TESTS / folder))

from cmi5_lms import Cmi5LmsRole  # noqa: E402,F401
from platform_lti import TestPlatform  # noqa: E402,F401

# A SCORM runtime API object for the launcher: it answers like an LMS and records every call in window.calls.
SCORM_API = """
window.calls = [];
function record(name) { return function () { window.calls.push([name].concat([].slice.call(arguments))); return name.indexOf('GetValue') >= 0 ? window.values[arguments[0]] || '' : 'true'; }; }
window.values = {'cmi.core.student_id': 'emp-4711', 'cmi.core.student_name': 'Extern, Erika',
                 'cmi.learner_id': 'emp-4711', 'cmi.learner_name': 'Extern, Erika'};
var names12 = ['LMSInitialize', 'LMSGetValue', 'LMSSetValue', 'LMSCommit', 'LMSFinish', 'LMSGetLastError', 'LMSGetErrorString', 'LMSGetDiagnostic'];
var names2004 = ['Initialize', 'GetValue', 'SetValue', 'Commit', 'Terminate', 'GetLastError', 'GetErrorString', 'GetDiagnostic'];
window.API = {}; names12.forEach(function (n) { window.API[n] = record(n); });
window.API_1484_11 = {}; names2004.forEach(function (n) { window.API_1484_11[n] = record(n); });
"""


class ScormHost:
    """A host LMS page that offers the SCORM API and shows a package's launcher in an iframe."""

    def __init__(self, package: bytes, sco: str):
        self.files = {name: data for name, data in self._unzip(package)}
        self.sco = sco
        app = Flask("scorm_host")

        @app.get("/")
        def index():
            return (f"<!doctype html><html><head><script>{SCORM_API}</script></head><body><h1>Host-LMS</h1>"
                    f'<iframe id="sco" src="/pkg/launcher.html?sco={self.sco}" width="800" height="400"></iframe>'
                    "</body></html>")

        @app.get("/pkg/<name>")
        def package_file(name: str):
            if name not in self.files:
                return "", 404
            mimetype = {"html": "text/html", "js": "text/javascript"}.get(name.rsplit(".", 1)[-1], "text/xml")
            return self.files[name], 200, {"Content-Type": f"{mimetype}; charset=utf-8"}

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _unzip(package: bytes):
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            for name in archive.namelist():
                yield name, archive.read(name)

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


__all__ = ["Cmi5LmsRole", "ScormHost", "TestPlatform"]
