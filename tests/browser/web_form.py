"""A real browser on the public pages (decision 0008), driven by the e2e tests in tests/e2e/web.rs.

Debian's Chromium (REDRESS_CHROMIUM, /usr/bin/chromium by default) under Playwright, never a
browser Playwright downloads. Usage:

    python3 web_form.py SCENARIO BASE_URL ARGS_JSON

Prints one line of JSON with what the browser saw; exits non-zero when a step fails.

Scenarios:
- anonymous_with_file: the form at / is filled in (narrative, anonymous, one file) and posted;
  the confirmation's case number and receipt code are read, then /status is opened with the
  receipt code and the case's status and steps are read.
- answer_with_code: /status with the case number and the phone's last four digits; the code is
  read from the outbox the product writes codes to without an SMS provider; the case opens and
  the first open question is answered.
"""

import glob
import json
import os
import sys
import time

from playwright.sync_api import sync_playwright

TIMEOUT_MS = 20_000


def browser(playwright):
    return playwright.chromium.launch(
        executable_path=os.environ.get("REDRESS_CHROMIUM", "/usr/bin/chromium"),
        args=["--no-sandbox", "--disable-dev-shm-usage"],
    )


def steps(page):
    return page.eval_on_selector_all("#timeline li", "items => items.map(li => li.dataset.step)")


def anonymous_with_file(page, base, args):
    page.goto(base + "/")
    page.fill("textarea[name=narrative]", args["narrative"])
    page.check("input[name=anonymous]")
    page.set_input_files("input[name=attachments]", args["file"])
    page.click("#complaint button[type=submit]")
    page.wait_for_selector("#case-number", timeout=TIMEOUT_MS)
    page.wait_for_selector("#receipt-code:not(:empty)", timeout=TIMEOUT_MS)
    seen = {
        "title": page.title(),
        "result": page.inner_text("#result"),
        "case_number": page.inner_text("#case-number"),
        "receipt_code": page.inner_text("#receipt-code"),
    }
    page.goto(base + "/status")
    page.fill("input[name=receipt_code]", seen["receipt_code"].lower().replace("-", " "))
    page.click("#by-receipt button[type=submit]")
    page.wait_for_selector("#status-label:not(:empty)", timeout=TIMEOUT_MS)
    seen["status_page_title"] = page.title()
    seen["status_label"] = page.inner_text("#status-label")
    seen["status_case"] = page.inner_text("#case-number")
    seen["steps"] = steps(page)
    return seen


def code_from_outbox(outbox, since):
    deadline = time.time() + TIMEOUT_MS / 1000
    while time.time() < deadline:
        files = [f for f in glob.glob(os.path.join(outbox, "*.json")) if os.path.getmtime(f) >= since]
        if files:
            newest = max(files, key=os.path.getmtime)
            with open(newest, encoding="utf-8") as handle:
                request = json.load(handle)
            return json.loads(request["template_param"])["code"], request["phone_numbers"]
        time.sleep(0.1)
    raise RuntimeError("no code reached the outbox " + outbox)


def answer_with_code(page, base, args):
    page.goto(base + "/status")
    page.fill("#by-code input[name=case_number]", args["case_number"])
    page.fill("#by-code input[name=phone_last4]", args["phone_last4"])
    since = time.time() - 1
    page.click("#by-code button[type=submit]")
    page.wait_for_selector("#with-code:not([hidden])", timeout=TIMEOUT_MS)
    seen = {"title": page.title(), "message": page.inner_text("#message")}
    code, masked = code_from_outbox(args["outbox"], since)
    seen["masked_phone"] = masked
    page.fill("#with-code input[name=code]", code)
    page.click("#with-code button[type=submit]")
    page.wait_for_selector("#status-label:not(:empty)", timeout=TIMEOUT_MS)
    seen["status_label"] = page.inner_text("#status-label")
    seen["question"] = page.inner_text(".question p")
    page.fill(".answer-form textarea", args["answer"])
    page.click(".answer-form button[type=submit]")
    page.wait_for_selector(".question .answer", timeout=TIMEOUT_MS)
    seen["answered"] = page.inner_text(".question .answer")
    seen["steps"] = steps(page)
    return seen


SCENARIOS = {"anonymous_with_file": anonymous_with_file, "answer_with_code": answer_with_code}


def main():
    scenario, base, args = sys.argv[1], sys.argv[2].rstrip("/"), json.loads(sys.argv[3])
    with sync_playwright() as playwright:
        chromium = browser(playwright)
        context = chromium.new_context(locale=args.get("locale", "zh-CN"))
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            seen = SCENARIOS[scenario](page, base, args)
        finally:
            context.close()
            chromium.close()
    print(json.dumps(seen, ensure_ascii=False))


if __name__ == "__main__":
    main()
