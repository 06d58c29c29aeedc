"""The dashboard in a real headless Chromium, over WebDriver (selenium).

Run by scripts/browser.sh (part of `make test`) against a `reclaim serve`
over the demo data set, with known passwords for the users it signs in as.
Each step asserts what the user would see; any failure exits non-zero.
"""
import csv
import io
import os
import sys
import tempfile
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["RECLAIM_URL"].rstrip("/")
SHOTS = os.environ.get("RECLAIM_SCREENSHOTS", "")
PASSWORD = os.environ["RECLAIM_PASSWORD"]
MINE = "DEMO-150621-001"
YEAR = "2027"


DOWNLOADS = tempfile.mkdtemp(prefix="reclaim-downloads-")


def browser():
    options = webdriver.ChromeOptions()
    # files the user downloads land here, where a test reads them back
    options.add_experimental_option("prefs", {"download.default_directory": DOWNLOADS,
                                              "download.prompt_for_download": False})
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1400",
                "--disable-gpu", "--lang=zh-CN"):
        options.add_argument(arg)
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    return driver


class Session:
    """One user's browser."""

    def __init__(self, user):
        self.user = user
        self.d = browser()
        self.wait = WebDriverWait(self.d, 15)
        self.sign_in()

    def close(self):
        self.d.quit()

    def go(self, path):
        self.d.get(BASE + path)

    def h1(self):
        return self.d.find_element(By.TAG_NAME, "h1").text

    def click_and_wait(self, element):
        """Clicks a submit button and waits for the next page. Chromium may
        report the old page's node as not belonging to the document rather
        than as stale: either way the old page is gone."""
        old = self.d.find_element(By.TAG_NAME, "html")
        element.click()

        def gone(_):
            try:
                old.is_enabled()
                return False
            except WebDriverException:
                return True

        self.wait.until(gone)
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def sign_in(self):
        self.go("/signin")
        self.d.find_element(By.ID, "name").send_keys(self.user)
        self.d.find_element(By.ID, "password").send_keys(PASSWORD)
        self.click_and_wait(self.d.find_element(By.ID, "sign-in"))
        assert self.d.current_url == BASE + "/", self.d.current_url

    def fill(self, element_id, text):
        e = self.d.find_element(By.ID, element_id)
        e.clear()
        e.send_keys(text)

    def shot(self, name):
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            self.d.save_screenshot(os.path.join(SHOTS, name))


class DashboardInABrowser(unittest.TestCase):
    def test_1_operator_drafts_fills_and_submits_an_annual_plan(self):
        op = Session("demo-operator-1")
        try:
            op.go(f"/annual/{MINE}/{YEAR}")
            self.assertIn(MINE, op.h1())
            Select(op.d.find_element(By.ID, "type_1")).select_by_value("revegetation")
            op.fill("location_1", "北坡排土场")
            op.fill("area_hm2_1", "1.5")
            op.fill("budget_1", "800.00")
            op.fill("start_month_1", f"{YEAR}-04")
            op.fill("end_month_1", f"{YEAR}-09")
            # a second row, added and then removed again
            op.click_and_wait(op.d.find_element(By.ID, "add-work"))
            self.assertEqual(op.d.find_element(By.ID, "location_1").get_attribute("value"), "北坡排土场")
            op.fill("location_2", "临时行")
            op.d.find_element(By.ID, "remove_2").click()
            op.click_and_wait(op.d.find_element(By.ID, "save-draft"))
            self.assertIn("saved=1", op.d.current_url)
            self.assertEqual(len(op.d.find_elements(By.ID, "location_2")), 0)
            # the plan's drawing, attached with the page's own upload form
            drawing = os.path.join(tempfile.mkdtemp(), "治理工程平面图.pdf")
            with open(drawing, "wb") as f:
                f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
            key = f"annual-plan-{MINE.replace('-', '_')}_{YEAR}"
            op.d.find_element(By.ID, f"file-{key}").send_keys(drawing)
            op.click_and_wait(op.d.find_element(By.ID, f"upload-{key}"))
            self.assertIn("attached=1", op.d.current_url)
            self.assertIn("治理工程平面图.pdf", op.d.find_element(By.ID, f"documents-{key}").text)
            # a bad budget is refused beside its cell, what was typed kept
            op.fill("budget_1", "8o0")
            op.click_and_wait(op.d.find_element(By.ID, "submit-plan"))
            self.assertTrue(op.d.find_element(By.ID, "budget_1-error").text)
            self.assertEqual(op.d.find_element(By.ID, "budget_1").get_attribute("value"), "8o0")
            self.assertEqual(op.d.find_element(By.ID, "budget_1").get_attribute("aria-invalid"), "true")
            op.fill("budget_1", "800.00")
            op.click_and_wait(op.d.find_element(By.ID, "submit-plan"))
            self.assertIn("submitted=1", op.d.current_url)
        finally:
            op.close()

    def test_2_reviewer_returns_then_approves_the_resubmission(self):
        item = f"annual-{MINE}-{YEAR}"
        rv = Session("demo-reviewer-1")
        try:
            rv.go("/queue")
            rv.shot("queue.png")
            # the reviewer reads the plan's documents on its card, as a download
            link = rv.d.find_element(By.CSS_SELECTOR, f"#item-{item} ~ section.documents a[download]")
            self.assertEqual(link.text, "治理工程平面图.pdf")
            self.assertRegex(link.get_attribute("href"), r"/documents/[0-9]+$")
            rv.fill(f"text-return-{item}", "请补充治理位置的坐标")
            rv.click_and_wait(rv.d.find_element(By.ID, f"return-{item}"))
            # a decision is confirmed on its own page, which says what will be recorded and in whose name
            self.assertIn("demo-reviewer-1", rv.d.find_element(By.ID, "confirm-question").text)
            self.assertIn("请补充治理位置的坐标", rv.d.find_element(By.ID, "confirm-text").text)
            rv.click_and_wait(rv.d.find_element(By.ID, "confirm"))
            self.assertIn("done=1", rv.d.current_url)
            self.assertEqual(len(rv.d.find_elements(By.ID, f"approve-{item}")), 0)
        finally:
            rv.close()
        op = Session("demo-operator-1")
        try:
            op.go(f"/annual/{MINE}/{YEAR}")
            op.fill("location_1", "北坡排土场（坐标见附件）")
            op.click_and_wait(op.d.find_element(By.ID, "submit-plan"))
            self.assertIn("submitted=1", op.d.current_url)
        finally:
            op.close()
        rv = Session("demo-reviewer-2")
        try:
            rv.go("/queue")
            rv.click_and_wait(rv.d.find_element(By.ID, f"approve-{item}"))
            rv.click_and_wait(rv.d.find_element(By.ID, "confirm"))
            self.assertIn("done=1", rv.d.current_url)
            rv.go(f"/mines/{MINE}")
            self.assertIn("已批准", rv.d.find_element(By.TAG_NAME, "main").text)
        finally:
            rv.close()

    def wait_for_download(self, prefix):
        """The downloaded file whose name starts with `prefix`, once Chromium has finished writing it."""
        import time
        for _ in range(150):
            done = [n for n in os.listdir(DOWNLOADS) if n.startswith(prefix) and n.endswith(".csv")]
            if done:
                return os.path.join(DOWNLOADS, done[0])
            time.sleep(0.1)
        self.fail(f"no download named {prefix}*.csv in {os.listdir(DOWNLOADS)}")

    def test_3_finance_books_a_deposit_and_sees_it_on_the_statement(self):
        fin = Session("demo-finance")
        try:
            fin.shot("home.png")
            fin.go("/fund/deposit")
            fin.fill("license", MINE)
            fin.fill("amount", "4321.09")
            fin.fill("reference", "BROWSER-SLIP-1")
            fin.click_and_wait(fin.d.find_element(By.ID, "save"))
            self.assertIn(f"/mines/{MINE}?booked=", fin.d.current_url)
            statement = fin.d.find_element(By.TAG_NAME, "main").text
            self.assertIn("4,321.09", statement)
            self.assertIn("BROWSER-SLIP-1", statement)
            # the statement downloaded as a clerk opens it in Excel: a BOM, Chinese headings,
            # the opening and closing rows, the file named after its content
            fin.d.find_element(By.ID, "statement-csv").click()
            path = self.wait_for_download(f"{MINE}_明细")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertTrue(text.startswith("\ufeff"), repr(text[:20]))
            rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
            self.assertTrue(any("金额" in h for h in rows[0]), rows[0])
            flat = [cell for row in rows for cell in row]
            self.assertIn("期初余额", flat)
            self.assertIn("期末余额", flat)
            self.assertTrue(any("BROWSER-SLIP-1" in row for row in rows))
        finally:
            fin.close()

    def test_4_a_withdrawal_over_budget_is_refused_beside_the_amount(self):
        fin = Session("demo-finance")
        try:
            fin.go("/fund/withdrawal")
            select = Select(fin.d.find_element(By.ID, "annual_plan"))
            option = next(o for o in select.options if o.get_attribute("value") == f"{MINE}|{YEAR}")
            self.assertIn("800.00", option.text)  # what is left of its budget
            select.select_by_value(f"{MINE}|{YEAR}")
            fin.fill("amount", "800.01")
            fin.click_and_wait(fin.d.find_element(By.ID, "save"))
            error = fin.d.find_element(By.ID, "amount-error").text
            self.assertIn("预算", error)
            self.assertEqual(fin.d.find_element(By.ID, "amount").get_attribute("value"), "800.01")
            self.assertEqual(Select(fin.d.find_element(By.ID, "annual_plan")).first_selected_option.get_attribute("value"),
                             f"{MINE}|{YEAR}")
        finally:
            fin.close()

    def test_5_language_switch_is_remembered(self):
        s = Session("demo-auditor")
        try:
            self.assertEqual(s.h1(), "总览")
            s.click_and_wait(s.d.find_element(By.ID, "switch-language"))
            self.assertEqual(s.h1(), "Overview")
            self.assertEqual(s.d.find_element(By.TAG_NAME, "html").get_attribute("lang"), "en")
            s.go("/mines")
            self.assertEqual(s.h1(), "Mines")
            s.click_and_wait(s.d.find_element(By.ID, "switch-language"))
            self.assertEqual(s.h1(), "矿山")
        finally:
            s.close()

    def test_6_sign_out_ends_the_session(self):
        s = Session("demo-auditor")
        try:
            cookie = s.d.get_cookie("reclaim_session")
            self.assertTrue(cookie and cookie.get("httpOnly"))
            self.assertEqual(cookie.get("sameSite"), "Strict")
            s.click_and_wait(s.d.find_element(By.ID, "sign-out"))
            self.assertIn("/signin", s.d.current_url)
            self.assertIn("您已退出", s.d.find_element(By.TAG_NAME, "main").text)
            s.go("/")
            self.assertIn("/signin", s.d.current_url)
            # the old cookie opens nothing any more
            s.d.add_cookie({"name": "reclaim_session", "value": cookie["value"], "path": "/"})
            s.go("/mines")
            self.assertIn("/signin", s.d.current_url)
        finally:
            s.close()

    # Every page of each role's job, wide and narrow: axe-core finds no serious or critical
    # violation, and at 390 px the page itself never scrolls sideways (wide tables scroll in
    # their own box). The first page of each role is its screenshot.
    PAGES = {
        "demo-finance": ["/", "/fund/deposit", "/fund/withdrawal", "/fund/conversion", "/fund/transfer", "/fund/import",
                         f"/mines/{MINE}", "/mines", "/shortfalls", "/reports", "/reports/fund?unit=wan", "/reports/restoration",
                         "/legacy", "/legacy/projects/1"],
        "demo-operator-1": ["/", f"/annual/{MINE}/{YEAR}", f"/annual/{MINE}/2028", f"/mines/{MINE}", f"/output/{MINE}",
                            f"/closure/{MINE}", "/mines", "/reports", f"/plans/{MINE}", f"/plans/{MINE}/1",
                            f"/mines/{MINE}/disclosure?year=2025&unit=wan", "/map"],
        "demo-reviewer-1": ["/queue", "/", "/legacy", "/reports", "/settings", "/closures", "/closures/1", "/closures/2",
                            "/legacy/sites/DEMO-L01", "/legacy/projects/1", f"/plans/{MINE}/1", "/green", "/green?year=2026",
                            "/map", "/map?colour=rate&status=producing"],
        "demo-admin": ["/users", "/", "/users/demo-finance", "/settings", "/audit", "/rules", "/calendar", "/closures?all=1", f"/annual/{MINE}/{YEAR}/view",
                       "/closures/2", "/legacy"],
        "demo-auditor": ["/audit", "/", "/verify", "/mines", "/reports", "/legacy"],
    }

    def test_7_every_page_of_every_role_passes_axe_wide_and_narrow(self):
        from axe_selenium_python import Axe
        problems = []
        for user, pages in self.PAGES.items():
            s = Session(user)
            try:
                for width, height in ((1280, 1400), (390, 844)):
                    s.d.set_window_size(width, height)
                    for n, path in enumerate(pages):
                        s.go(path)
                        if n == 0:
                            s.shot(f"{user.removeprefix('demo-')}-{width}.png")
                        axe = Axe(s.d)
                        axe.inject()
                        results = axe.run()
                        for v in results["violations"]:
                            if v["impact"] in ("serious", "critical"):
                                targets = [node["target"] for node in v["nodes"][:3]]
                                problems.append(f"{user} {path} @{width}px: {v['id']} ({v['impact']}) {targets}")
                        if width == 390:
                            wide = s.d.execute_script(
                                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                            if wide > 1:
                                problems.append(f"{user} {path} @390px: the page scrolls sideways by {wide}px")
            finally:
                s.close()
        self.assertEqual(problems, [], "\n".join(problems))

    def test_8_a_panel_member_votes_on_a_closure_after_reading_its_case(self):
        rv = Session("demo-reviewer-2")
        try:
            rv.go("/closures")
            rv.click_and_wait(rv.d.find_element(By.CSS_SELECTOR, 'a[href="/closures/2"]'))
            main = rv.d.find_element(By.TAG_NAME, "main").text
            self.assertIn("DEMO-150621-078", main)
            self.assertIn("demo-reviewer-1", main)  # the vote already cast, with its opinion
            rv.fill("opinion", "复垦质量达到方案要求，同意通过")
            rv.click_and_wait(rv.d.find_element(By.ID, "vote-pass"))
            self.assertIn("demo-reviewer-2", rv.d.find_element(By.ID, "confirm-question").text)
            rv.click_and_wait(rv.d.find_element(By.ID, "confirm"))
            self.assertIn("/closures/2?done=1", rv.d.current_url)
            self.assertIn("复垦质量达到方案要求", rv.d.find_element(By.TAG_NAME, "main").text)
            self.assertEqual(len(rv.d.find_elements(By.ID, "vote-pass")), 0)  # once only
        finally:
            rv.close()

    def test_9_an_operator_submits_a_new_plan_version_and_the_reviewer_sees_what_changes(self):
        op = Session("demo-operator-1")
        try:
            op.go(f"/mines/{MINE}")
            op.click_and_wait(op.d.find_element(By.ID, "submit-plan-link"))
            rate = op.d.find_element(By.ID, "target_rate")
            self.assertTrue(rate.get_attribute("value"))  # starts from the version in force
            op.fill("target_rate", "101")
            op.click_and_wait(op.d.find_element(By.ID, "submit-plan"))
            self.assertTrue(op.d.find_element(By.CSS_SELECTOR, "p.alert").text)
            self.assertEqual(op.d.find_element(By.ID, "target_rate").get_attribute("value"), "101")
            op.fill("target_rate", "96.5")
            op.click_and_wait(op.d.find_element(By.ID, "submit-plan"))
            self.assertRegex(op.d.current_url, rf"/plans/{MINE}/[0-9]+\?submitted=1$")
            version = op.d.current_url.split("/")[-1].split("?")[0]
            text = os.path.join(tempfile.mkdtemp(), "方案文本.pdf")
            with open(text, "wb") as f:
                f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
            key = f"plan-{MINE.replace('-', '_')}_{version}"
            op.d.find_element(By.ID, f"file-{key}").send_keys(text)
            op.click_and_wait(op.d.find_element(By.ID, f"upload-{key}"))
            self.assertIn("方案文本.pdf", op.d.find_element(By.ID, f"documents-{key}").text)
        finally:
            op.close()
        rv = Session("demo-reviewer-1")
        try:
            rv.go(f"/plans/{MINE}/{version}")
            main = rv.d.find_element(By.TAG_NAME, "main").text
            self.assertIn("96.50 %", main)
            self.assertIn("✎", main)
            self.assertEqual(len(rv.d.find_elements(By.ID, "approve-plan")), 1)
        finally:
            rv.close()

    def test_10_one_map_a_mine_is_a_link_to_its_page(self):
        s = Session("demo-admin")
        try:
            s.go("/map")
            mines = s.d.find_elements(By.CSS_SELECTOR, "svg.map a.mine")
            self.assertEqual(len(mines), 75)  # 78, less the three merged away
            coal = s.d.find_element(By.CSS_SELECTOR, f'svg.map a.mine[data-license="{MINE}"]')
            self.assertIn(MINE, coal.find_element(By.TAG_NAME, "title").get_attribute("textContent"))
            s.click_and_wait(coal)
            self.assertTrue(s.d.current_url.endswith(f"/mines/{MINE}"), s.d.current_url)
        finally:
            s.close()


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
