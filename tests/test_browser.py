"""The workbench in a real browser: JupyterLab in headless Chromium, driven by Playwright.

Opens notebooks/01_assistive_perturbations_2d.ipynb (a copy, in a temporary folder), runs
every cell, moves the ε slider of the perturbation panel with the keyboard and checks that
the displayed p_true changes. Screenshot: outputs/browser_01.png.

Needs Debian's ``chromium`` (``apt-get install chromium``; never ``playwright install``) and
the ``playwright`` Python package (the ``dev`` extra). Without them the test is skipped and
says why; with them it really runs.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01_assistive_perturbations_2d.ipynb"
SCREENSHOT = ROOT / "outputs" / "browser_01.png"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# settings written to a temporary JUPYTERLAB_SETTINGS_DIR: no news fetching, no autosave
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}
RUN_ALL_TIMEOUT_S = 300


def _chromium() -> str | None:
    for c in (os.environ.get("ASWB_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
              "/usr/bin/chromium"):
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(proc: subprocess.Popen, url: str, log: Path, timeout: float = 180.0) -> None:
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with code {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _kill_kernels(runtime_dir: str) -> None:
    """Kill kernels started by this test's server: their connection file lies in its own runtime dir
    (kernels run in sessions of their own, outside the server's process group)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    for p in proc.iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if runtime_dir in cmd and "kernel" in cmd:
            try:
                os.kill(int(p.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def chromium():
    """Debian's Chromium and the playwright package, or a skip that says what is missing."""
    path = _chromium()
    if path is None:
        pytest.skip("no Chromium found (apt-get install -y chromium, or set ASWB_CHROMIUM); "
                    "the browser test needs a real browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is missing (pip install -e '.[dev]')")
    return path


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a temporary copy of the notebook; yields (base url, token)."""
    if not NOTEBOOK.is_file():
        pytest.fail(f"missing notebook {NOTEBOOK}")
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    settings = tmp_path / "settings"
    for rel, value in USER_SETTINGS.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(value))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = tmp_path / "lab.log"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
           f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", "--no-browser",
           f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp_path / 'ws'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(proc, f"{base}/api/status?token={token}", log)
        yield base, token
    finally:  # always stop the server (its own process group), then any kernel it left behind
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # a graceful shutdown also stops its kernels
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=15)
        _kill_kernels(env["JUPYTER_RUNTIME_DIR"])


@pytest.mark.slow
def test_notebook_01_panel_in_a_real_browser(chromium, lab, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base, token = lab
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=chromium,
                                                    headless=True, args=CHROMIUM_ARGS,
                                                    viewport={"width": 1500, "height": 1100})
        try:
            ctx.set_default_timeout(60_000)
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}", timeout=90_000)
            status = page.locator("#jp-main-statusbar")
            expect(status).to_contain_text("Idle", timeout=180_000)  # the kernel is up
            run = "(cmd) => window.jupyterapp.commands.execute(cmd)"
            page.evaluate(run, "notebook:clear-all-cell-outputs")  # no stale panel from stored outputs
            page.evaluate("(cmd) => { window.jupyterapp.commands.execute(cmd); }", "notebook:run-all-cells")

            ptrue = page.locator(".aswb-perturbation-panel .aswb-ptrue")
            error = page.locator(".jp-OutputArea-output").filter(has_text="Traceback (most recent call last)")
            expect(ptrue.or_(error).first).to_be_visible(timeout=RUN_ALL_TIMEOUT_S * 1000)  # the panel, or a failure
            assert error.count() == 0, f"a cell raised:\n{error.first.inner_text()[-2000:]}"
            expect(ptrue).to_contain_text("p_true")
            expect(status).to_contain_text("Idle", timeout=RUN_ALL_TIMEOUT_S * 1000)
            before = ptrue.inner_text()
            readout = page.locator(".aswb-perturbation-panel .aswb-eps .widget-readout")
            eps_before = readout.inner_text()

            handle = page.locator(".aswb-perturbation-panel .aswb-eps .noUi-handle")
            handle.scroll_into_view_if_needed()
            handle.focus()
            for _ in range(4):  # 4 steps of 0.5/255
                handle.press("ArrowRight")
            expect(readout).not_to_have_text(eps_before, timeout=10_000)
            expect(ptrue).not_to_have_text(before, timeout=60_000)
            # every key press re-runs the optimisation: wait for the one of the final ε
            eps = float(readout.inner_text())
            expect(page.locator(".aswb-perturbation-panel .aswb-status")).to_contain_text(f"ε={eps:g}/255",
                                                                                          timeout=60_000)
            after = ptrue.inner_text()

            page.locator(".aswb-perturbation-panel").scroll_into_view_if_needed()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            ctx.close()
    assert before != after and "→" in after, (before, after)
