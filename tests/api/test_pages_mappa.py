"""The annual MAPPA figures page (R128-R131): the internal figures of the SOLO's own
council, nothing beyond it; a Link Officer the published figures only; a refusal shown
on the form."""

from __future__ import annotations

import html
import re

from tests.api.test_pages import PURPOSE, Site, alert, entries, site
from tests.conftest import form_token

__all__ = ["site"]


def test_the_solo_sees_their_councils_figures(site: Site) -> None:
    solo = site.clients["solo"]
    form = solo.get("/reports/mappa")
    assert form.status_code == 200 and 'href="/reports/mappa"' in form.text
    options = re.findall(r'<option value="([^"]+)"', form.text)
    assert len(options) == 1 and options[0].startswith("council:")  # no area, no Scotland
    before = entries(site.engine)
    page = solo.post("/reports/mappa", data={**form_token(solo), "scope": options[0],
                                             "year": "2026"})
    assert page.status_code == 200, alert(page.text)
    text = html.unescape(page.text)
    assert "OFFICIAL-SENSITIVE" in text and "1 April 2025 to 31 March 2026" in text
    assert "People managed on 31 March, by MAPPA category and level" in text
    added = entries(site.engine)[len(before):]
    assert [(e.operation, e.record_type, e.justification) for e in added] == [
        ("combination", "subjects", PURPOSE)]
    for subject in site.subjects:
        assert subject not in page.text
    scotland = solo.post("/reports/mappa", data={**form_token(solo), "scope": "scotland",
                                                 "year": "2026"})
    assert scotland.status_code == 404 and "not yours to report on" in html.unescape(
        alert(scotland.text))
    bad = solo.post("/reports/mappa", data={**form_token(solo), "scope": options[0],
                                            "year": "twenty"})
    assert bad.status_code == 422 and "four digits" in alert(bad.text)
    early = solo.post("/reports/mappa", data={**form_token(solo), "scope": options[0],
                                              "year": "2099"})
    assert early.status_code == 422 and "has not ended" in alert(early.text)


def test_a_link_officer_gets_the_published_figures_only(site: Site) -> None:
    link = site.clients["link"]
    form = link.get("/reports/mappa")
    assert form.status_code == 200 and 'type="hidden" name="publish"' in form.text
    page = link.post("/reports/mappa", data={**form_token(link), "scope": "scotland",
                                             "year": "2026"})
    assert page.status_code == 200, alert(page.text)
    assert "FOR PUBLICATION" in page.text and "[c]" in page.text
    for subject in site.subjects:
        assert subject not in page.text
