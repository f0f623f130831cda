/* civility: small progressive enhancements. The pages work fully without this file.
   - A+/A- text size, kept in localStorage for the reader;
   - relative times ("1 hour ago") kept current; the exact time stays in <time datetime>;
   - a live character count under the comment box;
   - after posting, the notice follows the comment's state (published / held / not published)
     by asking /api/comments/status with the page's signed receipt, for a minute at most. */
(function () {
  "use strict";
  var KEY = "civility.textSize";
  var STEPS = [87.5, 100, 112.5, 125, 150, 175, 200];
  var DEFAULT_STEP = 1;

  function readStep() {
    try {
      var raw = window.localStorage.getItem(KEY);
      var step = raw === null ? DEFAULT_STEP : parseInt(raw, 10);
      if (isNaN(step) || step < 0 || step >= STEPS.length) { return DEFAULT_STEP; }
      return step;
    } catch (e) { return DEFAULT_STEP; }
  }

  function applyStep(step) {
    document.documentElement.style.fontSize = STEPS[step] + "%";
    document.documentElement.setAttribute("data-text-step", String(step));
  }

  // Applied at once (this script is loaded in <head>) so the page never flashes at the old size.
  applyStep(readStep());

  function changeStep(delta) {
    var step = Math.max(0, Math.min(STEPS.length - 1, readStep() + delta));
    try { window.localStorage.setItem(KEY, String(step)); } catch (e) { /* private mode: session only */ }
    applyStep(step);
  }

  var UNITS = [
    [365 * 24 * 3600, "year"], [30 * 24 * 3600, "month"], [7 * 24 * 3600, "week"],
    [24 * 3600, "day"], [3600, "hour"], [60, "minute"]
  ];

  function relative(date, now) {
    var seconds = Math.round((now - date) / 1000);
    var future = seconds < 0;
    seconds = Math.abs(seconds);
    if (seconds < 45) { return "just now"; }
    var count = 1, unit = "minute";
    for (var i = 0; i < UNITS.length; i++) {
      if (seconds >= UNITS[i][0]) { count = Math.floor(seconds / UNITS[i][0]); unit = UNITS[i][1]; break; }
    }
    var words = count + " " + unit + (count === 1 ? "" : "s");
    return future ? "in " + words : words + " ago";
  }

  function refreshTimes() {
    var now = Date.now();
    var nodes = document.querySelectorAll("time[data-relative]");
    for (var i = 0; i < nodes.length; i++) {
      var date = Date.parse(nodes[i].getAttribute("datetime"));
      if (!isNaN(date)) { nodes[i].textContent = relative(date, now); }
    }
  }

  function setupCounters() {
    var counters = document.querySelectorAll("[data-counter-for]");
    Array.prototype.forEach.call(counters, function (counter) {
      var box = document.getElementById(counter.getAttribute("data-counter-for"));
      if (!box) { return; }
      var max = parseInt(box.getAttribute("maxlength"), 10);
      var update = function () {
        var left = max - box.value.length;
        counter.textContent = left <= Math.min(200, max) ? left + " characters left." : "";
      };
      box.addEventListener("input", update);
      update();
    });
  }

  function followReceipt() {
    var notice = document.getElementById("submitted-notice");
    if (!notice || notice.getAttribute("data-status") !== "pending" || !window.fetch) { return; }
    var receipt = notice.getAttribute("data-receipt");
    var tries = 0;
    var check = function () {
      tries += 1;
      window.fetch("/api/comments/status?receipt=" + encodeURIComponent(receipt)
                   + "&lang=" + encodeURIComponent(document.documentElement.lang || "en"), { credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.status !== "pending") {
            var text = notice.querySelector(".notice-text");
            if (text) { text.textContent = data.message; }
            notice.setAttribute("data-status", data.status);
            notice.className = "notice notice-" + (data.status === "approved" ? "ok" : "refused");
            var more = notice.querySelector(".notice-more");
            if (more) { more.hidden = true; }
          } else if (tries < 20) { window.setTimeout(check, 3000); }
        })
        .catch(function () { if (tries < 20) { window.setTimeout(check, 3000); } });
    };
    window.setTimeout(check, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    followReceipt();
    var group = document.querySelector("[data-text-size]");
    if (group) {
      group.hidden = false;
      group.addEventListener("click", function (event) {
        var button = event.target.closest("[data-size-step]");
        if (button) { changeStep(parseInt(button.getAttribute("data-size-step"), 10)); }
      });
    }
    refreshTimes();
    window.setInterval(refreshTimes, 60000);
    setupCounters();
  });
}());
