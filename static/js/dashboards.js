/* Draws the regional dashboards from the figures the server computed (already filtered by the
   reciprocity rule and disclosure control). Clicking a bar or point opens the records behind it. */
(function () {
  "use strict";
  // Okabe-Ito: told apart by readers with the common colour-vision deficiencies.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"];
  var charts = JSON.parse(document.getElementById("dashboard-data").textContent);
  var config = document.getElementById("dashboard-config").dataset;
  var instances = [];
  // Figures in the reader's digits (Arabic-Indic in Arabic): the page says which numbering system
  // (<body data-numbering>, accounts/numerals.py); Intl writes numbers, `digits` the server's labels.
  var numbering = document.body.dataset.numbering || "latn";
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || "en", { numberingSystem: numbering });
  var zero = numberFormat.format(0).charCodeAt(0);
  function digits(text) {
    return numbering === "latn" ? text : String(text).replace(/[0-9]/g, function (d) { return String.fromCharCode(zero + Number(d)); });
  }
  function number(value) { return numberFormat.format(value); }
  charts.forEach(function (chart) { chart.rows.forEach(function (r) { r.labels = r.labels.map(digits); }); });

  function drillUrl(drill) {
    var params = new URLSearchParams(config.query);
    Object.keys(drill || {}).forEach(function (k) { params.set(k, drill[k]); });
    return config.records + "?" + params.toString();
  }
  function drillTo(row) { if (row && row.drill && Object.keys(row.drill).length) { window.location = drillUrl(row.drill); } }
  function body(chart) { return chart.rows.filter(function (r) { return !r.total; }); }
  function short(text) { return text.length > 38 ? text.slice(0, 36) + "…" : text; }
  // A category label: documents on two lines (type · issuer, then the kind of fraud) so that rows
  // differing only in the end of a long label stay apart; rows hidden by disclosure control say so.
  function category(chart, r) {
    var text = r.label;
    if (chart.key === "documents") {
      var parts = text.split(" · ");
      text = parts.length === 3 ? short(parts[0] + " · " + parts[2]) + "\n" + short(parts[1]) : short(text);
    } else { text = short(text); }
    var hidden = r.values.filter(function (v) { return v === null; }).length;
    if (hidden && hidden === r.values.length) { return text + " (" + r.labels[0] + ")"; }
    return hidden ? text + " (" + (config.tPartlyHidden || "partly hidden") + ")" : text;
  }
  // A suppressed figure still gets its place and its "<5" or "hidden" written where the bar would be.
  // A lower bound ("at least N": the readable part of a figure whose remainder is withheld) is
  // drawn hatched with a dashed outline, as the legend above the charts says.
  function isBound(r, i) { return !!(r.bounds && r.bounds[i]); }
  function boundStyle(colour) {
    return { color: "#ffffff", borderColor: colour, borderWidth: 1.5, borderType: "dashed",
      decal: { symbol: "rect", color: colour, dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: -Math.PI / 4, symbolSize: 1 } };
  }
  function barValue(r, i, colour) {
    if (r.values[i] === null) {
      return { value: 0, label: { show: true, position: "right", color: "#555", formatter: r.labels[i] } };
    }
    if (isBound(r, i)) { return { value: r.values[i], itemStyle: boundStyle(colour || PALETTE[0]) }; }
    return r.values[i];
  }
  var base = { color: PALETTE, animation: false, textStyle: { fontSize: 12 } };
  // Tooltips drawn on the canvas ("richText"): ECharts' HTML tooltips carry style="" attributes,
  // which the Content-Security-Policy refuses (docs/security.md).
  function csp(option) { option.tooltip = Object.assign({ renderMode: "richText" }, option.tooltip || {}); return localise(option); }
  // Axis labels in the reader's digits: value axes as numbers, category axes (months, names) as text.
  function localise(option) {
    ["xAxis", "yAxis"].forEach(function (key) {
      [].concat(option[key] || []).forEach(function (axis) {
        axis.axisLabel = Object.assign({}, axis.axisLabel, { formatter: axis.type === "value" ? number : digits });
      });
    });
    if (option.visualMap) { option.visualMap.formatter = number; }
    return option;
  }

  function bar(chart) {
    var rows = body(chart).slice().reverse();
    return Object.assign({}, base, {
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "item" },
      xAxis: { type: "value" },
      yAxis: { type: "category", axisLabel: { lineHeight: 14 }, data: rows.map(function (r) { return category(chart, r); }) },
      series: [{ type: "bar", data: rows.map(function (r) { return barValue(r, 0); }), label: { show: true, position: "right", formatter: function (p) { return rows[p.dataIndex].labels[0]; } } }],
      _rows: rows,
    });
  }
  function stack(chart) {
    var rows = body(chart).slice().reverse();
    var n = chart.extra.stack || chart.columns.length;
    var last = chart.columns.length - 1;
    var withTotal = last >= n;  // the people charts: sexes, then minors and the total
    function partly(r) {
      return withTotal && r.values[last] !== null && r.values.slice(0, n).some(function (v) { return v === null; });
    }
    var hasTotal = rows.some(partly);  // the neutral "partly hidden" series only where a row needs it
    return Object.assign({}, base, {
      grid: { left: 8, right: 36, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: rows.map(function (r) { return category(chart, r); }) },
      // A row with a withheld part but a known total (the last column, where the table has one)
      // draws that total as one neutral bar instead of an empty or misleading stack.
      series: chart.columns.slice(0, n).map(function (col, i) {
        return { name: col, type: "bar", stack: "s", data: rows.map(function (r) {
          if (partly(r)) { return null; }
          return isBound(r, i) ? barValue(r, i, PALETTE[i % PALETTE.length]) : r.values[i];
        }) };
      }).concat(hasTotal ? [{ name: config.tPartlyHidden || "partly hidden", type: "bar", stack: "s", itemStyle: { color: "#b8b8b8" },
        label: { show: true, position: "right", color: "#444", formatter: function (p) { return rows[p.dataIndex].labels[last]; } },
        data: rows.map(function (r) { return partly(r) ? r.values[last] : null; }) }] : []),
      _rows: rows,
    });
  }
  // A table of detection counts (rows × columns that do not add up, e.g. abuses by mode and route)
  // as coloured cells with their figures written in; hidden figures are grey cells saying so.
  function heat(chart) {
    var rows = body(chart).slice().reverse();
    var shown = [], hidden = [], bounds = [], max = 1;
    rows.forEach(function (r, y) {
      r.values.forEach(function (v, x) {
        if (v === null) { hidden.push({ value: [x, y, 0], text: r.labels[x] }); }
        else if (isBound(r, x)) { bounds.push({ value: [x, y, v], text: r.labels[x] }); }
        else { shown.push({ value: [x, y, v], text: r.labels[x] }); max = Math.max(max, v); }
      });
    });
    var label = { show: true, fontSize: 11, color: "#111", formatter: function (p) { return p.data.text; } };
    return Object.assign({}, base, {
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "item", formatter: function (p) { return rows[p.data.value[1]].label + "\n" + chart.columns[p.data.value[0]] + ": " + p.data.text; } },
      xAxis: { type: "category", position: "top", data: chart.columns, splitArea: { show: true },
        axisLabel: { interval: 0, width: 104, overflow: "break", fontSize: 11, lineHeight: 13 } },
      yAxis: { type: "category", data: rows.map(function (r) { return category(chart, r); }) },
      // Light to mid blue only, so the black figures stay readable on every cell.
      visualMap: { show: false, seriesIndex: 0, min: 0, max: max, inRange: { color: ["#f7fbff", "#c6dbef", "#6baed6"] } },
      series: [
        { type: "heatmap", data: shown, label: label, itemStyle: { borderColor: "#fff", borderWidth: 1 } },
        { type: "heatmap", data: hidden, label: Object.assign({}, label, { color: "#444" }), itemStyle: { color: "#e3e3e3", borderColor: "#fff", borderWidth: 1 } },
        { type: "heatmap", data: bounds, label: label, itemStyle: boundStyle("#6baed6") },
      ],
      _rows: rows,
    });
  }
  function line(chart) {
    var rows = body(chart);
    var notReporting = (chart.extra && chart.extra.not_reporting) || [];
    return Object.assign({}, base, {
      grid: { left: 8, right: 16, top: 56, bottom: 8, containLabel: true },
      legend: { top: 0, type: "scroll" },
      // The tooltip prints the table's labels: "at least 12", "<5", "hidden" as well as figures.
      tooltip: { trigger: "axis", formatter: function (ps) {
        if (!ps.length) { return ""; }
        var r = rows[ps[0].dataIndex];
        return [r.label].concat(ps.map(function (p) { return p.seriesName + ": " + r.labels[p.seriesIndex]; })).join("\n");
      } },
      xAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
      yAxis: { type: "value", name: config.tDetections || "detections" },
      series: chart.columns.map(function (col, i) {
        var colour = PALETTE[i % PALETTE.length];
        // A withheld point is a gap in the line with a grey diamond on the axis (its "<5" or
        // "hidden" on hover); months before any data ("not reporting") are a gap without one.
        var withheld = [];
        rows.forEach(function (r, x) {
          if (r.values[i] === null && notReporting.indexOf(r.label) < 0) { withheld.push({ coord: [x, 0], value: r.labels[i] }); }
        });
        return { name: col, type: "line", connectNulls: false, symbolSize: 6,
          markPoint: { symbol: "diamond", symbolSize: 9, itemStyle: { color: "#999" }, label: { show: false }, data: withheld },
          data: rows.map(function (r) {
          // A lower bound is an open triangle on the line ("at least N" on hover).
          return isBound(r, i) ? { value: r.values[i], symbol: "triangle", symbolSize: 9, itemStyle: { color: "#ffffff", borderColor: colour, borderWidth: 1.5 } } : r.values[i];
        }) };
      }),
      _rows: rows,
    });
  }
  function sankey(chart) {
    return Object.assign({}, base, {
      tooltip: { trigger: "item" },
      series: [{ type: "sankey", left: 8, right: 200, top: 8, bottom: 8, nodeGap: 10, emphasis: { focus: "adjacency" },
        data: chart.extra.nodes, links: chart.extra.links, lineStyle: { color: "gradient", opacity: 0.45 },
        label: { fontSize: 11 } }],
    });
  }
  function boxish(chart) {
    var rows = body(chart).filter(function (r) { return r.values[1] !== null; }).reverse();
    return Object.assign({}, base, {
      grid: { left: 8, right: 24, top: 8, bottom: 36, containLabel: true },
      tooltip: { trigger: "item", formatter: function (p) { var r = rows[p.dataIndex]; return r.label + "\nQ1 " + r.labels[0] + " · " + (config.tMedian || "median") + " " + r.labels[1] + " · Q3 " + r.labels[2] + " · n " + r.labels[3]; } },
      xAxis: { type: "value", name: config.tUsdPerPerson || "USD per person", nameLocation: "middle", nameGap: 26 },
      yAxis: { type: "category", data: rows.map(function (r) { return short(r.label) + " (n " + r.labels[3] + ")"; }) },
      series: [{ type: "boxplot", data: rows.map(function (r) { return [r.values[0], r.values[0], r.values[1], r.values[2], r.values[2]]; }) }],
      _rows: rows,
    });
  }
  var world = null;
  // A country across the antimeridian (Fiji, Kiribati, Russia) has rings with longitudes near both
  // -180 and 180: drawn as they are, an edge spans the whole map (a stray line across the legend).
  // Such rings are moved east of 180 degrees instead.
  function unwrap(geometry) {
    if (!geometry) { return; }
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    polygons.forEach(function (polygon) {
      polygon.forEach(function (ring) {
        var west = ring.some(function (p) { return p[0] < -150; }), east = ring.some(function (p) { return p[0] > 150; });
        if (west && east) { ring.forEach(function (p) { if (p[0] < 0) { p[0] += 360; } }); }
      });
    });
  }
  function mapOption(chart, role) {
    var data = (chart.extra[role] || []).map(function (d) { return { name: d.id, value: d.value, label: d.name }; });
    var max = Math.max.apply(null, [1].concat(data.map(function (d) { return d.value; })));
    return Object.assign({}, base, {
      tooltip: { trigger: "item", formatter: function (p) { return p.data ? p.data.label + ": " + number(p.data.value) : ""; } },
      visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: true, inRange: { color: ["#deebf7", "#6baed6", "#08306b"] } },
      series: [{ type: "map", map: "world", nameProperty: "id", roam: true, left: 0, right: 0, top: 0, bottom: 0, center: [115, 0], zoom: 2.2,
        itemStyle: { areaColor: "#f3f3f3", borderColor: "#999", borderWidth: 0.3 }, emphasis: { label: { show: false } }, data: data }],
    });
  }
  function drawMap(el, chart) {
    var inst = echarts.init(el);
    instances.push(inst);
    fetch(config.world).then(function (r) { return r.json(); }).then(function (topo) {
      world = topojson.feature(topo, topo.objects.countries);
      world.features.forEach(function (f) { f.properties.id = String(f.id); unwrap(f.geometry); });
      echarts.registerMap("world", world);
      inst.setOption(csp(mapOption(chart, "origin")));
      document.querySelectorAll(".map-roles button").forEach(function (b) {
        b.addEventListener("click", function () {
          document.querySelectorAll(".map-roles button").forEach(function (o) { o.classList.toggle("on", o === b); });
          inst.setOption(csp(mapOption(chart, b.dataset.role)), true);
        });
      });
    });
    inst.on("click", function (p) { if (p.data) { var role = document.querySelector(".map-roles button.on").dataset.role; var row = chart.rows.find(function (r) { return r.drill[role] && p.data.label && r.label.indexOf(p.data.label) === 0; }); drillTo(row); } });
  }
  var kinds = { bar: bar, stack: stack, heat: heat, line: line, sankey: sankey, boxish: boxish };
  charts.forEach(function (chart) {
    var el = document.querySelector('[data-chart="' + chart.key + '"]');
    if (!el) { return; }
    if (chart.kind === "map") { drawMap(el, chart); return; }
    if (!kinds[chart.kind]) { return; }
    var option = kinds[chart.kind](chart);
    var rows = option._rows;
    delete option._rows;
    var height = rows ? Math.max(220, rows.length * (chart.key === "documents" ? 36 : 26) + 60) : 420;
    if (chart.kind === "heat") { height = rows.length * 30 + 90; }
    if (chart.kind === "line") { height = 360; }
    el.style.height = height + "px";
    var inst = echarts.init(el);
    inst.setOption(csp(option));
    instances.push(inst);
    inst.on("click", function (p) {
      if (chart.kind === "sankey") {
        if (p.dataType === "edge") { drillTo(chart.rows[p.dataIndex]); }
      } else if (chart.kind === "heat") {
        var cell = p.data.value, drill = Object.assign({}, rows[cell[1]].drill);
        drill[chart.extra.column_drill] = (chart.extra.codes || [])[cell[0]];
        drillTo({ drill: drill });
      } else if (chart.kind === "line") {
        var month = rows[p.dataIndex].label;
        var params = { from: month, to: month };
        var code = (chart.extra.codes || [])[p.seriesIndex];
        if (code) { params.category = code; }
        drillTo({ drill: params });
      } else if (rows) { drillTo(rows[p.dataIndex]); }
    });
  });
  window.addEventListener("resize", function () { instances.forEach(function (i) { i.resize(); }); });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-table").forEach(function (d) { d.open = true; });
    instances.forEach(function (i) { i.resize(); });
  });
})();
