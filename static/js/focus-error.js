// After a submit the server refused, the keyboard and a screen reader start at the first field in error (its label
// and its message are read out), rather than at the top of the page.
(function () {
  var field = document.querySelector(".field.has-errors");
  var control = field && field.querySelector("input:not([type=hidden]), select, textarea");
  if (control) { control.focus(); }
})();
