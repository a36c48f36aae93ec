"""axe-core in the browser tests: every page a browser test loads is checked when it has
loaded, and once more in the state the test leaves it in (and whenever it takes a
screenshot); any serious or critical violation fails the test, naming rule and elements.

axe comes from npm (node_modules/axe-core, a devDependency) and is never served by
Pigment: Playwright adds it to each new document as an init script. `add_script_tag` would
insert an inline <script>, which Pigment's strict CSP refuses (and reports on the console,
where several browser tests look for CSP errors)."""

from __future__ import annotations

import weakref
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

# Runs in the page: the serious and critical violations, one entry per rule.
RUN_AXE = """async (impacts) => {
    if (!window.axe || document.contentType !== "text/html") return [];
    // A check may start while the next document is still loading (a test's final check
    // right after a click that navigates): let it finish loading first, 10 s at most.
    const settle = Date.now() + 10000;
    const unloaded = () => [...document.querySelectorAll('link[rel="stylesheet"]')].filter(l => !l.sheet);
    while ((document.readyState !== "complete" || unloaded().length) && Date.now() < settle) {
        await new Promise(resolve => setTimeout(resolve, 50));
    }
    // Without its stylesheets a page's colours are not its own: say so rather than report them.
    const unstyled = unloaded();
    if (unstyled.length) return [{id: "stylesheet-not-loaded", impact: "critical",
        help: "a stylesheet failed to load", targets: unstyled.map(l => l.href)}];
    // Colours half-way through a transition (a panel opening, a hovered button) are not
    // the page's: wait for the transitions that end (not the endless ones), 2 s at most.
    // One transition may start another (a modal's backdrop, then the dialog): wait again
    // until two frames pass with none running.
    const frame = () => new Promise(resolve => requestAnimationFrame(() => resolve()));
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
        const ending = document.getAnimations().filter(a => a.playState === "running"
            && a.effect?.getComputedTiming().endTime !== Infinity);
        if (!ending.length) {
            await frame(); await frame();
            if (!document.getAnimations().some(a => a.playState === "running"
                && a.effect?.getComputedTiming().endTime !== Infinity)) break;
            continue;
        }
        await Promise.race([Promise.all(ending.map(a => a.finished.catch(() => null))),
                            new Promise(resolve => setTimeout(resolve, deadline - Date.now()))]);
    }
    // One run at a time: a page that loads while a check is running queues its own.
    const run = (window.pigmentAxeRun || Promise.resolve()).catch(() => null)
        .then(() => window.axe.run(document, {resultTypes: ["violations"]}));
    window.pigmentAxeRun = run;
    const result = await run;
    return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        // Each element with what axe measured (e.g. the contrast ratio and both colours).
        targets: v.nodes.map(n => n.target.join(" ") + " -- "
            + [...n.any, ...n.all, ...n.none].map(c => c.message).slice(0, 1).join("")),
    }));
}"""


class AccessibilityAudit:
    """The serious and critical violations of the pages one Playwright page has shown."""

    def __init__(self, page) -> None:
        if not AXE.exists():
            raise FileNotFoundError(f"{AXE} is missing: run `npm ci` (make test does).")
        self.page = page
        self.found: dict[tuple[str, str], dict] = {}  # (path, rule) -> violation
        page.add_init_script(path=str(AXE))
        page.on("load", lambda loaded: self.check())

    def check(self) -> None:
        """Runs axe on the page as it is now."""
        try:
            violations = self.page.evaluate(RUN_AXE, list(FAILING_IMPACTS))
        except PlaywrightError as error:
            if "context was destroyed" in str(error) or "closed" in str(error):
                return  # navigated on (the next page is checked when it loads) or closed
            raise
        path = self.page.url.split("://", 1)[-1].split("/", 1)[-1]
        for violation in violations:
            seen = self.found.setdefault((f"/{path}", violation["id"]), violation)
            seen["targets"] = sorted(set(seen["targets"]) | set(violation["targets"]))

    def report(self) -> str:
        lines = []
        for (path, rule), violation in sorted(self.found.items()):
            lines.append(f"{path}: {rule} ({violation['impact']}: {violation['help']})")
            lines += [f"    {target}" for target in violation["targets"]]
        return "\n".join(lines)

    def assert_clean(self) -> None:
        self.check()
        if self.found:
            raise AssertionError("axe-core found serious or critical accessibility violations:\n"
                                 + self.report())


_audits: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def audit(page) -> AccessibilityAudit:
    """The audit of `page`, started on first use (before the page loads anything)."""
    if page not in _audits:
        _audits[page] = AccessibilityAudit(page)
    return _audits[page]


def assert_accessible(page) -> None:
    """Checks the page as it is now, with everything found earlier on this page."""
    audit(page).assert_clean()
