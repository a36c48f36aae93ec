// Idle logoff warning. The server says how many seconds this session has left
// (data-idle-seconds-left on <body>); about two minutes before the end a modal offers
// "Stay signed in" (a POST to data-idle-ping: activity). Before warning and before leaving,
// the page asks the server again with a GET, which does not count as activity: another tab
// may have kept the session alive. Typing in a form counts as activity (at most one ping a
// minute), so a long session log is never cut short while it is being written.
(() => {
  const body = document.body;
  const pingUrl = body.dataset.idlePing;
  const modalEl = document.getElementById("idle-warning");
  if (!pingUrl || !modalEl || !window.bootstrap) return;

  const minutes = Number(body.dataset.idleMinutes);
  const warnSeconds = Math.min(120, (minutes * 60) / 2);
  const modal = bootstrap.Modal.getOrCreateInstance(modalEl);
  const countdown = modalEl.querySelector("[data-idle-countdown]");
  let deadline = Date.now() + Number(body.dataset.idleSecondsLeft) * 1000;
  let timer = null;
  let lastPing = Date.now();
  let warning = false;

  const secondsLeft = () => Math.max(0, Math.round((deadline - Date.now()) / 1000));
  const mmss = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

  async function ask(method) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method === "POST") options.headers["X-CSRFToken"] = body.dataset.csrf;
    try {
      const response = await fetch(pingUrl, options);
      const data = await response.json();
      if (!data.signed_in) {
        window.location.assign(data.sign_in || window.location.href);
        return false;
      }
      deadline = Date.now() + data.seconds_left * 1000;
      return true;
    } catch (error) {
      return true; // offline for a moment: keep counting on what we know
    }
  }

  function schedule() {
    clearTimeout(timer);
    const left = secondsLeft();
    if (left <= 0) {
      timer = setTimeout(expire, 1000); // a second's grace for the clocks
    } else if (left <= warnSeconds) {
      showWarning();
      timer = setTimeout(schedule, 1000);
    } else {
      hideWarning();
      timer = setTimeout(beforeWarning, (left - warnSeconds) * 1000);
    }
  }

  async function beforeWarning() {
    if (await ask("GET")) schedule();
  }

  async function expire() {
    if (!(await ask("GET"))) return; // signed out: on the way to the sign-in page
    if (secondsLeft() <= 0) window.location.assign(window.location.href);
    else schedule();
  }

  function showWarning() {
    countdown.textContent = mmss(secondsLeft());
    if (!warning) {
      warning = true;
      modal.show();
    }
  }

  function hideWarning() {
    if (warning) {
      warning = false;
      modal.hide();
    }
  }

  async function stay() {
    lastPing = Date.now();
    if (await ask("POST")) schedule();
  }

  modalEl.querySelector("[data-idle-stay]").addEventListener("click", stay);
  document.addEventListener("input", () => {
    if (!warning && Date.now() - lastPing > 60000) stay();
  });
  schedule();
})();
