"""Where keyboard focus is, and what the page's live region says, in a browser test."""

from __future__ import annotations

from typing import Any

FOCUSED = ("() => { const e = document.activeElement; if (!e) return '';"
           " return e.tagName + ':' + (e.getAttribute('aria-label') ??"
           " e.textContent.replace(/\\s+/g, ' ').trim()); }")


async def focused(page: Any) -> str:
    """The focused element as 'TAG:text' (or 'TAG:aria-label' for labelled controls)."""
    result: str = await page.evaluate(FOCUSED)
    return result


async def wait_focused(page: Any, expected: str) -> None:
    """Wait until focus is on `expected` ('TAG:text', as focused() says); say where it is
    if it never gets there."""
    try:
        await page.wait_for_function(f"t => ({FOCUSED})() === t", arg=expected, timeout=5000)
    except Exception as e:
        raise AssertionError(f"focus is on {await focused(page)!r}, not {expected!r}") from e


async def wait_said(page: Any, text: str) -> None:
    """Wait until the page's one live region (#live-region) says exactly `text`."""
    await page.wait_for_function(
        "t => document.getElementById('live-region')?.textContent === t", arg=text)


def notice(scope: Any, text: str) -> Any:
    """A result message (a Notice, role status) with `text`: not the live region's copy."""
    return scope.get_by_role("status").filter(has_text=text)
