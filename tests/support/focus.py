"""Where keyboard focus is, and what the page's live region says, in a browser test."""

from __future__ import annotations

from typing import Any


async def focused(page: Any) -> str:
    """The focused element as 'TAG:text' (or 'TAG:aria-label' for labelled controls)."""
    result: str = await page.evaluate(
        "() => { const e = document.activeElement; if (!e) return '';"
        " return e.tagName + ':' + (e.getAttribute('aria-label') ??"
        " e.textContent.replace(/\\s+/g, ' ').trim()); }")
    return result


async def wait_said(page: Any, text: str) -> None:
    """Wait until the page's one live region (#live-region) says exactly `text`."""
    await page.wait_for_function(
        "t => document.getElementById('live-region')?.textContent === t", arg=text)
