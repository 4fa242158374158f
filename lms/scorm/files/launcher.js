/* Launcher of the hosted course inside a SCORM package: finds the host LMS's SCORM runtime API (1.2 or 2004),
 * asks the course server for a short-lived launch token for this learner, opens the hosted module in a new
 * window, polls the server for the result and reports status, score and completion to the runtime API. */
(function () {
  "use strict";
  var cfg = window.LMS_SCORM_CONFIG;
  var params = new URLSearchParams(window.location.search);
  var sco = params.get("sco") || cfg.defaultSco;
  var api = null, v2004 = cfg.version === "2004", finished = false, pollTimer = null;

  function findApi(win) {
    var name = v2004 ? "API_1484_11" : "API";
    for (var hops = 0; win && hops < 10; hops++) {
      try { if (win[name]) { return win[name]; } } catch (e) { /* another origin: keep looking */ }
      if (win.parent && win.parent !== win) { win = win.parent; } else { break; }
    }
    try { if (window.opener) { return findApi(window.opener); } } catch (e) { /* ignore */ }
    return null;
  }

  function call(fn12, fn2004) {
    var args = Array.prototype.slice.call(arguments, 2);
    return api[v2004 ? fn2004 : fn12].apply(api, args);
  }
  function getValue(el12, el2004) { return call("LMSGetValue", "GetValue", v2004 ? el2004 : el12); }
  function setValue(el12, el2004, value) { return call("LMSSetValue", "SetValue", v2004 ? el2004 : el12, value); }
  function say(text) { document.getElementById("message").textContent = text; }

  function report(result) {
    // A poll answered after Terminate (it was under way when the final one arrived) must not call the API again:
    // SCORM forbids SetValue and Commit after Terminate/LMSFinish.
    if (finished || result.status === "not attempted") { return; }
    if (result.score !== null) {
      setValue("cmi.core.score.min", "cmi.score.min", "0");
      setValue("cmi.core.score.max", "cmi.score.max", "100");
      setValue("cmi.core.score.raw", "cmi.score.raw", String(Math.round(result.score * 100)));
      if (v2004) { setValue(null, "cmi.score.scaled", String(result.score)); }
    }
    if (v2004) {
      setValue(null, "cmi.completion_status", result.completed ? "completed" : "incomplete");
      if (result.passed !== null) { setValue(null, "cmi.success_status", result.passed ? "passed" : "failed"); }
    } else {
      var status = result.passed === true ? "passed" : result.passed === false ? "failed"
        : result.completed ? "completed" : "incomplete";
      setValue("cmi.core.lesson_status", null, status);
    }
    call("LMSCommit", "Commit", "");
    if (result.final && !finished) {
      finished = true;
      clearInterval(pollTimer);
      if (v2004) { setValue(null, "cmi.exit", "normal"); }
      call("LMSFinish", "Terminate", "");
      say("Ergebnis übertragen. Sie können dieses Fenster schließen.");
    }
  }

  function poll(statusUrl) {
    fetch(statusUrl, {credentials: "omit"}).then(function (r) { return r.json(); }).then(report)
      .catch(function () { /* the server is unreachable for now: the next poll tries again */ });
  }

  function start() {
    api = findApi(window);
    if (!api) { say("Keine SCORM-Schnittstelle der Lernplattform gefunden."); return; }
    if (String(call("LMSInitialize", "Initialize", "")) !== "true") { say("Die Lernplattform hat den Start abgelehnt."); return; }
    var body = JSON.stringify({package: cfg.packageToken, sco: sco,
      student_id: getValue("cmi.core.student_id", "cmi.learner_id"),
      student_name: getValue("cmi.core.student_name", "cmi.learner_name")});
    // text/plain keeps this a simple cross-origin request (no preflight); the server reads it as JSON.
    fetch(cfg.server + "/scorm/launch", {method: "POST", body: body, credentials: "omit",
      headers: {"Content-Type": "text/plain"}}).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (launch) {
      var button = document.getElementById("open");
      button.hidden = false;
      document.getElementById("hint").hidden = false;
      say("Bereit.");
      button.addEventListener("click", function () {
        window.open(launch.start_url, "_blank");
        button.disabled = true;
        say("Der Kurs ist in einem neuen Fenster geöffnet.");
      });
      poll(launch.status_url);
      pollTimer = setInterval(function () { poll(launch.status_url); }, cfg.pollMs || 5000);
    }).catch(function () { say("Der Kursserver ist nicht erreichbar. Bitte später erneut versuchen."); });
  }

  window.addEventListener("beforeunload", function () {
    if (api && !finished) { finished = true; call("LMSFinish", "Terminate", ""); }
  });
  start();
})();
