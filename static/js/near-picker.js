// The facet panel's text boxes: offer what matches the typed text in the box's <datalist>: the
// municipalities of the near picker (by name or reading, /places/autocomplete/) and the
// organisations of the 関係主体 facet (by name or other spelling, /organizations/autocomplete/).
// Without this script each box still takes a name (or an LG code), which the server resolves.
(() => {
  "use strict";

  const DELAY_MS = 200; // wait for a pause in typing rather than ask on every key
  let timer = null;
  let controller = null;

  async function suggest(input) {
    const list = document.getElementById(input.getAttribute("list"));
    const query = input.value.trim();
    if (!list || !query) return;
    if (controller) controller.abort();
    controller = new AbortController();
    const endpoint = input.dataset.nearAutocomplete || input.dataset.autocomplete;
    const url = `${endpoint}?${new URLSearchParams({ q: query })}`;
    let data;
    try {
      const response = await fetch(url, { signal: controller.signal });
      if (!response.ok) return;
      data = await response.json();
    } catch {
      return; // aborted by newer typing, or offline: the text box still works
    }
    list.replaceChildren(
      ...data.results.map((item) => {
        const option = document.createElement("option");
        // 長野県伊那市, KDDI株式会社: a name the server resolves to one municipality or organisation
        option.value = item.label;
        option.label = `${item.label}（${item.kana || item.detail}）`;
        return option;
      }),
    );
  }

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.matches || !input.matches("[data-near-autocomplete], [data-autocomplete]")) return;
    clearTimeout(timer);
    timer = setTimeout(() => suggest(input), DELAY_MS);
  });
})();
