"use strict";
// Live updates without a reload: every second, ask for the blocks whose digest changed and swap only those
// in; a block the server stubs (data-keep) stays as it is, open or closed.
(function () {
  const main = document.getElementById("page");
  const live = document.getElementById("live");
  const PERIOD_MS = 1000;

  function swap(html) {
    const fresh = document.createElement("template");
    fresh.innerHTML = html;
    const blocks = Array.from(fresh.content.children);
    blocks.forEach((node, i) => {
      const old = document.getElementById(node.id);
      let keep = node;
      if (old && node.hasAttribute("data-keep")) keep = old;
      else if (old && old.tagName === "DETAILS") node.open = old.open;
      const at = main.children[i];
      if (at !== keep) main.insertBefore(keep, at || null);
      if (old && old !== keep) old.remove();
    });
    while (main.children.length > blocks.length) main.lastElementChild.remove();
  }

  async function refresh() {
    const started = Date.now();
    if (document.hidden) return setTimeout(refresh, PERIOD_MS); // nobody is looking: cost the server nothing
    try {
      const have = Array.from(main.children, (b) => b.dataset.digest).join(",");
      const response = await fetch("body?have=" + encodeURIComponent(have), { cache: "no-store" });
      if (!response.ok) throw new Error("status " + response.status);
      swap(await response.text());
      live.textContent = "live, refreshed every second";
      live.classList.remove("stale");
    } catch (e) {
      live.textContent = "not updating: the server did not answer (" + e.message + ")";
      live.classList.add("stale");
    }
    setTimeout(refresh, Math.max(0, PERIOD_MS - (Date.now() - started)));
  }

  setTimeout(refresh, PERIOD_MS);
})();
