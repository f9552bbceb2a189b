// "Print / save as PDF" on a postmortem page: the print stylesheet makes the PDF clean.
// The button stays hidden without JavaScript, where it could not work.
(function () {
  var button = document.querySelector("[data-print]");
  if (!button) { return; }
  button.parentNode.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
