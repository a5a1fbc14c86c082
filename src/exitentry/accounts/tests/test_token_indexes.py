"""The token table carries only the indexes its look-ups use."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from exitentry.accounts.models import ApiToken
from exitentry.accounts.tests.factories import UserFactory


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_key_hash_has_one_unique_index_and_no_pattern_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename = 'accounts_apitoken' ORDER BY indexname"
        )
        definitions = dict(cursor.fetchall())

    on_key_hash = {name: sql for name, sql in definitions.items() if "(key_hash" in sql}
    assert list(on_key_hash) == ["accounts_apitoken_key_hash_unique"]
    assert "UNIQUE" in on_key_hash["accounts_apitoken_key_hash_unique"]
    assert not any("pattern_ops" in sql for sql in definitions.values())


@pytest.mark.django_db
def test_two_tokens_cannot_share_a_hash():
    user = UserFactory()
    now = timezone.now()
    ApiToken.objects.create(user=user, key_hash="a" * 64, created_at=now, expires_at=now)

    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(user=user, key_hash="a" * 64, created_at=now, expires_at=now)
