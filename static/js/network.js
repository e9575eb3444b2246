/* Partnership network: fetches the graph from the registry's JSON endpoint and draws it as SVG.
 *
 * Hand-written, no library and no network beyond this site: a small force-directed
 * layout (repulsion between all nodes, springs along links, a pull to the centre),
 * nodes as links to their records, hover and focus show details, clicking opens
 * the record. Positions are kept between redraws so that moving the as-of date
 * changes the links without scrambling the picture.
 */
(function () {
  "use strict";

  const svg = document.getElementById("network");
  if (!svg) return;
  const form = document.getElementById("network-controls");
  const status = document.getElementById("network-status");
  const tooltip = document.getElementById("network-tooltip");
  const tableBody = document.querySelector("#network-table tbody");
  const asOf = document.getElementById("as-of");
  const asOfYear = document.getElementById("as-of-year");
  const allDates = document.getElementById("all-dates");
  const NS = "http://www.w3.org/2000/svg";
  const WIDTH = 1000;
  const HEIGHT = 640;
  const positions = new Map();
  const focus = new URLSearchParams(window.location.search).get("focus");
  let request = 0;

  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);

  function el(name, attributes, parent) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  function hash(text) {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return (h >>> 0) / 4294967295;
  }

  function layout(nodes, links) {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    nodes.forEach((n, i) => {
      const known = positions.get(n.id);
      if (known) {
        n.x = known.x;
        n.y = known.y;
      } else {
        const angle = 2 * Math.PI * hash(n.id);
        const radius = 120 + 180 * hash(n.id + "r");
        n.x = WIDTH / 2 + radius * Math.cos(angle);
        n.y = HEIGHT / 2 + radius * Math.sin(angle);
      }
      n.vx = 0;
      n.vy = 0;
    });
    const edges = links.map((l) => [byId.get(l.source), byId.get(l.target), l]).filter((e) => e[0] && e[1]);
    const iterations = nodes.length > 400 ? 120 : 260;
    const k = Math.sqrt((WIDTH * HEIGHT) / Math.max(nodes.length, 1)) * 0.9;
    for (let step = 0; step < iterations; step++) {
      const cooling = 1 - step / iterations;
      for (let i = 0; i < nodes.length; i++) {
        const a = nodes[i];
        for (let j = i + 1; j < nodes.length; j++) {
          const b = nodes[j];
          let dx = a.x - b.x;
          let dy = a.y - b.y;
          let d2 = dx * dx + dy * dy;
          if (d2 < 0.01) {
            dx = hash(a.id + b.id) - 0.5;
            dy = hash(b.id + a.id) - 0.5;
            d2 = 0.25;
          }
          const force = (k * k) / d2;
          a.vx += dx * force * 0.05;
          a.vy += dy * force * 0.05;
          b.vx -= dx * force * 0.05;
          b.vy -= dy * force * 0.05;
        }
      }
      for (const [a, b] of edges) {
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        const d = Math.sqrt(dx * dx + dy * dy) || 1;
        const pull = ((d - k) / d) * 0.06;
        a.vx += dx * pull;
        a.vy += dy * pull;
        b.vx -= dx * pull;
        b.vy -= dy * pull;
      }
      for (const n of nodes) {
        n.vx += (WIDTH / 2 - n.x) * 0.002;
        n.vy += (HEIGHT / 2 - n.y) * 0.002;
        const speed = Math.sqrt(n.vx * n.vx + n.vy * n.vy) || 1;
        const limit = 18 * cooling + 0.5;
        n.x += (n.vx / speed) * Math.min(speed, limit);
        n.y += (n.vy / speed) * Math.min(speed, limit);
        n.x = Math.max(20, Math.min(WIDTH - 20, n.x));
        n.y = Math.max(20, Math.min(HEIGHT - 20, n.y));
        n.vx *= 0.5;
        n.vy *= 0.5;
      }
    }
    nodes.forEach((n) => positions.set(n.id, { x: n.x, y: n.y }));
    // Fit the drawing to the canvas (the stored positions stay unscaled, so redraws are stable).
    if (nodes.length > 1) {
      const xs = nodes.map((n) => n.x);
      const ys = nodes.map((n) => n.y);
      const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const scale = Math.min((WIDTH - 120) / Math.max(maxX - minX, 1), (HEIGHT - 60) / Math.max(maxY - minY, 1), 3);
      const offsetX = (WIDTH - (maxX - minX) * scale) / 2;
      const offsetY = (HEIGHT - (maxY - minY) * scale) / 2;
      nodes.forEach((n) => {
        n.x = offsetX + (n.x - minX) * scale;
        n.y = offsetY + (n.y - minY) * scale;
      });
    }
    return edges;
  }

  function showTooltip(event, html) {
    tooltip.innerHTML = html;
    tooltip.hidden = false;
    const box = svg.getBoundingClientRect();
    const x = (event.clientX || box.left + box.width / 2) - box.left + 12;
    const y = (event.clientY || box.top + 20) - box.top + 12;
    tooltip.style.left = `${Math.min(x, box.width - 260)}px`;
    tooltip.style.top = `${y}px`;
  }

  function escape(text) {
    const span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span.innerHTML;
  }

  const KIND_LABELS = { agreement: "Agreement", exercise: "Joint exercise", resource: "Resource flow" };

  function draw(graph) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const nodes = graph.nodes;
    const edges = layout(nodes, graph.links);
    const labels = new Map(nodes.map((n) => [n.id, n.label]));
    const linkLayer = el("g", { class: "links" }, svg);
    const nodeLayer = el("g", { class: "nodes" }, svg);
    const maxDegree = Math.max(1, ...nodes.map((n) => n.degree));
    for (const [a, b, link] of edges) {
      const anchor = el("a", { href: link.records[0] ? link.records[0].url : "#", class: `link ${link.kind}` }, linkLayer);
      anchor.setAttribute("aria-label", `${KIND_LABELS[link.kind]}: ${a.label} and ${b.label}, ${link.count} record(s)`);
      el("line", {
        x1: a.x, y1: a.y, x2: b.x, y2: b.y,
        "stroke-width": Math.min(1 + Math.log2(link.count + 1), 6),
        "data-kind": link.kind,
      }, anchor);
      const html = `<strong>${escape(KIND_LABELS[link.kind])}</strong><br>${escape(a.label)} — ${escape(b.label)}<br>` +
        link.records.map((r) => escape(r.label)).join("<br>") +
        (link.count > link.records.length ? `<br>… ${link.count - link.records.length} more` : "");
      anchor.addEventListener("mouseenter", (e) => showTooltip(e, html));
      anchor.addEventListener("focus", (e) => showTooltip(e, html));
      anchor.addEventListener("mouseleave", () => (tooltip.hidden = true));
      anchor.addEventListener("blur", () => (tooltip.hidden = true));
    }
    for (const n of nodes) {
      const anchor = el("a", { href: n.url, class: `node ${n.kind}${n.id === focus ? " focus" : ""}`, "data-id": n.id }, nodeLayer);
      anchor.setAttribute("aria-label", `${n.label}: ${n.degree} partner link(s)`);
      const r = 3 + 8 * Math.sqrt(n.degree / maxDegree);
      if (n.kind === "nation") el("circle", { cx: n.x, cy: n.y, r }, anchor);
      else el("rect", { x: n.x - r, y: n.y - r, width: 2 * r, height: 2 * r, rx: 2 }, anchor);
      if (n.degree >= maxDegree * 0.25 || nodes.length < 40 || n.id === focus) {
        const text = el("text", { x: n.x + r + 3, y: n.y + 4 }, anchor);
        text.textContent = n.code || n.label;
      }
      const html = `<strong>${escape(n.label)}</strong>${n.code ? ` (${escape(n.code)})` : ""}<br>` +
        `${n.kind === "nation" ? "Nation" : "Organization"} · ${n.degree} link(s)<br><em>Click to open</em>`;
      anchor.addEventListener("mouseenter", (e) => showTooltip(e, html));
      anchor.addEventListener("focus", (e) => showTooltip(e, html));
      anchor.addEventListener("mouseleave", () => (tooltip.hidden = true));
      anchor.addEventListener("blur", () => (tooltip.hidden = true));
    }
    tableBody.innerHTML = "";
    for (const link of graph.links) {
      const row = tableBody.insertRow();
      row.insertCell().textContent = labels.get(link.source) || link.source;
      row.insertCell().textContent = labels.get(link.target) || link.target;
      row.insertCell().textContent = KIND_LABELS[link.kind];
      const count = row.insertCell();
      count.textContent = link.count;
      count.className = "num";
    }
    svg.dataset.nodes = String(nodes.length);
    svg.dataset.links = String(graph.links.length);
  }

  function query() {
    const params = new URLSearchParams();
    form.querySelectorAll('input[name="kind"]:checked').forEach((box) => params.append("kind", box.value));
    if (!allDates.checked && asOf.value) params.set("as_of", asOf.value);
    const program = form.elements.program.value;
    const region = form.elements.region.value;
    if (program) params.set("program", program);
    if (region) params.set("region", region);
    return params;
  }

  async function load() {
    const current = ++request;
    const params = query();
    if (!params.getAll("kind").length) {
      draw({ nodes: [], links: [] });
      status.textContent = "Choose at least one kind of link.";
      return;
    }
    status.textContent = "Loading…";
    try {
      const response = await fetch(`${svg.dataset.source}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const body = await response.json();
      if (current !== request) return;
      if (!response.ok) {
        status.textContent = (body.errors || []).map((e) => `${e.attr ? e.attr + ": " : ""}${e.detail}`).join(" ") || "The network could not be loaded.";
        return;
      }
      draw(body);
      const when = body.as_of ? `as of ${body.as_of}` : "over all dates";
      status.textContent = body.nodes.length
        ? `${body.nodes.length} nodes and ${body.links.length} links ${when}: ${body.counts.agreement} agreement, ${body.counts.exercise} exercise and ${body.counts.resource} resource links.`
        : `No links ${when} with these filters. Try another date, or "All dates".`;
    } catch (error) {
      if (current === request) status.textContent = "The network could not be loaded; check your connection and try again.";
    }
  }

  let timer = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  }

  asOfYear.addEventListener("input", () => {
    const rest = (asOf.value || "2000-07-01").slice(4);
    asOf.value = `${asOfYear.value}${rest}`;
    allDates.checked = false;
    schedule();
  });
  asOf.addEventListener("change", () => {
    if (asOf.value) asOfYear.value = asOf.value.slice(0, 4);
    allDates.checked = false;
    schedule();
  });
  form.addEventListener("change", (event) => {
    if (event.target !== asOf && event.target !== asOfYear) schedule();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
})();
