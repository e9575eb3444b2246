/* Partnership network page: reads its settings from the URL, fetches /api/v1/network/, draws it with Cytoscape.js.
 *
 * The focused view (one nation, its partners, theirs) is laid out on rings: the focus at the centre,
 * partners on the first ring (strongest at the top, clockwise), their partners on the second near the
 * partner they hang from; labels point outward and the rings widen until no label box overlaps another.
 * The region and world views use Cytoscape's force layout (cose). Every setting lives in the URL
 * (history.replaceState), so the address is a permalink. SVG export is written here from the laid-out
 * positions; PNG export is Cytoscape's.
 */
(function () {
  "use strict";

  const container = document.getElementById("network");
  if (!container || typeof window.cytoscape !== "function") return;
  const form = document.getElementById("network-controls");
  const status = document.getElementById("network-status");
  const tooltip = document.getElementById("network-tooltip");
  const details = document.getElementById("network-details");
  const more = document.getElementById("network-more");
  const tableBody = document.querySelector("#network-table tbody");
  const asOf = document.getElementById("as-of");
  const asOfYear = document.getElementById("as-of-year");
  const focusSelect = document.getElementById("focus");
  const KINDS = ["agreement", "exercise", "resource"];
  const COLOURS = { agreement: "#0072b2", exercise: "#d55e00", resource: "#009e73", member: "#8a94a6" };
  const LABEL_MAX = 34;
  const WIDE_FACTOR = 10;
  let request = 0;

  const cy = window.cytoscape({
    container: container,
    minZoom: 0.05,
    maxZoom: 3,
    style: [
      {
        selector: "node",
        style: {
          label: "data(short)",
          "font-size": 12,
          "font-family": "system-ui, sans-serif",
          color: "#1b2733",
          "text-valign": "bottom",
          "text-halign": "center",
          "text-margin-y": 3,
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.85,
          "text-background-padding": 1,
          width: "data(size)",
          height: "data(size)",
          "background-color": "#ffffff",
          "border-color": "#0d2a4a",
          "border-width": 2,
        },
      },
      { selector: "node[kind = 'organization']", style: { shape: "round-rectangle", "background-color": "#fff3cd" } },
      { selector: "node[kind = 'hub']", style: { shape: "round-rectangle", "background-color": "#e8eef6", "border-color": "#5b6b80" } },
      { selector: "node[?outside]", style: { "border-style": "dashed", color: "#55606e" } },
      { selector: "node.focus", style: { "background-color": "#f0b400", "border-width": 4, "font-weight": "bold", "font-size": 14 } },
      { selector: "node.right", style: { "text-halign": "right", "text-valign": "center", "text-margin-x": 4, "text-margin-y": 0 } },
      { selector: "node.left", style: { "text-halign": "left", "text-valign": "center", "text-margin-x": -4, "text-margin-y": 0 } },
      { selector: "node.top", style: { "text-valign": "top", "text-margin-y": -3 } },
      { selector: "node:selected", style: { "border-color": "#f0b400", "border-width": 4 } },
      {
        selector: "edge",
        style: {
          width: "data(width)",
          "line-color": "data(colour)",
          "curve-style": "bezier",
          opacity: 0.7,
          "target-arrow-shape": "none",
        },
      },
      { selector: "edge[kind = 'resource']", style: { "line-style": "dashed", "target-arrow-shape": "triangle", "target-arrow-color": "data(colour)" } },
      { selector: "edge[kind = 'member']", style: { "line-style": "dotted", width: 1.5, opacity: 0.45 } },
      { selector: "edge[?lastKnownOnly]", style: { "line-style": "dashed", "line-color": "#9aa3ad", opacity: 0.6 } },
      { selector: "edge.far", style: { opacity: 0.3 } },
      { selector: "edge:selected", style: { opacity: 1, "line-color": "#f0b400" } },
    ],
  });
  window.registryNetwork = { cy: cy };

  // --- Settings <-> URL ---------------------------------------------------------------------------

  function setting(name) {
    const inputs = form.querySelectorAll(`[name="${name}"]`);
    if (!inputs.length) return null;
    const first = inputs[0];
    if (first.type === "radio") return (form.querySelector(`[name="${name}"]:checked`) || first).value;
    if (first.type === "checkbox" && inputs.length > 1) return Array.from(inputs).filter((i) => i.checked).map((i) => i.value);
    if (first.type === "checkbox") return first.checked ? first.value : "";
    return first.value;
  }

  function restore(params) {
    const view = params.get("view") || (params.get("region") && !params.get("focus") ? "region" : "focus");
    form.querySelectorAll('[name="view"]').forEach((radio) => (radio.checked = radio.value === view));
    const focus = (params.get("focus") || focusSelect.dataset.default || "").toUpperCase();
    const option = Array.from(focusSelect.options).find((o) => o.value.toUpperCase() === focus);
    if (option) focusSelect.value = option.value;
    for (const name of ["depth", "limit", "region", "hubs", "program", "as_of"]) {
      const input = form.querySelector(`[name="${name}"]`);
      const value = params.get(name);
      input.value = value !== null ? value : input.dataset.default || (input.tagName === "SELECT" ? input.options[0].value : "");
    }
    const limit = form.querySelector('[name="limit"]');
    if (view !== "focus" && params.get("limit") === null) limit.value = String(Number(limit.dataset.default) * WIDE_FACTOR);
    form.querySelector('[name="all_dates"]').checked = params.get("all_dates") === "1";
    form.querySelector('[name="last_known"]').checked = params.get("last_known") === "1";
    const kinds = params.getAll("kind");
    form.querySelectorAll('[name="kind"]').forEach((box) => (box.checked = !kinds.length || kinds.includes(box.value)));
    const provisions = params.getAll("provision");
    form.querySelectorAll('[name="provision"]').forEach((box) => (box.checked = provisions.includes(box.value)));
    syncYear();
  }

  function pageQuery() {
    const query = new URLSearchParams();
    const view = setting("view");
    query.set("view", view);
    query.set("focus", setting("focus"));
    if (view === "focus") query.set("depth", setting("depth"));
    for (const name of ["limit", "region", "hubs", "program"]) if (setting(name)) query.set(name, setting(name));
    if (setting("all_dates")) query.set("all_dates", "1");
    else if (setting("as_of")) query.set("as_of", setting("as_of"));
    if (setting("last_known") && !setting("all_dates")) query.set("last_known", "1");
    const kinds = setting("kind");
    if (kinds.length && kinds.length < KINDS.length) kinds.forEach((k) => query.append("kind", k));
    setting("provision").forEach((p) => query.append("provision", p));
    return query;
  }

  function apiQuery(page) {
    const query = new URLSearchParams();
    const view = page.get("view");
    if (view === "focus") {
      query.set("focus", page.get("focus"));
      query.set("depth", page.get("depth") || "1");
      if (page.get("region")) query.set("region", page.get("region"));
    } else if (view === "region") {
      query.set("region", page.get("region") || regionOfFocus() || "east_asia_pacific");
    }
    for (const name of ["limit", "hubs", "program", "as_of"]) if (page.get(name)) query.set(name, page.get(name));
    if (page.get("last_known") && page.get("as_of")) query.set("last_known", "true");
    page.getAll("kind").forEach((k) => query.append("kind", k));
    page.getAll("provision").forEach((p) => query.append("provision", p));
    return query;
  }

  function regionOfFocus() {
    const option = focusSelect.options[focusSelect.selectedIndex];
    return option ? option.dataset.region : "";
  }

  function syncYear() {
    asOfYear.value = (asOf.value || "").slice(0, 4) || asOfYear.max;
    const allDates = setting("all_dates");
    asOf.disabled = !!allDates;
    asOfYear.disabled = !!allDates;
  }

  // --- Drawing ------------------------------------------------------------------------------------

  function shorten(text) {
    return text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 1)}…` : text;
  }

  function elementsOf(graph, focusId) {
    const maxWeight = Math.max(1, ...graph.links.map((l) => l.weight));
    const nodes = graph.nodes.map((n) => {
      const name = n.kind === "hub" ? `${n.label} (${n.parties})` : n.label;
      const size = n.id === focusId ? 34 : n.kind === "hub" ? 18 : 14 + Math.min(14, Math.sqrt(n.weight) * 2);
      return {
        group: "nodes",
        data: Object.assign({}, n, { short: shorten(name), full: name, size: size, outside: !!n.outside_region }),
        classes: n.id === focusId ? "focus" : "",
      };
    });
    const edges = graph.links.map((l) => ({
      group: "edges",
      // In the focused view, the focus's own links stand out; the rest recede.
      classes: focusId && graph.partners && l.source !== focusId && l.target !== focusId ? "far" : "",
      data: Object.assign({}, l, {
        id: `${l.source}|${l.target}|${l.kind}`,
        colour: COLOURS[l.kind] || "#8a94a6",
        lastKnownOnly: l.last_known > 0 && l.last_known === l.count,
        width: 1 + 6 * Math.sqrt(l.weight / maxWeight),
      }),
    }));
    return nodes.concat(edges);
  }

  function overlaps(boxes) {
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) return true;
      }
    }
    return false;
  }

  function radial(focusId) {
    const byLevel = [[], [], []];
    cy.nodes().forEach((n) => byLevel[Math.min(2, n.data("level") || 0)].push(n));
    const angle = new Map();
    const ring1 = byLevel[1].sort((a, b) => b.data("weight") - a.data("weight") || a.data("label").localeCompare(b.data("label")));
    // Half a step off the vertical: no node straight above or below another's label.
    ring1.forEach((n, i) => angle.set(n.id(), (2 * Math.PI * (i + 0.5)) / Math.max(ring1.length, 1)));
    // Each partner of a partner sits near the partner it is most strongly linked to.
    const anchor = (n) => {
      let best = null;
      n.connectedEdges().forEach((e) => {
        const other = e.source().id() === n.id() ? e.target() : e.source();
        if (angle.has(other.id()) && (!best || e.data("weight") > best.w)) best = { w: e.data("weight"), a: angle.get(other.id()) };
      });
      return best ? best.a : 0;
    };
    const ring2 = byLevel[2].map((n) => ({ n: n, a: anchor(n) })).sort((x, y) => x.a - y.a || y.n.data("weight") - x.n.data("weight"));
    ring2.forEach((item, i) => angle.set(item.n.id(), (2 * Math.PI * (i + 0.5)) / Math.max(ring2.length, 1)));
    const side = (n) => {
      const a = angle.get(n.id());
      if (a === undefined) return;
      n.removeClass("left right top");
      n.addClass(Math.sin(a) >= 0 ? "right" : "left");
    };
    cy.nodes().forEach(side);
    let r1 = Math.max(140, ring1.length * 12);
    let r2 = r1 + Math.max(160, ring2.length * 6);
    for (let step = 0; step < 60; step++) {
      cy.batch(() => {
        cy.nodes().forEach((n) => {
          const level = Math.min(2, n.data("level") || 0);
          const r = level === 0 ? 0 : level === 1 ? r1 : r2;
          const a = angle.get(n.id()) || 0;
          n.position({ x: r * Math.sin(a), y: -r * Math.cos(a) });
        });
      });
      const boxes = cy.nodes().map((n) => n.boundingBox({ includeLabels: true }));
      if (!overlaps(boxes)) break;
      r1 *= 1.12;
      r2 = Math.max(r2 * 1.12, r1 + 120);
    }
    cy.nodes().unlock();
  }

  function draw(graph, focusId, view) {
    cy.elements().remove();
    cy.add(elementsOf(graph, focusId));
    if (view === "focus") {
      radial(focusId);
      cy.fit(undefined, 20);
    } else {
      const layout = cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 90, padding: 20 });
      layout.run();
      const focused = cy.getElementById(focusId);
      if (focused.nonempty()) focused.select();
    }
    container.dataset.nodes = String(graph.nodes.length);
    container.dataset.links = String(graph.links.length);
    container.dataset.focus = focusId || "";
    container.dataset.view = view;
  }

  function describe(graph, page, focusNode) {
    const view = page.get("view");
    const when = page.get("as_of") ? `as of ${page.get("as_of")}` : "all dates";
    const limit = Number(page.get("limit") || 0);
    more.hidden = true;
    if (view === "focus") {
      const found = graph.partners || {};
      const shown = graph.nodes.filter((n) => n.level === 1).length;
      const name = focusNode ? focusNode.label : page.get("focus");
      let text = `${name}, ${when}: ${shown} of ${found["1"] || 0} partners (strongest first)`;
      if (found["2"] !== undefined) text += `, ${graph.nodes.filter((n) => n.level === 2).length} of ${found["2"]} partners of partners`;
      status.textContent = `${text}; ${graph.links.length} links.`;
      if (!shown) status.textContent += " Nothing in force then: try an earlier date (the published datasets end by 2018) or Last known alliances.";
      more.hidden = !(limit && (found["1"] > shown || (found["2"] || 0) > graph.nodes.filter((n) => n.level === 2).length));
    } else {
      const before = graph.links_before_limit;
      status.textContent = `${graph.nodes.length} nodes and ${graph.links.length}${before > graph.links.length ? ` of ${before}` : ""} links (strongest first), ${when}.`;
      more.hidden = !(before > graph.links.length);
    }
  }

  function fillTable(graph) {
    const names = new Map(graph.nodes.map((n) => [n.id, n.label]));
    tableBody.replaceChildren();
    for (const link of graph.links.slice(0, 500)) {
      const row = document.createElement("tr");
      for (const [value, numeric] of [[names.get(link.source)], [names.get(link.target)], [link.kind], [link.count, true], [link.weight, true]]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        if (numeric) cell.className = "num";
        row.appendChild(cell);
      }
      tableBody.appendChild(row);
    }
  }

  async function load() {
    const page = pageQuery();
    window.history.replaceState(null, "", `${window.location.pathname}?${page.toString()}`);
    const mine = ++request;
    container.dataset.state = "loading";
    status.textContent = "Loading…";
    const response = await fetch(`${container.dataset.source}?${apiQuery(page).toString()}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (mine !== request) return;
    const body = await response.json();
    if (!response.ok) {
      status.textContent = `Cannot draw the network: ${Object.entries(body.errors || body).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ")}`;
      container.dataset.state = "error";
      return;
    }
    const focusNode = body.nodes.find((n) => n.code && n.code.toUpperCase() === (page.get("focus") || "").toUpperCase() && n.kind === "nation")
      || body.nodes.find((n) => n.level === 0);
    const focusId = focusNode ? focusNode.id : "";
    draw(body, focusId, page.get("view"));
    describe(body, page, focusNode);
    fillTable(body);
    container.dataset.state = "ready";
  }

  // --- Interaction --------------------------------------------------------------------------------

  function showTooltip(event, html) {
    tooltip.replaceChildren();
    html.forEach((line) => {
      const div = document.createElement("div");
      div.textContent = line;
      tooltip.appendChild(div);
    });
    tooltip.hidden = false;
    const p = event.renderedPosition;
    tooltip.style.left = `${Math.min(p.x + 14, container.clientWidth - 260)}px`;
    tooltip.style.top = `${p.y + 14}px`;
  }

  cy.on("mouseover", "node", (event) => {
    const d = event.target.data();
    const lines = [d.full + (d.code ? ` (${d.code})` : "")];
    if (d.kind === "hub") lines.push(`${d.record_kind}, ${d.parties} parties you may see`);
    else lines.push(`${d.degree} links shown, strength ${d.weight}`);
    showTooltip(event, lines);
  });
  cy.on("mouseover", "edge", (event) => {
    const d = event.target.data();
    const lines = [`${d.kind}: ${d.count} record${d.count === 1 ? "" : "s"}, strength ${d.weight}`];
    if (d.last_known) lines.push(`${d.last_known} last known (status unknown since the dataset ended)`);
    d.records.forEach((r) => lines.push(`· ${r.label}`));
    showTooltip(event, lines);
  });
  cy.on("mouseout", () => (tooltip.hidden = true));
  cy.on("tap", "node", (event) => {
    const d = event.target.data();
    details.replaceChildren();
    const heading = document.createElement("h2");
    heading.textContent = d.full;
    const open = document.createElement("a");
    open.href = d.url;
    open.textContent = d.kind === "hub" ? `Open the ${d.record_kind}` : "Open the profile";
    details.append(heading, open);
    if (d.kind === "nation" && d.code) {
      const refocus = document.createElement("button");
      refocus.type = "button";
      refocus.className = "button secondary";
      refocus.textContent = `Focus the network on ${d.label}`;
      refocus.addEventListener("click", () => {
        const option = Array.from(focusSelect.options).find((o) => o.value === d.code);
        if (option) focusSelect.value = option.value;
        form.querySelector('[name="view"][value="focus"]').checked = true;
        load();
      });
      details.append(" ", refocus);
    }
    details.hidden = false;
  });

  form.addEventListener("change", (event) => {
    if (event.target === asOfYear) asOf.value = `${asOfYear.value}-${(asOf.value || "2000-01-01").slice(5)}`;
    if (event.target.name === "view") {
      // The region and world views rank links, not partners: start them with more.
      const limit = form.querySelector('[name="limit"]');
      const wide = String(Number(limit.dataset.default) * WIDE_FACTOR);
      if (event.target.value !== "focus" && limit.value === limit.dataset.default) limit.value = wide;
      if (event.target.value === "focus" && limit.value === wide) limit.value = limit.dataset.default;
    }
    if (event.target.name === "focus" && setting("view") === "region") form.querySelector('[name="region"]').value = regionOfFocus();
    syncYear();
    load();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  more.addEventListener("click", () => {
    const limit = form.querySelector('[name="limit"]');
    limit.value = String(Number(limit.value || limit.dataset.default) + Number(limit.dataset.default));
    load();
  });

  // --- Export -------------------------------------------------------------------------------------

  function escape(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }

  function svgText() {
    const box = cy.elements().boundingBox({ includeLabels: true });
    const pad = 20;
    const parts = [
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x1 - pad} ${box.y1 - pad} ${box.w + 2 * pad} ${box.h + 2 * pad}" width="${Math.round(box.w + 2 * pad)}" height="${Math.round(box.h + 2 * pad)}" font-family="system-ui, sans-serif" font-size="12">`,
      `<title>${escape(status.textContent)}</title>`,
      `<rect x="${box.x1 - pad}" y="${box.y1 - pad}" width="${box.w + 2 * pad}" height="${box.h + 2 * pad}" fill="#ffffff"/>`,
    ];
    cy.edges().forEach((e) => {
      const s = e.source().position();
      const t = e.target().position();
      const dash = e.data("kind") === "resource" ? ' stroke-dasharray="6 3"' : e.data("kind") === "member" ? ' stroke-dasharray="2 3"' : "";
      parts.push(`<line x1="${s.x.toFixed(1)}" y1="${s.y.toFixed(1)}" x2="${t.x.toFixed(1)}" y2="${t.y.toFixed(1)}" stroke="${e.data("colour")}" stroke-width="${e.data("width").toFixed(2)}" stroke-opacity="0.7"${dash}/>`);
    });
    cy.nodes().forEach((n) => {
      const p = n.position();
      const r = n.data("size") / 2;
      const fill = n.hasClass("focus") ? "#f0b400" : n.data("kind") === "hub" ? "#e8eef6" : n.data("kind") === "organization" ? "#fff3cd" : "#ffffff";
      const shape = n.data("kind") === "nation"
        ? `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${r}"`
        : `<rect x="${(p.x - r).toFixed(1)}" y="${(p.y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}" rx="3"`;
      parts.push(`${shape} fill="${fill}" stroke="#0d2a4a" stroke-width="2"/>`);
      let x = p.x;
      let y = p.y + r + 14;
      let anchor = "middle";
      if (n.hasClass("right")) [x, y, anchor] = [p.x + r + 4, p.y + 4, "start"];
      else if (n.hasClass("left")) [x, y, anchor] = [p.x - r - 4, p.y + 4, "end"];
      else if (n.hasClass("top")) y = p.y - r - 6;
      const weight = n.hasClass("focus") ? ' font-weight="bold" font-size="14"' : "";
      parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}"${weight} paint-order="stroke" stroke="#ffffff" stroke-width="3" fill="#1b2733">${escape(n.data("short"))}</text>`);
    });
    parts.push("</svg>");
    return parts.join("\n");
  }

  function fileName(extension) {
    const page = new URLSearchParams(window.location.search);
    const subject = page.get("view") === "focus" ? page.get("focus") : page.get("view") === "region" ? page.get("region") || "region" : "world";
    return `network-${subject}-${page.get("as_of") || "all-dates"}.${extension}`;
  }

  function download(blob, name) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  document.getElementById("network-svg").addEventListener("click", () => {
    download(new Blob([svgText()], { type: "image/svg+xml" }), fileName("svg"));
  });
  document.getElementById("network-png").addEventListener("click", () => {
    download(cy.png({ output: "blob", bg: "#ffffff", full: true, scale: 2 }), fileName("png"));
  });

  restore(new URLSearchParams(window.location.search));
  load();
})();
