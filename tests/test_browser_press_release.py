"""In a real browser: an organizer edits the drafted press release, saves it, copies it to the clipboard and
downloads it as DOCX, which holds the edit."""

import io

import pytest
from docx import Document
from playwright.sync_api import expect

from .conftest import log_in_page
from .test_press_release import forum  # noqa: F401  (the fixture: a plenary and an adopted recommendation)

pytestmark = pytest.mark.browser


def test_organizer_edits_saves_copies_and_downloads_the_press_release(app, live_server, page, event, forum,  # noqa: F811
                                                                      make_user, artifacts):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in_page(page, live_server.url, make_user("organizer", events=(event,)))
    page.goto(f"{live_server.url}/manage/events/{event.slug}")
    page.get_by_role("link", name="Пресс-релиз").click()

    text = page.get_by_label("Текст пресс-релиза")
    assert "Пленарное заседание «Промышленность регионов»" in text.input_value()
    text.fill(text.input_value().replace("подведены итоги", "итоги форума подведены") + "\n\nКонтакты пресс-службы.")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Пресс-релиз сохранён.")).to_be_visible()
    assert text.input_value().endswith("Контакты пресс-службы.")
    page.screenshot(path=str(artifacts / "press-release.png"), full_page=True)

    page.get_by_role("button", name="Скопировать").click()
    expect(page.get_by_text("Скопировано: вставьте текст, куда нужно.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == text.input_value()

    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать DOCX").click()
    assert download.value.suggested_filename == f"press-release-{event.slug}-ru.docx"
    paragraphs = [paragraph.text for paragraph in Document(io.BytesIO(open(download.value.path(), "rb").read())
                                                          ).paragraphs]
    assert paragraphs[0].endswith("итоги форума подведены")
    assert paragraphs[-1] == "Контакты пресс-службы."
