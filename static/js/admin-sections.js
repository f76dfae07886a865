// The case form: each row's section list shows only its document's sections.
//
// The list is a <select> grouped by document (one <optgroup> per document, labelled with its
// short title, which is also what the row's document field shows). Without this script every
// group stays, and the server refuses a section of another document; with it, choosing the
// row's document hides the other groups, and a section left from another document is cleared.
"use strict";
(function () {
  function narrow(sourceSelect) {
    const row = sourceSelect.closest(".inline-related");
    const sectionSelect = row && row.querySelector("select[name$='-section']");
    if (!sectionSelect) return;
    const chosen = sourceSelect.selectedOptions[0];
    const title = chosen && chosen.value ? chosen.textContent.trim() : "";
    for (const group of sectionSelect.querySelectorAll("optgroup")) {
      const other = title !== "" && group.label !== title;
      group.hidden = other;
      group.disabled = other;
    }
    const picked = sectionSelect.selectedOptions[0];
    if (picked && picked.parentElement.disabled) sectionSelect.value = "";
  }

  function narrowAll(root) {
    for (const select of root.querySelectorAll("select[name$='-source']")) narrow(select);
  }

  document.addEventListener("DOMContentLoaded", function () {
    narrowAll(document);
    // The document field is Django's autocomplete (select2), which announces a choice
    // through jQuery only; a new inline row arrives with the formset:added event.
    const $ = window.django && window.django.jQuery;
    if ($) {
      $(document).on("change", "select[name$='-source']", function () {
        narrow(this);
      });
    }
    document.addEventListener("formset:added", function (event) {
      narrowAll(event.target);
    });
  });
})();
