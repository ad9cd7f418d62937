// The time of day now at the event, in the page's language. The pages' other times (the arrivals chart, the first
// check-in of a badge) are the event's local times, whatever the time zone of the computer that shows them.
function clockTime(element) {
  "use strict";
  return new Date().toLocaleTimeString(document.documentElement.lang || "ru", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: element.dataset.timezone,
  });
}
