/* sitedir search, on top of a plain GET form that works without it: autocomplete (ARIA
   combobox), live answers, the address bar kept in step (back and forward), "Ma position",
   printing. Answers come rendered by the server (/widget/answer, the same template as a
   page load); suggestions are written with textContent, never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("sitedir");
  if (!root) return;
  var cfg = root.dataset;
  var S = JSON.parse(document.getElementById("sitedir-strings").textContent);
  var input = document.getElementById("place");
  var list = document.getElementById("suggestions");
  var form = input.form;
  var status = document.getElementById("status");
  var answer = document.getElementById("answer");
  var locate = document.getElementById("locate");
  var embedded = cfg.embedded === "true";
  var options = [];
  var active = -1;
  var timer = null;
  var pending = 0;
  var suggestTicket = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  // The live region: always read out; shown only when it says more than the page does.
  function say(text, quiet) {
    status.classList.toggle("visually-hidden", !!quiet);
    status.textContent = text;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  /* ---- autocomplete ---- */
  function closeList() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function highlight(index) {
    var items = list.children;
    for (var i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", i === index ? "true" : "false");
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function showSuggestions(places) {
    options = places;
    list.textContent = "";
    places.forEach(function (p, i) {
      var item = el("li", null, p.label);
      item.id = "suggestion-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      if (p.postcodes.length) item.appendChild(el("span", "postcode", " " + p.postcodes[0]));
      item.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      list.appendChild(item);
    });
    list.hidden = places.length === 0;
    input.setAttribute("aria-expanded", places.length ? "true" : "false");
    active = -1;
    say(places.length ? fill(S.suggestion_count, { n: places.length }) : "", true);
  }
  function suggest() {
    var q = input.value.trim();
    // Every edit asks again, even for words asked before: the edit took their list away
    // (a town cleared and typed again gets its suggestions back).
    if (q.length < 2) return;
    var ticket = ++suggestTicket;
    fetch(cfg.api + "/places?q=" + encodeURIComponent(q) + "&limit=6", { headers: { "Accept-Language": cfg.lang } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (places) { if (ticket === suggestTicket && input.value.trim() === q) showSuggestions(places); })
      .catch(function () { closeList(); });
  }
  function choose(index) {
    var place = options[index];
    input.value = place.label;
    closeList();
    search({ insee: place.insee });
  }
  input.addEventListener("input", function () {
    // Suggestions for what was typed before are gone at once, never chosen by mistake.
    closeList();
    options = [];
    suggestTicket++;
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  input.addEventListener("keydown", function (e) {
    var count = list.hidden ? 0 : list.children.length;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (list.hidden && options.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); count = options.length; }
      if (count) highlight((active + 1) % count);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (count) highlight(active <= 0 ? count - 1 : active - 1);
    } else if (e.key === "Enter") {
      if (active >= 0 && count) { e.preventDefault(); choose(active); }
    } else if (e.key === "Escape") {
      closeList();
    }
  });
  input.addEventListener("blur", function () { setTimeout(closeList, 100); });

  /* ---- the URL: the same parameters as the form would send ---- */
  // The form's own fields (the study chooser, the hidden lang/region/limit/looks) without
  // the typed town, with this origin first: /?q=Vichy or /?insee=03310, then the rest.
  function pageParams(origin) {
    var params = new URLSearchParams();
    Object.keys(origin).forEach(function (k) { params.set(k, origin[k]); });
    new FormData(form).forEach(function (value, key) {
      if (key !== "q" && typeof value === "string") params.append(key, value);
    });
    return params;
  }
  function originOf(params) {
    if (params.get("insee")) return { insee: params.get("insee") };
    if ((params.get("q") || "").trim()) return { q: params.get("q").trim() };
    if (params.get("lat") && params.get("lon")) return { lat: params.get("lat"), lon: params.get("lon") };
    return null;
  }

  // The link to the other language names this page's search, as the address bar does.
  var otherLanguage = document.querySelector("a.lang[hreflang]");
  function followLanguage() {
    if (!otherLanguage) return;
    var params = new URLSearchParams(location.search);
    params.set("lang", otherLanguage.getAttribute("hreflang"));
    otherLanguage.setAttribute("href", "?" + params.toString());
  }

  /* ---- answers, rendered by the server ---- */
  function show(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var body = doc.getElementById("answer-body");
    if (!body) throw new Error("no answer");
    answer.replaceChildren(document.importNode(body, true));
    answer.hidden = false;
    return answer.querySelector("#answer-body");
  }
  function placePatient(body) {
    var marker = document.getElementById("patient");
    var inside = body.dataset.x !== undefined;
    marker.toggleAttribute("hidden", !inside);
    if (inside) marker.setAttribute("transform", "translate(" + body.dataset.x + " " + body.dataset.y + ")");
    var sites = document.querySelectorAll(".marker");
    for (var i = 0; i < sites.length; i++) sites[i].classList.toggle("chosen", sites[i].getAttribute("data-site") === body.dataset.first);
  }
  function enhance() {
    var body = answer.querySelector("#answer-body");
    if (!body) return;
    var print = answer.querySelector("button.print");
    if (print) { print.hidden = false; print.addEventListener("click", function () { printSheet(null); }); }
    // "Imprimer la fiche de ce centre": this card becomes the sheet's, then print.
    var perSite = embedded ? [] : answer.querySelectorAll("a.print-site");
    for (var p = 0; p < perSite.length; p++) {
      perSite[p].addEventListener("click", function (e) {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        printSheet(this.getAttribute("data-site"));
      });
    }
    var choices = answer.querySelectorAll("a[data-insee]");
    for (var i = 0; i < choices.length; i++) {
      choices[i].addEventListener("click", function (e) {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        input.value = this.getAttribute("data-label");
        search({ insee: this.getAttribute("data-insee") });
      });
    }
    if (body.dataset.label && /^insee=/.test(body.dataset.query || "")) {
      input.value = body.dataset.label;
    }
  }
  // The sheet is for one site: the one asked for, else the one the server chose.
  function printSheet(id) {
    var cards = answer.querySelectorAll("#results .site");
    var chosen = id ? document.getElementById("site-" + id) : null;
    if (chosen) {
      for (var i = 0; i < cards.length; i++) cards[i].classList.toggle("sheet", cards[i] === chosen);
      // The sheet's own URL names its site, so that it prints the same sheet again.
      var url = answer.querySelector(".sheet-foot .url");
      if (url) url.textContent = url.getAttribute("data-base") + "&sheet=" + encodeURIComponent(id);
    }
    window.print();
  }
  // how: "push" (a new search), "replace" (geolocation's commune), "none" (back/forward)
  function search(origin, how) {
    var ticket = ++pending;
    say(S.searching);
    var params = pageParams(origin);
    var request = new URLSearchParams(params);
    request.set("view", embedded ? "frame" : "page");
    // A study's own page (/etudes/<slug>) names its study in the path, not in the form.
    if (!request.has("study") && cfg.pathStudy) request.set("study", cfg.pathStudy);
    return fetch("/widget/answer?" + request.toString(), { headers: { "Accept-Language": cfg.lang } })
      .then(function (r) { if (r.status >= 500) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        if (ticket !== pending) return;  // an older search, answered late
        var body = show(html);
        placePatient(body);
        enhance();
        // The answer's own query: a position becomes the commune it was resolved to.
        var canonical = originOf(new URLSearchParams(body.dataset.query || "")) || origin;
        var url = "?" + pageParams(canonical).toString();
        // The frame replaces its entry: pushing would make the host page's back button
        // step through the widget's searches. A position no commune was found for stays
        // out of the address bar (and so out of history, bookmarks and shared links).
        if (how !== "none" && canonical.lat === undefined) {
          if (embedded || how === "replace") history.replaceState(null, "", url);
          else history.pushState(null, "", url);
        }
        followLanguage();
        // A title of its own for each answer (RGAA 8.6), as the server writes it.
        document.title = (body.dataset.titleLead ? body.dataset.titleLead + " — " : "") + cfg.title;
        // The answer shows its own title and message: the live region only announces it.
        say(body.dataset.summary || "", true);
      })
      .catch(function () { if (ticket === pending) say(S.error); });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    var empty = document.getElementById("place-error");
    if (empty) {
      // An empty search is told, next to the field and tied to it (RGAA 11.10).
      empty.hidden = !!q;
      if (q) input.removeAttribute("aria-invalid"); else input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", (q ? "" : "place-error ") + "place-hint");
    }
    if (!q) {
      document.title = S.title_empty_query + " — " + cfg.title;
      input.focus();
      return;
    }
    // A search was asked for: no suggestion list opens on top of its answer.
    clearTimeout(timer);
    suggestTicket++;
    closeList();
    search({ q: q });
  });
  var chooser = document.getElementById("study");
  if (chooser) {
    // Another study is another page: its own title, heading and facts, loaded in full.
    chooser.addEventListener("change", function () {
      var origin = originOf(new URLSearchParams(location.search)) || {};
      location.assign("?" + pageParams(origin).toString());
    });
  }
  window.addEventListener("popstate", function () {
    var params = new URLSearchParams(location.search);
    var origin = originOf(params);
    if (chooser && params.get("study")) chooser.value = params.get("study");
    followLanguage();
    if (!origin) {
      pending++;  // a search still on its way must not bring its answer back
      answer.hidden = true;
      answer.textContent = "";
      input.value = "";
      document.getElementById("patient").setAttribute("hidden", "");
      say("", true);
      return;
    }
    if (origin.q) input.value = origin.q;
    search(origin, "none");
  });
  enhance();

  /* ---- "Ma position": the browser's geolocation, resolved to a commune by the server ---- */
  if (locate) {
    locate.parentNode.hidden = false;
    locate.addEventListener("click", function () {
      closeList();
      if (!navigator.geolocation) { say(S.geo_unsupported); input.focus(); return; }
      say(S.locating);
      navigator.geolocation.getCurrentPosition(function (position) {
        var c = position.coords;
        search({ lat: c.latitude.toFixed(4), lon: c.longitude.toFixed(4) });
      }, function (error) {
        say(error.code === 1 ? S.geo_denied : error.code === 3 ? S.geo_timeout : S.geo_unsupported);
        input.focus();
      }, { timeout: 10000, maximumAge: 600000 });
    });
  }

  /* ---- size the iframe to its content ---- */
  if (embedded && window.parent !== window) {
    var lastHeight = 0;
    var report = function () {
      // The content's own height (the document's would never shrink below the frame's).
      // The legal footer ("À propos") comes after the main area.
      var end = document.querySelector(".legal-footer") || root;
      var h = Math.ceil(end.getBoundingClientRect().bottom + window.scrollY + 8);
      if (h !== lastHeight) { lastHeight = h; window.parent.postMessage({ type: "sitedir:resize", height: h }, "*"); }
    };
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
    window.addEventListener("load", report);
    report();
    // The frame's title, for embed.js to set unless the host chose one (data-title).
    window.parent.postMessage({ type: "sitedir:ready", title: root.dataset.frameTitle }, "*");
  }
})();
