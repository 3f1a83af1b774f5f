"""File > Open Team Corpus…: a postgresql:// URL goes through the store factory (its message is
shown as it is while no server backend is built); a URL holding a password is refused, the
password taken out of the field and never shown or logged."""

from __future__ import annotations

import logging
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from askcorpus.errors import AskcorpusError  # noqa: E402
from askcorpus.gui.research_tasks import team_url_problem, without_password  # noqa: E402
from askcorpus.gui.text import message  # noqa: E402
from askcorpus.store.factory import locate  # noqa: E402
from tests.gui_helpers import TIMEOUT, open_window  # noqa: E402

SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://ann:{SECRET}@db.example:5432/corpus",
        f"postgres://ann:{SECRET}@db.example/corpus",
        f"postgresql://db.example/corpus?user=ann&password={SECRET}",
    ],
)
def test_a_password_in_the_url_is_refused(url) -> None:
    problem = team_url_problem(url)
    assert problem is not None and "PGPASSFILE" in problem and SECRET not in problem
    cleaned = without_password(url)
    assert SECRET not in cleaned and "ann" in cleaned and team_url_problem(cleaned) is None


def test_what_a_team_url_must_be() -> None:
    assert team_url_problem("postgresql://ann@db.example:5432/corpus") is None
    assert "postgresql://" in (team_url_problem("http://db.example/corpus") or "")
    assert team_url_problem("postgresql://") is not None
    assert without_password("postgresql://ann:x@h:5/db") == "postgresql://ann@h:5/db"
    assert without_password("postgresql://ann@h/db") == "postgresql://ann@h/db"


@pytest.fixture()
def window(qtbot, shipped_index, embedder, tmp_path):
    return open_window(qtbot, shipped_index, embedder, tmp_path)


def test_team_dialog_refuses_a_password_and_says_why_a_server_cannot_be_reached(
    qtbot, window, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    dialog = window.corpora.show_team_dialog()
    failed = []
    window.engine.teamFailed.connect(failed.append)
    # Port 1 of this machine: nothing listens, so the connection is refused at once.
    dialog.url.setText(f"postgresql://ann:{SECRET}@127.0.0.1:1/corpus")
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert "PGPASSFILE" in dialog.problem.text()
    assert dialog.url.text() == "postgresql://ann@127.0.0.1:1/corpus"
    assert dialog.isVisible() and not failed  # nothing was tried

    url = dialog.url.text()
    with pytest.raises(AskcorpusError) as raised:
        locate(url).exists()  # the server cannot be reached
    with qtbot.waitSignal(window.engine.teamFailed, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert dialog.problem.text() == message(raised.value)
    assert dialog.open_button.isEnabled() and dialog.isVisible()
    assert window.engine.others == ()
    shown = " ".join(w.text() for w in (dialog.problem, dialog.url, window.parts.error_bar.label))
    assert SECRET not in shown and SECRET not in caplog.text
