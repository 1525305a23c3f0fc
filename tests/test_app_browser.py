"""The Gradio app end to end in a real headless Chromium (Debian's package, driven by Playwright).

Runs with the shipped models on a CamVid val frame. The screenshot of the main screen after a
compression and the measured round-trip time are written to test-artifacts/.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

gr = pytest.importorskip("gradio")
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")

import selgan  # noqa: E402
from selgan.cli import load_app_module  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]
TIMEOUT_MS = 180_000


def find_chromium() -> str:
    """The system chromium; installed with apt-get when missing and we are root, else the test is skipped."""
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("no chromium on PATH and not root to apt-get install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not shutil.which("chromium"):
        pytest.skip(f"apt-get install chromium failed: {done.stderr.strip()[-300:]}")
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def server(workdir):
    if not selgan.list_models():
        pytest.skip("no shipped codec models")
    app = load_app_module().build_app(workdir=workdir)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, show_error=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def browser(server):
    executable = find_chromium()
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server)
    yield page
    context.close()


def clear(page, component: str) -> None:
    """Empty an upload component (its Clear button exists only while it holds a file)."""
    button = page.locator(f"{component} button[aria-label='Clear']")
    if button.count():
        button.first.click()


def tick(page, name: str) -> None:
    """Tick a class once the segmentation's own update of the choices has landed (it may come after the legend)."""
    box = page.locator("#classes label", has_text=name).locator("input")
    for _ in range(30):
        if not box.is_checked():
            box.click()
        page.wait_for_timeout(300)
        if box.is_checked():
            return
    raise AssertionError(f"could not tick {name}")


def test_upload_tick_compress_download(page, val_frame, tmp_path):
    page.locator("#input-image input[type=file]").set_input_files(str(val_frame[0]))
    page.locator("#legend li").first.wait_for()
    tick(page, "Road")
    start = time.perf_counter()
    page.locator("#compress").click()
    page.locator("#stats", has_text="bpp").wait_for()
    round_trip = time.perf_counter() - start
    assert page.locator("#result img").count() >= 2
    stats = page.locator("#stats").inner_text()
    assert "Road" in stats and "latent" in stats
    with page.expect_download() as download:
        page.locator("#download").click()
    saved = tmp_path / "from-browser.sgc"
    download.value.save_as(saved)
    data = saved.read_bytes()
    image = selgan.decompress(data)
    assert image.size == (480, 360)
    assert f"{len(data):,} B" in stats
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app-main.png"), full_page=True)
    (ARTIFACTS / "app-timing.json").write_text(json.dumps({"frame": val_frame[0].name, "round_trip_s": round_trip}))


def test_painting_a_region_preserves_it(page):
    # Runs after the first test, with the CamVid frame loaded: a green stroke on the editor canvas.
    box = page.locator("#editor canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4, steps=10)
    page.mouse.up()
    page.locator("#compress").click()
    page.locator("#stats", has_text="painted mask").wait_for()
    mask_row = [line for line in page.locator("#stats").inner_text().splitlines() if line.startswith("mask")]
    assert mask_row and "not stored" not in mask_row[0]


def test_decode_tab_and_corrupt_file(page, tmp_path, val_frame):
    page.get_by_role("tab", name="Decode a file").click()
    good = selgan.compress(val_frame[0], selgan.list_models()[0], preserve=["car"]).to_bytes()
    (tmp_path / "good.sgc").write_bytes(good)
    page.locator("#sgc-upload input[type=file]").set_input_files(str(tmp_path / "good.sgc"))
    page.locator("#header", has_text="480×360").wait_for()
    page.locator("#decoded img").wait_for()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    (tmp_path / "bad.sgc").write_bytes(bytes(bad))
    clear(page, "#sgc-upload")
    page.locator("#sgc-upload input[type=file]").set_input_files(str(tmp_path / "bad.sgc"))
    page.get_by_text("checksum mismatch").first.wait_for()


def test_non_image_upload_shows_a_message_and_the_app_keeps_serving(page, tmp_path, val_frame):
    page.get_by_role("tab", name="Compress").click()
    fake = tmp_path / "holiday.png"
    fake.write_text("this is not an image")
    clear(page, "#input-image")
    page.locator("#input-image input[type=file]").set_input_files(str(fake))
    page.get_by_text("not a readable image").first.wait_for()
    clear(page, "#input-image")
    page.locator("#input-image input[type=file]").set_input_files(str(val_frame[0]))
    page.locator("#legend li").first.wait_for()


def test_an_example_can_be_picked(page):
    page.get_by_role("tab", name="Compress").click()
    clear(page, "#input-image")
    page.get_by_text("crossing.png").first.click()
    page.locator("#legend li").first.wait_for()
    page.locator("#compress").click()
    page.locator("#stats", has_text="crossing").wait_for()


def test_a_second_session_is_separate_and_its_files_go_when_it_closes(browser, server, workdir, val_frame):
    before = {p.name for p in workdir.iterdir()}
    context = browser.new_context()
    other = context.new_page()
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(server)
    assert other.locator("#stats").inner_text().strip() == ""  # nothing of the first session shows here
    other.locator("#input-image input[type=file]").set_input_files(str(val_frame[0]))
    other.locator("#legend li").first.wait_for()
    other.locator("#compress").click()
    other.locator("#stats", has_text="bpp").wait_for()
    mine = {p.name for p in workdir.iterdir()} - before
    assert len(mine) == 1 and any((workdir / mine.pop()).iterdir())
    context.close()
    deadline = time.time() + 30
    while time.time() < deadline and {p.name for p in workdir.iterdir()} - before:
        time.sleep(0.5)
    assert not {p.name for p in workdir.iterdir()} - before, "the closed session's folder was not removed"
