/* The frame of a widget whose settings are wrong: tell the host page (embed.js warns in its
   console, naming each attribute and what it accepts) and size the frame to the notice. */
(function () {
  "use strict";
  if (window.parent === window) return;
  var problems = JSON.parse(document.getElementById("sitedir-invalid").textContent);
  window.parent.postMessage({ type: "sitedir:invalid", problems: problems }, "*");
  var root = document.querySelector(".legal-footer") || document.body;
  var last = 0;
  var report = function () {
    var h = Math.ceil(root.getBoundingClientRect().bottom + window.scrollY + 8);
    if (h !== last) { last = h; window.parent.postMessage({ type: "sitedir:resize", height: h }, "*"); }
  };
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
  window.addEventListener("load", report);
  report();
})();
