// The incident page's live timeline: every few seconds, fetch entries newer than the last
// one shown and the incident's status; append the entries and update badge and buttons.
// Built with textContent only, so nothing from the server is ever parsed as HTML.
// An entry that changes the command centre (a kind in data-command-changes) shows a
// "reload" line rather than reloading, so that nothing typed into a form is lost.
"use strict";

(() => {
  const root = document.getElementById("incident");
  const list = document.getElementById("timeline");
  const live = document.getElementById("live");
  if (!root || !list) return;

  const url = root.dataset.timelineUrl;
  const changes = new Set((root.dataset.commandChanges || "").split(" ").filter(Boolean));
  const changed = document.getElementById("command-changed");
  const every = 2500;
  let after = Number(root.dataset.afterId) || 0;
  let wait = every;
  let timer = 0;
  let stopped = false;

  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const entryItem = (entry) => {
    const item = element("li", "entry fresh");
    item.dataset.id = String(entry.id);
    item.dataset.kind = entry.kind;
    const time = element("time", "", entry.when);
    time.dateTime = entry.at;
    time.title = entry.full;
    item.append(time, element("span", `kind kind-${entry.kind}`, entry.label));
    item.append(element("span", "message", entry.message));
    return item;
  };

  const showState = (text, trouble) => {
    live.hidden = false;
    live.textContent = text;
    live.classList.toggle("trouble", trouble);
  };

  const showIncident = (data) => {
    root.dataset.status = data.status;
    for (const node of document.querySelectorAll("[data-field]")) {
      const value = data[node.dataset.field];
      if (value === undefined) continue;
      node.textContent = value || "—";
      if (node.classList.contains("status")) node.className = `status status-${value}`;
    }
    for (const form of document.querySelectorAll("[data-when-status]")) {
      form.hidden = !form.dataset.whenStatus.split(" ").includes(data.status);
    }
  };

  const schedule = () => {
    window.clearTimeout(timer);
    if (!stopped) timer = window.setTimeout(poll, wait);
  };

  async function poll() {
    if (document.hidden) return; // resumed by visibilitychange
    try {
      const response = await fetch(`${url}?after_id=${after}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.status === 401) {
        stopped = true;
        showState("signed out: reload to sign in", true);
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      for (const entry of data.entries) {
        if (entry.id <= after) continue;
        list.append(entryItem(entry));
        after = entry.id;
        if (changed && changes.has(entry.kind)) changed.hidden = false;
      }
      showIncident(data);
      showState("live", false);
      wait = every;
    } catch {
      showState("reconnecting…", true);
      wait = Math.min(wait * 2, 30000);
    }
    schedule();
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      wait = every;
      window.clearTimeout(timer);
      poll();
    }
  });
  showState("live", false);
  schedule();
})();
