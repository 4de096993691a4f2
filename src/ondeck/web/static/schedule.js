// The schedule page: fit each bar's label to its bar (the full name, else a first name or
// initials, else none: the bar's title still says everything), and show the trade form's
// swap fields only for swaps. The page works without it.
"use strict";

(() => {
  const fitLabels = () => {
    for (const text of document.querySelectorAll(".chart svg.bar text")) {
      if (text.dataset.full === undefined) text.dataset.full = text.textContent;
      const room = text.parentNode.querySelector(".fill").getBoundingClientRect().width - 10;
      text.classList.remove("unfit");
      text.textContent = text.dataset.full;
      for (const shorter of [text.dataset.short, text.dataset.tiny, ""]) {
        if (text.getComputedTextLength() <= room) break;
        text.textContent = shorter || "";
      }
      if (!text.textContent) text.classList.add("unfit");
    }
  };

  let frame = 0;
  window.addEventListener("resize", () => {
    window.cancelAnimationFrame(frame);
    frame = window.requestAnimationFrame(fitLabels);
  });
  fitLabels();

  const trade = document.getElementById("trade-form");
  if (!trade) return;
  const swapOnly = trade.querySelector("[data-swap-only]");
  const anyone = trade.querySelector("[data-cover-only]");
  const colleague = trade.querySelector("select[name=colleague_email]");
  const showKind = () => {
    const swap = trade.querySelector("input[name=kind]:checked")?.value === "swap";
    swapOnly.hidden = !swap;
    for (const input of swapOnly.querySelectorAll("input")) input.required = swap;
    anyone.disabled = swap;
    if (swap && colleague.value === "") colleague.selectedIndex = anyone.index + 1;
  };
  for (const radio of trade.querySelectorAll("input[name=kind]")) {
    radio.addEventListener("change", showKind);
  }
  showKind();
})();
