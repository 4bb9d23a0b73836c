/* The property search's type-ahead: an ARIA 1.2 combobox over POST /find/properties.
 *
 * Any <input data-property-search data-listbox=ID data-status=ID> gets it. Picking a
 * match (click, or arrow keys and Enter) opens its property page; with
 * data-pick-into=ID it instead puts the property id into that (hidden) input and the
 * address into the text box, so that a form (opening a case with its candidates) can
 * reuse it. When data-pick-into names a list (<ul>) instead, each match picked is
 * added to it as an item holding hidden inputs (named by the list's data-pick-name, the
 * property id, and data-pick-label, the address) and a "Remove" button, so that a form
 * posts several picks as a repeated field; the text box is emptied for the next one.
 * Without JavaScript the form around the input still searches (POST /find).
 */
(function () {
  "use strict";
  var DELAY_MS = 150;

  function setup(input) {
    var list = document.getElementById(input.dataset.listbox);
    var status = document.getElementById(input.dataset.status);
    var timer = null, active = -1, matches = [], asked = 0;

    function close() {
      list.hidden = true; list.innerHTML = ""; active = -1; matches = [];
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    var into = input.dataset.pickInto && document.getElementById(input.dataset.pickInto);
    var many = into && into.tagName === "UL";

    function hidden(name, value) {
      var field = document.createElement("input");
      field.type = "hidden"; field.name = name; field.value = value;
      return field;
    }

    function counted() {
      var none = into.parentNode.querySelector(".geo-picked__none");
      if (none) { none.hidden = into.children.length > 0; }
    }

    function add(match) {
      var name = into.dataset.pickName || "property_ids";
      var taken = Array.prototype.some.call(into.querySelectorAll("input[name='" + name + "']"),
        function (field) { return field.value === match.property_id; });
      close();
      input.value = "";
      if (taken) { status.textContent = match.address + " is already picked"; return; }
      var li = document.createElement("li");
      li.className = "geo-picked__item";
      li.appendChild(hidden(name, match.property_id));
      if (into.dataset.pickLabel) { li.appendChild(hidden(into.dataset.pickLabel, match.address)); }
      var text = document.createElement("span");
      text.appendChild(document.createTextNode(match.address + " "));
      var id = document.createElement("span");
      id.className = "ds_hint-text geo-inline";
      id.textContent = match.property_id;
      text.appendChild(id);
      li.appendChild(text);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "ds_button ds_button--secondary ds_button--small";
      remove.setAttribute("data-remove", "");
      remove.appendChild(document.createTextNode("Remove"));
      var whom = document.createElement("span");
      whom.className = "visually-hidden";
      whom.textContent = " " + match.address;
      remove.appendChild(whom);
      li.appendChild(remove);
      into.appendChild(li);
      counted();
      status.textContent = "Added " + match.address + "; " + into.children.length +
        " picked";
    }

    if (many) {  // the remove buttons, those drawn by the server too
      into.addEventListener("click", function (e) {
        var button = e.target.closest("button[data-remove]");
        if (!button) { return; }
        var li = button.closest("li");
        var address = li.querySelector("span") ? li.querySelector("span").firstChild.textContent.trim() : "";
        li.remove();
        counted();
        status.textContent = "Removed " + address + "; " + into.children.length + " picked";
        input.focus();
      });
    }

    function pick(match) {
      if (many) { add(match); return; }
      if (into) {
        into.value = match.property_id;
        input.value = match.address;
        into.dispatchEvent(new Event("change", { bubbles: true }));
        close();
        return;
      }
      // the property page by a POST of its id with the form's token: a property
      // looked at never stands in a URL, a history or a proxy's log
      var open = document.createElement("form");
      open.method = "post";
      open.action = "/property";
      open.hidden = true;
      [["property_id", match.property_id],
       ["csrf_token", (input.form && input.form.querySelector("input[name=csrf_token]") || {}).value || ""]
      ].forEach(function (pair) {
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = pair[0];
        field.value = pair[1];
        open.appendChild(field);
      });
      document.body.appendChild(open);
      open.submit();
    }

    function show(answer) {
      close();
      matches = answer.properties;
      matches.forEach(function (match, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.propertyId = match.property_id;
        li.appendChild(document.createTextNode(match.address));
        var id = document.createElement("span");
        id.className = "hint";
        id.textContent = match.property_id;
        li.appendChild(id);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(match); });
        list.appendChild(li);
      });
      var more = answer.total > matches.length ? " (of " + answer.total + ")" : "";
      status.textContent = matches.length ? matches.length + more +
        " matches; use the arrow keys to choose, Enter to " + (into ? "pick" : "open") :
        "No property matches";
      if (matches.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function ask() {
      var q = input.value.trim();
      if (q.length < 2) { close(); status.textContent = ""; return; }
      var mine = ++asked;
      // a POST with the form's token: what is typed never stands in a URL
      var body = new FormData();
      body.append("q", q);
      body.append("limit", "10");
      var token = input.form && input.form.querySelector("input[name=csrf_token]");
      if (token) { body.append("csrf_token", token.value); }
      fetch("/find/properties",
            { method: "POST", body: body, credentials: "same-origin",
              headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) { if (answer && mine === asked) { show(answer); } })
        .catch(function () { status.textContent = "The search could not be reached"; });
    }

    function move(to) {
      var items = list.querySelectorAll("li");
      if (!items.length) { return; }
      if (active >= 0) { items[active].setAttribute("aria-selected", "false"); }
      active = (to + items.length) % items.length;
      items[active].setAttribute("aria-selected", "true");
      items[active].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); move(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(active - 1); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && active >= 0 && matches[active]) {
        e.preventDefault(); pick(matches[active]);
      }
      else if (e.key === "Enter" && many) { e.preventDefault(); }  // never sends the form
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-property-search]").forEach(setup);
})();
