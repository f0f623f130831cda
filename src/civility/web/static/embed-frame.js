/* Runs inside the embed frame: tells the publisher's page (through embed.js) how tall the
   comments are, so the frame never needs its own scroll bar. Sends only a number. */
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var last = 0;
  function report() {
    var height = document.documentElement.scrollHeight;
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "civility:height", height: height }, "*");
    }
  }
  window.addEventListener("load", report);
  if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
  else { window.setInterval(report, 500); }
  report();
}());
