"""chat-ui: the Chainlit UI and the agent.

Chainlit reads (and, if missing, writes) its `.chainlit/config.toml` and `.files/` under
CHAINLIT_APP_ROOT as soon as it is imported, else in the current directory: point it at this
package before any module here imports chainlit.
"""

import os
from pathlib import Path

os.environ.setdefault("CHAINLIT_APP_ROOT", str(Path(__file__).resolve().parent))

# before chainlit is imported too: its unused Literal AI client would load the Traceloop SDK
# (see backend_services/platform/deferred_imports.py)
from backend_services.platform.deferred_imports import defer_unused_imports

defer_unused_imports()
