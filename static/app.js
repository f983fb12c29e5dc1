// app.js: the small behaviours of orgsso pages. Loaded with
// <script src defer>; the CSP forbids inline scripts, so everything here is
// wired by data attributes and event delegation on document, which also covers
// content that htmx swaps in later.
//
//   <button type="button" data-copy="#id">Copy</button>   copies #id's text
//   <button type="button" data-copy-text="value">Copy</button>
//   <time datetime="RFC 3339" data-relative>fallback</time>  "2 minutes ago"
//   <form data-confirm="Delete Okta?">                   asks confirm() first
//   <form data-confirm-type="Okta"> + <input data-confirm-input>
//                                  submit enabled once "Okta" is typed
//   <a href="/fallback" data-dialog="id">Delete</a>     opens <dialog id="id"> as a modal
//                                  (without scripts, the link leads to a page with the same form)
//   <button type="button" data-dialog-close>            closes its dialog
//   <dialog data-open-modal open>   a dialog the server opened: shown modal
//   <nav data-nav><button data-nav-toggle aria-expanded>  folds the header menu on phones
//   <div data-error-summary tabindex="-1"> <a href="#field">   a form's error summary:
//                                  takes focus on load; a link opens the folded
//                                  sections around its field and focuses it
//   <div data-mapping-rows="textareaId" hidden> <ul data-mapping-list> <button data-mapping-add>
//        <button data-mapping-as-text>      group mappings as rows (group, role, remove) kept
//                                  in step with the GROUP->ROLE textarea, which stays the
//                                  form's field and the way to edit them as text (and
//                                  the only way without scripts, or for text that is not pairs)
//   <meta name="csrf-token" content="...">   sent as X-CSRF-Token by htmx
(function () {
  "use strict";

  // Styles that need scripts (the folded header menu) apply under .js.
  document.documentElement.classList.add("js");

  // ---- error summary -------------------------------------------------------

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrorSummary);
  } else {
    focusErrorSummary();
  }
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) return;
    evt.preventDefault();
    for (var d = field.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) {
      d.open = true;
    }
    field.scrollIntoView({ block: "center" });
    field.focus();
  });

  // ---- group mappings as rows ----------------------------------------------

  var ROLES = ["user", "admin"];

  // parsePairs reads GROUP->ROLE pairs; null when any is not one (the text
  // then stays the way to edit them, and the server says what is wrong).
  function parsePairs(text) {
    var out = [];
    var parts = text.split(/[;\n]/);
    for (var i = 0; i < parts.length; i++) {
      var pair = parts[i].trim();
      if (!pair) continue;
      var at = pair.indexOf("->");
      if (at < 0) return null;
      var group = pair.slice(0, at).trim(), role = pair.slice(at + 2).trim();
      if (!group || ROLES.indexOf(role) < 0) return null;
      out.push({ group: group, role: role });
    }
    return out;
  }

  function mappingRow(m) {
    var li = document.createElement("li");
    li.setAttribute("data-mapping-row", "");
    var group = document.createElement("input");
    group.type = "text";
    group.value = m.group;
    group.placeholder = "IdP group, e.g. IT";
    group.setAttribute("aria-label", "Identity provider group");
    group.setAttribute("data-mapping-group", "");
    var role = document.createElement("select");
    role.setAttribute("aria-label", "Role");
    role.setAttribute("data-mapping-role", "");
    ROLES.forEach(function (r) {
      var o = document.createElement("option");
      o.value = r;
      o.textContent = r;
      o.selected = r === m.role;
      role.appendChild(o);
    });
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary outline";
    remove.textContent = "Remove";
    remove.setAttribute("data-mapping-remove", "");
    li.append(group, document.createTextNode(" → "), role, remove);
    return li;
  }

  function mappingText(box) {
    return document.getElementById(box.getAttribute("data-mapping-rows"));
  }

  // syncText writes the rows into the textarea (rows without a group are left out).
  function syncText(box) {
    var pairs = [];
    box.querySelectorAll("[data-mapping-row]").forEach(function (li) {
      var g = li.querySelector("[data-mapping-group]").value.trim();
      if (g) pairs.push(g + "->" + li.querySelector("[data-mapping-role]").value);
    });
    mappingText(box).value = pairs.join(";");
  }

  // showRows shows the textarea's pairs as rows; text that is not pairs
  // (or that the server found wrong) keeps the textarea in view instead.
  function showRows(box) {
    var area = mappingText(box);
    var pairs = parsePairs(area.value);
    var label = area.closest("[data-mapping-text]");
    if (pairs === null || area.getAttribute("aria-invalid") === "true") return;
    var list = box.querySelector("[data-mapping-list]");
    list.replaceChildren.apply(list, pairs.map(mappingRow));
    box.hidden = false;
    if (label) label.hidden = true;
  }

  document.querySelectorAll("[data-mapping-rows]").forEach(showRows);
  function onRowEdit(evt) {
    var box = evt.target.closest("[data-mapping-rows]");
    if (box) syncText(box);
  }
  document.addEventListener("input", onRowEdit);
  document.addEventListener("change", onRowEdit);
  document.addEventListener("click", function (evt) {
    var box = evt.target.closest("[data-mapping-rows]");
    if (!box) return;
    if (evt.target.closest("[data-mapping-add]")) {
      var li = mappingRow({ group: "", role: "user" });
      box.querySelector("[data-mapping-list]").appendChild(li);
      li.querySelector("[data-mapping-group]").focus();
      syncText(box);
    } else if (evt.target.closest("[data-mapping-remove]")) {
      evt.target.closest("[data-mapping-row]").remove();
      syncText(box);
    } else if (evt.target.closest("[data-mapping-as-text]")) {
      var area = mappingText(box);
      box.hidden = true;
      area.closest("[data-mapping-text]").hidden = false;
      area.focus();
    }
  });

  // ---- header menu (phones) ----------------------------------------------

  document.addEventListener("click", function (evt) {
    var toggle = evt.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    var nav = toggle.closest("[data-nav]");
    if (!nav) return;
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // ---- copy buttons ------------------------------------------------------

  var COPIED_MS = 1600;
  var liveRegion = null;

  // announce tells screen readers what happened without moving focus.
  function announce(text) {
    if (!liveRegion) {
      liveRegion = document.createElement("span");
      liveRegion.className = "visually-hidden";
      liveRegion.setAttribute("role", "status");
      document.body.appendChild(liveRegion);
    }
    liveRegion.textContent = "";
    // A fresh text node after clearing makes repeated messages announce again.
    window.setTimeout(function () { liveRegion.textContent = text; }, 50);
  }

  function copySource(button) {
    if (button.hasAttribute("data-copy-text")) {
      return { text: button.getAttribute("data-copy-text"), el: null };
    }
    var el = document.querySelector(button.getAttribute("data-copy"));
    if (!el) return null;
    var text = "value" in el && typeof el.value === "string" ? el.value : el.textContent;
    return { text: text.trim(), el: el };
  }

  // selectContents highlights the value so the user can copy it by hand when
  // the clipboard is unavailable (plain http, old browser, denied permission).
  function selectContents(el) {
    if (!el) return;
    if (typeof el.select === "function") { el.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function legacyCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "visually-hidden";
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(ta);
    return ok;
  }

  function writeClipboard(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return legacyCopy(text) ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function flashButton(button, label, state) {
    if (!button.hasAttribute("data-label")) {
      button.setAttribute("data-label", button.textContent);
    }
    window.clearTimeout(button._copyTimer);
    button.textContent = label;
    button.setAttribute("data-copied", state);
    button._copyTimer = window.setTimeout(function () {
      button.textContent = button.getAttribute("data-label");
      button.removeAttribute("data-copied");
    }, COPIED_MS);
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-copy], [data-copy-text]");
    if (!button) return;
    evt.preventDefault();
    var src = copySource(button);
    if (!src) return;
    writeClipboard(src.text).then(function () {
      flashButton(button, "Copied", "ok");
      announce("Copied to clipboard");
    }, function () {
      selectContents(src.el);
      flashButton(button, "Press Ctrl+C", "failed");
      announce("Could not copy automatically; the value is selected, press Control C to copy it");
    });
  });

  // ---- relative timestamps ----------------------------------------------

  var lang = document.documentElement.lang || undefined;
  var rtf = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" })
    : null;
  // No weeks: "in 12 days" reads better than "in 2 weeks" for expiries.
  var UNITS = [
    ["year", 365 * 24 * 3600],
    ["month", 30 * 24 * 3600],
    ["day", 24 * 3600],
    ["hour", 3600],
    ["minute", 60]
  ];

  function relative(date, now) {
    var secs = (date.getTime() - now) / 1000;
    var abs = Math.abs(secs);
    if (abs < 45) return rtf.format(0, "second"); // "now"
    for (var i = 0; i < UNITS.length; i++) {
      var unit = UNITS[i];
      if (abs >= unit[1] || unit[0] === "minute") {
        return rtf.format(Math.round(secs / unit[1]), unit[0]);
      }
    }
    return "";
  }

  function updateTimes(root) {
    if (!rtf) return; // keep the server's fallback text
    var scope = root && root.querySelectorAll ? root : document;
    var list = scope.querySelectorAll("time[data-relative][datetime]");
    var now = Date.now();
    for (var i = 0; i < list.length; i++) {
      var el = list[i];
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) continue;
      el.textContent = relative(date, now);
      el.title = date.toLocaleString(lang, { dateStyle: "medium", timeStyle: "long" });
    }
  }

  // ---- confirmations -----------------------------------------------------

  // A cancelled confirm stops the event in the capture phase, before htmx's
  // own submit listener on the form can issue a request.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.hasAttribute("data-confirm-type") && !typedMatches(form)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
      var input = confirmInput(form);
      if (input) input.focus();
      return;
    }
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  // htmx requests not triggered by a form submit (a button with hx-delete,
  // a checkbox with hx-trigger="change") use the same data-confirm attribute.
  document.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail.elt;
    var trigger = evt.detail.triggeringEvent;
    if (!elt || !elt.hasAttribute("data-confirm")) return;
    if (trigger && trigger.type === "submit") return; // asked above
    evt.preventDefault();
    if (window.confirm(elt.getAttribute("data-confirm"))) {
      evt.detail.issueRequest(true);
    } else if (elt.type === "checkbox") {
      elt.checked = !elt.checked; // undo the toggle the user just made
    }
  });

  function confirmInput(form) {
    return form.querySelector("input[data-confirm-input]") ||
      form.querySelector("input[type=text], input:not([type])");
  }

  function typedMatches(form) {
    var input = confirmInput(form);
    return !!input && input.value.trim() === form.getAttribute("data-confirm-type");
  }

  function syncTypedConfirm(form) {
    var ok = typedMatches(form);
    var buttons = form.querySelectorAll("button:not([type]), button[type=submit], input[type=submit]");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = !ok;
  }

  function initTypedConfirms(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var forms = scope.querySelectorAll("form[data-confirm-type]");
    for (var i = 0; i < forms.length; i++) syncTypedConfirm(forms[i]);
    if (scope.matches && scope.matches("form[data-confirm-type]")) syncTypedConfirm(scope);
  }

  document.addEventListener("input", function (evt) {
    var form = evt.target.form;
    if (form && form.hasAttribute("data-confirm-type")) syncTypedConfirm(form);
  });

  // ---- dialogs -----------------------------------------------------------

  // openDialog shows dlg as a modal, focused on its first field (or its
  // first button), and returns focus to opener when it closes.
  function openDialog(dlg, opener) {
    if (!dlg || typeof dlg.showModal !== "function") return false;
    if (dlg.open) dlg.close();
    dlg.showModal();
    var first = dlg.querySelector("input:not([type=hidden]), select, textarea") ||
      dlg.querySelector("button, [href]");
    if (first) first.focus();
    dlg.addEventListener("close", function () {
      if (opener && document.contains(opener)) opener.focus();
    }, { once: true });
    return true;
  }

  document.addEventListener("click", function (evt) {
    var opener = evt.target.closest("[data-dialog]");
    if (opener) {
      if (openDialog(document.getElementById(opener.getAttribute("data-dialog")), opener)) {
        evt.preventDefault();
      }
      return;
    }
    var closer = evt.target.closest("[data-dialog-close]");
    if (closer) {
      var dlg = closer.closest("dialog");
      if (dlg) {
        evt.preventDefault();
        dlg.close();
      }
    }
  });

  function initDialogs(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var list = Array.prototype.slice.call(scope.querySelectorAll("dialog[data-open-modal][open]"));
    if (scope.matches && scope.matches("dialog[data-open-modal][open]")) list.push(scope);
    for (var i = 0; i < list.length; i++) openDialog(list[i], document.activeElement);
  }

  // ---- htmx: CSRF header -------------------------------------------------

  document.addEventListener("htmx:configRequest", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) evt.detail.headers["X-CSRF-Token"] = meta.content;
  });

  // ---- start -------------------------------------------------------------

  function init(root) {
    updateTimes(root);
    initTypedConfirms(root);
    initDialogs(root);
  }

  // htmx:load fires for every element htmx swaps in.
  document.addEventListener("htmx:load", function (evt) { init(evt.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  window.setInterval(function () { updateTimes(document); }, 60 * 1000);
})();
