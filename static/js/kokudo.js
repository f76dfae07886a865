// Copy buttons: shown only where this script runs; without it the line can be selected by hand.
document.querySelectorAll(".copy-button").forEach((button) => {
  button.hidden = false;
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest(".copy-button");
  if (!button) {
    return;
  }
  const field = document.getElementById(button.dataset.copy);
  let copied = false;
  try {
    // A figure's citation is a read-only field; a source's is wrapped text.
    await navigator.clipboard.writeText((field.value ?? field.textContent).trim());
    copied = true;
  } catch {
    // No clipboard API (plain http, older browsers): select the whole line and copy that.
    if (field.select) {
      field.select();
    } else {
      const range = document.createRange();
      range.selectNodeContents(field);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    copied = document.execCommand("copy");
  }
  button.textContent = copied ? "コピーしました" : "選択しました（Ctrl+Cでコピー）";
  setTimeout(() => {
    button.textContent = "コピー";
  }, 2500);
});

// A cached page carries the day it was rendered: a printed sheet shows the day it is printed.
document.querySelectorAll("[data-print-date]").forEach((field) => {
  const today = new Date();
  field.textContent = `${today.getFullYear()}年${today.getMonth() + 1}月${today.getDate()}日`;
});

// The browse filters on a phone: a disclosure panel opened by 「絞り込み」 (the デジタル庁
// design system's disclosure pattern). Without this script the filters simply show. htmx swaps
// the whole #browse on every tick, so the open state is a class on <html>, which the swap does
// not touch: the panel is already open when htmx puts the focus back on the ticked box.
const root = document.documentElement;
root.classList.add("has-js");

function filtersOpen() {
  return root.classList.contains("filters-open");
}

function setFiltersOpen(open, { focus = false } = {}) {
  root.classList.toggle("filters-open", open);
  document.querySelector(".filter-toggle")?.setAttribute("aria-expanded", String(open));
  if (focus && open) {
    document.querySelector("#facet-form summary")?.focus();
  } else if (focus) {
    document.getElementById("result-count")?.focus();
  }
}

// New browse content from htmx: its toggle button says whether the panel is open.
document.addEventListener("htmx:load", () => setFiltersOpen(filtersOpen()));

document.addEventListener("click", (event) => {
  if (event.target.closest(".filter-toggle")) {
    setFiltersOpen(!filtersOpen(), { focus: true });
  } else if (event.target.closest(".show-results")) {
    setFiltersOpen(false, { focus: true });
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && filtersOpen() && event.target.closest("#facet-form")) {
    setFiltersOpen(false);
    document.querySelector(".filter-toggle")?.focus();
  }
});

// Keep the filter groups the visitor opened open across the swap (the server opens only the
// groups with a selection).
let openGroups = [];
document.addEventListener("htmx:beforeSwap", () => {
  openGroups = [...document.querySelectorAll("#facet-form details[open][id]")].map((d) => d.id);
});
document.addEventListener("htmx:afterSwap", () => {
  openGroups.forEach((id) => document.getElementById(id)?.setAttribute("open", ""));
});
