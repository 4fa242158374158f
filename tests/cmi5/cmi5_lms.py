"""The cmi5 LMS role for the tests, on 127.0.0.1: it registers a learner, writes LMS.LaunchData into an LRS (this
product's own built-in LRS), sends "launched", serves a single-use fetch URL, and builds the AU launch URL."""
from __future__ import annotations

import base64
import json
import threading
import uuid
from urllib.parse import urlencode

import httpx
from flask import Flask, jsonify
from werkzeug.serving import make_server

CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
MASTERY_EXT = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
LAUNCHMODE_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
XAPI = {"X-Experience-API-Version": "1.0.3"}


class Cmi5LmsRole:
    """One learner's registration in one course, launched like a cmi5 LMS would."""

    def __init__(self, lrs_endpoint: str, key: str, secret: str):
        self.endpoint = lrs_endpoint if lrs_endpoint.endswith("/") else lrs_endpoint + "/"
        self.auth = (key, secret)
        self.token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.actor = {"objectType": "Agent", "name": "Ulla Extern",
                      "account": {"homePage": "http://lms-role.example", "name": "u-1001"}}
        self.registration = str(uuid.uuid4())
        self.fetches: dict[str, int] = {}
        self.server = None
        self.port = 0

    def start(self) -> "Cmi5LmsRole":
        """Serve the fetch URL on 127.0.0.1."""
        app = Flask("cmi5_lms_role")

        @app.post("/fetch/<launch_id>")
        def fetch(launch_id: str):
            # cmi5 8.2.3: the auth token is handed out once; later calls get an error.
            self.fetches[launch_id] = self.fetches.get(launch_id, 0) + 1
            if self.fetches[launch_id] > 1:
                return jsonify({"error-code": "1", "error-text": "already fetched"})
            return jsonify({"auth-token": self.token})

        @app.get("/return")
        def back():
            return "<!doctype html><h1 id='lms-home'>Zurück im LMS</h1>"

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def launch(self, au_url: str, au_id: str, mastery: float | None, mode: str = "Normal",
               return_url: str = "http://lms-role.example/return") -> dict:
        """Write LMS.LaunchData, send "launched" and return the launch URL and the session's facts."""
        session_id = str(uuid.uuid4())
        activity_id = au_id  # this LMS uses the AU's id as its activity id
        template = {"contextActivities": {"grouping": [{"id": au_id}]}, "extensions": {SESSION_EXT: session_id}}
        data = {"contextTemplate": template, "launchMode": mode, "launchMethod": "OwnWindow", "moveOn": "Passed",
                "returnURL": return_url}
        if mastery is not None:
            data["masteryScore"] = mastery
        state = {"stateId": "LMS.LaunchData", "activityId": activity_id, "agent": json.dumps(self.actor),
                 "registration": self.registration}
        answer = httpx.put(self.endpoint + "activities/state", params=state, json=data, auth=self.auth, headers=XAPI)
        assert answer.status_code == 204, answer.text
        extensions = {SESSION_EXT: session_id, LAUNCHMODE_EXT: mode, "https://w3id.org/xapi/cmi5/context/"
                      "extensions/moveon": "Passed", "https://w3id.org/xapi/cmi5/context/extensions/launchurl": au_url}
        if mastery is not None:
            extensions[MASTERY_EXT] = mastery
        launched = {"actor": self.actor, "verb": {"id": "http://adlnet.gov/expapi/verbs/launched"},
                    "object": {"id": activity_id},
                    "context": {"registration": self.registration, "extensions": extensions,
                                "contextActivities": {"grouping": [{"id": au_id}],
                                                      "category": [{"id": CMI5_CATEGORY}]}}}
        answer = httpx.post(self.endpoint + "statements", json=launched, auth=self.auth, headers=XAPI)
        assert answer.status_code == 200, answer.text
        query = {"endpoint": self.endpoint, "fetch": f"http://127.0.0.1:{self.port}/fetch/{session_id}",
                 "actor": json.dumps(self.actor), "registration": self.registration, "activityId": activity_id}
        return {"url": au_url + "&" + urlencode(query), "session_id": session_id, "activity_id": activity_id}

    def statements(self) -> list[dict]:
        """This registration's statements in the LRS, oldest first."""
        answer = httpx.get(self.endpoint + "statements", params={"registration": self.registration,
                                                                 "ascending": "true", "limit": 100},
                           auth=self.auth, headers=XAPI)
        assert answer.status_code == 200, answer.text
        return answer.json()["statements"]
