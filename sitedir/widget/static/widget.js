/* sitedir search: autocomplete (ARIA combobox), nearest open sites, map marker.
   Every string from the API goes into the page through textContent, never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("sitedir");
  if (!root) return;
  var cfg = root.dataset;
  var S = JSON.parse(document.getElementById("sitedir-strings").textContent);
  var FRAMES = JSON.parse(document.getElementById("sitedir-frames").textContent);
  var input = document.getElementById("place");
  var list = document.getElementById("suggestions");
  var form = input.form;
  var status = document.getElementById("status");
  var answer = document.getElementById("answer");
  var km = new Intl.NumberFormat(cfg.lang === "en" ? "en-GB" : "fr-FR", {
    minimumFractionDigits: 1, maximumFractionDigits: 1
  });
  var day = new Intl.DateTimeFormat(cfg.lang === "en" ? "en-GB" : "fr-FR", { dateStyle: "long" });
  // "2027-09-01" parses as UTC midnight: shown in UTC, it stays the 1st in the Antilles too.
  var dateOnly = new Intl.DateTimeFormat(cfg.lang === "en" ? "en-GB" : "fr-FR", { dateStyle: "long", timeZone: "UTC" });
  var options = [];
  var active = -1;
  var timer = null;
  var lastQuery = "";

  if (cfg.accent) document.documentElement.style.setProperty("--accent", cfg.accent);

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
  function api(path, params) {
    var query = Object.keys(params).filter(function (k) { return params[k] !== "" && params[k] != null; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); }).join("&");
    return fetch(cfg.api + path + "?" + query, { headers: { "Accept-Language": cfg.lang } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; }); });
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
    if (q.length < 2 || q === lastQuery) return;
    lastQuery = q;
    api("/places", { q: q, limit: 6 }).then(function (r) {
      if (input.value.trim() === q) showSuggestions(r.ok ? r.body : []);
    }).catch(function () { closeList(); });
  }
  function choose(index) {
    var place = options[index];
    input.value = place.label;
    lastQuery = place.label;
    closeList();
    nearest({ insee: place.insee }, place.label);
  }
  input.addEventListener("input", function () {
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
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q) return;
    closeList();
    nearest({ q: q }, q);
  });

  /* ---- nearest answer ---- */
  function contactLine(c) {
    var li = el("li");
    var who = [c.title, c.name].filter(Boolean).join(" ");
    li.appendChild(el("span", "role", S["roles." + c.role] || c.role));
    if (who) li.appendChild(document.createTextNode(" — " + who));
    if (c.unit) li.appendChild(el("span", "unit", " (" + c.unit + ")"));
    if (c.phone || c.email) {
      if (c.phone) { var tel = el("a", "channel", c.phone); tel.href = "tel:" + c.phone.replace(/[^+\d]/g, ""); li.appendChild(tel); }
      if (c.email) { var mail = el("a", "channel", c.email); mail.href = "mailto:" + c.email; li.appendChild(mail); }
    } else {
      li.appendChild(el("span", "unknown", S.colon + S.contact_unknown));
    }
    return li;
  }
  function siteCard(site, first) {
    var li = el("li", "site" + (first ? " first" : ""));
    var head = el("h3", null, site.name);
    li.appendChild(head);
    li.appendChild(el("p", "distance", fill(S.distance, { km: km.format(site.distance_km) }) + " · " + site.city + " (" + site.department + ")"));
    li.appendChild(el("p", "state open", "● " + site.status_label[cfg.lang]));
    var ref = site.reference_centre;
    li.appendChild(el("p", "reference", ref ? S.reference_centre + S.colon + ref.name : S.reference_unknown));
    if (site.contacts.length) {
      li.appendChild(el("h4", null, S.contacts));
      var ul = el("ul", "contacts");
      site.contacts.forEach(function (c) { ul.appendChild(contactLine(c)); });
      li.appendChild(ul);
      // The same public contacts as a vCard file, for the doctor's address book.
      var card = el("a", "vcard", S.add_contacts);
      card.href = cfg.api + "/sites/" + encodeURIComponent(site.id) + "/contacts.vcf?lang=" + encodeURIComponent(cfg.lang);
      card.setAttribute("download", site.id + "-contacts.vcf");
      card.setAttribute("aria-label", fill(S.add_contacts_label, { site: site.name }));
      li.appendChild(el("p", "add-contacts")).appendChild(card);
    }
    li.appendChild(el("p", "confirmed", site.status_confirmed_at
      ? fill(S.confirmed_on, { date: day.format(new Date(site.status_confirmed_at)) }) : S.never_confirmed));
    if (!site.provenance.verified) li.appendChild(el("p", "unverified", S.unverified));
    return li;
  }
  function notOpenNotice(sites) {
    var box = document.getElementById("not-open");
    box.textContent = "";
    if (!sites.length) return;
    var aside = el("aside", "notice");
    aside.appendChild(el("h3", null, S.nearer_not_open));
    var ul = el("ul");
    sites.forEach(function (site) {
      var li = el("li");
      li.appendChild(el("strong", null, site.name));
      li.appendChild(document.createTextNode(" — " + fill(S.distance, { km: km.format(site.distance_km) }) + " — ■ " + site.status_label[cfg.lang]));
      if (site.status_reason) li.appendChild(el("span", "reason", ". " + S.reason + S.colon + site.status_reason));
      if (site.expected_reopening) li.appendChild(el("span", "reopening", ". " + S.reopening + S.colon + dateOnly.format(new Date(site.expected_reopening))));
      ul.appendChild(li);
    });
    aside.appendChild(ul);
    box.appendChild(aside);
  }
  function placePatient(origin, firstId) {
    // The same frames as sitedir/widget/projection.py: the mainland, then each overseas inset.
    var marker = document.getElementById("patient");
    var lat = origin.latitude, lon = origin.longitude;
    var f = FRAMES.filter(function (f) { return f.west <= lon && lon <= f.east && f.south <= lat && lat <= f.north; })[0];
    var inside = !!f;
    marker.toggleAttribute("hidden", !inside);
    if (inside) {
      var x = f.x + (lon - f.west) * f.scale * f.k, y = f.y + (f.north - lat) * f.scale;
      marker.setAttribute("transform", "translate(" + x.toFixed(1) + " " + y.toFixed(1) + ")");
    }
    var sites = document.querySelectorAll(".marker");
    for (var i = 0; i < sites.length; i++) sites[i].classList.toggle("chosen", sites[i].getAttribute("data-site") === firstId);
    return inside;
  }
  function nearest(params, label) {
    say(S.searching);
    params.limit = cfg.limit;
    params.study = cfg.study;
    if (cfg.region) params.region = cfg.region;
    api("/nearest", params).then(function (r) {
      if (!r.ok) {
        answer.hidden = true;
        say(r.status === 404 || r.status === 422 || r.status === 400 ? S.no_place : S.error);
        return;
      }
      var data = r.body;
      document.getElementById("answer-title").textContent = fill(S.answer_for, { place: data.origin.label || label });
      notOpenNotice(data.nearer_not_open);
      var ol = document.getElementById("results");
      ol.textContent = "";
      data.results.forEach(function (site, i) { ol.appendChild(siteCard(site, i === 0)); });
      if (!data.results.length) ol.appendChild(el("li", "none", S.no_open));
      answer.hidden = false;
      var inside = placePatient(data.origin, data.results.length ? data.results[0].id : null);
      say((data.results.length ? data.results[0].name + " — " + fill(S.distance, { km: km.format(data.results[0].distance_km) }) : S.no_open)
        + (inside ? "" : " " + S.outside_map), inside && data.results.length > 0);
    }).catch(function () { say(S.error); });
  }

  /* ---- size the iframe to its content ---- */
  if (cfg.embedded === "true" && window.parent !== window) {
    var lastHeight = 0;
    var report = function () {
      // The content's own height (the document's would never shrink below the frame's).
      var h = Math.ceil(root.getBoundingClientRect().bottom + window.scrollY + 8);
      if (h !== lastHeight) { lastHeight = h; window.parent.postMessage({ type: "sitedir:resize", height: h }, "*"); }
    };
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
    window.addEventListener("load", report);
    report();
  }
})();
