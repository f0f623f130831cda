/* civility moderation queue: keyboard shortcuts. The queue works fully without this file.
   j/k move between comments, a/r approve/reject the current one (sent in the background, so the
   moderator keeps their place: the comment leaves the list at once and the next one is current;
   if the server refuses, it comes back with a message),
   x selects for a bulk action, o opens the comment, ? shows the help, Esc hides it. */
(function () {
  "use strict";
  var current = -1;

  function items() { return Array.prototype.slice.call(document.querySelectorAll("article.qitem:not([hidden])")); }

  function select(index) {
    var list = items();
    if (!list.length) { return; }
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (el) { el.classList.remove("is-current"); });
    current = index;
    var el = list[index];
    el.classList.add("is-current");
    el.scrollIntoView({ block: "nearest" });
  }

  function notify(text) {
    var box = document.getElementById("keys-status");
    if (!box) {
      box = document.createElement("div");
      box.id = "keys-status";
      box.className = "notice";
      box.setAttribute("role", "status");
      var main = document.getElementById("main");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }

  function decide(kind) {
    var list = items();
    var el = list[current];
    if (!el) { return; }
    var form = el.querySelector("form.action-" + kind);
    if (!form) { return; }
    var data = new FormData(form);
    var id = el.id.replace("q-", "");
    el.hidden = true;
    el.classList.remove("is-current");
    select(Math.min(current, items().length - 1));
    window.fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (response.ok && response.redirected) {
          el.parentNode.removeChild(el);
          notify("Comment #" + id + (kind === "approve" ? " approved." : " rejected."));
        } else {
          el.hidden = false;
          notify("Comment #" + id + " was not decided (someone else may have decided it first): reload the page.");
        }
      })
      .catch(function () { el.hidden = false; notify("Comment #" + id + " was not sent: check the connection."); });
  }

  function toggleHelp(show) {
    var help = document.getElementById("keys-help");
    if (!help) { return; }
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) { help.querySelector("button").focus(); }
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === "Escape") { toggleHelp(false); return; }
    if (key === "j") { select(current + 1); }
    else if (key === "k") { select(current - 1); }
    else if (key === "a") { decide("approve"); }
    else if (key === "r") { decide("reject"); }
    else if (key === "x") {
      var box = items()[current] && items()[current].querySelector("input.qselect");
      if (box) { box.checked = !box.checked; }
    } else if (key === "o") {
      var link = items()[current] && items()[current].querySelector(".qitem-title a");
      if (link) { window.location.href = link.href; }
    } else { return; }
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var close = document.querySelector("[data-close-help]");
    if (close) { close.addEventListener("click", function () { toggleHelp(false); }); }
    if (items().length) { select(0); }
  });
}());
