// Guideline builder: autosave the current step every ~10 s and when a field loses focus.
// Progressive enhancement only: the form's own "Speichern" button works without this script.
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave");
  var status = form.querySelector("[data-autosave-status]");
  var dirty = false;
  var busy = false;
  var again = false;

  function show(text, failed) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("gl-autosave-failed", !!failed);
  }

  function save() {
    if (!dirty) { return; }
    if (busy) { again = true; return; }
    busy = true;
    dirty = false;
    // FormData carries the hidden csrf_token and step fields; no submit button, so no "action".
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) { show(result.data.message || ""); } else { dirty = true; show(form.getAttribute("data-failed") || "!", true); }
    }).catch(function () {
      dirty = true;
      show(form.getAttribute("data-failed") || "!", true);
    }).then(function () {
      busy = false;
      if (again) { again = false; save(); }
    });
  }

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("focusout", function (event) {
    var tag = event.target && event.target.tagName;
    if (tag === "TEXTAREA" || tag === "INPUT") { save(); }
  });
  var timer = window.setInterval(save, 10000);
  form.addEventListener("submit", function () { window.clearInterval(timer); dirty = false; });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(); }
  });
})();
