// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  function post(url, fields, useBeacon) {
    var data = new FormData();
    Object.keys(fields).forEach(function (k) { data.append(k, fields[k]); });
    if (useBeacon && navigator.sendBeacon) { navigator.sendBeacon(url, data); return; }
    fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: true }).catch(function () {});
  }

  // Lesson reading: record the visit on load and the reading time when the page is left or hidden.
  var lesson = document.querySelector("[data-beacon]");
  if (lesson) {
    var url = lesson.getAttribute("data-beacon");
    var token = lesson.getAttribute("data-csrf");
    var visibleSince = Date.now();
    var sentSeconds = 0;
    post(url, { csrf_token: token, event: "open" }, false);
    var flush = function () {
      var seconds = Math.round((Date.now() - visibleSince) / 1000);
      if (seconds > 0) { post(url, { csrf_token: token, event: "time", seconds: seconds }, true); sentSeconds += seconds; }
      visibleSince = Date.now();
    };
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { flush(); } else { visibleSince = Date.now(); }
    });
    window.addEventListener("pagehide", flush);
  }

  // Forms that should not be submitted twice by a double click.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    var sent = false;
    form.addEventListener("submit", function (ev) {
      if (sent) { ev.preventDefault(); return; }
      sent = true;
      // Disabled after the browser has built the form data: disabling inside the handler would drop the
      // clicked button's name/value (e.g. a scenario decision) from the request.
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
    // Back-button restores from the page cache would otherwise leave the form dead.
    window.addEventListener("pageshow", function (ev) {
      if (!ev.persisted) { return; }
      sent = false;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });

  // Confirmation for destructive buttons (data-confirm="text").
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
})();
