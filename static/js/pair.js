// The page the organizer's QR code opens on a phone: the pairing code (in the address's fragment, which never reaches
// the server's logs) is exchanged for the device's token, kept on the phone (localStorage), and the phone goes on to
// its scanner page. The code works once.
(async function () {
  "use strict";
  const status = document.getElementById("pairing");
  const code = location.hash.slice(1);
  history.replaceState(null, "", location.pathname); // the code leaves the address bar and the history
  if (!code) {
    status.textContent = status.dataset.missing;
    return;
  }
  try {
    const response = await fetch(status.dataset.api, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({code: code})});
    const answer = await response.json();
    if (!response.ok) {
      status.textContent = answer.message;
      return;
    }
    localStorage.setItem("checkin-device|" + answer.event, JSON.stringify({token: answer.token, name: answer.device}));
    location.replace(answer.scanner);
  } catch (error) {
    status.textContent = status.dataset.failed;
  }
})();
