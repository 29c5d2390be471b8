# before any module here imports httpx (see platform/deferred_imports.py)
from backend_services.platform.deferred_imports import defer_unused_imports

defer_unused_imports()
