"""Conformance: a location's life — no index, create, open, manifest, reset."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from askcorpus.errors import AskcorpusError, IndexMismatchError, IndexMissingError
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest, StoreLocation
from askcorpus.store.factory import locate

from .conftest import make_document, manifest


def test_a_new_location_holds_no_index_and_opening_it_says_what_to_do(
    location: StoreLocation,
) -> None:
    assert not location.exists()
    with pytest.raises(IndexMissingError) as caught:
        location.open()
    assert "askcorpus index" in caught.value.user_message()
    assert isinstance(location.where, Path)


def test_create_makes_an_empty_index_that_reopens_with_its_manifest(
    location: StoreLocation,
) -> None:
    wanted = manifest()
    store = location.create(wanted)
    try:
        assert location.exists()
        assert store.manifest == wanted
        stats = store.stats()
        assert (stats.documents, stats.passages, stats.vectors, stats.skipped) == (0, 0, 0, 0)
        assert stats.healthy
        assert store.document_states() == {} and store.skipped() == []
        assert store.check(deep=True) == []
    finally:
        store.close()
    reopened = location.open(verify=True)
    try:
        assert reopened.manifest == wanted
    finally:
        reopened.close()


def test_create_refuses_a_location_that_already_holds_an_index(location: StoreLocation) -> None:
    """Creating must never replace an index that is there (the caller resets it first)."""
    store = location.create(manifest())
    with store.writer() as w:
        w.add_document(*make_document("kept.txt", ["still here"]))
        w.commit()
    store.close()
    with pytest.raises(AskcorpusError):
        location.create(manifest("another-model")).close()
    reopened = location.open()
    try:
        assert set(reopened.document_states()) == {"kept.txt"}
        assert reopened.manifest.model == "conformance-model"
    finally:
        reopened.close()


def test_the_manifest_set_by_an_update_is_published_with_it(location: StoreLocation) -> None:
    store = location.create(manifest())
    replacement = Manifest(SCHEMA_VERSION, "other-model", 8, {"target_words": 9}, "c", "u")
    with store.writer() as w:
        w.set_manifest(replacement)
        w.commit()
    store.close()
    reopened = location.open()
    try:
        got = reopened.manifest
        assert (got.model, got.dimension, got.chunking, got.created, got.backend) == (
            "other-model",
            8,
            {"target_words": 9},
            "c",
            replacement.backend,
        )
    finally:
        reopened.close()


def test_the_absence_calibration_in_the_manifest_survives_a_reopen(
    location: StoreLocation,
) -> None:
    """search.calibration keeps a corpus's fit in the manifest: every backend must carry it."""
    store = location.create(manifest())
    assert store.manifest.absence_calibration == {}
    fitted = {"probes": 80.0, "intercept": -0.25, "coef.dense_top": 1.5}
    with store.writer() as w:
        w.set_manifest(replace(store.manifest, absence_calibration=fitted))
        w.commit()
    with store.writer() as w:  # a later update keeps it (the publish rewrites "updated")
        w.add_document(*make_document("later.txt", ["a later document"]))
        w.commit()
    store.close()
    reopened = location.open()
    try:
        assert reopened.manifest.absence_calibration == fitted
    finally:
        reopened.close()


def test_an_index_of_another_schema_is_a_mismatch(location: StoreLocation) -> None:
    old = Manifest(SCHEMA_VERSION - 1, "m", 8, {}, "c", "u")
    try:
        location.create(old).close()
    except IndexMismatchError:
        return  # refusing to create it at all is as good
    with pytest.raises(IndexMismatchError):
        location.open()


def test_reset_removes_the_index_and_a_new_one_can_be_created(spec: str) -> None:
    location = locate(spec)
    store = location.create(manifest())
    with store.writer() as w:
        w.add_document(*make_document("gone.txt", ["soon removed"]))
        w.commit()
    store.close()
    with location.lock():
        location.reset()
    assert not locate(spec).exists()
    fresh = locate(spec).create(manifest())
    try:
        assert fresh.document_states() == {}
    finally:
        fresh.close()
