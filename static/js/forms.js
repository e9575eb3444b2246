// Small behaviours for server-rendered forms, kept out of the HTML so that the
// content security policy can forbid inline scripts and event handlers.
"use strict";
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.dataset.autosubmit !== undefined && field.form) {
    field.form.submit();
  }
});
