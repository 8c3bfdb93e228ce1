/* The contact form, on top of a plain form that works without it: town suggestions from
   the app's own place search (a datalist; the chosen town's INSEE code goes with the form),
   and, inside the widget's frame, the frame sized to its content. Labels are set with
   textContent and value, never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("contact");
  if (!root) return;
  var place = document.getElementById("f-place");
  var insee = document.getElementById("f-place_insee");
  var options = document.getElementById("place-options");
  if (place && insee && options) {
    var found = {};
    var timer = null;
    var ticket = 0;
    var pick = function () { insee.value = found[place.value] || ""; };
    place.addEventListener("input", function () {
      pick();
      clearTimeout(timer);
      var q = place.value.trim();
      if (q.length < 2 || found[place.value]) return;
      timer = setTimeout(function () {
        var mine = ++ticket;
        fetch(root.dataset.api + "/places?q=" + encodeURIComponent(q) + "&limit=6",
              { headers: { "Accept-Language": root.dataset.lang } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (places) {
            if (mine !== ticket) return;
            options.textContent = "";
            places.forEach(function (p) {
              found[p.label] = p.insee;
              var option = document.createElement("option");
              option.value = p.label;
              if (p.postcodes.length) option.label = p.label + " " + p.postcodes[0];
              options.appendChild(option);
            });
            pick();
          })
          .catch(function () {});
      }, 150);
    });
  }
  var summary = document.getElementById("error-summary");
  if (summary) {
    var first = summary.querySelector("a");
    var target = first && document.getElementById(first.getAttribute("href").slice(1));
    if (target) target.focus();
  }
  if (root.dataset.embedded === "true" && window.parent !== window) {
    var last = 0;
    var report = function () {
      var h = Math.ceil(root.getBoundingClientRect().bottom + window.scrollY + 8);
      if (h !== last) { last = h; window.parent.postMessage({ type: "sitedir:resize", height: h }, "*"); }
    };
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
    window.addEventListener("load", report);
    report();
  }
})();
