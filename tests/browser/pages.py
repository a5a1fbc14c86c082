"""Small helpers shared by the browser tests."""

from __future__ import annotations

from typing import Any


def open_page(page: Any, path: str) -> Any:
    """Go to `path` and insist on a 200 at that very address (no redirect to a sign-in page)."""
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    final_path = page.evaluate("() => location.pathname + location.search")
    assert final_path == path, f"{path} ended up at {final_path}"
    return response


def sign_in(page: Any, username: str, password: str, *, then: str | None = None) -> None:
    """Sign in through the login page; with `then`, go there afterwards and wait for it."""
    if then is not None:
        page.goto(f"/accounts/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    if then is not None:
        page.wait_for_url(f"**{then}")


def fits_the_screen(page: Any) -> bool:
    """No sideways scrolling: the page is no wider than the viewport."""
    page.wait_for_load_state("load")
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))
