"""The product's settings, one pydantic-settings model per concern (concerns.py), composed
into `platform.settings.Settings` for `create_app(settings, runtime)`. Environment variables
are read by name only here and in platform/settings.py (tests/unit/test_env_reads.py).
Kept import-free: chat_ui/__init__.py imports chainlit_env before anything heavy."""
