// Suggestions for the nation fields of the filter forms: type "Phil", pick "Philippines (PHL)".
//
// Any <input data-suggest="URL"> becomes a combobox (WAI-ARIA 1.2 pattern) whose listbox is filled from
// the JSON endpoint at URL (/suggest/actors/). With data-suggest-multiple the field holds several values
// separated by commas and a pick replaces the last one; data-suggest-kinds="nation,organization" asks
// for organizations too. Keys: Down/Up move, Enter or Tab picks, Escape closes. Without JavaScript the
// field stays a text field that takes names and codes alike. No inline script or style (CSP).
"use strict";
(() => {
  let counter = 0;

  function setup(input) {
    counter += 1;
    const multiple = input.dataset.suggestMultiple !== undefined;
    const listId = `${input.id || `suggest-${counter}`}-suggestions`;
    const wrapper = document.createElement("div");
    wrapper.className = "suggest";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    const list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    const label = input.labels && input.labels[0];
    if (label) {
      label.id = label.id || `${listId}-label`;
      list.setAttribute("aria-labelledby", label.id);
    }
    const status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    wrapper.append(list, status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    let results = [];
    let active = -1;
    let timer = null;
    let controller = null;

    const typed = () => (multiple ? input.value.split(",").pop() : input.value).trim();

    function close() {
      list.hidden = true;
      list.replaceChildren();
      results = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      list.querySelectorAll("[role=option]").forEach((option, i) => {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        const option = list.children[index];
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(items) {
      results = items;
      list.replaceChildren(
        ...items.map((item, i) => {
          const option = document.createElement("li");
          option.id = `${listId}-${i}`;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.dataset.index = String(i);
          option.textContent = item.label;
          return option;
        }),
      );
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      active = -1;
      status.textContent = items.length
        ? `${items.length} suggestion${items.length === 1 ? "" : "s"}: use the arrow keys to choose`
        : "No nation matches";
    }

    function choose(index) {
      const item = results[index];
      if (!item) return;
      if (multiple) {
        const parts = input.value.split(",").map((part) => part.trim()).filter(Boolean);
        parts.pop();
        parts.push(item.value);
        input.value = parts.join(", ");
      } else {
        input.value = item.value;
      }
      status.textContent = `${item.label} chosen`;
      close();
    }

    async function load() {
      const text = typed();
      if (!text) {
        close();
        return;
      }
      if (controller) controller.abort();
      controller = new AbortController();
      const url = new URL(input.dataset.suggest, window.location.href);
      url.searchParams.set("q", text);
      if (input.dataset.suggestKinds) url.searchParams.set("kinds", input.dataset.suggestKinds);
      try {
        const response = await fetch(url, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          signal: controller.signal,
        });
        if (!response.ok) return;
        const body = await response.json();
        if (typed() === text && document.activeElement === input) show(body.results || []);
      } catch (error) {
        if (error.name !== "AbortError") close();
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(load, 120);
    });
    input.addEventListener("keydown", (event) => {
      const open = !list.hidden && results.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) highlight((active + 1) % results.length);
        else load();
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active <= 0 ? results.length - 1 : active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Tab" && open && active >= 0) {
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    // mousedown, not click: the field keeps its focus, so its blur does not close the list first.
    list.addEventListener("mousedown", (event) => {
      const option = event.target.closest("[role=option]");
      if (!option) return;
      event.preventDefault();
      choose(Number(option.dataset.index));
    });
    input.addEventListener("blur", () => close());
  }

  document.querySelectorAll("input[data-suggest]").forEach(setup);
})();
