/* civility embed: put
     <script src="https://COMMENTS-HOST/embed.js" data-article-id="ID" async></script>
   (or data-article-url="https://your.site/page") where the comments should appear; data-lang="ckb"
   (ckb, kmr, ar, fa, tr, en) shows the frame in that language (default: the article's).
   It inserts a frame served by the comment host and keeps its height fitted to the content.
   No framework, no build step; the frame itself works without JavaScript. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var origin = new URL(script.src).origin;
  var id = script.getAttribute("data-article-id");
  var url = script.getAttribute("data-article-url");
  if (!id && !url) { url = window.location.href.split("#")[0]; }
  var params = new URLSearchParams();
  if (id) { params.set("article", id); } else {
    params.set("url", url);
    // Lets the comment host register this page by itself when its origin is one of the
    // publisher's (setting embed_allowed_origins): the title shown for the discussion.
    params.set("title", (script.getAttribute("data-article-title") || document.title || "").slice(0, 300));
  }
  var lang = script.getAttribute("data-lang") || script.getAttribute("lang");
  if (lang) { params.set("lang", lang); }

  var frame = document.createElement("iframe");
  frame.src = origin + "/embed/comments?" + params.toString();
  frame.title = script.getAttribute("data-title") || "Comments";
  frame.setAttribute("loading", "lazy");
  frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.minHeight = "24rem";
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (data && data.type === "civility:height" && typeof data.height === "number" && data.height > 0) {
      frame.style.height = Math.min(Math.ceil(data.height), 100000) + "px";
    }
  });
}());
