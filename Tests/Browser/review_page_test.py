"""The review page of `audiocache serve` in a real browser.

Headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium, against a real
`audiocache serve` over a cache warmed with espeak-ng in a temporary folder, on 127.0.0.1 and a
free port. Run by scripts/test:

    python3 Tests/Browser/review_page_test.py            # AUDIOCACHE=path for another binary
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "browser-test-token"
PHRASES = [
    ("Hola mundo", "es", "es"),
    ("Buenos días", "es", "es"),
    ("Buenas noches", "es", "es"),
    ("Hello world", "en", "en"),
    ("Good night", "en", "en"),
]


def audiocache_binary():
    if os.environ.get("AUDIOCACHE"):
        return os.environ["AUDIOCACHE"]
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    return os.path.join(path, "audiocache")


class ReviewPageTest(unittest.TestCase):
    """One scenario, in order: each step starts where the one before left the page."""

    @classmethod
    def setUpClass(cls):
        cls.binary = audiocache_binary()
        cls.work = tempfile.mkdtemp(prefix="audiocache-browser-")
        cls.cache = os.path.join(cls.work, "cache")
        manifests = os.path.join(cls.work, "manifests")
        os.makedirs(manifests)
        with open(os.path.join(manifests, "prompts.csv"), "w", encoding="utf-8") as handle:
            handle.write("text,voice_id,language\n")
            for text, voice, language in PHRASES:
                handle.write(f"{text},{voice},{language}\n")
        subprocess.run([cls.binary, "warm", manifests, "--cache", cls.cache, "--provider", "espeak-ng", "--quiet"],
                       check=True)
        # A recording to upload: another voice, so that its bytes differ from the rendering's.
        cls.recording = os.path.join(cls.work, "take-2.wav")
        subprocess.run(["espeak-ng", "-v", "es", "-s", "120", "-w", cls.recording, "Buenos días"], check=True)

        cls.log = open(os.path.join(cls.work, "serve.log"), "w+", encoding="utf-8")
        cls.server = subprocess.Popen(
            [cls.binary, "serve", "--cache", cls.cache, "--host", "127.0.0.1", "--port", "0"],
            env={**os.environ, "AUDIO_CACHE_ADMIN_TOKEN": TOKEN}, stdout=cls.log, stderr=cls.log)
        cls.base = None
        for _ in range(200):
            cls.log.seek(0)
            found = re.search(r"http://127\.0\.0\.1:\d+", cls.log.read())
            if found:
                cls.base = found.group(0)
                break
            if cls.server.poll() is not None:
                break
            time.sleep(0.05)
        if cls.base is None:
            cls.log.seek(0)
            raise RuntimeError("audiocache serve did not start:\n" + cls.log.read())

        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--mute-audio",
                         "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900"]:
            options.add_argument(argument)
        service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
        cls.driver = webdriver.Chrome(options=options, service=service)
        # The list is drawn again after each change: an element found a moment ago may be gone.
        cls.wait = WebDriverWait(cls.driver, 15, ignored_exceptions=[StaleElementReferenceException])

    @classmethod
    def tearDownClass(cls):
        driver = getattr(cls, "driver", None)
        if driver:
            driver.quit()
        server = getattr(cls, "server", None)
        if server and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(cls.work, ignore_errors=True)

    # --- helpers --------------------------------------------------------------------------------

    def api(self, path, method="GET", body=None):
        request = urllib.request.Request(self.base + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"Bearer {TOKEN}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def entries(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "#entries > li")

    def rows(self):
        """Each listed entry as {text, verdict, review, meta}, read at once (no stale elements)."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#entries > li')].map(li => ({"
            "text: li.querySelector('.text').textContent, verdict: li.querySelector('.badge').textContent,"
            "review: li.querySelector('.review').textContent, meta: li.querySelector('.meta').textContent}))")

    def row(self, text):
        return next((row for row in self.rows() if row["text"] == text), {})

    def texts(self):
        return [row["text"] for row in self.rows()]

    def until(self, condition, message):
        try:
            return self.wait.until(lambda _: condition())
        except TimeoutException:
            self.fail(f"{message}; the page says: {self.driver.find_element(By.TAG_NAME, 'main').text[:600]}")

    def entry_named(self, text):
        return next(item for item in self.entries() if item.get_attribute("aria-label") == text)

    def press(self, *keys):
        body = self.driver.find_element(By.TAG_NAME, "body")
        for key in keys:
            webdriver.ActionChains(self.driver).send_keys_to_element(body, key).perform()

    # --- the scenario ---------------------------------------------------------------------------

    def test_1_a_wrong_token_is_refused_with_a_visible_message(self):
        self.driver.get(self.base + "/")
        field = self.until(lambda: self.driver.find_element(By.ID, "token"), "no token field")
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, "label[for=token]").text, "Admin token")
        field.send_keys("not-the-token", Keys.ENTER)
        error = self.driver.find_element(By.ID, "sign-in-error")
        self.until(lambda: error.is_displayed() and "refused" in error.text, "no visible refusal")
        self.assertIsNone(self.driver.execute_script("return sessionStorage.getItem('audiocache.token')"))
        self.assertFalse(self.driver.find_element(By.ID, "entries-view").is_displayed())

    def test_2_signing_in_lists_the_entries(self):
        self.driver.find_element(By.ID, "token").send_keys(TOKEN, Keys.ENTER)
        self.until(lambda: len(self.entries()) == len(PHRASES), "the entries are not listed")
        self.assertEqual(self.texts(), ["Good night", "Hello world", "Buenas noches", "Buenos días", "Hola mundo"])
        self.assertIn("5 entries", self.driver.find_element(By.ID, "status").text)
        # The token is in this tab's session storage under audiocache.token, and nowhere else.
        storage = self.driver.execute_script(
            "return [sessionStorage.getItem('audiocache.token'), localStorage.length, document.cookie]")
        self.assertEqual(storage, [TOKEN, 0, ""])
        shortcuts = self.driver.find_element(By.ID, "shortcuts").text
        for shortcut in ["next entry", "approve", "flag for re-render", "play or pause"]:
            self.assertIn(shortcut, shortcuts)

    def test_3_a_search_narrows_the_list(self):
        search = self.driver.find_element(By.ID, "q")
        search.send_keys("HOLA")
        self.until(lambda: self.texts() == ["Hola mundo"], "the search did not narrow the list")
        search.send_keys(Keys.ESCAPE)

    def test_4_a_clip_plays(self):
        self.entry_named("Hola mundo").find_element(By.CSS_SELECTOR, "button[data-action=play]").click()
        script = ("const a = document.getElementById('player');"
                  "return [a.duration, a.currentTime, a.ended, a.error && a.error.code];")
        self.until(lambda: (lambda s: s[0] and s[0] > 0 and (s[1] > 0 or s[2]))(self.driver.execute_script(script)),
                   "the clip does not play")
        duration, _, _, error = self.driver.execute_script(script)
        self.assertGreater(duration, 0.3)
        self.assertIsNone(error)

    def test_5_approving_from_the_keyboard_pins_the_entry(self):
        search = self.driver.find_element(By.ID, "q")
        search.clear()
        search.send_keys(" ", Keys.BACKSPACE, Keys.ESCAPE)
        self.until(lambda: len(self.entries()) == len(PHRASES), "the list did not come back")
        self.press("j", "a")  # the first entry, Good night
        self.until(lambda: self.row("Good night").get("verdict") == "approved", "the entry does not show as approved")
        approved = self.api("/api/audio-cache/entries?state=approved")["entries"]
        self.assertEqual([entry["text"] for entry in approved], ["Good night"])
        self.assertTrue(approved[0]["pinned"])

    def test_6_flagging_keeps_the_note(self):
        self.press("j", "f")  # the second entry, Hello world
        note = self.until(lambda: self.entry_named("Hello world").find_element(By.NAME, "note"), "no note field")
        self.until(lambda: note.is_displayed(), "the note field is hidden")
        note.send_keys("Too fast at the end", Keys.ENTER)
        self.until(lambda: "Too fast at the end" in self.row("Hello world").get("review", ""), "the note is not shown")
        flagged = self.api("/api/audio-cache/entries?state=flagged")["entries"]
        self.assertEqual([(entry["text"], entry["note"]) for entry in flagged], [("Hello world", "Too fast at the end")])
        Select(self.driver.find_element(By.ID, "state")).select_by_value("flagged")
        self.until(lambda: self.texts() == ["Hello world"], "the state filter does not narrow the list")
        Select(self.driver.find_element(By.ID, "state")).select_by_value("")
        self.until(lambda: len(self.entries()) == len(PHRASES), "the list did not come back")

    def test_7_an_upload_replaces_a_clip(self):
        before = self.api("/api/audio-cache/entries?q=buenos")["entries"][0]
        # A verdict on the old take: new audio starts unreviewed (checked in the index at the end).
        self.api(f"/api/audio-cache/entries/{before['key']}/review", method="POST", body={"verdict": "flagged"})
        upload = self.entry_named("Buenos días").find_element(By.CSS_SELECTOR, "input[type=file]")
        upload.send_keys(self.recording)
        self.until(lambda: "recorded" in self.row("Buenos días").get("meta", ""), "the entry does not show as recorded")
        after = self.api("/api/audio-cache/entries?q=buenos")["entries"][0]
        self.assertEqual(after["source"], "recorded")
        self.assertEqual(after["size"], os.path.getsize(self.recording))
        with urllib.request.urlopen(self.base + before["audio_url"], timeout=10) as answer, \
                open(self.recording, "rb") as handle:
            self.assertEqual(answer.read(), handle.read())

    def test_8_the_statistics_show_charts(self):
        self.driver.find_element(By.ID, "show-stats").click()
        stats = self.driver.find_element(By.ID, "stats")
        self.until(lambda: "1 approved, 1 flagged, 3 unreviewed" in stats.text, "no review progress")
        titles = [title.text for title in stats.find_elements(By.CSS_SELECTOR, ".chart h3")]
        for title in ["Entries per voice", "Audio per voice", "Entries per language", "Review progress", "Hit rate"]:
            self.assertIn(title, titles)
        self.assertTrue(any(title.startswith("Characters billed by the last warm") for title in titles), titles)
        self.assertGreaterEqual(len(stats.find_elements(By.CSS_SELECTOR, ".bar")), 4)

    def test_8b_the_page_fits_a_phone_and_works_from_the_keyboard(self):
        self.driver.find_element(By.ID, "show-entries").click()
        self.driver.set_window_size(390, 844)
        try:
            self.until(lambda: len(self.entries()) == len(PHRASES), "the entries are not listed")
            width = self.driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            self.assertLessEqual(width[0], width[1], "the page scrolls sideways on a phone")
            # Every control has a name a screen reader can say.
            unnamed = self.driver.execute_script(
                "return [...document.querySelectorAll('input, select, button')].filter(e => e.offsetParent !== null"
                " && !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())"
                ".map(e => e.outerHTML)")
            self.assertEqual(unnamed, [])
            # Tab reaches the search field from the top of the page.
            self.driver.find_element(By.TAG_NAME, "body").click()
            reached = False
            for _ in range(10):
                webdriver.ActionChains(self.driver).send_keys(Keys.TAB).perform()
                if self.driver.switch_to.active_element.get_attribute("id") == "q":
                    reached = True
                    break
            self.assertTrue(reached, "Tab does not reach the search field")
        finally:
            self.driver.set_window_size(1280, 900)

    def test_9_the_verdicts_are_in_the_index_after_shutdown(self):
        self.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.wait(timeout=30), 0)
        with open(os.path.join(self.cache, "index.json"), encoding="utf-8") as handle:
            index = json.load(handle)
        reviews = {entry["text"]: entry.get("review") for entry in index["entries"].values()}
        self.assertEqual(reviews["Good night"]["verdict"], "approved")
        self.assertEqual(reviews["Hello world"], {**reviews["Hello world"], "verdict": "flagged",
                                                  "note": "Too fast at the end"})
        self.assertIsNone(reviews["Buenos días"])
        pinned = {entry["text"]: entry["pinned"] for entry in index["entries"].values()}
        self.assertTrue(pinned["Good night"])


if __name__ == "__main__":
    sys.exit(0 if unittest.main(verbosity=2, exit=False).result.wasSuccessful() else 1)
