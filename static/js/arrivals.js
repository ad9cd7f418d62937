// Live arrivals: the figures come as JSON (first embedded in the page, then every 5 seconds from the server)
// and are drawn here, so the first paint and every update are the same code.
(function () {
  "use strict";
  const root = document.getElementById("arrivals");
  if (!root) return;
  const svgNS = "http://www.w3.org/2000/svg";

  function cell(row, value, className) {
    const td = row.insertCell();
    if (className) td.className = className;
    if (value instanceof Node) td.append(value); else td.textContent = value;
    return td;
  }

  function draw(data) {
    const body = document.getElementById("arrivals-table");
    body.replaceChildren();
    for (const point of data.checkpoints) {
      const row = body.insertRow();
      row.dataset.checkpoint = point.key;
      cell(row, [point.starts, point.label].filter(Boolean).join(" · "));
      cell(row, String(point.checked_in), "checked-in");
      cell(row, String(point.expected), "expected");
      const share = point.expected ? Math.round(100 * point.checked_in / point.expected) : 0;
      cell(row, point.expected ? share + "%" : "—");
      const bar = document.createElement("div");
      bar.className = "bar";
      const fill = document.createElement("span");
      fill.style.width = Math.min(share, 100) + "%";
      bar.append(fill);
      cell(row, bar, "bar-cell");
    }
    document.getElementById("arrivals-refused").textContent = root.dataset.refused + ": " + data.refused;
    const conflicts = document.getElementById("arrivals-conflicts");
    conflicts.hidden = !data.conflicts.length;
    conflicts.textContent = root.dataset.conflicts + ": " +
      data.conflicts.map((point) => point.label + " — " + point.count).join(", ");
    chart(data.days);
    document.getElementById("arrivals-updated").textContent =
      root.dataset.updated + " " + clockTime(root);
  }

  // A chart per day, all on the same scales (a quarter of an hour is as wide, an arrival as tall, on every day),
  // so that days compare at a glance and a second day never continues the first one's axis.
  function chart(days) {
    const place = document.getElementById("arrivals-chart");
    place.replaceChildren();
    if (!days.length) {
      const note = document.createElement("p");
      note.className = "meta";
      note.textContent = root.dataset.empty;
      place.append(note);
      return;
    }
    const highest = Math.max(1, ...days.flatMap((day) => day.slots.map((slot) => slot.count)));
    const width = Math.min(830 / Math.max(...days.map((day) => day.slots.length)), 48);
    for (const day of days) {
      const heading = document.createElement("h3");
      heading.textContent = day.date;
      const scroll = document.createElement("div");
      scroll.className = "chart-scroll";
      const svg = document.createElementNS(svgNS, "svg");
      svg.setAttribute("class", "chart");
      svg.setAttribute("viewBox", "0 0 900 220");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", day.date + ": " + root.dataset.chart);
      const axis = element("line", {x1: 35, y1: 190, x2: 35 + day.slots.length * width, y2: 190});
      svg.append(axis);
      day.slots.forEach((slot, index) => {
        const x = 35 + index * width;
        const height = slot.count ? Math.max(1, 170 * slot.count / highest) : 0;
        const bar = element("rect", {x: x + 1, y: 190 - height, width: Math.max(1, width - 2), height: height});
        const title = document.createElementNS(svgNS, "title");
        title.textContent = day.date + " " + slot.start + ": " + slot.count;
        bar.append(title);
        svg.append(bar);
        // The count over its bar when the bar is wide enough for its digits (the bar's title tells it anyway).
        if (slot.count && width >= 9 * String(slot.count).length) {
          svg.append(element("text", {x: x + width / 2, y: 185 - height, "text-anchor": "middle"}, slot.count));
        }
      });
      for (const label of day.labels) {  // at interval boundaries: whole hours, as the server chose them
        const x = 35 + label.at * width;
        svg.append(element("line", {x1: x, y1: 190, x2: x, y2: 194}));
        svg.append(element("text", {x: x, y: 208, "text-anchor": "middle", class: "hour"}, label.text));
      }
      scroll.append(svg);
      place.append(heading, scroll);
    }
  }

  function element(name, attributes, text) {
    const node = document.createElementNS(svgNS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  draw(JSON.parse(document.getElementById("arrivals-data").textContent));
  setInterval(async () => {
    try {
      const response = await fetch(root.dataset.source, {credentials: "same-origin", cache: "no-store"});
      if (response.ok) draw(await response.json());
    } catch (error) { /* offline for a moment: the next round tries again */ }
  }, 5000);
})();
