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
    await navigator.clipboard.writeText(field.textContent.trim());
    copied = true;
  } catch {
    // No clipboard API (plain http, older browsers): select the whole line and copy that.
    const range = document.createRange();
    range.selectNodeContents(field);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    copied = document.execCommand("copy");
  }
  button.textContent = copied ? "コピーしました" : "選択しました（Ctrl+Cでコピー）";
  setTimeout(() => {
    button.textContent = "コピー";
  }, 2500);
});
