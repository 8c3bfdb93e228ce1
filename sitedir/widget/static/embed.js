/* sitedir embed: <script src="https://HOST/widget/embed.js" data-study="cart-lupus"
   data-lang="fr" data-region="84" data-limit="3" data-accent="#0a6" data-theme="auto"
   data-title="…" data-font="inherit" async></script>: an iframe of the search, sized to
   its content, on the host's background when readable. A wrong setting is warned about in
   the console (the frame checks each, and shows a notice instead of the search). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var d = script.dataset;
  var SENT = ["study", "lang", "region", "limit", "accent", "theme"];
  var KNOWN = SENT.concat(["title", "font"]);
  function warn(attribute, value, accepted) {
    if (window.console) console.warn("sitedir widget: " + attribute + "=\"" + value + "\" is not valid; accepted values: " + accepted);
  }
  Object.keys(d).forEach(function (k) {
    if (KNOWN.indexOf(k) < 0) {
      var name = "data-" + k.replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); });
      warn(name, d[k], "an attribute among data-" + KNOWN.join(", data-"));
    }
  });
  var params = new URLSearchParams();
  // Sent as written, even when wrong: the frame names what is wrong instead of guessing.
  SENT.forEach(function (k) { if (k in d) params.set(k, d[k]); });
  if (!("lang" in d)) params.set("lang", "fr");  // the default, whatever the visitor's browser
  // The first opaque background behind the tag: the frame uses it when it can (no seam).
  var bg = null;
  for (var node = script.parentNode; node && node.nodeType === 1; node = node.parentNode) {
    var m = /^rgba?\((\d+), (\d+), (\d+)(, ([\d.]+))?\)$/.exec(getComputedStyle(node).backgroundColor);
    if (m && (m[5] === undefined || Number(m[5]) === 1)) {
      bg = [Number(m[1]), Number(m[2]), Number(m[3])];
      params.set("bg", "#" + bg.map(function (c) { return (256 + c).toString(16).slice(1); }).join(""));
      break;
    }
    if (m && Number(m[5]) > 0) break;  // translucent: the widget keeps its own paper
  }
  var theme = d.theme === "light" || d.theme === "dark" ? d.theme : "auto";
  if (theme === "auto" && bg) {
    // "auto" follows the host page's own background first, the visitor's setting second:
    // a dark page is no white box for a light-mode visitor.
    var lin = function (c) { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    var lum = 0.2126 * lin(bg[0]) + 0.7152 * lin(bg[1]) + 0.0722 * lin(bg[2]);
    theme = lum < 0.18 ? "dark" : "light";
    if (!d.theme || d.theme === "auto") params.set("theme", theme);
  }
  if ("font" in d) {
    if (d.font === "inherit") {
      params.set("font", "inherit");
      params.set("host_font", getComputedStyle(script.parentNode).fontFamily.slice(0, 200));
    } else if (d.font !== "system") {
      params.set("font", d.font);  // the frame shows the notice, and says so below
    }
  }
  var lang = d.lang === "en" ? "en" : "fr";
  var title = lang === "en" ? "Find a clinical trial site" : "Trouver un centre d'essai clinique";
  var ownTitle = "title" in d && d.title.trim() !== "" && d.title.length <= 200;
  if ("title" in d && !ownTitle) warn("data-title", d.title, "a text of 1 to 200 characters");
  var frame = document.createElement("iframe");
  frame.src = origin + "/widget/frame?" + params.toString();
  frame.title = ownTitle ? d.title.trim() : title;
  // The title is in the widget's language, whatever the host page's (RGAA 8.7).
  frame.setAttribute("lang", lang);
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
    // Only our own frame, from our own origin, may resize it or speak through it.
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data) return;
    if (data.type === "sitedir:resize") {
      var h = Number(data.height);
      if (h > 0 && h < 10000) frame.style.height = Math.ceil(h) + "px";
    } else if (data.type === "sitedir:ready") {
      // The frame's own title names the study and the région: two widgets differ.
      if (!ownTitle && typeof data.title === "string" && data.title) frame.title = data.title.slice(0, 200);
    } else if (data.type === "sitedir:invalid" && Array.isArray(data.problems)) {
      data.problems.forEach(function (p) { warn(String(p.attribute), String(p.value), String(p.accepted)); });
    }
  });
})();
