"""Settings for the test suite: the same as production code paths, with tasks run inline."""

import os

os.environ["EXITENTRY_ENV"] = "test"

from exitentry.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never outside tests
