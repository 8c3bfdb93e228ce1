/* sitedir embed: <script src="https://HOST/widget/embed.js" data-study="cart-lupus"
   data-lang="fr" data-region="84" data-limit="3" data-accent="#0a6" async></script>
   Inserts, where the tag stands, an iframe of the search that sizes itself to its content. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var d = script.dataset;
  var params = new URLSearchParams();
  ["study", "lang", "region", "limit", "accent"].forEach(function (k) { if (d[k]) params.set(k, d[k]); });
  var frame = document.createElement("iframe");
  frame.src = origin + "/widget/frame?" + params.toString();
  frame.title = d.lang === "en" ? "Find a CAR-T lupus trial site" : "Trouver un centre de l'essai CAR-T lupus";
  frame.loading = "lazy";
  frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
  frame.style.width = "100%";
  frame.style.minWidth = "280px";
  frame.style.height = "480px";
  frame.style.border = "0";
  frame.style.display = "block";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    // Only our own frame, from our own origin, may resize it.
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== "sitedir:resize") return;
    var h = Number(data.height);
    if (h > 0 && h < 10000) frame.style.height = Math.ceil(h) + "px";
  });
})();
