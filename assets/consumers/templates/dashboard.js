/* Brukererfaringsundersøkelsen dashboard: vanilla JS, no network. Data: #data (JSON).
   Every text for a figure (share, interval, change, count) comes formatted from the build;
   a suppressed cell has no share, interval or change in the data at all, only its display text.
   Chart text alternatives fill the build's templates (D.alt, shared with the PDF reports). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var COLORS = ["#1b4f72", "#2e7d7a", "#b06a00", "#5f6b73"];
  var SHAPES = ["circle", "square", "triangle", "diamond"];
  var SVGNS = "http://www.w3.org/2000/svg";
  var SUPPRESSED_HELP = "Tallet vises ikke fordi det bygger på for få svar. Se «Om tallene».";

  function rows(t) {
    return t.rows.map(function (r) {
      var o = {};
      t.columns.forEach(function (c, i) { o[c] = r[i]; });
      return o;
    });
  }
  function h(tag, props, children) {
    var e = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "class") e.className = props[k];
      else if (k === "text") e.textContent = props[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), props[k]);
      else if (props[k] !== null && props[k] !== undefined) e.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === "") return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function s(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  // ---------- indexes ----------
  var cellsByUnitWave = new Map();
  rows(D.cells).forEach(function (c) {
    var k = c.u + "|" + c.w;
    if (!cellsByUnitWave.has(k)) cellsByUnitWave.set(k, new Map());
    cellsByUnitWave.get(k).set(c.i, c);
  });
  var unitWave = new Map();
  rows(D.unitWaves).forEach(function (r) { unitWave.set(r.u + "|" + r.w, r); });
  var dist = new Map();
  D.distribution.forEach(function (r) { dist.set(r[0] + "|" + r[1] + "|" + r[2], r[3]); });
  var unitIndex = new Map(D.units.map(function (u, i) { return [u.key, i]; }));
  var indIndex = new Map(D.indicators.map(function (x, i) { return [x.id + "|" + x.measure, i]; }));
  var NATIONAL = unitIndex.has("national:NO") ? unitIndex.get("national:NO") : null;

  function cellsOf(u, w) { return cellsByUnitWave.get(u + "|" + w) || new Map(); }
  function cellOf(u, w, i) { return cellsOf(u, w).get(i) || null; }
  function prevWave(w) {
    var earlier = D.waves.filter(function (x) { return x < w; });
    return earlier.length ? earlier[earlier.length - 1] : null;
  }
  function unitName(u) { return D.units[u].name; }
  function seriesName(u) { return D.units[u].series || D.units[u].name; }
  function indKey(i) { return D.indicators[i].id + "|" + D.indicators[i].measure; }
  function comparisons(u, w) {
    var r = unitWave.get(u + "|" + w) || {};
    var type = D.units[u].type, out = [];
    if (type === "bydel" && r.kommune !== null && r.kommune !== undefined) out.push(r.kommune);
    if (["kommune", "bydel", "pool"].indexOf(type) >= 0 && r.size !== null && r.size !== undefined) out.push(r.size);
    if (type !== "national" && NATIONAL !== null) out.push(NATIONAL);
    return out.filter(function (c) { return cellsOf(c, w).size > 0; });
  }

  // ---------- state and permanent link ----------
  var latest = D.waves[D.waves.length - 1];
  var state = { wave: latest, unit: NATIONAL !== null ? NATIONAL : 0, ind: null };
  function readHash() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    var w = parseInt(p.get("maling"), 10);
    if (D.waves.indexOf(w) >= 0) state.wave = w;
    if (unitIndex.has(p.get("enhet"))) state.unit = unitIndex.get(p.get("enhet"));
    state.ind = indIndex.has(p.get("sporsmal")) ? indIndex.get(p.get("sporsmal")) : null;
  }
  function hashFor(wave, unit, ind) {
    var p = new URLSearchParams();
    p.set("maling", wave);
    p.set("enhet", D.units[unit].key);
    if (ind !== null) p.set("sporsmal", indKey(ind));
    return "#" + p.toString();
  }
  function writeHash() {
    var next = hashFor(state.wave, state.unit, state.ind);
    if (location.hash !== next) history.replaceState(null, "", next);
  }

  // ---------- figure texts ----------
  function changeWords(c, measure) {
    var better = (c.direction > 0) === (measure !== "share_negative");
    return { cls: better ? "good" : "bad", word: better ? "bedre" : "dårligere",
      said: "signifikant " + (c.direction > 0 ? "økning" : "nedgang") + ", " + (better ? "bedre" : "dårligere") };
  }
  function shareNode(c, cls) {
    if (!c) return h("span", { class: "flat", text: "–" });
    if (c.suppressed) {
      return h("span", { class: "suppressed " + (cls || ""), "data-suppressed": "true" }, [
        h("abbr", { title: SUPPRESSED_HELP, text: c.display })]);
    }
    return h("span", { class: "share " + (cls || ""), text: c.display });
  }
  function changeNode(c, hasPrev, measure) {
    if (!c || c.suppressed) return h("span", {});
    if (!c.comparable) return h("span", { class: "flat", text: hasPrev ? "ikke sml." : "" });
    if (c.change === null) return h("span", { class: "flat", text: "–" });
    var title = c.changeCi ? "95 % KI for endringen: " + c.changeCi + " prosentpoeng" : null;
    if (!c.significant) return h("span", { class: "flat", title: title, text: c.change });
    var t = changeWords(c, measure);
    return h("span", { class: t.cls, title: title, "data-significant": "true" }, [
      h("b", { "aria-hidden": "true", text: (c.direction > 0 ? "↑ " : "↓ ") }), c.change,
      h("small", { class: "tone", text: " " + t.word }),
      h("span", { class: "sr-only", text: " (" + t.said + ")" })]);
  }
  function hasPrevCell(u, w, i) {
    var p = prevWave(w);
    return p !== null && cellOf(u, p, i) !== null;
  }
  function pointWords(c) {
    if (!c) return "–";
    return c.ci ? fill(D.alt.point, { value: c.display, ci: c.ci }) : c.display;
  }
  function subjectWords(x) { return fill(D.alt.subject, { label: x.label, note: x.note }); }
  function intervalAlt(x, series, cells) {
    return fill(D.alt.interval, { subject: subjectWords(x), series: series.map(function (u, k) {
      return fill(D.alt.series, { name: seriesName(u), points: pointWords(cells[k]) });
    }).join("; ") });
  }
  function trendAlt(x, series, i) {
    return fill(D.alt.trend, { subject: subjectWords(x), series: series.map(function (u) {
      var points = D.waves.filter(function (w) { return cellOf(u, w, i); }).map(function (w) {
        return fill(D.alt.wave_point, { wave: w, point: pointWords(cellOf(u, w, i)) });
      });
      return fill(D.alt.series, { name: seriesName(u), points: points.length ? points.join(", ") : "–" });
    }).join("; ") });
  }

  // ---------- svg ----------
  function marker(k, x, y, r, color) {
    var shape = SHAPES[k % SHAPES.length], a = { fill: color, stroke: "#fff", "stroke-width": 1 };
    if (shape === "circle") return s("circle", Object.assign({ cx: x, cy: y, r: r }, a));
    if (shape === "square") return s("rect", Object.assign({ x: x - r * 0.85, y: y - r * 0.85, width: r * 1.7, height: r * 1.7 }, a));
    if (shape === "triangle") return s("polygon", Object.assign({ points: [x, y - r, x + r, y + r * 0.8, x - r, y + r * 0.8].join(" ") }, a));
    return s("polygon", Object.assign({ points: [x, y - r, x + r, y, x, y + r, x - r, y].join(" ") }, a));
  }
  function intervalBar(x, series, cells) {
    var W = 150, H = 18;
    var svg = s("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": intervalAlt(x, series, cells) });
    [0, 0.5, 1].forEach(function (v) {
      svg.appendChild(s("line", { x1: 2 + v * (W - 4), x2: 2 + v * (W - 4), y1: 2, y2: H - 2, stroke: "#b9c4cc" }));
    });
    cells.forEach(function (c, k) {
      if (k === 0 || !c || c.share === null) return;
      svg.appendChild(marker(k, 2 + c.share * (W - 4), H / 2, 4, COLORS[k % COLORS.length]));
    });
    var u = cells[0];
    if (u && u.share !== null) {
      svg.appendChild(s("line", { x1: 2 + u.lo * (W - 4), x2: 2 + u.hi * (W - 4), y1: H / 2, y2: H / 2, stroke: COLORS[0], "stroke-width": 2 }));
      svg.appendChild(marker(0, 2 + u.share * (W - 4), H / 2, 4.5, COLORS[0]));
    }
    return svg;
  }
  function trendChart(x, series, i) {
    var W = 560, H = 260, L = 46, R = 14, T = 14, B = 34;
    var svg = s("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", "aria-label": trendAlt(x, series, i),
      "data-testid": "trend-chart" });
    var xs = function (k) { return L + (k + 0.5) * (W - L - R) / D.waves.length; };
    var ys = function (v) { return T + (1 - v) * (H - T - B); };
    [0, 0.2, 0.4, 0.6, 0.8, 1].forEach(function (v) {
      svg.appendChild(s("line", { x1: L, x2: W - R, y1: ys(v), y2: ys(v), stroke: "#e3e3e3" }));
      svg.appendChild(s("text", { x: L - 6, y: ys(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#4f5a61" }, Math.round(v * 100) + " %"));
    });
    D.waves.forEach(function (w, k) {
      svg.appendChild(s("text", { x: xs(k), y: H - 12, "text-anchor": "middle", "font-size": 12,
        "font-weight": w === state.wave ? 700 : 400, fill: "#333" }, String(w)));
    });
    series.forEach(function (u, n) {
      var color = COLORS[n % COLORS.length], dx = (n - (series.length - 1) / 2) * 9, prev = null;
      D.waves.forEach(function (w, k) {
        var c = cellOf(u, w, i);
        if (!c || c.share === null) { prev = null; return; }
        var px = xs(k) + dx;
        if (prev && c.comparable) {
          svg.appendChild(s("line", { x1: prev[0], y1: prev[1], x2: px, y2: ys(c.share), stroke: color, "stroke-width": 1.5, "stroke-opacity": 0.6 }));
        }
        svg.appendChild(s("line", { x1: px, x2: px, y1: ys(c.lo), y2: ys(c.hi), stroke: color, "stroke-width": 2 }));
        svg.appendChild(marker(n, px, ys(c.share), 4.5, color));
        prev = [px, ys(c.share)];
      });
    });
    return svg;
  }
  function legend(series) {
    return h("div", { class: "legend", "aria-hidden": "true" }, series.map(function (u, n) {
      var icon = s("svg", { width: 12, height: 12, viewBox: "0 0 12 12" });
      icon.appendChild(marker(n, 6, 6, 5, COLORS[n % COLORS.length]));
      return h("span", {}, [icon, " " + seriesName(u)]);
    }));
  }

  // ---------- controls ----------
  function fillWaves() {
    var sel = document.getElementById("wave");
    sel.textContent = "";
    D.waves.slice().reverse().forEach(function (w) {
      sel.appendChild(h("option", { value: w, text: w + " (" + D.editions[w].label + ")" }));
    });
    sel.value = state.wave;
  }
  function unitsInWave(w) {
    return D.units.map(function (u, i) { return i; }).filter(function (i) {
      return unitWave.has(i + "|" + w) || cellsOf(i, w).size > 0;
    });
  }
  function query() { return document.getElementById("unit-search").value.trim().toLowerCase(); }
  function matches(i, q) {
    var u = D.units[i];
    return !q || u.name.toLowerCase().indexOf(q) >= 0 || u.id.toLowerCase().indexOf(q) >= 0;
  }
  function fillUnits() {
    var sel = document.getElementById("unit"), q = query();
    sel.textContent = "";
    var groups = {}, found = 0;
    unitsInWave(state.wave).forEach(function (i) {
      var u = D.units[i], hit = matches(i, q);
      if (!hit && i !== state.unit) return;
      if (hit) found += 1;
      var r = unitWave.get(i + "|" + state.wave);
      var label = u.name + (u.type === "kommune" || u.type === "bydel" ? " (" + u.id + ")" : "");
      if (r && !r.published) label += " – slått sammen";
      (groups[u.type] = groups[u.type] || []).push(h("option", { value: u.key, text: label }));
    });
    D.labels.unitTypeOrder.forEach(function (t) {
      if (!groups[t]) return;
      sel.appendChild(h("optgroup", { label: D.labels.unitTypePlurals[t] }, groups[t]));
    });
    sel.value = D.units[state.unit].key;
    return found;
  }
  function firstMatch() {
    var q = query(), all = unitsInWave(state.wave).filter(function (i) { return matches(i, q); });
    var order = D.labels.unitTypeOrder;
    all.sort(function (a, b) { return order.indexOf(D.units[a].type) - order.indexOf(D.units[b].type) || a - b; });
    return all.length ? all[0] : null;
  }
  function fillIndicators() {
    var sel = document.getElementById("indicator");
    sel.textContent = "";
    sel.appendChild(h("option", { value: "", text: "Alle spørsmål (oversikt)" }));
    var groups = [], byTopic = {};
    D.indicators.forEach(function (x) {
      if (!byTopic[x.topic]) { byTopic[x.topic] = h("optgroup", { label: x.topicTitle }); groups.push(byTopic[x.topic]); }
      byTopic[x.topic].appendChild(h("option", { value: x.id + "|" + x.measure, text: x.short }));
    });
    groups.forEach(function (g) { sel.appendChild(g); });
    sel.value = state.ind === null ? "" : indKey(state.ind);
  }

  // ---------- CSV of the shown table (published display texts only) ----------
  function csvField(v) {
    var t = v === null || v === undefined ? "" : String(v);
    return /[";\r\n]/.test(t) ? "\"" + t.replace(/"/g, "\"\"") + "\"" : t;
  }
  function csvRow(u, w, i, c) {
    var x = D.indicators[i], ci = c && c.ci ? c.ci.split("–") : ["", ""];
    var change = c && !c.suppressed && c.comparable && c.change !== null ? c.change.replace("\u2212", "-") : "";
    return [w, D.editions[w].id, D.units[u].name, D.labels.unitTypes[D.units[u].type], x.topicTitle, x.label, x.note,
      c ? c.display : "", ci[0], ci[1], c && c.nValid ? c.nValid.replace(/\u00a0/g, "") : "", change,
      c && c.significant ? "ja" : (change ? "nei" : ""),
      c && !c.suppressed ? (c.comparable ? "ja" : "nei") : ""];
  }
  var CSV_HEAD = ["Måling", "Utgave", "Enhet", "Enhetstype", "Tema", "Spørsmål", "Mål", "Andel", "KI nedre (%)",
    "KI øvre (%)", "Gyldige svar (n)", "Endring (prosentpoeng)", "Signifikant endring", "Sammenlignbar med forrige måling"];
  function shownTable() {
    var u = state.unit, w = state.wave, out = [];
    if (state.ind === null) {
      var series = [u].concat(comparisons(u, w));
      D.indicators.forEach(function (x, i) {
        if (!cellOf(u, w, i)) return;
        series.forEach(function (k) { out.push(csvRow(k, w, i, cellOf(k, w, i))); });
      });
    } else {
      var i = state.ind, comps = [u].concat(comparisons(u, w));
      D.waves.forEach(function (wave) {
        comps.forEach(function (k) { var c = cellOf(k, wave, i); if (c) out.push(csvRow(k, wave, i, c)); });
      });
    }
    return out;
  }
  function csvText() {
    return "\ufeff" + [CSV_HEAD].concat(shownTable()).map(function (r) { return r.map(csvField).join(";"); }).join("\r\n") + "\r\n";
  }
  function csvName() {
    var unit = D.units[state.unit], ed = D.editions[state.wave].id;
    var name = "brukerstemme_" + state.wave + "_" + ed + "_" + unit.type + "-" + unit.id;
    if (state.ind !== null) name += "_" + D.indicators[state.ind].id + (D.indicators[state.ind].measure === "share_negative" ? "-negativ" : "");
    return name.replace(/[^A-Za-z0-9_.-]/g, "-") + ".csv";
  }

  // ---------- views ----------
  function fact(label, value) { return h("div", { class: "fact" }, [h("span", { text: label }), h("b", { text: value })]); }
  function renderUnitCard() {
    var card = document.getElementById("unit-card"), u = state.unit, w = state.wave;
    var unit = D.units[u], r = unitWave.get(u + "|" + w) || null, have = cellsOf(u, w).size > 0;
    card.textContent = "";
    card.appendChild(h("div", { class: "unit-head" }, [
      h("h2", { id: "unit-heading", "data-testid": "unit-name", text: unit.name }),
      h("span", { class: "unit-type", "data-testid": "unit-edition", text: D.labels.unitTypes[unit.type] + " · måling " + w + " · " + D.editions[w].label })]));
    var facts = h("div", { class: "facts" });
    var n = r && r.n !== null ? r.n : "–";
    var nNode = fact("Antall svar", n); nNode.setAttribute("data-testid", "unit-n"); facts.appendChild(nNode);
    if (r && r.kommune !== null) facts.appendChild(fact("Kommune", unitName(r.kommune)));
    if (r && r.county !== null && unit.type === "kommune") facts.appendChild(fact("Fylke", unitName(r.county)));
    if (r && r.rhf !== null && unit.type !== "rhf") facts.appendChild(fact("Helseregion", unitName(r.rhf)));
    if (r && r.size !== null && ["kommune", "bydel", "pool"].indexOf(unit.type) >= 0) {
      facts.appendChild(fact("Kommunestørrelse", D.labels.sizeShort[D.units[r.size].id] || unitName(r.size)));
    }
    card.appendChild(facts);
    if (r && r.members && r.members.length) {
      card.appendChild(h("p", {}, [h("b", { text: "Kommuner i gruppen: " }), r.members.map(function (m) {
        var mr = unitWave.get(m + "|" + w);
        return unitName(m) + " (" + (mr && mr.n !== null ? mr.n : "–") + " svar)";
      }).join(", ") + "."]));
      if (r.poolReason) card.appendChild(h("p", { class: "sub", text: r.poolReason }));
    }
    if (r && !r.published && r.pool !== null) {
      card.appendChild(h("div", { class: "notice", "data-testid": "pooled-notice" }, [
        (r.poolReason || unit.name + " har færre enn " + D.rules.min_unit_respondents + " svar i " + w +
          " og er slått sammen med andre små kommuner.") + " Enheten har derfor ikke egne resultater. ",
        h("button", { type: "button", class: "link", onclick: function () { select({ unit: r.pool }, "unit"); }, text: "Vis resultatene for " + unitName(r.pool) })]));
    } else if (!have) {
      card.appendChild(h("div", { class: "notice", text: "Det finnes ingen publiserte resultater for " + unit.name + " i " + w + "." }));
    }
  }

  function renderActions() {
    var box = document.getElementById("actions");
    box.textContent = "";
    if (!cellsOf(state.unit, state.wave).size) return;
    var csv = h("a", { class: "button", "data-testid": "csv", download: csvName(),
      href: "data:text/csv;charset=utf-8," + encodeURIComponent(csvText()), text: "Last ned tabellen (CSV)" });
    var link = h("a", { class: "button", "data-testid": "permalink", href: hashFor(state.wave, state.unit, state.ind),
      text: "Fast lenke til visningen" });
    var print = h("button", { type: "button", class: "button", "data-testid": "print", onclick: function () { window.print(); },
      text: "Skriv ut" });
    box.appendChild(csv); box.appendChild(link); box.appendChild(print);
  }

  function compCell(c) {
    if (!c) return h("td", { class: "num" }, [h("span", { class: "flat", text: "–" })]);
    return h("td", { class: "num" }, [shareNode(c), c.ci ? h("div", { class: "ci", text: "(" + c.ci + ")" }) : null]);
  }
  function renderOverview(view) {
    var u = state.unit, w = state.wave, own = cellsOf(u, w);
    if (!own.size) return;
    var comps = comparisons(u, w), series = [u].concat(comps), width = 6 + comps.length;
    view.appendChild(h("h2", { class: "view-title", text: "Alle spørsmål, måling " + w }));
    view.appendChild(h("p", { class: "sub", text: "Andel med 95 % konfidensintervall (KI) og antall gyldige svar (n). " +
      "Endring i prosentpoeng fra forrige måling; pil og «bedre» eller «dårligere» betyr signifikant endring. " +
      "Velg et spørsmål for utvikling og svarfordeling." }));
    view.appendChild(legend(series));
    var head = h("tr", {}, [h("th", { scope: "col", text: "Spørsmål" }), h("th", { scope: "col", class: "num", text: "Andel" }),
      h("th", { scope: "col", class: "num", text: "KI" }), h("th", { scope: "col", class: "num", text: "n" }),
      h("th", { scope: "col", class: "num", text: "Endring" }), h("th", { scope: "col", class: "hide-narrow", text: "Figur 0–100 %" })]
      .concat(comps.map(function (c) { return h("th", { scope: "col", class: "num", text: D.units[c].type === "size_class" ? "Samme størrelse" : unitName(c) }); })));
    var table = h("table", { class: "results", "data-testid": "overview" }, [
      h("caption", { class: "sr-only", text: "Resultater for " + unitName(u) + ", måling " + w }), h("thead", {}, [head])]);
    var body = null, topic = null;
    D.indicators.forEach(function (x, i) {
      var c = own.get(i);
      if (!c) return;
      if (x.topic !== topic) {
        topic = x.topic;
        body = h("tbody");
        body.appendChild(h("tr", { class: "topic" }, [h("th", { scope: "colgroup", colspan: width, text: x.topicTitle })]));
        table.appendChild(body);
      }
      var compCells = comps.map(function (k) { return cellOf(k, w, i); });
      var open = h("a", { href: hashFor(w, u, i), class: "open", "data-open": indKey(i), text: x.label });
      body.appendChild(h("tr", { class: "row", "data-indicator": indKey(i),
        onclick: function (e) {
          if (e.ctrlKey || e.metaKey || e.shiftKey || e.button) return;  // a new tab keeps the link
          e.preventDefault();
          select({ ind: i }, "detail");
        } }, [
        h("th", { scope: "row", class: "label" }, [open, h("small", { text: x.note })]),
        h("td", { class: "num", "data-field": "share" }, [shareNode(c)]),
        h("td", { class: "num ci", "data-field": "ci", text: c.ci || "" }),
        h("td", { class: "num", "data-field": "n", text: c.nValid || "" }),
        h("td", { class: "num", "data-field": "change" }, [changeNode(c, hasPrevCell(u, w, i), x.measure)]),
        h("td", { class: "hide-narrow" }, [intervalBar(x, series, [c].concat(compCells))])
      ].concat(compCells.map(compCell))));
    });
    // a narrow screen scrolls the table sideways; the region takes focus so a keyboard can too
    view.appendChild(h("div", { class: "card table-scroll", tabindex: "0", role: "region",
      "aria-label": "Resultattabell, kan rulles sidelengs" }, [table]));
  }

  function renderDistribution(u, w, x) {
    var box = h("div", { class: "card" }, [h("h3", { text: "Svarfordeling " + w })]);
    var parts = dist.get(u + "|" + w + "|" + x.id);
    var blocked = D.indicators.some(function (y, i) { var c = cellOf(u, w, i); return y.id === x.id && c && c.suppressed; });
    if (!parts || blocked || parts.some(function (p) { return p[2] || p[1] === null; })) {
      box.appendChild(h("p", { class: "suppressed", "data-testid": "distribution-suppressed",
        text: parts ? "Svarfordelingen vises ikke: for få svar." : "Ingen svarfordeling publisert." }));
      return box;
    }
    var palette = ["#b23a2e", "#e08a6e", "#d9d9d9", "#7fb3d5", "#1b4f72", "#9e9e9e", "#bdbdbd", "#e0e0e0", "#48a9a6", "#e4a03a"];
    var said = parts.map(function (p) {
      var code = D.answers[p[0]];
      return fill(D.alt.answer, { label: D.labels.answers[code] || code, pct: p[3] + " %", n: p[1] });
    }).join(", ");
    var bar = h("div", { class: "dist-bar", role: "img", "data-testid": "distribution-bar",
      "aria-label": fill(D.alt.distribution, { wave: w, parts: said }) });
    var table = h("table", { class: "dist-table" }, [h("caption", { class: "sr-only", text: "Svarfordeling " + w }),
      h("thead", {}, [h("tr", {}, [h("th", { scope: "col", text: "Svar" }), h("th", { scope: "col", class: "num", text: "Antall" }),
        h("th", { scope: "col", class: "num", text: "Andel" })])])]);
    var tb = h("tbody");
    parts.forEach(function (p, k) {
      var code = D.answers[p[0]], label = D.labels.answers[code] || code, color = palette[k % palette.length];
      bar.appendChild(h("span", { style: "width:" + p[3] + "%;background:" + color, title: label + ": " + p[3] + " %" }));
      tb.appendChild(h("tr", {}, [h("th", { scope: "row" }, [h("span", { class: "swatch", "aria-hidden": "true", style: "background:" + color }), label]),
        h("td", { class: "num", text: p[1] }), h("td", { class: "num", text: p[3] + " %" })]));
    });
    table.appendChild(tb);
    box.appendChild(bar);
    box.appendChild(table);
    return box;
  }

  function renderDetail(view) {
    var u = state.unit, w = state.wave, i = state.ind, x = D.indicators[i], c = cellOf(u, w, i);
    var comps = comparisons(u, w), series = [u].concat(comps);
    var left = h("div", { class: "card" }, [h("h2", { id: "detail-heading", tabindex: "-1", class: "detail-title", text: x.label }),
      h("p", { class: "sub", text: x.note + ", " + w })]);
    if (!c) {
      left.appendChild(h("p", { class: "flat", text: "Spørsmålet er ikke stilt eller ikke publisert for denne enheten i " + w + "." }));
    } else {
      left.appendChild(h("div", { "data-testid": "detail-share" }, [shareNode(c, "big")]));
      if (c.suppressed) left.appendChild(h("p", { class: "sub", text: SUPPRESSED_HELP }));
      else left.appendChild(h("p", { class: "sub", "data-testid": "detail-ci", text: "95 % KI " + c.ci + " % · n = " + c.nValid }));
      left.appendChild(h("p", { "data-testid": "detail-change" }, ["Endring fra forrige måling: ", changeNode(c, hasPrevCell(u, w, i), x.measure)]));
    }
    left.appendChild(h("ul", { class: "compare-list" }, comps.map(function (k) {
      var cc = cellOf(k, w, i);
      return h("li", {}, [h("span", { text: seriesName(k) }), h("span", {}, [shareNode(cc), cc && cc.ci ? h("span", { class: "ci", text: " (" + cc.ci + ")" }) : null])]);
    })));
    var right = h("div", { class: "card" }, [h("h3", { text: "Utvikling over tid" }), legend(series), trendChart(x, series, i)]);
    var t = h("table", { class: "results", "data-testid": "trend-table" }, [h("caption", { class: "sr-only", text: "Utvikling over tid: " + x.label }),
      h("thead", {}, [h("tr", {}, [h("th", { scope: "col", text: "Måling" })].concat(series.map(function (k) {
        return h("th", { scope: "col", class: "num", text: seriesName(k) }); })))])]);
    var tb = h("tbody");
    D.waves.forEach(function (wave) {
      tb.appendChild(h("tr", {}, [h("th", { scope: "row", text: String(wave) })].concat(series.map(function (k) {
        var cc = cellOf(k, wave, i), arrow = null;
        if (cc && cc.significant) {
          var tw = changeWords(cc, x.measure);
          arrow = h("span", { class: tw.cls }, [h("b", { "aria-hidden": "true", text: cc.direction > 0 ? " ↑" : " ↓" }),
            h("small", { class: "tone", text: " " + tw.word }), h("span", { class: "sr-only", text: " (" + tw.said + ")" })]);
        }
        return h("td", { class: "num" }, [shareNode(cc), cc && cc.ci ? h("div", { class: "ci", text: "(" + cc.ci + ")" }) : null, arrow,
          cc && !cc.comparable && hasPrevCell(k, wave, i) ? h("sup", { title: "Ikke sammenlignbar med forrige måling" }, [
            h("span", { "aria-hidden": "true", text: "†" }), h("span", { class: "sr-only", text: " ikke sammenlignbar med forrige måling" })]) : null]);
      }))));
    });
    t.appendChild(tb);
    right.appendChild(t);
    right.appendChild(h("p", { class: "sub", text: "Pil og «bedre» eller «dårligere»: signifikant endring fra forrige måling. †: ikke sammenlignbar med forrige måling." }));
    view.appendChild(h("div", { class: "detail" }, [h("div", {}, [left, renderDistribution(u, w, x)]), right]));
    view.appendChild(h("p", { class: "back" }, [h("button", { type: "button", class: "link", "data-testid": "back",
      onclick: function () { var from = i; select({ ind: null }, "row:" + indKey(from)); }, text: "← Tilbake til alle spørsmål" })]));
  }

  function renderEdition() {
    var box = document.getElementById("edition"), w = state.wave, e = D.editions[w], log = e.log;
    box.textContent = "";
    box.appendChild(h("p", { "data-testid": "edition-current" }, ["Tallene for måling " + w + " er ", h("b", { text: e.label }),
      " (" + e.id + "), den gjeldende utgaven. Tidligere utgaver er arkivert uendret."]));
    var wrap = h("div", { "data-testid": "changelog" }, [h("h3", { text: "Endringslogg for " + e.label + " av måling " + w })]);
    box.appendChild(wrap);
    if (!log.known) { wrap.appendChild(h("p", { text: "Endringsloggen er ikke med i denne visningen." })); return; }
    if (log.first) { wrap.appendChild(h("p", { text: "Første utgave av målingen. Ingen tidligere tall å sammenligne med." })); return; }
    if (log.previous) wrap.appendChild(h("p", { text: "Sammenlignet med forrige utgave: " + log.previous.label + " (" + log.previous.id + ")." }));
    if (!log.moved.length) wrap.appendChild(h("p", { text: "Ingen publiserte tall er endret." }));
    else {
      var t = h("table", { class: "results changes" }, [h("caption", { class: "sr-only", text: "Tall som er endret" }),
        h("thead", {}, [h("tr", {}, ["Endring", "Enhet", "Spørsmål", "Før", "Nå"].map(function (c) { return h("th", { scope: "col", text: c }); }))])]);
      var tb = h("tbody");
      log.moved.forEach(function (r) {
        tb.appendChild(h("tr", {}, [h("td", { text: r[0] }), h("th", { scope: "row", text: r[1] }), h("td", { text: r[2] }),
          h("td", { text: r[3] }), h("td", { text: r[4] })]));
      });
      t.appendChild(tb);
      wrap.appendChild(h("p", { text: "Tall som er endret: " + (log.moved.length + log.more) + "." }));
      wrap.appendChild(t);
      if (log.more) wrap.appendChild(h("p", { class: "sub", text: "… og " + log.more + " til; alle står i den publiserte endringsloggen." }));
    }
    if (log.held.length) {
      wrap.appendChild(h("h4", { text: "Leveranser holdt tilbake" }));
      wrap.appendChild(h("ul", {}, log.held.map(function (r) { return h("li", { text: r[0] + ": " + (r[1] || "") }); })));
    }
    if (log.answers.length) {
      wrap.appendChild(h("h4", { text: "Svar holdt tilbake" }));
      wrap.appendChild(h("ul", {}, log.answers.map(function (r) { return h("li", { text: r[0] + ": " + r[1].join(", ") }); })));
      wrap.appendChild(h("p", { class: "sub", text: log.answersNote }));
    }
  }

  function renderAll() {
    var view = document.getElementById("view");
    renderUnitCard();
    renderActions();
    view.textContent = "";
    if (state.ind === null) renderOverview(view); else renderDetail(view);
    renderEdition();
    document.getElementById("print-url").textContent = location.href;
    var what = unitName(state.unit) + ", måling " + state.wave + (state.ind === null ? ", alle spørsmål" : ", " + D.indicators[state.ind].short);
    document.getElementById("status").textContent = "Viser " + what + ".";
  }

  function render(focus) {
    writeHash();
    fillUnits();
    fillIndicators();
    renderAll();
    if (focus === "detail") document.getElementById("detail-heading").focus();
    else if (focus === "unit") {
      document.getElementById("unit-heading").setAttribute("tabindex", "-1");
      document.getElementById("unit-heading").focus();
    }
    else if (focus && focus.indexOf("row:") === 0) {
      var back = document.querySelector('a[data-open="' + focus.slice(4) + '"]');
      if (back) back.focus();
    }
  }
  function select(patch, focus) { Object.assign(state, patch); render(focus); }

  document.addEventListener("DOMContentLoaded", function () {
    readHash();
    fillWaves();
    document.getElementById("wave").addEventListener("change", function (e) { select({ wave: parseInt(e.target.value, 10) }); });
    document.getElementById("unit").addEventListener("change", function (e) { select({ unit: unitIndex.get(e.target.value) }); });
    document.getElementById("indicator").addEventListener("change", function (e) {
      select({ ind: e.target.value ? indIndex.get(e.target.value) : null });
    });
    var search = document.getElementById("unit-search"), status = document.getElementById("unit-search-status");
    search.addEventListener("input", function () {
      var found = fillUnits();
      status.textContent = query() ? (found === 1 ? "1 enhet passer." : found + " enheter passer.") : "";
    });
    search.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      var hit = firstMatch();
      if (hit === null) { status.textContent = "Ingen enhet passer."; return; }
      select({ unit: hit });
      status.textContent = "Valgt: " + unitName(hit) + ".";
    });
    window.addEventListener("hashchange", function () { readHash(); fillWaves(); render(); });
    document.getElementById("rules-text").textContent = D.rules.suppression_text;  // from quality/disclosure.yaml
    document.getElementById("editions").textContent = "Publiserte tall fra " + D.waves.map(function (w) {
      return w + " (" + D.editions[w].label + ")";
    }).join(", ") + ".";
    render();
  });
})();
