"""Local "real stack" launcher: PostgreSQL, Kafka, Dapr scheduler and one daprd
per service, all as plain processes under one stack directory.

Entry point: :func:`devtools.stack.commands.main` (``todo stack ...``).
"""
