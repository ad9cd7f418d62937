// The session form, faster: speakers and moderators found by typing (Tom Select, when `make` has vendored it; the
// plain multiple select otherwise), and another external speaker's row added in place (without JavaScript the
// «add» button asks the server for one).
(function () {
  if (window.TomSelect) {
    document.querySelectorAll("select[data-picker]").forEach(function (select) {
      // An option reads «Name — Organization»: the name first, the organization below it.
      function parts(text) {
        var at = text.indexOf(" — ");
        return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 3)];
      }
      function person(data, escape, tag) {
        var both = parts(data.text);
        return "<div><" + tag + ">" + escape(both[0]) + "</" + tag + ">" +
          (both[1] ? " <span class=\"picker-organization\">" + escape(both[1]) + "</span>" : "") + "</div>";
      }
      new TomSelect(select, {
        plugins: ["remove_button"],
        maxOptions: 50,
        hidePlaceholder: true,
        closeAfterSelect: true,
        searchField: ["text"],
        render: {
          option: function (data, escape) { return person(data, escape, "strong"); },
          item: function (data, escape) { return person(data, escape, "span"); },
          no_results: function () { return "<div class=\"no-results\">" + select.dataset.noResults + "</div>"; }
        }
      });
      // The label now names the search box; the hidden select keeps its name through it too.
      var label = document.getElementById(select.id + "-ts-label");
      if (label) select.setAttribute("aria-labelledby", label.id);
    });
  }

  var rows = document.getElementById("external-speakers");
  var add = document.getElementById("add-external");
  if (!rows || !add) return;
  add.addEventListener("click", function (event) {
    var all = rows.querySelectorAll("fieldset.external-speaker");
    var max = Number(rows.dataset.max);
    if (all.length >= max) return;  // (the server's answer then says no more)
    event.preventDefault();
    var last = all[all.length - 1], index = all.length, copy = last.cloneNode(true);
    var renumber = function (value) { return value.replace(/^(field-)?external-\d+-/, "$1external-" + index + "-"); };
    copy.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (node) {
      ["name", "id", "for"].forEach(function (name) {
        if (node.hasAttribute(name)) node.setAttribute(name, renumber(node.getAttribute(name)));
      });
      node.removeAttribute("aria-describedby");
      node.removeAttribute("aria-invalid");
      if (node.tagName === "INPUT") node.value = "";
    });
    copy.querySelectorAll("ul.errors").forEach(function (list) { list.remove(); });
    copy.querySelectorAll(".has-errors").forEach(function (box) { box.classList.remove("has-errors"); });
    var legend = copy.querySelector("legend");
    legend.textContent = legend.textContent.replace(/\d+/, String(index + 1));
    rows.appendChild(copy);
    if (index + 1 >= max) add.hidden = true;
    copy.querySelector("input").focus();
  });
})();
