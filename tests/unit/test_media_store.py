"""The content-addressed media store shared by photos and snapshots."""

from __future__ import annotations

import hashlib

import pytest

from portsight.storage import media_path, read_media, store_media


def test_store_media_writes_under_hash_prefix_and_is_idempotent(tmp_path):
    data = b"\xff\xd8 a photo \xff\xd9"
    sha, path = store_media(tmp_path, data, ".jpg")
    assert sha == hashlib.sha256(data).hexdigest()
    assert path == tmp_path / sha[:2] / f"{sha}.jpg"
    assert path.read_bytes() == data
    assert store_media(tmp_path, data, "jpeg") == (sha, path)
    assert read_media(tmp_path, sha, ".jpg") == data
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{sha}.jpg"]  # no temp files left


def test_store_media_refuses_empty_data_unknown_suffix_and_bad_hash(tmp_path):
    with pytest.raises(ValueError):
        store_media(tmp_path, b"", ".jpg")
    with pytest.raises(ValueError):
        store_media(tmp_path, b"x", ".exe")
    with pytest.raises(ValueError):
        media_path(tmp_path, "../../etc/passwd", ".jpg")
