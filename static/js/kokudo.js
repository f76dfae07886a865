// Select the whole citation line when it gets focus, so that one copy takes all of it.
document.addEventListener("focusin", (event) => {
  if (event.target.matches(".cite-line")) {
    event.target.select();
  }
});
