"""chat-ui: the Chainlit UI and the agent.

Chainlit reads (and, if missing, writes) its `.chainlit/config.toml` and `.files/` under
CHAINLIT_APP_ROOT as soon as it is imported, else in the current directory: point it at this
package before any module here imports chainlit.
"""

from pathlib import Path

from backend_services.platform.config.chainlit_env import default_chainlit_app_root
from backend_services.platform.deferred_imports import defer_unused_imports

default_chainlit_app_root(Path(__file__).resolve().parent)

# before chainlit is imported too: its unused Literal AI client would load the Traceloop SDK
# (see backend_services/platform/deferred_imports.py)
defer_unused_imports()
