// The chat's own small script (.chainlit/config.toml custom_js), on every page of the UI.
//
// 1. The browser's time zone and whether the screen is narrow, as cookies that the server
//    reads when a chat session starts (chat_ui/browser.py): an account still on UTC takes
//    the browser's zone; a narrow screen starts with the task sheet closed.
// 2. A "Tasks" button in the header that opens and closes the task panel (a sheet on a
//    phone): it asks the server through a window message, which Chainlit forwards.
// 3. A wrong password says so: Chainlit's toast would read "Unauthorized: credentialssignin".
// 4. Starters teach, not act: a click puts the example sentence (the starter's label) in the
//    composer to edit and send, instead of sending it (it would create a real task).
(() => {
  const NARROW = "(max-width: 767px)"; // Chainlit draws the sidebar as a sheet below 768 px
  const YEAR = 365 * 24 * 3600;
  const WRONG_PASSWORD = "Wrong username or password"; // en-US.json words it for the form

  const setCookie = (name, value) => {
    document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=${YEAR}; SameSite=Lax`;
  };

  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) setCookie("todo_browser_tz", zone);
  } catch (_) {
    // no Intl time zone: the account's zone stays as it is
  }
  const narrow = window.matchMedia(NARROW);
  const noteWidth = () => setCookie("todo_narrow", narrow.matches ? "1" : "0");
  noteWidth();
  narrow.addEventListener("change", noteWidth);

  // --- the header's Tasks button ------------------------------------------------------
  const BUTTON_ID = "todo-tasks-toggle";
  const panelOpen = () => !!document.getElementById("task-panel");

  const makeButton = () => {
    const button = document.createElement("button");
    button.id = BUTTON_ID;
    button.type = "button";
    button.className =
      "inline-flex items-center justify-center gap-1 rounded-md px-2 h-9 text-sm font-medium " +
      "hover:bg-accent hover:text-accent-foreground text-muted-foreground";
    button.innerHTML =
      '<svg xmlns="http://www.w3.org/2000/svg" width="18" height="18" viewBox="0 0 24 24" ' +
      'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" ' +
      'stroke-linejoin="round" aria-hidden="true"><rect x="3" y="5" width="6" height="6" rx="1"/>' +
      '<path d="m3 17 2 2 4-4"/><path d="M13 6h8"/><path d="M13 12h8"/><path d="M13 18h8"/></svg>' +
      "<span>Tasks</span>";
    button.addEventListener("click", () => {
      window.postMessage({ kind: "todo-panel", open: !panelOpen() }, window.location.origin);
    });
    return button;
  };

  const placeButton = () => {
    const header = document.getElementById("header");
    const button = document.getElementById(BUTTON_ID);
    if (!header) return;
    const open = panelOpen();
    if (!button) {
      const right = header.lastElementChild;
      if (right) right.prepend(makeButton());
      return;
    }
    button.setAttribute("aria-pressed", open ? "true" : "false");
    button.setAttribute("aria-label", open ? "Hide tasks" : "Show tasks");
  };
  new MutationObserver(placeButton).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });

  // --- starters fill the composer -------------------------------------------------------
  const fillComposer = (text) => {
    const composer = document.getElementById("chat-input");
    if (!composer) return false;
    const proto = Object.getPrototypeOf(composer);
    const setValue = Object.getOwnPropertyDescriptor(proto, "value");
    if (setValue && setValue.set) setValue.set.call(composer, text);
    else composer.value = text;
    composer.dispatchEvent(new Event("input", { bubbles: true }));
    composer.focus();
    return true;
  };
  document.addEventListener(
    "click",
    (event) => {
      const starter = event.target.closest && event.target.closest('button[id^="starter-"]');
      if (!starter) return;
      const text = starter.textContent.trim();
      if (text && fillComposer(text)) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true,
  );

  // --- sign-in wording ------------------------------------------------------------------
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const response = await nativeFetch(input, init);
    if (response.status !== 401) return response;
    const url = new URL(typeof input === "string" ? input : input.url, window.location.href);
    if (!url.pathname.endsWith("/login")) return response;
    const body = await response
      .clone()
      .json()
      .catch(() => null);
    if (!body || body.detail !== "credentialssignin") return response;
    return new Response("{}", {
      status: 401,
      statusText: WRONG_PASSWORD,
      headers: { "content-type": "application/json" },
    });
  };
})();
