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

  // Header menu: open on wide screens, folded on phones; group dropdowns close on Escape or a click elsewhere.
  var menu = document.querySelector("[data-site-menu]");
  if (menu && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 900px)");
    var fit = function () { menu.open = wide.matches; };
    fit();
    if (wide.addEventListener) { wide.addEventListener("change", fit); }
  }
  var groups = document.querySelectorAll("[data-nav-group]");
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (!group.open) { return; }
      groups.forEach(function (other) { if (other !== group) { other.open = false; } });
    });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") { return; }
    groups.forEach(function (group) {
      if (group.open) { group.open = false; group.querySelector("summary").focus(); }
    });
  });
  document.addEventListener("click", function (ev) {
    if (window.matchMedia && !window.matchMedia("(min-width: 900px)").matches) { return; }
    groups.forEach(function (group) { if (group.open && !group.contains(ev.target)) { group.open = false; } });
  });

  // Tables that scroll inside their own box must be reachable by keyboard (focusable scroll region).
  var markScrollable = function () {
    document.querySelectorAll(".table, .table-wrap, .lesson-body table").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) { box.setAttribute("tabindex", "0"); }
      else if (box.getAttribute("tabindex") === "0") { box.removeAttribute("tabindex"); }
    });
  };
  markScrollable();
  window.addEventListener("resize", markScrollable);

  // Quiz pages: after a scenario decision (or its error) or the unanswered-questions check, focus what changed,
  // so keyboard and screen-reader users continue there instead of at the top of the page.
  var focusTarget = document.getElementById("unanswered");
  var hash = window.location.hash.slice(1);
  if (!focusTarget && hash.indexOf("question-") === 0) {
    var id = hash.slice("question-".length);
    focusTarget = document.getElementById("error-" + id) || document.getElementById("step-" + id);
  }
  if (focusTarget) {
    // After the load: the browser's own jump to the #fragment would otherwise take the focus back to the page.
    var focusIt = function () { window.setTimeout(function () { focusTarget.focus(); }, 0); };
    if (document.readyState === "complete") { focusIt(); } else { window.addEventListener("load", focusIt); }
  }
})();
