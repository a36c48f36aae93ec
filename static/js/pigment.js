// Small behaviours shared by every page; no inline scripts (strict CSP).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) form.requestSubmit();
});

// A money form sends once: after the first submit its buttons are disabled (the server's
// idempotency key is the real guard against a second row).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-once]");
  if (!form) return;
  setTimeout(() => form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; }), 0);
});

// Print buttons (receipts, the day sheet).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
