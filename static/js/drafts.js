// Drafts: a form marked data-draft="name" keeps what was typed in sessionStorage, so an idle
// logoff loses nothing: after signing in again the same page fills the form back in.
// sessionStorage belongs to this tab and is gone when the tab closes, so no health data stays
// in the browser afterwards. A draft is restored only for the user who typed it
// (data-draft-owner on <body>), and a deliberate sign-out (form[data-signout]) forgets them all.
// A submitted draft is dropped once the server answers with a signed-in page (saved, or shown
// again with the errors and what was typed); if the answer is the sign-in page instead (the
// session had ended), the draft is kept.
(() => {
  const PREFIX = "pigment-draft:";
  const SENT = ":sent";
  const owner = document.body.dataset.draftOwner || "";
  const store = window.sessionStorage;
  const keys = () => Object.keys(store).filter((k) => k.startsWith(PREFIX));

  document.addEventListener("submit", (event) => {
    if (event.target.matches("form[data-signout]")) keys().forEach((k) => store.removeItem(k));
  });

  if (!owner) {
    // Signed out (the sign-in page): a submit that got here did not go through.
    keys().filter((k) => k.endsWith(SENT)).forEach((k) => store.removeItem(k));
    return;
  }
  keys().filter((k) => k.endsWith(SENT)).forEach((k) => {
    store.removeItem(k);
    store.removeItem(k.slice(0, -SENT.length));
  });

  const fields = (form) => Array.from(form.elements).filter(
    (el) => el.name && el.type !== "file" && el.type !== "hidden" && el.type !== "password"
      && el.type !== "submit" && el.type !== "button" && !el.disabled,
  );

  function save(form, key) {
    const values = {};
    fields(form).forEach((el) => {
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (el.type === "select-multiple") {
        values[el.name] = Array.from(el.selectedOptions).map((o) => o.value);
        return;
      }
      (values[el.name] = values[el.name] || []).push(el.value);
    });
    store.setItem(key, JSON.stringify(values));
  }

  function restore(form, key) {
    const saved = store.getItem(key);
    if (!saved) return;
    const values = JSON.parse(saved);
    const seen = {};
    fields(form).forEach((el) => {
      const list = values[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = list.includes(el.value);
      } else if (el.type === "select-multiple") {
        Array.from(el.options).forEach((o) => { o.selected = list.includes(o.value); });
      } else {
        const i = seen[el.name] || 0;
        seen[el.name] = i + 1;
        if (i < list.length) el.value = list[i];
      }
    });
    form.querySelectorAll("[name]").forEach((el) => el.dispatchEvent(new Event("change", { bubbles: true })));
    const notice = document.createElement("div");
    notice.className = "alert alert-info d-flex align-items-center gap-2";
    notice.setAttribute("role", "status");
    notice.dataset.draftNotice = "";
    notice.textContent = "What you typed before signing out has been restored. Check it, then save.";
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-sm btn-outline-secondary ms-auto";
    discard.textContent = "Discard draft";
    discard.addEventListener("click", () => {
      store.removeItem(key);
      window.location.reload();
    });
    notice.append(discard);
    form.prepend(notice);
  }

  document.querySelectorAll("form[data-draft]").forEach((form) => {
    const key = `${PREFIX}${owner}:${form.dataset.draft}:${window.location.pathname}`;
    restore(form, key);
    form.addEventListener("input", () => save(form, key));
    form.addEventListener("change", () => save(form, key));
    form.addEventListener("submit", () => store.setItem(key + SENT, "1"));
  });
})();
