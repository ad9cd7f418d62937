// Shows the region list for participants from Russia and the country list for foreign guests.
// Without JavaScript both lists stay visible and the server checks the one that matters.
(function () {
  document.querySelectorAll("[data-residence]").forEach(function (group) {
    function update() {
      var chosen = group.querySelector("input[name=residence]:checked");
      var foreign = chosen && chosen.value === "foreign";
      group.querySelectorAll(".when-ru").forEach(function (el) { el.hidden = foreign; });
      group.querySelectorAll(".when-foreign").forEach(function (el) { el.hidden = !foreign; });
    }
    group.addEventListener("change", update);
    update();
  });
})();
