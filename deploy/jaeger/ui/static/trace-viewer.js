// The stack's trace viewer, served by Jaeger's query extension (ui.assets_path) in place of the
// Jaeger UI that the Go module does not carry. It reads Jaeger's query HTTP API on the same
// origin (/api/services, /api/services/{s}/operations, /api/traces, /api/traces/{id}) and
// draws two pages:
//   search?service=S&operation=O&tags=k%3Dv&lookback=1h&limit=20   recent traces of a service
//   trace/<trace id>                                                one trace as a span waterfall
// Plain DOM (text nodes only, never HTML from the data), nothing fetched from elsewhere.
"use strict";

(function () {
  const BASE = new URL(document.baseURI);
  const $ = (id) => document.getElementById(id);

  // ---- small helpers ----------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "style") Object.assign(node.style, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function url(path, params) {
    const target = new URL(path, BASE);
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") target.searchParams.set(key, value);
    }
    return target;
  }

  async function api(path, params) {
    const response = await fetch(url("api/" + path, params), { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && body.errors && body.errors.length ? body.errors[0].msg : response.statusText;
      const error = new Error(`${response.status} ${detail}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function setStatus(text, kind) {
    const status = $("status");
    status.textContent = text || "";
    status.className = kind || "";
  }

  // microseconds (Jaeger's unit) for people
  function duration(us) {
    if (us < 1000) return `${Math.round(us)} µs`;
    if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
    return `${(us / 1_000_000).toFixed(2)} s`;
  }

  function when(us) {
    const date = new Date(us / 1000);
    return `${date.toISOString().replace("T", " ").slice(0, 23)} UTC`;
  }

  // distinct colours for the services Jaeger knows (in name order, so stable between pages);
  // a hashed hue for any other
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939"];
  const serviceColors = new Map();

  function serviceColor(name) {
    if (serviceColors.has(name)) return serviceColors.get(name);
    let hash = 0;
    for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    return `hsl(${hash % 360}, 55%, 45%)`;
  }

  function count(n, noun) {
    return `${n} ${noun}${n === 1 ? "" : "s"}`;
  }

  function tagValue(value) {
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  // ---- one Jaeger trace as a tree -----------------------------------------------------------

  function isError(span) {
    return (span.tags || []).some(
      (t) => (t.key === "error" && (t.value === true || t.value === "true")) ||
        (t.key === "otel.status_code" && t.value === "ERROR"),
    );
  }

  // {spans ordered depth-first, each {span, depth, service}, start, end, services, links}
  function layout(trace) {
    const services = {};
    for (const [pid, process] of Object.entries(trace.processes || {})) services[pid] = process;
    const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
    const children = new Map();
    const roots = [];
    for (const span of trace.spans) {
      const parent = (span.references || []).find(
        (r) => r.refType === "CHILD_OF" && r.traceID === span.traceID && byId.has(r.spanID),
      );
      if (parent) {
        if (!children.has(parent.spanID)) children.set(parent.spanID, []);
        children.get(parent.spanID).push(span);
      } else {
        roots.push(span);
      }
    }
    const byStart = (a, b) => a.startTime - b.startTime;
    const rows = [];
    const walk = (span, depth) => {
      const process = services[span.processID] || { serviceName: "?", tags: [] };
      rows.push({ span, depth, service: process.serviceName, process });
      for (const child of (children.get(span.spanID) || []).sort(byStart)) walk(child, depth + 1);
    };
    for (const root of roots.sort(byStart)) walk(root, 0);
    const start = Math.min(...trace.spans.map((s) => s.startTime));
    const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
    const counts = {};
    for (const row of rows) counts[row.service] = (counts[row.service] || 0) + 1;
    // references into other traces: a reminder's firing links to the turn that scheduled it
    const links = [];
    for (const span of trace.spans) {
      for (const ref of span.references || []) {
        if (ref.traceID !== trace.traceID || ref.refType === "FOLLOWS_FROM") {
          links.push({ from: span, traceID: ref.traceID, spanID: ref.spanID, refType: ref.refType });
        }
      }
    }
    return { rows, start, end, counts, links, root: rows[0] };
  }

  // ---- search page --------------------------------------------------------------------------

  function parseTags(text) {
    const tags = {};
    for (const part of text.trim().split(/\s+/).filter(Boolean)) {
      const eq = part.indexOf("=");
      if (eq <= 0) throw new Error(`a tag is key=value, got "${part}"`);
      tags[part.slice(0, eq)] = part.slice(eq + 1);
    }
    return tags;
  }

  async function fillServices(selected) {
    const body = await api("services");
    const names = (body.data || []).filter((s) => s !== "jaeger").sort();
    names.forEach((name, i) => serviceColors.set(name, PALETTE[i % PALETTE.length]));
    const select = $("service");
    select.replaceChildren(...names.map((name) => el("option", { value: name }, name)));
    if (selected && names.includes(selected)) select.value = selected;
    else if (names.includes("task-service")) select.value = "task-service";
    return names;
  }

  async function fillOperations(service, selected) {
    const select = $("operation");
    select.replaceChildren(el("option", { value: "" }, "all"));
    if (!service) return;
    const body = await api(`services/${encodeURIComponent(service)}/operations`);
    const names = [...new Set((body.data || []).map((o) => (typeof o === "string" ? o : o.name)))].sort();
    for (const name of names) select.append(el("option", { value: name }, name));
    if (selected && names.includes(selected)) select.value = selected;
  }

  function traceSummary(trace) {
    const shape = layout(trace);
    const root = shape.root;
    const errors = trace.spans.filter(isError).length;
    return el(
      "li",
      { class: "trace-result", "data-trace-id": trace.traceID },
      el(
        "a",
        { class: "trace-link", href: url(`trace/${trace.traceID}`).href },
        el("span", { class: "root-name" }, `${root.service}: ${root.span.operationName}`),
        el("span", { class: "trace-duration" }, duration(shape.end - shape.start)),
      ),
      el(
        "div",
        { class: "trace-meta" },
        el("span", {}, when(shape.start)),
        el("span", {}, count(trace.spans.length, "span")),
        errors ? el("span", { class: "error" }, count(errors, "error")) : null,
        Object.entries(shape.counts)
          .sort()
          .map(([service, n]) =>
            el("span", { class: "service-chip", style: { borderColor: serviceColor(service) } }, `${service} (${n})`),
          ),
        el("code", { class: "trace-id" }, trace.traceID),
      ),
    );
  }

  async function searchPage(params) {
    const service = params.get("service") || "";
    const names = await fillServices(service);
    for (const key of ["tags", "lookback", "limit"]) if (params.get(key)) $(key).value = params.get(key);
    await fillOperations($("service").value, params.get("operation"));
    if (!names.length) {
      setStatus("No services have sent spans yet: is the stack running with --tracing?");
      return;
    }
    if (!service) {
      setStatus("Pick a service and find its recent traces, or open a trace by id.");
      return;
    }
    const query = {
      service,
      operation: params.get("operation") || "",
      lookback: params.get("lookback") || "1h",
      limit: params.get("limit") || "20",
    };
    let tags;
    try {
      tags = parseTags(params.get("tags") || "");
    } catch (error) {
      setStatus(error.message, "error");
      return;
    }
    if (Object.keys(tags).length) query.tags = JSON.stringify(tags);
    setStatus("Searching…");
    const body = await api("traces", query);
    const traces = (body.data || []).filter((t) => t.spans && t.spans.length);
    traces.sort((a, b) => layout(b).start - layout(a).start);
    const results = $("results");
    results.replaceChildren(
      el("h2", {}, `${count(traces.length, "trace")} of ${service}${query.operation ? ` · ${query.operation}` : ""}`),
      el("ol", { id: "trace-list" }, traces.map(traceSummary)),
    );
    results.hidden = false;
    setStatus(traces.length ? "" : "No traces match: widen the lookback or drop a tag.");
  }

  // ---- trace page: the waterfall ------------------------------------------------------------

  function detailTable(rows) {
    return el(
      "table",
      { class: "kv" },
      rows.map(([key, value]) => el("tr", {}, el("th", {}, key), el("td", {}, value))),
    );
  }

  function spanDetail(row, shape) {
    const span = row.span;
    const parts = [
      el("h4", {}, "span"),
      detailTable([
        ["service", row.service],
        ["operation", span.operationName],
        ["span id", span.spanID],
        ["start", `${duration(span.startTime - shape.start)} after the trace's start (${when(span.startTime)})`],
        ["duration", duration(span.duration)],
      ]),
    ];
    if ((span.tags || []).length) {
      parts.push(el("h4", {}, "attributes"), detailTable(span.tags.map((t) => [t.key, tagValue(t.value)])));
    }
    if ((span.logs || []).length) {
      parts.push(
        el("h4", {}, "events"),
        detailTable(
          span.logs.map((log) => [
            duration(log.timestamp - shape.start),
            (log.fields || []).map((f) => `${f.key}=${tagValue(f.value)}`).join("  "),
          ]),
        ),
      );
    }
    const refs = (span.references || []).filter((r) => r.traceID !== span.traceID || r.refType !== "CHILD_OF");
    if (refs.length) {
      parts.push(
        el("h4", {}, "links"),
        el(
          "ul",
          { class: "links" },
          refs.map((r) =>
            el(
              "li",
              {},
              `${r.refType === "FOLLOWS_FROM" ? "follows from" : "child of"} `,
              el("a", { class: "linked-trace", href: url(`trace/${r.traceID}`).href }, `trace ${r.traceID}`),
              ` span ${r.spanID}`,
            ),
          ),
        ),
      );
    }
    if ((row.process.tags || []).length) {
      parts.push(el("h4", {}, "process"), detailTable(row.process.tags.map((t) => [t.key, tagValue(t.value)])));
    }
    return el("div", { class: "span-detail" }, parts);
  }

  function waterfall(shape) {
    const total = Math.max(shape.end - shape.start, 1);
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) =>
      el("span", { class: "tick", style: { left: `${f * 100}%` } }, duration(f * total)),
    );
    const list = el("div", { id: "waterfall", role: "list" });
    list.append(
      el("div", { class: "span-row ruler" }, el("div", { class: "span-name" }, "service: operation"), el("div", { class: "span-timeline" }, ticks)),
    );
    for (const row of shape.rows) {
      const span = row.span;
      const color = serviceColor(row.service);
      const left = ((span.startTime - shape.start) / total) * 100;
      const width = Math.max((span.duration / total) * 100, 0.2);
      const error = isError(span);
      const detail = el("div", { class: "span-detail-row", hidden: true });
      const line = el(
        "div",
        {
          class: `span-row${error ? " has-error" : ""}`,
          role: "listitem",
          tabindex: "0",
          "data-service": row.service,
          "data-operation": span.operationName,
          "data-span-id": span.spanID,
          onclick: () => {
            if (!detail.firstChild) detail.append(spanDetail(row, shape));
            detail.hidden = !detail.hidden;
          },
          onkeydown: (event) => {
            if (event.key === "Enter" || event.key === " ") {
              event.preventDefault();
              line.click();
            }
          },
        },
        el(
          "div",
          { class: "span-name", style: { paddingLeft: `${row.depth * 14 + 6}px` }, title: `${row.service}: ${span.operationName}` },
          el("span", { class: "span-service", style: { color } }, row.service),
          el("span", { class: "span-operation" }, span.operationName),
          error ? el("span", { class: "error" }, "error") : null,
        ),
        el(
          "div",
          { class: "span-timeline" },
          el("div", { class: "span-bar", style: { left: `${left}%`, width: `${width}%`, background: color } }),
          el("span", { class: "span-duration", style: { left: `${Math.min(left + width, 100)}%` } }, duration(span.duration)),
        ),
      );
      list.append(line, detail);
    }
    return list;
  }

  async function tracePage(traceId) {
    setStatus(`Loading trace ${traceId}…`);
    let body;
    try {
      body = await api(`traces/${encodeURIComponent(traceId)}`);
    } catch (error) {
      if (error.status === 404) {
        setStatus(`No trace ${traceId} in this Jaeger (its spans may not have arrived yet: reload in a moment).`, "error");
        return;
      }
      throw error;
    }
    const trace = (body.data || [])[0];
    if (!trace || !trace.spans || !trace.spans.length) {
      setStatus(`No trace ${traceId} in this Jaeger.`, "error");
      return;
    }
    const shape = layout(trace);
    // the search bar starts from the trace's root service (and sets the services' colours)
    await fillServices(shape.root.service);
    await fillOperations($("service").value, null);
    const errors = trace.spans.filter(isError).length;
    const others = [...new Map(shape.links.map((l) => [l.traceID, l])).values()];
    const section = $("trace");
    section.replaceChildren(
      el(
        "div",
        { id: "trace-header" },
        el("h2", {}, `${shape.root.service}: ${shape.root.span.operationName}`),
        el(
          "div",
          { class: "trace-meta" },
          el("code", { id: "trace-title-id" }, trace.traceID),
          el("span", {}, when(shape.start)),
          el("span", { id: "trace-duration" }, duration(shape.end - shape.start)),
          el("span", {}, count(trace.spans.length, "span")),
          errors ? el("span", { class: "error" }, count(errors, "error")) : null,
          Object.entries(shape.counts)
            .sort()
            .map(([service, n]) =>
              el(
                "a",
                { class: "service-chip", href: url("search", { service }).href, style: { borderColor: serviceColor(service) } },
                `${service} (${n})`,
              ),
            ),
        ),
        others.length
          ? el(
              "p",
              { id: "trace-links" },
              "Linked traces (e.g. what scheduled a reminder): ",
              others.map((l) => el("a", { class: "linked-trace", href: url(`trace/${l.traceID}`).href }, l.traceID)),
            )
          : null,
        el("p", { class: "hint" }, "Click a span for its attributes, events and links."),
      ),
      waterfall(shape),
    );
    section.hidden = false;
    document.title = `${shape.root.span.operationName} · ${trace.traceID.slice(0, 8)} · Traces`;
    setStatus("");
  }

  // ---- routing ------------------------------------------------------------------------------

  function wireForms() {
    $("service").addEventListener("change", () => fillOperations($("service").value, null).catch(showError));
    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      try {
        parseTags($("tags").value);
      } catch (error) {
        setStatus(error.message, "error");
        return;
      }
      window.location.assign(
        url("search", {
          service: $("service").value,
          operation: $("operation").value,
          tags: $("tags").value.trim(),
          lookback: $("lookback").value,
          limit: $("limit").value,
        }).href,
      );
    });
    $("trace-id-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const id = $("trace-id").value.trim().toLowerCase();
      if (!/^[0-9a-f]{1,32}$/.test(id)) {
        setStatus("A trace id is up to 32 hex digits (a log line's trace_id).", "error");
        return;
      }
      window.location.assign(url(`trace/${id}`).href);
    });
  }

  function showError(error) {
    setStatus(`Jaeger's query API failed: ${error.message}`, "error");
  }

  function route() {
    const path = window.location.pathname.slice(BASE.pathname.length);
    const match = /^trace\/([0-9a-fA-F]+)\/?$/.exec(path);
    if (match) return tracePage(match[1].toLowerCase());
    return searchPage(new URLSearchParams(window.location.search));
  }

  wireForms();
  route().catch(showError);
})();
