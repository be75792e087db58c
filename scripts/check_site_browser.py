#!/usr/bin/env python3
"""Loads every page of an `hrzones report` site in headless Chromium, at a laptop's
width (1280 px) and a phone's (390 px, mobile emulation), and fails on:

- a console error (anything the browser logs at SEVERE);
- an image that did not load, a link or fragment that points at nothing;
- a request that is not a local file (the site must work with no network);
- horizontal overflow of the page at 390 px (tables must scroll inside their box);
- an audit verdict from `hrzones audit --format csv` that is not on its athlete's page
  (`--audit CSV:PAGE`, matched by start time and verdict text).

Screenshots of every page at both widths go to --screenshots DIR (the viewport's top
--shot-height px of the page, full width).

Usage: check_site_browser.py SITE_DIR --screenshots DIR [--audit audit.csv:athlete-x.html]...
Needs selenium (pip) and Debian's chromium + chromium-driver. Exit 0 when every check
passes, 1 when one fails (each failure on its own line), 2 when the browser cannot start.
"""

import argparse
import csv
import os
import sys
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

WIDTHS = {"laptop": (1280, 800, False), "phone": (390, 844, True)}


def driver_for():
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
              "--window-size=1280,800"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=opts)


def emulate(d, width, height, mobile):
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


PAGE_FACTS = """
const out = {images: [], links: [], ids: [], nonLocal: []};
for (const img of document.images) {
  out.images.push({src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0});
}
for (const a of document.querySelectorAll('a[href]')) out.links.push(a.getAttribute('href'));
for (const e of document.querySelectorAll('[id]')) out.ids.push(e.id);
for (const r of performance.getEntriesByType('resource')) {
  if (!r.name.startsWith('file:') && !r.name.startsWith('data:')) out.nonLocal.push(r.name);
}
out.scrollWidth = document.documentElement.scrollWidth;
out.innerWidth = window.innerWidth;
out.height = document.documentElement.scrollHeight;
out.audit = [];
for (const tr of document.querySelectorAll('table.audit tbody tr')) {
  const t = tr.querySelector('time');
  const v = tr.querySelector('td.verdict');
  out.audit.push([t ? t.getAttribute('datetime') : '', v ? v.textContent.trim() : '']);
}
return out;
"""


def page_ids(d, site, page, cache):
    """The element ids of another page of the site (for links with a fragment)."""
    if page not in cache:
        d.get("file://" + os.path.join(site, page))
        cache[page] = set(d.execute_script("return [...document.querySelectorAll('[id]')].map(e => e.id)"))
    return cache[page]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--screenshots", required=True)
    ap.add_argument("--shot-height", type=int, default=2400)
    ap.add_argument("--audit", action="append", default=[], metavar="CSV:PAGE")
    args = ap.parse_args()
    site = os.path.abspath(args.site)
    os.makedirs(args.screenshots, exist_ok=True)
    pages = sorted(p for p in os.listdir(site) if p.endswith(".html"))
    if "index.html" not in pages:
        print(f"FAIL {site}: no index.html")
        return 1
    expected = {}
    for spec in args.audit:
        path, _, page = spec.rpartition(":")
        with open(path, newline="", encoding="utf-8") as f:
            expected[page] = [(r["start"], r["verdict"]) for r in csv.DictReader(f)]
    try:
        d = driver_for()
    except Exception as e:  # noqa: BLE001 - any start-up failure means "no browser"
        print(f"cannot start headless Chromium: {e}")
        return 2
    failures = []
    checked = 0
    try:
        for page in pages:
            for label, (w, h, mobile) in WIDTHS.items():
                emulate(d, w, h, mobile)
                d.get_log("browser")  # drop anything logged before this page
                d.get("file://" + os.path.join(site, page))
                facts = d.execute_script(PAGE_FACTS)
                where = f"{page} at {w} px"
                for entry in d.get_log("browser"):
                    if entry.get("level") == "SEVERE":
                        failures.append(f"{where}: console error: {entry.get('message')}")
                for img in facts["images"]:
                    if not img["ok"]:
                        failures.append(f"{where}: image did not load: {img['src']}")
                for url in facts["nonLocal"]:
                    failures.append(f"{where}: requested something not local: {url}")
                for href in facts["links"]:
                    target, _, frag = href.partition("#")
                    if urllib.parse.urlparse(target).scheme:
                        failures.append(f"{where}: link leaves the site: {href}")
                        continue
                    target = urllib.parse.unquote(target)
                    if target and not os.path.isfile(os.path.join(site, target)):
                        failures.append(f"{where}: broken link: {href}")
                    elif frag:
                        ids = set(facts["ids"]) if not target or target == page else None
                        if ids is None:
                            cache = {}
                            ids = page_ids(d, site, target, cache)
                            d.get("file://" + os.path.join(site, page))
                        if frag not in ids:
                            failures.append(f"{where}: link to a missing anchor: {href}")
                if facts["scrollWidth"] > facts["innerWidth"] + 1:
                    failures.append(
                        f"{where}: the page is {facts['scrollWidth']} px wide in a "
                        f"{facts['innerWidth']} px viewport (horizontal overflow)")
                if page in expected:
                    shown = [tuple(x) for x in facts["audit"]]
                    for start, verdict in expected[page]:
                        if (start, verdict) in shown:
                            shown.remove((start, verdict))
                        else:
                            failures.append(
                                f"{where}: the audit's verdict {verdict!r} of the run at "
                                f"{start or 'no date'} is not on the page")
                # Screenshot: the top of the page, at most --shot-height px.
                shot_h = max(h, min(facts["height"], args.shot_height))
                emulate(d, w, shot_h, mobile)
                shot = os.path.join(args.screenshots, f"{page[:-5]}-{label}-{w}px.png")
                d.save_screenshot(shot)
                checked += 1
    finally:
        d.quit()
    for f in failures:
        print(f"FAIL {f}")
    missing = set(expected) - set(pages)
    for m in sorted(missing):
        print(f"FAIL --audit names {m}, which the site does not have")
    print(f"checked {checked} page loads ({len(pages)} pages x {len(WIDTHS)} widths), "
          f"{len(failures) + len(missing)} failures; screenshots in {args.screenshots}")
    return 1 if failures or missing else 0


if __name__ == "__main__":
    sys.exit(main())
