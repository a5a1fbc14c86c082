/* Queueing pages: a print button on the ticket, and polling that leaves unchanged parts alone. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
  // A polled region is swapped only when its content changed, so that screen readers announce
  // a new call once rather than every few seconds.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.hasAttribute("data-swap-if-changed")) { return; }
    var incoming = event.detail.xhr.responseText;
    if (incoming === target.lastPolledHtml) {
      event.detail.shouldSwap = false;
    } else {
      target.lastPolledHtml = incoming;
    }
  });
})();
