/* The widget configurator: the tag follows the settings as they change, the preview is
   what that very tag inserts (embed.js itself), and the tag can be copied in one click. */
(function () {
  "use strict";
  var root = document.getElementById("configurator");
  if (!root) return;
  var S = JSON.parse(document.getElementById("sitedir-strings").textContent);
  var form = document.getElementById("settings");
  var code = document.getElementById("tag");
  var preview = document.getElementById("preview");
  var copy = document.getElementById("copy");
  var copyStatus = document.getElementById("copy-status");
  var origin = root.dataset.origin;

  // Attribute order and defaults exactly as the server writes the tag.
  function attributes() {
    var f = form.elements;
    var limit = Math.min(10, Math.max(1, parseInt(f.limit.value, 10) || 3));
    var data = [["study", f.study.value], ["lang", f.wlang.value]];
    if (f.region.value) data.push(["region", f.region.value]);
    data.push(["limit", String(limit)]);
    if (f.accent.value.toLowerCase() !== root.dataset.defaultAccent) data.push(["accent", f.accent.value]);
    data.push(["theme", f.theme.value]);
    // As embed.js takes them: a title of 1 to 200 characters, spaces folded; the font
    // only when it is not the default.
    var title = f.title.value.replace(/\s+/g, " ").trim().slice(0, 200);
    if (title) data.push(["title", title]);
    if (f.font.value === "inherit") data.push(["font", "inherit"]);
    return data;
  }
  // An attribute's value as HTML writes it between double quotes.
  function quoted(value) {
    return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function update() {
    var data = attributes();
    code.textContent = "<script src=\"" + origin + "/widget/embed.js\"" + data.map(function (p) {
      return " data-" + p[0] + "=\"" + quoted(p[1]) + "\"";
    }).join("") + " async></" + "script>";
    // The preview: embed.js, with the same attributes, where the old one stood.
    preview.textContent = "";
    var script = document.createElement("script");
    script.src = origin + "/widget/embed.js";
    data.forEach(function (p) { script.setAttribute("data-" + p[0], p[1]); });
    preview.appendChild(script);
    var params = new URLSearchParams(new FormData(form));
    history.replaceState(null, "", "?" + params.toString());
  }
  form.addEventListener("change", update);
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  document.getElementById("c-update").hidden = true;
  copy.hidden = false;
  copy.addEventListener("click", function () {
    var text = code.textContent;
    var done = function () { copyStatus.textContent = S.copied; };
    var failed = function () {
      copyStatus.textContent = S.copy_failed;
      window.getSelection().selectAllChildren(code);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, failed);
    else failed();
  });
  update();
})();
