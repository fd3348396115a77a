/* The incident form, made quicker: add rows, reorder transit countries, check that breakdowns add
   up to the totals, and show the fee in US dollars as it is typed. Everything works without it. */
(function () {
  "use strict";
  var form = document.getElementById("incident-form");
  if (!form) return;
  var rates = JSON.parse(document.getElementById("exchange-rates").textContent || "{}");
  var text = JSON.parse(document.getElementById("entry-messages").textContent || "{}");
  function say(key, values) {
    return (text[key] || key).replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  function total(prefix) { return form.querySelector("#id_" + prefix + "-TOTAL_FORMS"); }

  function addRow(prefix) {
    var tpl = document.getElementById(prefix + "-template");
    var counter = total(prefix);
    var index = parseInt(counter.value, 10);
    var html = tpl.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement(prefix === "transits" ? "ol" : "tbody");
    holder.innerHTML = html.trim();
    var container = prefix === "transits" ? form.querySelector("ol.transits") : form.querySelector("table." + prefix + " tbody");
    var row = holder.firstElementChild;
    container.appendChild(row);
    counter.value = String(index + 1);
    renumber();
    var first = row.querySelector("input:not([type=hidden]):not([type=checkbox]), select");
    if (first) first.focus();
    check();
  }

  // Transit order follows the rows on the page: the ORDER inputs are kept in step (and hidden).
  function renumber() {
    var rows = form.querySelectorAll("ol.transits > li");
    rows.forEach(function (li, i) {
      var order = li.querySelector("input[name$='-ORDER']");
      if (order) order.value = String(i + 1);
      var span = li.querySelector(".order");
      if (span) span.hidden = true;
      li.querySelectorAll(".move-up, .move-down").forEach(function (b) { b.hidden = false; });
    });
  }

  // The add buttons need this script: without it they stay hidden and the form offers empty rows.
  form.querySelectorAll(".add-row").forEach(function (b) { b.hidden = false; });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.classList.contains("add-row")) { event.preventDefault(); addRow(button.dataset.prefix); }
    var li = button.closest("ol.transits > li");
    if (li && button.classList.contains("move-up") && li.previousElementSibling) {
      li.parentNode.insertBefore(li, li.previousElementSibling); renumber(); button.focus();
    }
    if (li && button.classList.contains("move-down") && li.nextElementSibling) {
      li.parentNode.insertBefore(li.nextElementSibling, li); renumber(); button.focus();
    }
  });

  // Running check: breakdown rows against the totals.
  var line = document.getElementById("breakdown-check");
  function number(input) { var n = parseInt(input && input.value, 10); return isNaN(n) ? 0 : n; }
  function check() {
    if (!line) return;
    var counted = { migrant: 0, smuggler: 0 };
    form.querySelectorAll("table.breakdowns tbody tr.row").forEach(function (tr) {
      var removed = tr.querySelector("input[name$='-DELETE']");
      if (removed && removed.checked) return;
      var group = tr.querySelector("select[name$='-group']");
      var count = tr.querySelector("input[name$='-count']");
      if (group && counted.hasOwnProperty(group.value)) counted[group.value] += number(count);
    });
    var totals = { migrant: number(form.querySelector("#id_migrants_total")), smuggler: number(form.querySelector("#id_smugglers_total")) };
    var parts = [], bad = false;
    ["migrant", "smuggler"].forEach(function (g) {
      var rest = totals[g] - counted[g];
      var values = { counted: counted[g], total: totals[g], rest: rest, group: text[g] || g };
      if (rest < 0) { bad = true; parts.push(say("over", values)); } else parts.push(say("counted", values));
    });
    line.textContent = parts.join(" · ");
    line.className = "check-line " + (bad ? "bad" : "ok");
  }
  form.addEventListener("input", function (event) {
    if (event.target.closest("table.breakdowns") || /_total$/.test(event.target.name || "")) check();
    if (["fee_per_person", "fee_currency", "detection_date"].indexOf(event.target.name) >= 0) fee();
  });
  form.addEventListener("change", function (event) {
    if (event.target.closest("table.breakdowns")) check();
    if (["fee_currency", "detection_date"].indexOf(event.target.name) >= 0) fee();
  });

  // The fee in USD at the rate of the detection month, when the secretariat has that rate.
  var out = document.getElementById("fee-usd");
  // An amount written the way the page's language writes numbers (3,30 in French), two decimals.
  function money(n) {
    var lang = document.documentElement.lang || undefined;
    if (lang === "ar") { lang = "ar-u-nu-latn"; } // the digits Django writes in Arabic too
    try { return new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n); }
    catch (e) { return n.toFixed(2); }
  }
  function fee() {
    if (!out) return;
    var amount = parseFloat(form.querySelector("#id_fee_per_person").value);
    var currency = form.querySelector("#id_fee_currency").value;
    var day = form.querySelector("#id_detection_date").value;
    if (isNaN(amount) || !currency) { out.textContent = ""; return; }
    if (currency === "USD") { out.textContent = "= USD " + money(amount); return; }
    var month = (day || "").slice(0, 7);
    var rate = rates[month] && rates[month][currency];
    if (!month) out.textContent = say("no_date", {});
    else if (rate) out.textContent = say("usd", { usd: money(amount * parseFloat(rate)), currency: currency, month: month });
    else out.textContent = say("no_rate", { currency: currency, month: month });
  }

  renumber();
  check();
  fee();
})();
