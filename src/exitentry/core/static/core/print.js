// Buttons marked data-print open the print dialog (no inline handlers: the CSP forbids them).
document.addEventListener("click", function (event) {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
