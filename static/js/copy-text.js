// «Copy»: puts a text field's text on the clipboard. Without this script the button stays hidden, and the text
// is copied from the field as any text is.
(function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.querySelector("[data-copy-status]");
    if (!field) return;
    button.hidden = false;
    function say(message) { if (status) status.textContent = message; }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { say(button.dataset.copied); },
          function () { field.select(); say(button.dataset.notCopied); });
      } else {  // plain http on a local network: the old way
        field.select();
        say(document.execCommand("copy") ? button.dataset.copied : button.dataset.notCopied);
      }
    });
  });
})();
