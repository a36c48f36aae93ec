// Front desk behaviours (no inline scripts: strict CSP). htmx does the server round trips.
(() => {
  // A proposed slot fills the booking form, then the form's live check runs (htmx "change").
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-slot-date]");
    if (!button) return;
    const form = document.getElementById("booking-form");
    if (!form) return;
    form.querySelector("[name=date]").value = button.dataset.slotDate;
    form.querySelector("[name=time]").value = button.dataset.slotTime;
    const practitioner = form.querySelector("[name=practitioner]");
    if (practitioner && button.dataset.slotPractitioner) practitioner.value = button.dataset.slotPractitioner;
    document.querySelectorAll("[data-slot-date].active").forEach((b) => {
      b.classList.remove("active");
      b.setAttribute("aria-pressed", "false");
    });
    button.classList.add("active");
    button.setAttribute("aria-pressed", "true");
    // Only the form hears this change: the slot list is not reloaded for the same practitioner.
    form.dispatchEvent(new Event("change", { bubbles: false }));
    document.getElementById("book-button")?.focus({ preventScroll: true });
    document.getElementById("booking-check")?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });

  // A newly booked or moved session: bring it into view on the calendar.
  const highlighted = document.querySelector(".cal-highlight");
  if (highlighted) highlighted.scrollIntoView({ block: "center" });

  // The confirm button of a reschedule preview belongs to the values it previewed.
  document.addEventListener("input", (event) => {
    const form = event.target.closest("#reschedule-form");
    const confirm = form && document.getElementById("confirm-move");
    if (confirm) confirm.disabled = true;
  });
})();
