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
    chart(data.buckets);
    document.getElementById("arrivals-updated").textContent =
      root.dataset.updated + " " + clockTime(root);
  }

  function chart(buckets) {
    const svg = document.getElementById("arrivals-chart");
    svg.replaceChildren();
    if (!buckets.length) {
      const note = document.createElementNS(svgNS, "text");
      note.setAttribute("x", 20); note.setAttribute("y", 110);
      note.textContent = root.dataset.empty;
      svg.append(note);
      return;
    }
    const highest = Math.max(...buckets.map((bucket) => bucket.count));
    const width = Math.min(860 / buckets.length, 48);
    buckets.forEach((bucket, index) => {
      const height = Math.max(1, 170 * bucket.count / highest);
      const x = 30 + index * width;
      const bar = document.createElementNS(svgNS, "rect");
      bar.setAttribute("x", x + 1); bar.setAttribute("y", 190 - height);
      bar.setAttribute("width", Math.max(1, width - 2)); bar.setAttribute("height", height);
      const title = document.createElementNS(svgNS, "title");
      title.textContent = bucket.day + " " + bucket.start + ": " + bucket.count;
      bar.append(title);
      svg.append(bar);
      const count = document.createElementNS(svgNS, "text");
      count.setAttribute("x", x + width / 2); count.setAttribute("y", 185 - height);
      count.setAttribute("text-anchor", "middle");
      count.textContent = bucket.count;
      svg.append(count);
      if (buckets.length <= 16 || index % Math.ceil(buckets.length / 16) === 0) {
        const label = document.createElementNS(svgNS, "text");
        label.setAttribute("x", x + width / 2); label.setAttribute("y", 206);
        label.setAttribute("text-anchor", "middle");
        label.textContent = bucket.start;
        svg.append(label);
      }
    });
  }

  draw(JSON.parse(document.getElementById("arrivals-data").textContent));
  setInterval(async () => {
    try {
      const response = await fetch(root.dataset.source, {credentials: "same-origin", cache: "no-store"});
      if (response.ok) draw(await response.json());
    } catch (error) { /* offline for a moment: the next round tries again */ }
  }, 5000);
})();
