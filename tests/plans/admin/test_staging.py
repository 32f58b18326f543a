"""The preview state: files wait in a private folder, reachable only with a signed token by their uploader."""

import os
import time

import pytest
from django.core import signing

from plans.upload import staging


@pytest.fixture(autouse=True)
def staging_dir(settings, tmp_path):
    settings.UPLOAD_STAGING_DIR = tmp_path / "staging"
    return settings.UPLOAD_STAGING_DIR


def stage_one(user_id=7, data=b"plan text"):
    staged = staging.StagedFile(name="a.txt", label="a.txt", sha256=staging.checksum(data), size=len(data))
    return staging.stage(
        user_id=user_id, files=[(staged, data)], refusals=[{"label": "b.exe", "reason": "no"}]
    )


def test_a_batch_round_trips_for_its_uploader(staging_dir):
    token = stage_one()
    batch = staging.load(token, user_id=7)
    assert staging.read(batch, 0) == b"plan text"
    assert batch.refusals == [{"label": "b.exe", "reason": "no"}]
    assert oct(staging_dir.stat().st_mode & 0o777) == "0o700"
    staging.discard(batch)
    with pytest.raises(staging.StagingError, match="已经处理过"):
        staging.load(token, user_id=7)


def test_another_user_or_a_forged_token_is_refused():
    token = stage_one(user_id=7)
    with pytest.raises(staging.StagingError, match="另一位用户"):
        staging.load(token, user_id=8)
    forged = signing.dumps({"batch": "0" * 32, "user": 7}, salt="something else")
    with pytest.raises(staging.StagingError, match="无效"):
        staging.load(forged, user_id=7)
    with pytest.raises(staging.StagingError, match="无效"):
        staging.load(token + "x", user_id=7)


def test_a_file_changed_on_disk_is_refused():
    batch = staging.load(stage_one(), user_id=7)
    (batch.folder / "0.bin").write_bytes(b"evil")
    with pytest.raises(staging.StagingError, match="改动"):
        staging.read(batch, 0)


def test_expired_batches_are_refused_and_purged(settings):
    token = stage_one()
    batch = staging.load(token, user_id=7)
    settings.UPLOAD_STAGING_MAX_AGE = 60
    old = time.time() - 3600
    os.utime(batch.folder, (old, old))
    assert staging.purge_expired() == 1
    assert not batch.folder.exists()
    settings.UPLOAD_STAGING_MAX_AGE = -1
    with pytest.raises(staging.StagingError, match="过期"):
        staging.load(stage_one(), user_id=7)
