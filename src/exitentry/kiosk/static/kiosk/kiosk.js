// Kiosk mode: end the visit after the device's idle timeout (server wipes the session) and tell
// the server the kiosk is alive. Nothing is written to localStorage, sessionStorage or cookies.
(function () {
  "use strict";
  // htmx notes the current path in sessionStorage when it loads; a kiosk keeps nothing there.
  var forget = function () {
    try { window.sessionStorage.clear(); window.localStorage.clear(); } catch (error) { /* storage disabled */ }
  };
  forget();
  window.addEventListener("pagehide", forget);
  var body = document.getElementById("kiosk-config");
  if (!body) { return; }
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var endForm = document.getElementById("kiosk-idle-end");
  if (idleSeconds > 0 && endForm) {
    var timer = null;
    var reset = function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () {
        // Waiting for a payment or the printer is not idleness: look again later.
        if (document.querySelector("[data-kiosk-busy]")) { reset(); return; }
        // Clear what this page shows before leaving, then let the server forget the visit.
        document.querySelectorAll("input, select, textarea").forEach(function (field) {
          if (field.type !== "hidden") { field.value = ""; }
        });
        endForm.submit();
      }, idleSeconds * 1000);
    };
    ["pointerdown", "keydown", "touchstart", "input"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    reset();
  }
  var pingUrl = body.getAttribute("data-ping-url");
  var csrf = body.getAttribute("data-csrf");
  if (pingUrl && csrf) {
    var ping = function () {
      fetch(pingUrl, { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin", cache: "no-store" })
        .catch(function () { /* the server will mark the device offline */ });
    };
    ping();
    window.setInterval(ping, 60000);
  }
})();
