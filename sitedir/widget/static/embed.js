/* sitedir embed: <script src="https://HOST/widget/embed.js" data-study="cart-lupus"
   data-lang="fr" data-region="84" data-limit="3" data-accent="#0a6" data-theme="auto" async>
   </script>. Inserts, where the tag stands, an iframe of the search that sizes itself to its
   content, and paints the host's background when the widget's text stays readable on it. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var d = script.dataset;
  var params = new URLSearchParams();
  ["study", "lang", "region", "limit", "accent", "theme"].forEach(function (k) { if (d[k]) params.set(k, d[k]); });
  // The first opaque background behind the tag: the frame uses it when it can (no seam).
  for (var node = script.parentNode; node && node.nodeType === 1; node = node.parentNode) {
    var m = /^rgba?\((\d+), (\d+), (\d+)(, ([\d.]+))?\)$/.exec(getComputedStyle(node).backgroundColor);
    if (m && (m[5] === undefined || Number(m[5]) === 1)) {
      params.set("bg", "#" + [m[1], m[2], m[3]].map(function (c) { return (256 + Number(c)).toString(16).slice(1); }).join(""));
      break;
    }
    if (m && Number(m[5]) > 0) break;  // translucent: the widget keeps its own paper
  }
  var theme = d.theme === "light" || d.theme === "dark" ? d.theme : "auto";
  var frame = document.createElement("iframe");
  frame.src = origin + "/widget/frame?" + params.toString();
  // Any study's widget: the frame's own heading and title name the study (data-study).
  frame.title = d.lang === "en" ? "Find a clinical trial site" : "Trouver un centre d'essai clinique";
  frame.loading = "lazy";
  frame.setAttribute("allow", "geolocation");
  frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
  // The frame's colour scheme, said before it loads: no white canvas in a dark page.
  frame.style.colorScheme = theme === "auto" ? "light dark" : theme;
  if (params.get("bg")) frame.style.background = params.get("bg");
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
