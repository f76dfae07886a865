// The near picker: offer the municipalities matching what is typed (by name or reading, via
// /places/autocomplete/) in the text box's <datalist>. Without this script the box still takes
// a name or an LG code, which the server resolves.
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
    const url = `${input.dataset.nearAutocomplete}?${new URLSearchParams({ q: query })}`;
    let data;
    try {
      const response = await fetch(url, { signal: controller.signal });
      if (!response.ok) return;
      data = await response.json();
    } catch {
      return; // aborted by newer typing, or offline: the text box still works
    }
    list.replaceChildren(
      ...data.results.map((town) => {
        const option = document.createElement("option");
        option.value = town.label; // 長野県伊那市: a name the server resolves to one municipality
        option.label = `${town.label}（${town.kana}）`;
        return option;
      }),
    );
  }

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.matches || !input.matches("[data-near-autocomplete]")) return;
    clearTimeout(timer);
    timer = setTimeout(() => suggest(input), DELAY_MS);
  });
})();
