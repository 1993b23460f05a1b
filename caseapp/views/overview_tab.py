"""The Overview tab: key figures of the case, computed in a background read."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from caseapp.views.workers import Worker

# The window's first screen shows this tab before SQLAlchemy, the figure rules and their
# reference data are loaded: they are imported when the first figures arrive.
if TYPE_CHECKING:
    from caseapp.domain.figures import SubstanceFigure
    from caseapp.services.overview import CaseOverview, OverviewService

STYLE = """
<style>
 body { font-size: 10pt; }
 h2 { margin: 0 0 4px 0; }
 table.figures { border-collapse: collapse; margin-bottom: 12px; }
 table.figures td, table.figures th { padding: 3px 10px; border-bottom: 1px solid #ddd; }
 th { text-align: left; background: #eef2f6; }
 td.n { text-align: right; }
 .muted { color: #666; }
</style>
"""


def _notes(f: SubstanceFigure) -> str:
    from caseapp.domain.figure_text import base_note, unknown_purity_note

    return "; ".join(x for x in (base_note(f), unknown_purity_note(f), *f.conversions) if x)


def overview_html(o: CaseOverview) -> str:
    """The tab's page: headline counts, substances, countries, conflicts."""
    from caseapp.domain.display import ROUNDING_RULE, mass_text
    from caseapp.domain.figure_text import doses_line, fentanyl_pure_line, pure_text, yield_line

    c = o.case
    esc = html.escape
    counts = (("Seizures", o.seizures), ("Shipments", o.shipments),
              ("Companies", sum(n for _c, n in o.companies_by_country)),
              ("Persons", o.persons), ("Links", o.links), ("Notes", o.notes),
              ("Open conflicts", o.open_conflicts))
    head = "".join(f"<th>{k}</th>" for k, _v in counts)
    row = "".join(f"<td class='n'><b>{v:,}</b></td>" for _k, v in counts)
    subs = "".join(
        f"<tr><td>{esc(f.substance)}</td><td>{esc(f.cas or '')}</td><td class='n'>{f.seizures}</td>"
        f"<td class='n'>{mass_text(f.net_kg)}</td><td class='n'>{esc(pure_text(f))}</td>"
        f"<td class='muted'>{esc(_notes(f))}</td></tr>"
        for f in o.figures.substances) or "<tr><td colspan=6 class='muted'>No seizures.</td></tr>"
    countries = "".join(f"<tr><td>{esc(name)}</td><td class='n'>{n}</td></tr>"
                        for name, n in o.companies_by_country)
    fent = o.figures
    facts = [esc(str(c.status).replace("_", " ").capitalize())]
    facts.append(f"opened {c.opened_on}" if c.opened_on else "no opening date yet")
    facts.append(f"lead {esc(c.lead_investigator)}" if c.lead_investigator
                 else "no lead investigator yet")
    if c.agency:
        facts.append(esc(c.agency))
    facts_line = " \u00b7 ".join(facts)
    empty = ("" if any(v for _k, v in counts) else
             "<p>Nothing recorded yet. Add seizures, shipments, companies and persons with the "
             "Case menu, or bring them in with File &gt; Import CSV.</p>")
    return f"""{STYLE}<h2>{esc(c.ref)} \u2014 {esc(c.title)}</h2>
<p class='muted'>{facts_line}</p>{empty}
<table class='figures'><tr>{head}</tr><tr>{row}</tr></table>
<h3>Seized per substance</h3>
<table class='figures'><tr><th>Substance</th><th>CAS</th><th>Seizures</th><th>Net</th>
<th>Pure</th><th>Notes</th></tr>{subs}</table>
<p>Fentanyl seized, pure: <b>{esc(fentanyl_pure_line(fent))}</b>.<br/>
Potentially lethal doses: <b>{esc(doses_line(fent))}</b>.<br/>
Theoretical fentanyl from the precursors seized: <b>{esc(yield_line(fent))}</b>
<span class='muted'>({esc(fent.yield_note)})</span>.</p>
<p class='muted'>{esc(ROUNDING_RULE)}</p>
<h3>Companies by country</h3>
<table class='figures'><tr><th>Country</th><th>Companies</th></tr>{countries}</table>
<p class='muted'>{esc(c.summary or '')}</p>"""


class OverviewWidget(QWidget):
    """Shows the overview of the selected case; reloads off the UI thread."""

    def __init__(self, service: OverviewService | None, parent: QWidget | None = None) -> None:
        """`service` None: the figures are computed once `set_service` gives one (until
        then a case shows "Computing the figures…")."""
        super().__init__(parent)
        self.service = service
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.browser)
        self.case_uid: str | None = None
        self._worker: Worker | None = None
        self.loaded: CaseOverview | None = None
        self._stale = False

    def set_case(self, case_uid: str | None) -> None:
        """Show this case's figures; computed when the tab is visible (a million-seizure case
        takes seconds of a worker's time: not spent while the user looks at another tab)."""
        self.case_uid = case_uid
        self._stale = True
        if self.isVisible():
            self._compute()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._compute()

    def _compute(self) -> None:
        from PySide6.QtCore import QThreadPool

        self._stale = False
        case_uid = self.case_uid
        if case_uid is None:
            self.browser.setHtml("<p>Select a case.</p>")
            return
        self.browser.setHtml("<p class='muted'>Computing the figures\u2026</p>")
        if self.service is None:
            self._stale = True  # computed by set_service
            return
        service = self.service
        worker = Worker(lambda _p, _c: service.overview(case_uid))
        worker.signals.sig_done.connect(self._on_worker_done)
        worker.signals.sig_failed.connect(self._on_worker_failed)
        self._worker = worker
        QThreadPool.globalInstance().start(worker)

    def set_service(self, service: OverviewService) -> None:
        self.service = service
        if self._stale and self.isVisible():
            self._compute()

    def _on_worker_done(self, result: object) -> None:
        from caseapp.services.overview import CaseOverview

        if isinstance(result, CaseOverview) and result.case.uid == self.case_uid:
            self.loaded = result
            self.browser.setHtml(overview_html(result))

    def _on_worker_failed(self, exc: object) -> None:
        self.browser.setHtml(f"<p>Cannot compute the figures: {html.escape(str(exc))}</p>")
