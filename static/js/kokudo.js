// Select the whole citation line when it gets focus, so that one copy takes all of it.
document.addEventListener("focusin", (event) => {
  if (event.target.matches(".cite-line")) {
    event.target.select();
  }
});

// Copy buttons: shown only where this script runs; the readonly field still works without it.
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
    await navigator.clipboard.writeText(field.value);
    copied = true;
  } catch {
    // No clipboard API (plain http, older browsers): copy the selection instead.
    field.select();
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
