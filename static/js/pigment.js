// Small behaviours shared by every page; no inline scripts (strict CSP).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) form.requestSubmit();
});
