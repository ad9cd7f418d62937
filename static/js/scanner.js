// The scanner page: every way of scanning (USB/Bluetooth scanner typing into the input, the phone camera, a
// button next to a name found by hand) posts the same request to the check-in API and shows its answer full
// screen, in green, amber or red, with a sound.
(function () {
  "use strict";
  const root = document.getElementById("scanner");
  if (!root) return;
  const api = root.dataset.api;
  const checkpoint = root.dataset.checkpoint;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  let csrf = csrfMeta ? csrfMeta.content : "";
  const words = JSON.parse(document.getElementById("scanner-words").textContent);
  // A paired phone (device_scanner.html) calls the API with the token it keeps; the staff's page with its session.
  let list = null; // the admission list, for scans while the network is down
  const deviceKey = "checkin-device|" + root.dataset.slug;
  const device = root.dataset.auth === "device" ? JSON.parse(localStorage.getItem(deviceKey) || "null") : null;
  function authorization() {
    return device ? {"Authorization": "Bearer " + device.token} : {"X-CSRFToken": csrf};
  }
  if (root.dataset.auth === "device" && !device) {
    stop(root.dataset.unpaired);
    return;
  }

  // The phone's access ended (revoked, or the event gone): what it kept goes, and it scans no more.
  async function stop(message) {
    const state = document.getElementById("device-state");
    state.textContent = message;
    state.hidden = false;
    document.getElementById("scan-input").disabled = true;
    localStorage.removeItem(deviceKey);
    if (list) await list.forget(false); // a revoked phone's scans, queued too, do not count
    if (window.indexedDB && indexedDB.databases) { // lists of its other checkpoints too
      for (const database of await indexedDB.databases()) {
        if (database.name.startsWith("device|" + root.dataset.slug + "|")) indexedDB.deleteDatabase(database.name);
      }
    }
  }
  const input = document.getElementById("scan-input");
  const panel = document.getElementById("answer");
  const undoButton = document.getElementById("answer-undo");
  const networkError = document.getElementById("network-error");
  let shownCheckIn = null;
  let shownAnswer = null;
  let shownLine = null; // the answer's line in the latest scans
  let paused = false; // the camera waits while an answer is on screen
  let hideTimer = null;
  input.focus(); // a scanner types into whatever has the focus: make sure it is the input

  function nonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // ---- the admission list, for scans while the network is down (admission-list.js) ----
  const freshness = document.getElementById("list-freshness");
  const conflicts = document.getElementById("offline-conflicts");
  words.nonce = nonce;
  words.time = (iso) => clockTime(root, new Date(iso), false);
  if (window.AdmissionList && window.indexedDB && window.crypto && crypto.subtle) {
    list = new AdmissionList({
      api: api, listUrl: root.dataset.list, slug: root.dataset.slug, checkpoint: checkpoint, device: !!device,
      headers: authorization,
      onGone: (refusal) => { if (device && refusal === "unauthorized") stop(root.dataset.revoked); },
      renewCsrf: async () => {
        const page = await fetch(location.href, {credentials: "same-origin"});
        const fresh = new DOMParser().parseFromString(await page.text(), "text/html")
          .querySelector('meta[name="csrf-token"]');
        if (fresh) csrf = fresh.content;
      },
      onChange: showFreshness,
      onConflict: (reply) => {
        const item = document.createElement("li");
        item.textContent = [reply.participant ? reply.participant.name : "", reply.message, reply.details]
          .filter(Boolean).join(" · ");
        conflicts.querySelector("ul").append(item);
        conflicts.hidden = false;
        beep("amber");
      },
    });
    list.start().catch(() => { list = null; showFreshness(); });
    setInterval(showFreshness, 1000);
    if (navigator.serviceWorker && root.dataset.worker) {
      navigator.serviceWorker.addEventListener("message", (event) => {
        if (event.data && event.data.kept) root.dataset.offlineReady = "yes"; // it opens without network now
      });
      navigator.serviceWorker.register(root.dataset.worker, {scope: root.dataset.scope}).then(async () => {
        // What this page needs to open without network: itself, its scripts, styles and the camera's decoder.
        const registration = await navigator.serviceWorker.ready;
        const needed = [location.href, ...Array.from(document.querySelectorAll("script[src], link[rel=stylesheet], " +
          "link[rel=icon], link[rel=manifest]"), (element) => element.src || element.href)];
        if (root.dataset.cameraWasm) needed.push(new URL(root.dataset.cameraWasm, location.href).href);
        registration.active.postMessage({keep: needed});
      }).catch(() => { /* no service worker here (plain HTTP): the list still answers until a reload */ });
    }
  }

  function showFreshness() {
    if (!freshness) return;
    if (!list || !list.ready) {
      freshness.textContent = list ? words.listLoading : words.listUnavailable;
      return;
    }
    const made = new Date(list.meta.made_at);
    const seconds = Math.max(0, Math.round((Date.now() - made.getTime()) / 1000));
    let text = words.listFrom.replace("%(time)s", clockTime(root, made, true))
      .replace("%(ago)s", seconds < 60 ? words.seconds.replace("%(num)s", seconds)
        : words.minutes.replace("%(num)s", Math.floor(seconds / 60)));
    if (list.queued) text += " · " + words.queued.replace("%(num)s", list.queued);
    freshness.textContent = text;
    freshness.className = "list-freshness" + (seconds > 30 ? " stale" : "");
  }

  // A scan goes to the server, which answers within a second; without an answer by then (no network, or a
  // server out of reach) the admission list on the device answers, and the scan waits in its queue.
  async function send(body, method) {
    const request = Object.assign({checkpoint: checkpoint, nonce: nonce(), method: method,
                                   scanned_at: new Date().toISOString()}, body);
    paused = true;
    const offline = list && list.ready && request.token !== undefined;
    // Known to be without network (the browser says so, or the server went unanswered a moment ago): the list
    // answers at once, rather than after a request that fails (25 ms on a slow phone) or a second's wait.
    if (offline && (!navigator.onLine || list.unreachable)) {
      show(await list.answer(request, words));
      return;
    }
    // A lost answer is retried with the same nonce: the server answers it once and records it once. So is a
    // «busy» (503: the database could not take the scan in time, nothing was saved), after the Retry-After it asks.
    for (let attempt = 0, busy = 0; attempt < 3 && busy < 6;) {
      try {
        const response = await fetch(api, {
          method: "POST", credentials: "same-origin",
          headers: Object.assign({"Content-Type": "application/json"}, authorization()),
          body: JSON.stringify(request),
          signal: offline ? AbortSignal.timeout(1000) : undefined,
        });
        if (response.status === 401 && device) {
          await stop(root.dataset.revoked);
          return;
        }
        if (response.status === 503) {
          busy++;
          networkError.textContent = networkError.dataset.busy;
          networkError.className = "flash flash-warning";
          networkError.hidden = false;
          const seconds = Math.min(Number(response.headers.get("Retry-After")) || 2, 5);
          await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
          continue;
        }
        const answer = await response.json();
        networkError.hidden = true;
        if (list && list.ready && answer.result === "checked_in" && answer.participant) {
          list.noteCheckIn(answer.participant.id, answer.check_in.at, words.thisDevice);
        }
        show(answer);
        return;
      } catch (error) {
        if (offline) {
          networkError.hidden = true;
          list.unreachable = true; // until the next refresh reaches the server
          show(await list.answer(request, words));
          return;
        }
        attempt++;
        await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
      }
    }
    networkError.textContent = networkError.dataset.text;
    networkError.hidden = false;
    networkError.className = "flash flash-error";
    paused = false;
  }

  function text(id, value) {
    document.getElementById(id).textContent = value || "";
  }

  function show(answer) {
    const colour = answer.colour || "red";
    const person = answer.participant;
    panel.className = "answer answer-" + colour;
    panel.dataset.result = answer.result;
    panel.dataset.offline = answer.offline ? "yes" : "no";
    text("answer-message", answer.offline ? answer.message + " · " + words.offline : answer.message);
    text("answer-first", answer.details);
    text("answer-name", person ? person.name : "");
    text("answer-details", person ? [person.category_label, person.organization, person.place]
      .filter(Boolean).join(" · ") : "");
    text("answer-note", answer.note || (person && colour === "red" ? person.status_label : ""));
    shownAnswer = answer;
    shownCheckIn = answer.result === "checked_in" && answer.check_in ? answer.check_in.id : null;
    undoButton.hidden = shownCheckIn === null;
    panel.hidden = false;
    beep(colour);
    shownLine = remember(answer);
    clearTimeout(hideTimer);
    hideTimer = setTimeout(next, colour === "green" ? 4000 : 8000);
  }

  function next() {
    clearTimeout(hideTimer);
    panel.hidden = true;
    paused = false;
    input.value = "";
    input.focus();
  }

  function remember(answer) {
    const item = document.createElement("li");
    item.className = "recent-" + (answer.colour || "red");
    const when = clockTime(root);
    const person = answer.participant;
    item.textContent = [when, answer.message, person ? person.name : "", answer.offline ? words.offline : ""]
      .filter(Boolean).join(" · ");
    const list = document.getElementById("recent");
    list.prepend(item);
    while (list.children.length > 10) list.lastElementChild.remove();
    return item;
  }

  // One short high tone for green, two for amber, a long low one for red.
  let audio = null;
  function beep(colour) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tones = {green: [[880, 0, 0.15]], amber: [[660, 0, 0.12], [660, 0.2, 0.12]], red: [[220, 0, 0.6]]};
      for (const [frequency, start, length] of tones[colour] || tones.red) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.frequency.value = frequency;
        gain.gain.value = 0.2;
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + start);
        oscillator.stop(audio.currentTime + start + length);
      }
    } catch (error) { /* no sound on this device: the colours still speak */ }
  }

  // A USB or Bluetooth scanner types the code and presses Enter.
  document.getElementById("scan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = input.value.trim();
    input.value = "";
    if (token) send({token: token}, "scanner");
  });

  document.getElementById("answer-next").addEventListener("click", next);
  document.addEventListener("keydown", (event) => {
    // The next scan starts with a keystroke into the page: put it into the input even while an answer shows.
    if (!panel.hidden && event.key !== "Tab" && event.target !== undoButton) {
      next();
    }
  }, true);

  undoButton.addEventListener("click", async () => {
    if (shownCheckIn === null) return;
    clearTimeout(hideTimer); // the answer stays until the person has read what happened to the undo
    // Taken before waiting: a scan during the wait shows another answer, which this undo must leave alone.
    const undone = {answer: shownAnswer, line: shownLine, checkIn: shownCheckIn};
    undoButton.hidden = true;
    let message = networkError.dataset.text;
    let done = false;
    try {
      const response = await fetch(api + "/" + undone.checkIn, {
        method: "DELETE", credentials: "same-origin", headers: authorization()});
      message = (await response.json()).message;
      done = response.ok;
    } catch (error) { /* no answer: say so below */ }
    if (done) {
      // Its line in the latest scans says so (as after a reload), and the person's button works again.
      undone.line.className = "recent-amber";
      undone.line.textContent += " · " + document.getElementById("recent").dataset.undone;
      const person = undone.answer.participant;
      const button = person && document.querySelector('.manual-check-in[data-participant-id="' + person.id + '"]');
      if (button) button.disabled = false;
    }
    if (shownAnswer !== undone.answer) return; // another scan's answer is on screen now
    panel.className = "answer answer-" + (done ? "amber" : "red");
    text("answer-message", message);
    text("answer-first", "");
    shownCheckIn = null;
    hideTimer = setTimeout(next, 8000);
  });

  for (const button of document.querySelectorAll(".manual-check-in")) {
    button.addEventListener("click", async () => {
      button.disabled = true; // one click, one check-in: the answer tells whether it worked
      await send({participant_id: Number(button.dataset.participantId)}, "manual");
    });
  }

  const picker = document.querySelector("[data-autosubmit]");
  if (picker) picker.addEventListener("change", () => picker.form.submit());
  if (device) {
    // The phone's name, and its event's checkpoints (from the API: the page itself is the same for everyone).
    document.getElementById("device-name").textContent = device.name;
    const select = document.getElementById("checkpoint");
    fetch(root.dataset.checkpoints, {headers: authorization()}).then((response) => response.json()).then((data) => {
      select.replaceChildren(...data.checkpoints.map((point) => new Option(point.label, point.key, false,
                                                                           point.key === checkpoint)));
    }).catch(() => { /* offline: the checkpoint it has stays */ });
    select.addEventListener("change", () => { location.search = "?checkpoint=" + encodeURIComponent(select.value); });
  }

  // The camera: frames are decoded in the browser by zxing-wasm, installed from npm into static/vendor.
  const library = root.dataset.cameraLibrary;
  if (!library || !window.ZXingWASM) return;
  const video = document.getElementById("camera-video");
  const startButton = document.getElementById("camera-start");
  const stopButton = document.getElementById("camera-stop");
  const cameraError = document.getElementById("camera-error");
  const canvas = document.createElement("canvas");
  let stream = null;
  ZXingWASM.prepareZXingModule({overrides: {locateFile: () => root.dataset.cameraWasm}, fireImmediately: false});

  async function decodeLoop() {
    while (stream) {
      if (!paused && video.readyState >= 2 && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const context = canvas.getContext("2d", {willReadFrequently: true});
        context.drawImage(video, 0, 0);
        const frame = context.getImageData(0, 0, canvas.width, canvas.height);
        try {
          const found = await ZXingWASM.readBarcodes(frame, {formats: ["QRCode"], maxNumberOfSymbols: 1});
          if (found.length && found[0].text && !paused) send({token: found[0].text}, "camera");
        } catch (error) { /* an unreadable frame: try the next one */ }
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
  }

  startButton.addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
    } catch (error) {
      cameraError.textContent = cameraError.dataset.denied;
      cameraError.hidden = false;
      return;
    }
    cameraError.hidden = true;
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    startButton.hidden = true;
    stopButton.hidden = false;
    // A phone filming badges keeps its keyboard down, while a USB scanner beside it still types into the input.
    input.inputMode = "none";
    input.blur();
    input.focus();
    for (const track of stream.getTracks()) track.addEventListener("ended", stopCamera); // locked screen, say
    decodeLoop();
  });

  function stopCamera() {
    if (!stream) return;
    for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.hidden = true;
    startButton.hidden = false;
    stopButton.hidden = true;
    input.inputMode = "numeric";
    input.focus();
  }

  stopButton.addEventListener("click", stopCamera);
})();
