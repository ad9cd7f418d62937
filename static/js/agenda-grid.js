// The day grid: a session dragged to another time or room is posted to its «move» address, which saves it as its
// form would (the same clash rules; the page asking whether to tell those signed up). Its top lands where the
// grabbed point is dropped, less the rows between its top and that point; it keeps its length. Keyboards and
// phones use the session's form.
(function () {
  var form = document.getElementById("move-form");
  var table = document.querySelector(".day-grid");
  if (!form || !table) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var dragged = null, grabbedRow = 0, target = null;

  function rowAt(y) {  // the row under the pointer (a session's cell spans several)
    for (var i = 0; i < rows.length; i++) {
      var box = rows[i].getBoundingClientRect();
      if (y >= box.top && y < box.bottom) return i;
    }
    return y < rows[0].getBoundingClientRect().top ? 0 : rows.length - 1;
  }
  function mark(cell) {
    if (target === cell) return;
    if (target) target.classList.remove("drop-target");
    target = cell;
    if (target) target.classList.add("drop-target");
  }

  table.querySelectorAll("td[data-session]").forEach(function (cell) {
    cell.draggable = true;
    cell.addEventListener("dragstart", function (event) {
      dragged = cell;
      grabbedRow = rowAt(event.clientY) - rows.indexOf(cell.parentElement);
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", cell.dataset.session);
      cell.classList.add("dragging");
    });
    cell.addEventListener("dragend", function () {
      cell.classList.remove("dragging");
      dragged = null;
      mark(null);
    });
  });
  table.querySelectorAll("td[data-room]").forEach(function (cell) {
    cell.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      mark(cell);
    });
    cell.addEventListener("drop", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var top = Math.max(0, rowAt(event.clientY) - grabbedRow);
      var time = rows[top].dataset.time;
      var from = rows.indexOf(dragged.parentElement);
      if (cell.dataset.room === dragged.dataset.room && top === from) { mark(null); return; }  // put back
      form.action = dragged.dataset.moveUrl;
      form.elements.room_id.value = cell.dataset.room;
      form.elements.start_time.value = time;
      form.submit();
    });
  });
})();
