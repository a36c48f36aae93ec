// The session log's clickable scalp diagram and small helpers (no inline scripts: strict CSP).
//
// Progressive enhancement: without this file the log is a plain form (retention radios per
// zone) and the server computes the shade suggestion on save. With it, tapping a zone on the
// diagram (or Enter / Space on a focused zone; digits 1-3 rate it directly, 0 clears) sets
// that zone's radio; htmx then refreshes the suggestion from the server.
(() => {
  "use strict";

  const CYCLE = ["", "3", "2", "1"]; // not rated -> held -> patchy -> faded -> not rated
  const LABELS = { "": "Not rated", 3: "Held", 2: "Patchy", 1: "Faded" };
  const KEYS = { 0: "", 1: "1", 2: "2", 3: "3" };

  const radios = (zone) => Array.from(document.querySelectorAll(`input[name="retention_${zone}"]`));
  const rating = (zone) => (radios(zone).find((r) => r.checked) || { value: "" }).value;

  function paint(svg, zone) {
    const el = svg.querySelector(`[data-zone="${zone}"]`);
    if (!el) return;
    const value = rating(zone);
    el.classList.remove("ret-none", "ret-1", "ret-2", "ret-3");
    el.classList.add(value ? `ret-${value}` : "ret-none");
    const text = `${el.dataset.label}: ${LABELS[value]}`;
    el.setAttribute("aria-label", `${text}. Press to change.`);
    const title = el.querySelector("title");
    if (title) title.textContent = text;
  }

  function rate(zone, value) {
    const radio = radios(zone).find((r) => r.value === value);
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function cycle(zone) {
    const next = CYCLE[(CYCLE.indexOf(rating(zone)) + 1) % CYCLE.length];
    rate(zone, next);
  }

  document.querySelectorAll("svg[data-scalp-input]").forEach((svg) => {
    svg.querySelectorAll("[data-zone]").forEach((el) => {
      const zone = el.dataset.zone;
      el.addEventListener("click", () => cycle(zone));
      el.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          cycle(zone);
        } else if (event.key in KEYS) {
          event.preventDefault();
          rate(zone, KEYS[event.key]);
        }
      });
      paint(svg, zone);
    });
    document.addEventListener("change", (event) => {
      const match = /^retention_(.+)$/.exec(event.target.name || "");
      if (match) paint(svg, match[1]);
    });
  });

  // "Use this suggestion": copy the suggested main shade (and zone shades) into the form.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-use-shade]");
    if (!button) return;
    const main = document.getElementById("id_shade_used");
    if (main) {
      main.value = button.dataset.useShade;
      main.dispatchEvent(new Event("change", { bubbles: true }));
      flash(main);
    }
    const zoneShades = Object.fromEntries(
      (button.dataset.zoneShades || "").split(",").filter(Boolean).map((pair) => pair.split(":"))
    );
    document.querySelectorAll("select[data-zone-shade]").forEach((select) => {
      select.value = zoneShades[select.dataset.zoneShade] || "";
    });
    const details = document.getElementById("zone-shades");
    if (details && Object.keys(zoneShades).length) details.open = true;
  });

  function flash(el) {
    el.classList.remove("flash");
    void el.offsetWidth; // restart the animation
    el.classList.add("flash");
  }

  // Controls that only work with JavaScript are hidden until it runs (also after htmx swaps).
  const reveal = () => document.querySelectorAll(".js-only.d-none").forEach((el) => el.classList.remove("d-none"));
  reveal();
  document.body.addEventListener("htmx:afterSwap", reveal);

  // Warn before leaving a log with unsaved changes (a tap on the wrong link mid-session).
  const form = document.getElementById("log-form");
  if (form) {
    let dirty = false;
    form.addEventListener("input", () => { dirty = true; });
    form.addEventListener("change", () => { dirty = true; });
    form.addEventListener("submit", () => { dirty = false; });
    window.addEventListener("beforeunload", (event) => {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }
})();
