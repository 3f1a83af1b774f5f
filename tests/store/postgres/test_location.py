"""Index URLs: what ``locate`` makes of them, credentials kept off the command line, the schema
name checked, and another backend's or an unknown URL refused with a one-line message."""

from __future__ import annotations

import pytest

from askcorpus.errors import AskcorpusError, IndexLocationError, IndexMissingError
from askcorpus.settings import Settings, index_location
from askcorpus.store.factory import locate
from tests.pg_server import Server


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://writer:s3cret@db.example/askcorpus?schema=reports",
        "postgres://writer@db.example/askcorpus?schema=reports&password=s3cret",
    ],
)
def test_a_password_in_the_url_is_refused_and_never_repeated(url: str) -> None:
    with pytest.raises(IndexLocationError) as caught:
        locate(url).exists()
    message = caught.value.user_message()
    assert "s3cret" not in message and "~/.pgpass" in message


def test_a_schema_name_that_is_not_plain_is_refused() -> None:
    with pytest.raises(IndexLocationError, match="schema name"):
        locate("postgresql://w@h/db?schema=Robert'); DROP TABLE x;--").exists()


def test_an_unknown_url_scheme_says_what_is_supported() -> None:
    with pytest.raises(AskcorpusError, match="postgresql://"):
        locate("qdrant://somewhere/collection")


def test_the_url_survives_settings_and_names_the_missing_index(pg: Server) -> None:
    url = pg.url("never_created")
    settings = Settings.from_env({"ASKCORPUS_INDEX": url})
    assert str(settings.index_dir) == url
    location = locate(settings.index_dir)
    assert not location.exists()
    with pytest.raises(IndexMissingError, match="askcorpus index") as caught:
        location.open()
    assert url in caught.value.user_message()
    assert str(index_location(url)) == url


def test_an_unreachable_server_is_one_line_naming_the_url() -> None:
    url = "postgresql://nobody@127.0.0.1:1/askcorpus?schema=x&connect_timeout=2"
    with pytest.raises(AskcorpusError) as caught:
        locate(url).exists()
    message = caught.value.user_message()
    assert "cannot reach the index" in message and "\n" not in message


def test_an_index_of_an_older_table_layout_is_refused_with_the_rebuild_hint(
    pg: Server, pg_url: str
) -> None:
    from askcorpus.errors import IndexMismatchError
    from askcorpus.store.postgres.connection import Target
    from tests.store.conformance.conftest import manifest

    locate(pg_url).create(manifest()).close()
    schema = Target.parse(pg_url).schema
    pg.psql(f"DELETE FROM {schema}.meta WHERE key = 'layout'", database="askcorpus")
    with pytest.raises(IndexMismatchError, match="layout") as caught:
        locate(pg_url).open()
    assert "--rebuild" in caught.value.user_message()


def test_an_index_written_before_the_keyword_folding_is_refused_only_with_other_languages(
    pg: Server, pg_url: str
) -> None:
    # Layout 2 kept Russian and Chinese words as written; folding leaves Latin text as it is,
    # so an index of English documents is read as it is (and stamped layout 3 by its next
    # update), one holding other languages is refused with the rebuild hint.
    from askcorpus.errors import IndexMismatchError
    from askcorpus.store.postgres.connection import Target
    from askcorpus.store.postgres.schema import LAYOUT, UNFOLDED_LAYOUT
    from tests.store.conformance.conftest import make_document, manifest

    store = locate(pg_url).create(manifest())
    with store.writer() as w:
        w.add_document(*make_document("en.txt", ["The bridge carries coal."], seed=1))
        w.commit()
    store.close()
    schema = Target.parse(pg_url).schema

    def layout() -> str:
        return pg.psql(
            f"SELECT value FROM {schema}.meta WHERE key = 'layout'", database="askcorpus"
        ).strip()

    pg.psql(f"UPDATE {schema}.meta SET value = '2' WHERE key = 'layout'", database="askcorpus")
    assert layout() == UNFOLDED_LAYOUT
    store = locate(pg_url).open()
    with store.writer() as w:
        w.add_document(*make_document("more.txt", ["Coal and iron ore."], seed=2))
        w.commit()
    store.close()
    assert layout() == LAYOUT
    pg.psql(f"UPDATE {schema}.meta SET value = '2' WHERE key = 'layout'", database="askcorpus")
    pg.psql(f"UPDATE {schema}.documents SET language = 'ru'", database="askcorpus")
    with pytest.raises(IndexMismatchError, match="folded Russian and Chinese") as caught:
        locate(pg_url).open()
    assert "--rebuild" in caught.value.user_message()
