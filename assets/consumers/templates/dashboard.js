/* Brukererfaringsundersøkelsen dashboard: vanilla JS, no network. Data: #data (JSON).
   Every text for a figure (share, interval, change) comes formatted from the build; a suppressed
   cell has no share, interval or change in the data at all, only its display text. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var COLORS = ["#1b4f72", "#48a9a6", "#e4a03a", "#7f7f7f"];
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
  function seriesName(u) {
    var unit = D.units[u];
    if (unit.type === "size_class") return "Kommunestørrelse " + (D.labels.sizeShort[unit.id] || unit.name);
    return unit.name;
  }
  function comparisons(u, w) {
    var r = unitWave.get(u + "|" + w) || {};
    var type = D.units[u].type, out = [];
    if (type === "bydel" && r.kommune !== null && r.kommune !== undefined) out.push(r.kommune);
    if (["kommune", "bydel", "pool"].indexOf(type) >= 0 && r.size !== null && r.size !== undefined) out.push(r.size);
    if (type !== "national" && NATIONAL !== null) out.push(NATIONAL);
    return out.filter(function (c) { return cellsOf(c, w).size > 0; });
  }

  // ---------- state ----------
  var latest = D.waves[D.waves.length - 1];
  var state = { wave: latest, unit: NATIONAL !== null ? NATIONAL : 0, ind: null };
  function readHash() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    var w = parseInt(p.get("maling"), 10);
    if (D.waves.indexOf(w) >= 0) state.wave = w;
    if (unitIndex.has(p.get("enhet"))) state.unit = unitIndex.get(p.get("enhet"));
    state.ind = indIndex.has(p.get("sporsmal")) ? indIndex.get(p.get("sporsmal")) : null;
  }
  function writeHash() {
    var p = new URLSearchParams();
    p.set("maling", state.wave);
    p.set("enhet", D.units[state.unit].key);
    if (state.ind !== null) p.set("sporsmal", D.indicators[state.ind].id + "|" + D.indicators[state.ind].measure);
    var next = "#" + p.toString();
    if (location.hash !== next) history.replaceState(null, "", next);
  }

  // ---------- figure texts ----------
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
    var better = (c.direction > 0) === (measure !== "share_negative");
    return h("span", { class: better ? "good" : "bad", title: title },
      [h("b", { text: (c.direction > 0 ? "↑ " : "↓ ") }), c.change]);
  }
  function hasPrevCell(u, w, i) {
    var p = prevWave(w);
    return p !== null && cellOf(u, p, i) !== null;
  }

  // ---------- svg ----------
  function intervalBar(cells) {
    var W = 150, H = 18, svg = s("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img" });
    [0, 0.5, 1].forEach(function (x) {
      svg.appendChild(s("line", { x1: 2 + x * (W - 4), x2: 2 + x * (W - 4), y1: 2, y2: H - 2, stroke: "#d5dde3" }));
    });
    cells.forEach(function (c, k) {
      if (k === 0 || !c || c.share === null) return;
      var x = 2 + c.share * (W - 4);
      svg.appendChild(s("rect", { x: x - 1, y: 3, width: 2, height: H - 6, fill: COLORS[k % COLORS.length] }));
    });
    var u = cells[0];
    if (u && u.share !== null) {
      svg.appendChild(s("line", { x1: 2 + u.lo * (W - 4), x2: 2 + u.hi * (W - 4), y1: H / 2, y2: H / 2, stroke: COLORS[0], "stroke-width": 2 }));
      svg.appendChild(s("circle", { cx: 2 + u.share * (W - 4), cy: H / 2, r: 4.5, fill: COLORS[0], stroke: "#fff" }));
    }
    return svg;
  }
  function trendChart(series, i) {
    var W = 560, H = 260, L = 46, R = 14, T = 14, B = 34;
    var svg = s("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", "aria-label": "Utvikling over tid" });
    var xs = function (k) { return L + (k + 0.5) * (W - L - R) / D.waves.length; };
    var ys = function (v) { return T + (1 - v) * (H - T - B); };
    [0, 0.2, 0.4, 0.6, 0.8, 1].forEach(function (v) {
      svg.appendChild(s("line", { x1: L, x2: W - R, y1: ys(v), y2: ys(v), stroke: "#e3e3e3" }));
      svg.appendChild(s("text", { x: L - 6, y: ys(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#5f6b73" }, Math.round(v * 100) + " %"));
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
        var x = xs(k) + dx;
        if (prev && c.comparable) {
          svg.appendChild(s("line", { x1: prev[0], y1: prev[1], x2: x, y2: ys(c.share), stroke: color, "stroke-width": 1.5, "stroke-opacity": 0.6 }));
        }
        svg.appendChild(s("line", { x1: x, x2: x, y1: ys(c.lo), y2: ys(c.hi), stroke: color, "stroke-width": 2 }));
        var dot = s("circle", { cx: x, cy: ys(c.share), r: 4.5, fill: color, stroke: "#fff" });
        dot.appendChild(s("title", {}, seriesName(u) + " " + w + ": " + c.display + " (KI " + c.ci + ")"));
        svg.appendChild(dot);
        prev = [x, ys(c.share)];
      });
    });
    return svg;
  }
  function legend(series) {
    return h("div", { class: "legend" }, series.map(function (u, n) {
      return h("span", {}, [h("i", { style: "background:" + COLORS[n % COLORS.length] }), seriesName(u)]);
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
  function fillUnits() {
    var sel = document.getElementById("unit"), q = document.getElementById("unit-search").value.trim().toLowerCase();
    sel.textContent = "";
    var groups = {};
    unitsInWave(state.wave).forEach(function (i) {
      var u = D.units[i];
      if (q && u.name.toLowerCase().indexOf(q) < 0 && u.id.toLowerCase().indexOf(q) < 0 && i !== state.unit) return;
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
  }
  function fillIndicators() {
    var sel = document.getElementById("indicator");
    sel.textContent = "";
    sel.appendChild(h("option", { value: "", text: "Alle spørsmål (oversikt)" }));
    var groups = [], byTopic = {};
    D.indicators.forEach(function (x, i) {
      if (!byTopic[x.topic]) { byTopic[x.topic] = h("optgroup", { label: x.topicTitle }); groups.push(byTopic[x.topic]); }
      byTopic[x.topic].appendChild(h("option", { value: x.id + "|" + x.measure, text: x.short }));
    });
    groups.forEach(function (g) { sel.appendChild(g); });
    sel.value = state.ind === null ? "" : D.indicators[state.ind].id + "|" + D.indicators[state.ind].measure;
  }

  // ---------- views ----------
  function fact(label, value) { return h("div", { class: "fact" }, [h("span", { text: label }), h("b", { text: value })]); }
  function renderUnitCard() {
    var card = document.getElementById("unit-card"), u = state.unit, w = state.wave;
    var unit = D.units[u], r = unitWave.get(u + "|" + w) || null, have = cellsOf(u, w).size > 0;
    card.textContent = "";
    card.appendChild(h("div", { class: "unit-head" }, [
      h("h2", { "data-testid": "unit-name", text: unit.name }),
      h("span", { class: "unit-type", text: D.labels.unitTypes[unit.type] + " · måling " + w + " · " + D.editions[w].label })]));
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
        h("button", { class: "link", onclick: function () { select({ unit: r.pool }); }, text: "Vis resultatene for " + unitName(r.pool) })]));
    } else if (!have) {
      card.appendChild(h("div", { class: "notice", text: "Det finnes ingen publiserte resultater for " + unit.name + " i " + w + "." }));
    }
  }

  function compCell(c) {
    if (!c) return h("td", { class: "num" }, [h("span", { class: "flat", text: "–" })]);
    return h("td", { class: "num" }, [shareNode(c), c.ci ? h("div", { class: "ci", text: "(" + c.ci + ")" }) : null]);
  }
  function renderOverview(view) {
    var u = state.unit, w = state.wave, own = cellsOf(u, w);
    if (!own.size) return;
    var comps = comparisons(u, w), series = [u].concat(comps);
    view.appendChild(h("p", { class: "sub", text: "Andel med 95 % konfidensintervall (KI) og antall gyldige svar (n). " +
      "Endring i prosentpoeng fra forrige måling; pil betyr signifikant endring. Klikk på et spørsmål for utvikling og svarfordeling." }));
    view.appendChild(legend(series));
    var head = h("tr", {}, [h("th", { text: "Spørsmål" }), h("th", { class: "num", text: "Andel" }), h("th", { class: "num", text: "KI" }),
      h("th", { class: "num", text: "n" }), h("th", { class: "num", text: "Endring" }), h("th", { class: "hide-narrow", text: "0–100 %" })]
      .concat(comps.map(function (c) { return h("th", { class: "num", text: D.units[c].type === "size_class" ? "Samme størrelse" : unitName(c) }); })));
    var body = h("tbody"), topic = null;
    D.indicators.forEach(function (x, i) {
      var c = own.get(i);
      if (!c) return;
      if (x.topic !== topic) {
        topic = x.topic;
        body.appendChild(h("tr", { class: "topic" }, [h("td", { colspan: 6 + comps.length, text: x.topicTitle })]));
      }
      var compCells = comps.map(function (k) { return cellOf(k, w, i); });
      body.appendChild(h("tr", { class: "row", "data-indicator": x.id + "|" + x.measure, tabindex: 0,
        onclick: function () { select({ ind: i }); },
        onkeydown: function (e) { if (e.key === "Enter") select({ ind: i }); } }, [
        h("td", { class: "label" }, [x.label, h("small", { text: x.note })]),
        h("td", { class: "num", "data-field": "share" }, [shareNode(c)]),
        h("td", { class: "num ci", "data-field": "ci", text: c.ci || "" }),
        h("td", { class: "num", "data-field": "n", text: c.nValid || "" }),
        h("td", { class: "num", "data-field": "change" }, [changeNode(c, hasPrevCell(u, w, i), x.measure)]),
        h("td", { class: "hide-narrow" }, [intervalBar([c].concat(compCells))])
      ].concat(compCells.map(compCell))));
    });
    view.appendChild(h("div", { class: "card" }, [h("table", { class: "results", "data-testid": "overview" }, [h("thead", {}, [head]), body])]));
  }

  function renderDistribution(u, w, x) {
    var box = h("div", { class: "card" }, [h("h3", { text: "Svarfordeling " + w })]);
    var parts = dist.get(u + "|" + w + "|" + x.id);
    var blocked = D.indicators.some(function (y, i) { var c = cellOf(u, w, i); return y.id === x.id && c && c.suppressed; });
    if (!parts || blocked || parts.some(function (p) { return p[3] || p[1] === null; })) {
      box.appendChild(h("p", { class: "suppressed", "data-testid": "distribution-suppressed",
        text: parts ? "Svarfordelingen vises ikke: for få svar." : "Ingen svarfordeling publisert." }));
      return box;
    }
    var palette = ["#b23a2e", "#e08a6e", "#d9d9d9", "#7fb3d5", "#1b4f72", "#9e9e9e", "#bdbdbd", "#e0e0e0", "#48a9a6", "#e4a03a"];
    var bar = h("div", { class: "dist-bar", role: "img", "aria-label": "Svarfordeling" }), table = h("table", { class: "dist-table" });
    parts.forEach(function (p, k) {
      var code = D.answers[p[0]], label = D.labels.answers[code] || code, color = palette[k % palette.length];
      var pct = Math.floor(p[2] * 100 + 0.5) + " %";
      bar.appendChild(h("span", { style: "width:" + (p[2] * 100) + "%;background:" + color, title: label + ": " + pct }));
      table.appendChild(h("tr", {}, [h("td", {}, [h("span", { class: "swatch", style: "background:" + color }), label]),
        h("td", { class: "num", text: String(p[1]) }), h("td", { class: "num", text: pct })]));
    });
    box.appendChild(bar);
    box.appendChild(table);
    return box;
  }

  function renderDetail(view) {
    var u = state.unit, w = state.wave, i = state.ind, x = D.indicators[i], c = cellOf(u, w, i);
    var comps = comparisons(u, w), series = [u].concat(comps);
    var left = h("div", { class: "card" }, [h("h3", { text: x.label }), h("p", { class: "sub", text: x.note + ", " + w })]);
    if (!c) {
      left.appendChild(h("p", { class: "flat", text: "Spørsmålet er ikke stilt eller ikke publisert for denne enheten i " + w + "." }));
    } else {
      left.appendChild(h("div", { "data-testid": "detail-share" }, [shareNode(c, "big")]));
      if (c.suppressed) left.appendChild(h("p", { class: "sub", text: SUPPRESSED_HELP }));
      else left.appendChild(h("p", { class: "sub", text: "95 % KI " + c.ci + " % · n = " + c.nValid }));
      left.appendChild(h("p", {}, ["Endring fra forrige måling: ", changeNode(c, hasPrevCell(u, w, i), x.measure)]));
    }
    left.appendChild(h("ul", { class: "compare-list" }, comps.map(function (k) {
      var cc = cellOf(k, w, i);
      return h("li", {}, [h("span", { text: seriesName(k) }), h("span", {}, [shareNode(cc), cc && cc.ci ? h("span", { class: "ci", text: " (" + cc.ci + ")" }) : null])]);
    })));
    var right = h("div", { class: "card" }, [h("h3", { text: "Utvikling over tid" }), legend(series), trendChart(series, i)]);
    var t = h("table", { class: "results" }, [h("thead", {}, [h("tr", {}, [h("th", { text: "Måling" })].concat(series.map(function (k) {
      return h("th", { class: "num", text: seriesName(k) }); })))])]);
    var tb = h("tbody");
    D.waves.forEach(function (wave) {
      tb.appendChild(h("tr", {}, [h("td", { text: String(wave) })].concat(series.map(function (k) {
        var cc = cellOf(k, wave, i);
        return h("td", { class: "num" }, [shareNode(cc), cc && cc.significant ? h("b", { class: "flat", text: cc.direction > 0 ? " ↑" : " ↓" }) : null,
          cc && !cc.comparable && hasPrevCell(k, wave, i) ? h("sup", { title: "Ikke sammenlignbar med forrige måling", text: "†" }) : null]);
      }))));
    });
    t.appendChild(tb);
    right.appendChild(t);
    right.appendChild(h("p", { class: "sub", text: "Pil: signifikant endring fra forrige måling. †: ikke sammenlignbar med forrige måling." }));
    view.appendChild(h("div", { class: "detail" }, [h("div", {}, [left, renderDistribution(u, w, x)]), right]));
    view.appendChild(h("p", {}, [h("button", { class: "link", onclick: function () { select({ ind: null }); }, text: "← Tilbake til alle spørsmål" })]));
  }

  function renderAll() {
    var view = document.getElementById("view");
    renderUnitCard();
    view.textContent = "";
    if (state.ind === null) renderOverview(view); else renderDetail(view);
  }

  function render() {
    writeHash();
    fillUnits();
    fillIndicators();
    renderAll();
  }
  function select(patch) { Object.assign(state, patch); render(); }

  document.addEventListener("DOMContentLoaded", function () {
    readHash();
    fillWaves();
    document.getElementById("wave").addEventListener("change", function (e) { select({ wave: parseInt(e.target.value, 10) }); });
    document.getElementById("unit").addEventListener("change", function (e) { select({ unit: unitIndex.get(e.target.value) }); });
    document.getElementById("indicator").addEventListener("change", function (e) {
      select({ ind: e.target.value ? indIndex.get(e.target.value) : null });
    });
    document.getElementById("unit-search").addEventListener("input", function () {
      fillUnits();
      var sel = document.getElementById("unit"), opts = sel.querySelectorAll("option");
      if (opts.length === 1 && opts[0].value !== D.units[state.unit].key) select({ unit: unitIndex.get(opts[0].value) });
    });
    window.addEventListener("hashchange", function () { readHash(); fillWaves(); render(); });
    document.getElementById("rules-text").textContent = D.rules.suppression_text;  // from quality/disclosure.yaml
    document.getElementById("editions").textContent = "Publiserte tall fra " + D.waves.map(function (w) {
      return w + " (" + D.editions[w].label + ")";
    }).join(", ") + ".";
    render();
  });
})();
