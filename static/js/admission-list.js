// The admission list on the device (conference/checkin/offline.py): downloaded once, then refreshed by its changes
// every few seconds while the server answers, kept in IndexedDB, so that the scanner page answers scans when the
// venue's network is down. Such a scan is queued with its nonce and the device's time, and sent when the network is
// back, through the same check-in API as any scan (a retry of a nonce records nothing new).
//
// One database per event and checkpoint («checkin|<slug>|<checkpoint>»): people by id, badges by token hash,
// check-ins here by participant, the queue of scans to send, and the list's own dates. The log-in page deletes every
// such database (forget-offline.js), and so does the page once the list has expired after the event.
(function () {
  "use strict";

  const REFRESH_SECONDS = 5;
  const SYNC_SECONDS = 3;
  const STORES = ["meta", "people", "badges", "checkins", "queue"];

  function request(idbRequest) {
    return new Promise((resolve, reject) => {
      idbRequest.onsuccess = () => resolve(idbRequest.result);
      idbRequest.onerror = () => reject(idbRequest.error);
    });
  }

  function open(name) {
    const opening = indexedDB.open(name, 1);
    opening.onupgradeneeded = () => {
      for (const store of STORES) {
        opening.result.createObjectStore(store, store === "queue" ? {autoIncrement: true} : undefined);
      }
    };
    return request(opening);
  }

  function done(transaction) {
    return new Promise((resolve, reject) => {
      transaction.oncomplete = resolve;
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
  }

  async function sha256(text) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32);
  }

  class AdmissionList {
    // options: api (the check-in API's URL), listUrl, slug, checkpoint, headers() (the CSRF header, or a paired
    // phone's token), onChange(), onConflict(answer), onGone() (the copy was deleted: no longer allowed), renewCsrf()
    constructor(options) {
      Object.assign(this, options);
      // A paired phone's lists apart from a staff member's: the log-in page deletes the latter (forget-offline.js).
      this.name = (this.device ? "device|" : "checkin|") + this.slug + "|" + this.checkpoint;
      this.meta = null; // {made_at, next, expires_at, signed_up}
      this.people = new Map(); // id → [id, name, category, organization, region ru, region en, status]
      this.badges = new Map(); // token hash → [participant id, revoked]
      this.checkins = new Map(); // participant id → {at, by}
      this.queued = 0;
      this.unreachable = false; // the last request found no network (scans are answered here until one does)
    }

    // Opens the stored copy (deleting one past its date), then keeps it fresh while the server answers.
    async start() {
      this.db = await open(this.name);
      const transaction = this.db.transaction(STORES, "readonly");
      const [meta, people, badgeKeys, badges, checkinKeys, checkins, queued] = await Promise.all([
        request(transaction.objectStore("meta").get("list")),
        request(transaction.objectStore("people").getAll()),
        request(transaction.objectStore("badges").getAllKeys()),
        request(transaction.objectStore("badges").getAll()),
        request(transaction.objectStore("checkins").getAllKeys()),
        request(transaction.objectStore("checkins").getAll()),
        request(transaction.objectStore("queue").count()),
      ]);
      if (meta && new Date(meta.expires_at) < new Date()) {
        await this.forget();
        return this.start();
      }
      this.meta = meta || null;
      for (const person of people) this.people.set(person[0], person);
      badgeKeys.forEach((key, index) => this.badges.set(key, badges[index]));
      checkinKeys.forEach((key, index) => this.checkins.set(key, checkins[index]));
      this.queued = queued;
      this.onChange();
      this.refresh();
      this.sync();
      setInterval(() => this.refresh(), REFRESH_SECONDS * 1000);
      setInterval(() => this.sync(), SYNC_SECONDS * 1000);
    }

    // Deletes the copy. `keepQueue`: the scans answered offline stay, to be sent once the server lets them in
    // again (a log-in that ended): they are admissions made, and hold no one's name.
    async forget(keepQueue) {
      if (keepQueue && this.queued) {
        const transaction = this.db.transaction(["meta", "people", "badges", "checkins"], "readwrite");
        for (const name of ["meta", "people", "badges", "checkins"]) transaction.objectStore(name).clear();
        await done(transaction);
      } else {
        if (this.db) this.db.close();
        await request(indexedDB.deleteDatabase(this.name));
        this.db = null;
      }
      this.meta = null;
      this.people.clear();
      this.badges.clear();
      this.checkins.clear();
      this.queued = 0;
    }

    // The whole list the first time, then what changed since the copy held.
    async refresh() {
      if (this.refreshing) return;
      this.refreshing = true;
      try {
        const query = new URLSearchParams({checkpoint: this.checkpoint});
        if (this.meta) {
          query.set("since", this.meta.next.since);
          query.set("after", this.meta.next.after);
        }
        const response = await fetch(this.listUrl + "?" + query, {credentials: "same-origin",
                                                                  headers: this.headers()});
        this.unreachable = false; // the server answers: scans go to it again
        const refusal = response.headers.get("Content-Type") === "application/json" && !response.ok
          ? (await response.json()).result : null;
        if (["unauthorized", "forbidden", "unknown_event"].includes(refusal)) {
          // Logged out, the device revoked, or no longer on the event's team: its copy goes (the queue stays,
          // for a log-in to send it).
          await this.forget(true);
          this.onChange();
          if (this.onGone) this.onGone(refusal);
          return;
        }
        if (!response.ok) return;
        await this.apply(await response.json());
      } catch (error) {
        this.unreachable = true; // no network: the copy held answers meanwhile
      } finally {
        this.refreshing = false;
      }
    }

    async apply(list) {
      const transaction = this.db.transaction(STORES, "readwrite");
      const stores = Object.fromEntries(STORES.map((name) => [name, transaction.objectStore(name)]));
      if (list.full) {
        for (const name of ["people", "badges", "checkins"]) stores[name].clear();
        this.people.clear();
        this.badges.clear();
        this.checkins.clear();
      }
      for (const person of list.people) {
        if (person.length === 1) { // erased: gone from the list
          this.people.delete(person[0]);
          stores.people.delete(person[0]);
        } else {
          this.people.set(person[0], person);
          stores.people.put(person, person[0]);
        }
      }
      for (const [hash, participantId, revoked] of list.badges) {
        this.badges.set(hash, [participantId, revoked]);
        stores.badges.put([participantId, revoked], hash);
      }
      for (const participantId of list.undone) {
        this.checkins.delete(participantId);
        stores.checkins.delete(participantId);
      }
      for (const [, participantId, at, by] of list.check_ins) {
        const checkIn = {at: at, by: by};
        this.checkins.set(participantId, checkIn);
        stores.checkins.put(checkIn, participantId);
      }
      this.meta = {made_at: list.made_at, next: list.next, expires_at: list.expires_at,
                   signed_up: list.signed_up || (this.meta && this.meta.signed_up) || null};
      stores.meta.put(this.meta, "list");
      await done(transaction);
      this.onChange();
    }

    get ready() {
      return this.meta !== null;
    }

    // A check-in the server just made (an online scan): known here at once, not only at the next refresh.
    async noteCheckIn(participantId, at, by) {
      const checkIn = {at: at, by: by};
      this.checkins.set(participantId, checkIn);
      const transaction = this.db.transaction("checkins", "readwrite");
      transaction.objectStore("checkins").put(checkIn, participantId);
      await done(transaction);
    }

    // The answer to a scan (the request the server did not answer: its nonce, token, method and time) from the
    // list and this device's own scans, as the server would give it; the scan is queued for the server with the
    // same nonce, so that one the server did get after all is recorded once. `words`: the page's labels.
    async answer(scan, words) {
      const scannedAt = new Date(scan.scanned_at);
      const badge = this.badges.get(await sha256(scan.token));
      const person = badge ? this.people.get(badge[0]) : undefined;
      let result = "checked_in";
      let checkIn = null;
      if (!person) result = "unknown_badge";
      else if (badge[1]) result = "revoked_badge";
      else if (words.refused[person[6]]) result = words.refused[person[6]];
      else if (this.checkins.has(person[0])) {
        result = "already_checked_in";
        checkIn = this.checkins.get(person[0]);
      }
      // The server is told what the door did: let in (and so a conflict if another scanner did too), or turned
      // away (and so no check-in made after the fact); «already here» is sent as a plain scan.
      const queued = Object.assign({}, scan);
      if (result === "checked_in") queued.admitted_offline = true;
      else if (result !== "already_checked_in") queued.refused_offline = result;
      const transaction = this.db.transaction(["queue", "checkins"], "readwrite");
      transaction.objectStore("queue").add(queued);
      if (result === "checked_in") {
        const mine = {at: scannedAt.toISOString(), by: words.thisDevice};
        this.checkins.set(person[0], mine);
        transaction.objectStore("checkins").put(mine, person[0]);
      }
      // Written while the answer is shown: the door does not wait for the disk (IndexedDB commits in tens of
      // milliseconds on a slow phone); the page counts the scan queued once it is.
      done(transaction).then(() => {
        this.queued += 1;
        this.onChange();
      });
      const shown = {result: result, offline: true, colour: words.colours[result] || "red",
                     message: words.messages[result], participant: null};
      if (person) {
        shown.participant = {id: person[0], name: person[1], category_label: words.categories[person[2]],
                             organization: person[3], place: words.language === "en" ? person[5] || person[4] : person[4],
                             status_label: words.statuses[person[6]]};
      }
      if (checkIn) {
        shown.details = [words.time(checkIn.at), checkIn.by].filter(Boolean).join(", ");
      }
      if (this.meta && this.meta.signed_up && person && result === "checked_in" &&
          !this.meta.signed_up.includes(person[0])) {
        shown.note = words.notSignedUp;
      }
      return shown;
    }

    // Sends the scans answered offline, oldest first, each with its own nonce; stops at the first that finds no
    // network. Double admissions the server found are handed to onConflict.
    async sync() {
      if (this.syncing || !this.queued) return;
      this.syncing = true;
      try {
        for (;;) {
          const transaction = this.db.transaction("queue", "readonly");
          const cursor = await request(transaction.objectStore("queue").openCursor());
          if (!cursor) break;
          const response = await fetch(this.api, {
            method: "POST", credentials: "same-origin",
            headers: Object.assign({"Content-Type": "application/json"}, this.headers()),
            body: JSON.stringify(cursor.value)});
          if (response.status === 503) break; // busy: the same scan again at the next turn
          const reply = await response.json();
          if (reply.result === "csrf_failed") { // the page was opened long ago (and reloaded offline)
            await this.renewCsrf();
            break;
          }
          // A scan's answer (it has a colour) is recorded: the scan leaves the queue. So does one the server can
          // never take (malformed, a nonce reused). Anything else (logged out, a server error, a scan undone at that
          // moment) waits for the next turn, with the same nonce.
          if (!reply.colour && !["invalid_request", "nonce_reused", "unknown_checkpoint"].includes(reply.result)) break;
          const removal = this.db.transaction("queue", "readwrite");
          removal.objectStore("queue").delete(cursor.key);
          await done(removal);
          this.queued -= 1;
          if (reply.result === "offline_conflict" && this.onConflict) this.onConflict(reply);
          this.onChange();
        }
      } catch (error) {
        // No network yet.
      } finally {
        this.syncing = false;
      }
    }
  }

  window.AdmissionList = AdmissionList;
})();
