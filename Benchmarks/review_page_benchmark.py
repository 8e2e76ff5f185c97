"""Times the review page in headless Chromium against `audiocache serve` over a large cache.

    python3 Benchmarks/review_page_benchmark.py AUDIOCACHE CACHE [--runs N]

Prints, for the page loaded in a fresh tab: the first useful render (milliseconds from the start
of navigation to the first list of entries drawn: the HTML, its script, the statistics that fill
the voice and language choices and the first page of entries), once loaded as soon as the server
listens (while it still reads every entry's text, which the server's log times) and again in new
browsers; and searches (milliseconds from the last keystroke to the list drawn for the whole
word, the page's 50 ms pause after typing included).
Run by Benchmarks/run-review-benchmark.sh.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

TOKEN = "benchmark-token"
WORDS = ["mundo", "hola", "gracias", "welcome", "tarjeta", "number", "bonjour", "zzzz-nothing"]


def start_server(binary, cache, log_path):
    log = open(log_path, "w+", encoding="utf-8")
    server = subprocess.Popen([binary, "serve", "--cache", cache, "--read-only", "--port", "0"],
                              env={**os.environ, "AUDIO_CACHE_ADMIN_TOKEN": TOKEN}, stdout=log, stderr=log)
    for _ in range(600):
        log.seek(0)
        found = re.search(r"http://127\.0\.0\.1:\d+", log.read())
        if found:
            return server, found.group(0)
        if server.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    raise SystemExit("audiocache serve did not start:\n" + log.read())


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"]:
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"))


def first_render(driver, base):
    """Milliseconds from navigation start to the first list drawn, in a tab that holds the token."""
    driver.get(base + "/review/review.css")  # same origin, so that the token can be stored first
    driver.execute_script(f"sessionStorage.setItem('audiocache.token', '{TOKEN}')")
    driver.get(base + "/")
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return performance.getEntriesByName('entries-rendered').length > 0"))
    total = driver.execute_script("return document.getElementById('status').textContent")
    return driver.execute_script("return performance.getEntriesByName('entries-rendered')[0].startTime"), total


def search(driver, word):
    """Milliseconds from the last keystroke of `word` to the narrowed list drawn."""
    field = driver.find_element(By.ID, "q")
    field.clear()
    driver.execute_script("performance.clearMeasures('search')")
    field.send_keys(word)
    # The list drawn for the whole word, not for a part typed before the page's pause.
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "const s = performance.getEntriesByName('search'); return s.length > 0 && s.at(-1).detail === arguments[0]",
        word))
    duration = driver.execute_script("return performance.getEntriesByName('search').at(-1).duration")
    status = driver.execute_script("return document.getElementById('status').textContent")
    return duration, status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("audiocache")
    parser.add_argument("cache")
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    work = tempfile.mkdtemp(prefix="audiocache-review-benchmark-")
    try:
        colds, warms, searches = [], [], []
        for run in range(arguments.runs):
            # The browser first, so that the first page load comes as soon as the server listens.
            driver = browser()
            server, base = start_server(arguments.audiocache, arguments.cache, os.path.join(work, "serve.log"))
            try:
                cold, total = first_render(driver, base)
                colds.append(cold)
                print(f"    run {run + 1}: first render, loaded as the server starts listening {cold:.0f} ms ({total})")
                for _ in range(2):
                    driver.quit()
                    driver = browser()
                    warm, _ = first_render(driver, base)
                    warms.append(warm)
                    print(f"    run {run + 1}: first render in a new browser {warm:.0f} ms")
                for word in WORDS:
                    duration, status = search(driver, word)
                    searches.append(duration)
                    print(f"    run {run + 1}: search {word!r}: {duration:.0f} ms ({status})")
            finally:
                driver.quit()
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
                with open(os.path.join(work, "serve.log"), encoding="utf-8") as log:
                    ready = re.search(r"took=(\S+) seconds.*review listing ready", log.read())
                print(f"    run {run + 1}: the server read the texts in {float(ready.group(1)):.3f} s" if ready
                      else f"    run {run + 1}: the server did not log its listing time")
        def summary(name, values, target):
            verdict = "MET" if max(values) <= target else ("MET (median)" if statistics.median(values) <= target
                                                           else "MISSED")
            print(f"{name}: median {statistics.median(values):.0f} ms, worst {max(values):.0f} ms"
                  f" ({len(values)} measurements)   {verdict} (target <= {target} ms)")
        print()
        summary("first useful render, loaded as the server starts listening", colds, 1000)
        summary("first useful render, server warm", warms, 1000)
        summary("search, last keystroke to list", searches, 200)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
