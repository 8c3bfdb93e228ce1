// The admin page's scripts. Every page works without them: they add a filter to the site
// picker, a warning before the session ends, and the preview of what doctors will read.
(function () {
  "use strict";

  // --- the site picker: a list of checkboxes, filtered as one types --------------------
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[-'’]/g, " ");
  }

  document.querySelectorAll("input[data-filters]").forEach(function (box) {
    var list = document.getElementById(box.dataset.filters);
    var count = document.getElementById(box.dataset.filters + "-count");
    var items = Array.prototype.slice.call(list.querySelectorAll("li"));
    box.closest(".picker-filter").hidden = false;
    box.addEventListener("input", function () {
      var words = fold(box.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var text = fold(item.textContent);
        var checked = item.querySelector("input").checked;
        // A ticked site stays in view: hiding it would hide a choice already made.
        var match = checked || words.every(function (w) { return text.indexOf(w) >= 0; });
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = words.length ? shown + " centre(s) sur " + items.length : "";
    });
  });

  // --- the session's end: a warning 5 minutes before, a way to log in again ------------
  var WARN_BEFORE = 5 * 60;
  var body = document.body;
  var warning = document.getElementById("session-warning");
  var timers = [];

  function clearTimers() {
    timers.forEach(clearTimeout);
    timers = [];
  }

  var said = null;  // what the warning says now: null, "soon" or "ended"

  function say(ended) {
    // After the end, a forgotten tab stops asking; coming back to it asks once.
    polling(!ended);
    // The same words again are not written again: a live region rewritten is read again.
    if (said === (ended ? "ended" : "soon")) { return; }
    said = ended ? "ended" : "soon";
    var next = location.pathname + location.search;
    var link = document.createElement("a");
    link.href = "/admin/login?next=" + encodeURIComponent(next);
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "Se reconnecter dans un nouvel onglet";
    warning.textContent = ended
      ? "Votre session a pris fin. Ce que vous avez saisi sur cette page n'est pas perdu : "
        + "reconnectez-vous, puis enregistrez. "
      : "Votre session prend fin dans moins de 5 minutes (8 heures après la connexion). "
        + "Pour ne rien perdre, reconnectez-vous dans un autre onglet, puis revenez "
        + "enregistrer ici. ";
    warning.appendChild(link);
    warning.appendChild(document.createTextNode("."));
  }

  function shown() { return warning.textContent !== ""; }

  // Until the end, while the warning shows, the server is asked every 20 seconds: a login in
  // another tab puts the end off (RGAA 13.1), and this page learns it without a reload,
  // whether or not the browser says the tab came back to the front.
  var POLL_SECONDS = 20;
  var poll = null;

  function polling(on) {
    if (on && poll === null) { poll = setInterval(refresh, POLL_SECONDS * 1000); }
    if (!on && poll !== null) { clearInterval(poll); poll = null; }
  }

  function schedule(remaining) {
    clearTimers();
    if (remaining > WARN_BEFORE) {
      warning.textContent = "";
      said = null;
      polling(false);
      timers.push(setTimeout(function () { say(false); }, (remaining - WARN_BEFORE) * 1000));
    } else if (remaining > 0) {
      say(false);
    }
    if (remaining > 0) {
      timers.push(setTimeout(function () { say(true); }, remaining * 1000));
    } else {
      say(true);
    }
  }

  function refresh() {
    // After a login in another tab, this page's session has more time.
    fetch("/admin/session", { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (state) { if (state && state.remaining > 0) { schedule(state.remaining); } })
      .catch(function () {});
  }

  if (warning && body.dataset.sessionRemaining) {
    schedule(parseInt(body.dataset.sessionRemaining, 10));
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && shown()) { refresh(); }
    });
    window.addEventListener("focus", function () { if (shown()) { refresh(); } });
  }

  // --- what doctors will read, as the status form is filled ----------------------------
  var preview = document.getElementById("public-preview");
  if (preview) {
    var form = preview.closest("form");
    var months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
      "septembre", "octobre", "novembre", "décembre"];
    var update = function () {
      var status = form.querySelector("[name=status]");
      var reason = form.querySelector("[name=status_reason]").value.trim();
      var reopening = form.querySelector("[name=expected_reopening]").value;
      var text = preview.dataset.site + " — " + status.options[status.selectedIndex].text;
      if (reason) { text += ". Motif : " + reason; }
      var day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(reopening);
      if (day) {
        var d = parseInt(day[3], 10);
        text += ". Réouverture prévue : " + (d === 1 ? "1er" : d) + " "
          + months[parseInt(day[2], 10) - 1] + " " + day[1];
      }
      preview.textContent = text;
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  }
}());
