// A time of day at the event (now, unless a moment is given), in the page's language. The pages' other times (the
// arrivals chart, the first check-in of a badge) are the event's local times, whatever the time zone of the computer
// that shows them. `seconds`: false leaves them out (HH:MM).
function clockTime(element, moment, seconds) {
  "use strict";
  return (moment || new Date()).toLocaleTimeString(document.documentElement.lang || "ru", {
    hour: "2-digit", minute: "2-digit", second: seconds === false ? undefined : "2-digit", hourCycle: "h23",
    timeZone: element.dataset.timezone,
  });
}
