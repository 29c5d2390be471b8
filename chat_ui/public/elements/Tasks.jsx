import { useEffect, useState } from "react";
import { Checkbox } from "@/components/ui/checkbox";
import { Button } from "@/components/ui/button";
import { Bell, BellRing, Clock, Repeat, Flag, Tag, List, Hourglass, Timer } from "lucide-react";

// The live task panel (chat_ui/panel.py builds its content, already worded in the user's zone).
// Fresh content arrives as a window message from the server whenever a task changes; checking
// a box completes the task through the same task-service call the chat uses (action
// "panel_complete"); reminder cards answer with the chat's own actions.

const KIND = "todo-task-panel";
const PRIORITY = { high: "text-red-600", medium: "text-amber-600", low: "text-sky-600" };
const SNOOZES = [
  ["10m", "10 min"],
  ["1h", "1 h"],
  ["tomorrow", "until tomorrow"],
];

// Content can arrive out of order, and the element is unmounted and drawn again with the
// props it was first sent (the sidebar re-opened when a chat becomes a thread): a push that
// lands in between would be lost. So one listener lives as long as the page and keeps the
// newest content by its `version` (when the server began reading it); the element shows that.
const newest = (held, incoming) =>
  incoming && incoming.kind === KIND && (!held || (incoming.version || 0) >= (held.version || 0))
    ? incoming
    : held;

const keepNewest = (incoming) => {
  const kept = newest(window.__todoTaskPanel, incoming);
  if (kept !== window.__todoTaskPanel) {
    window.__todoTaskPanel = kept;
    window.dispatchEvent(new Event(KIND));
  }
};

if (!window.__todoTaskPanelListening) {
  window.__todoTaskPanelListening = true;
  window.addEventListener("message", (event) => {
    if (event.source !== window || event.origin !== window.location.origin) return;
    keepNewest(event.data);
  });
}

export default function Tasks() {
  const [data, setData] = useState(() => {
    keepNewest(props);
    return window.__todoTaskPanel;
  });
  const [tag, setTag] = useState(null);
  const [busy, setBusy] = useState({});

  useEffect(() => {
    const show = () => setData(window.__todoTaskPanel);
    window.addEventListener(KIND, show);
    keepNewest(props);
    show();
    return () => window.removeEventListener(KIND, show);
  }, [props]);

  const act = async (key, name, payload) => {
    setBusy((b) => ({ ...b, [key]: true }));
    try {
      const result = await callAction({ name, payload });
      keepNewest(result && result.response);
    } finally {
      setBusy((b) => ({ ...b, [key]: false }));
    }
  };

  const shown = (task) => !tag || task.tags.includes(tag);
  const total = data.sections.reduce((n, s) => n + s.tasks.length, 0);

  return (
    <div id="task-panel" className="flex flex-col gap-4 text-sm w-full">
      {data.alerts.map((alert) => (
        <div
          key={alert.notification_id}
          className="reminder-card rounded-lg border border-primary/40 bg-primary/10 p-3 flex flex-col gap-2"
          data-notification-id={alert.notification_id}
        >
          <div className="flex items-center gap-2 font-medium">
            <BellRing className="h-4 w-4 text-primary shrink-0" />
            <span>{alert.text}</span>
          </div>
          <div className="flex flex-wrap gap-1">
            <Button
              size="sm"
              disabled={!!busy[alert.notification_id]}
              onClick={() => act(alert.notification_id, "mark_done", alert)}
            >
              Mark done
            </Button>
            {SNOOZES.map(([value, label]) => (
              <Button
                key={value}
                size="sm"
                variant="outline"
                disabled={!!busy[alert.notification_id]}
                onClick={() => act(alert.notification_id, "snooze", { ...alert, snooze: value })}
              >
                Snooze {label}
              </Button>
            ))}
          </div>
        </div>
      ))}

      {data.tags.length > 0 && (
        <div className="flex flex-wrap gap-1" aria-label="Filter by tag">
          <Button size="sm" variant={tag ? "ghost" : "secondary"} onClick={() => setTag(null)}>
            All
          </Button>
          {data.tags.map((t) => (
            <Button
              key={t}
              size="sm"
              variant={tag === t ? "secondary" : "ghost"}
              className="tag-filter"
              onClick={() => setTag(tag === t ? null : t)}
            >
              #{t}
            </Button>
          ))}
        </div>
      )}

      {total === 0 && (
        <p className="text-muted-foreground">
          No open tasks. Tell me one, like “remind me to call mom tomorrow at 5pm”.
        </p>
      )}

      {data.sections
        .filter((s) => s.tasks.some(shown))
        .map((s) => (
          <section key={s.key} data-section={s.key} className="flex flex-col gap-1">
            <h3
              className={
                "text-xs font-semibold uppercase tracking-wide " +
                (s.key === "overdue" ? "text-red-600" : "text-muted-foreground")
              }
            >
              {s.title} · {s.tasks.filter(shown).length}
            </h3>
            {s.tasks.filter(shown).map((task) => (
              <div
                key={task.id}
                data-task-id={task.id}
                className={
                  "task-row flex items-start gap-2 rounded-md px-2 py-1.5 hover:bg-accent" +
                  (task.ringing ? " bg-primary/10" : "")
                }
              >
                <Checkbox
                  className="mt-0.5 shrink-0"
                  aria-label={"Complete " + task.title}
                  checked={!!busy[task.id]}
                  disabled={!!busy[task.id]}
                  onCheckedChange={() => act(task.id, "panel_complete", { task_id: task.id })}
                />
                <div className="flex flex-col min-w-0 flex-1">
                  <span className="task-title break-words">
                    {task.priority !== "none" && (
                      <Flag
                        className={"inline h-3.5 w-3.5 mr-1 " + PRIORITY[task.priority]}
                        aria-label={task.priority + " priority"}
                      />
                    )}
                    {task.title}
                  </span>
                  <span
                    className="flex flex-wrap items-center text-xs text-muted-foreground"
                    style={{ columnGap: "0.75rem", rowGap: "0.125rem" }}
                  >
                    {task.when && (
                      <span className="task-when inline-flex items-center gap-1">
                        <Clock className="h-3 w-3" />
                        {task.when}
                      </span>
                    )}
                    {task.deadline && (
                      <span
                        className={
                          "task-deadline inline-flex items-center gap-1" +
                          (task.deadline_missed ? " text-red-600" : "")
                        }
                        title={"Deadline: " + task.deadline}
                      >
                        <Hourglass className="h-3 w-3" />
                        {task.deadline}
                      </span>
                    )}
                    {task.duration && (
                      <span className="task-duration inline-flex items-center gap-1" title="Takes">
                        <Timer className="h-3 w-3" />
                        {task.duration}
                      </span>
                    )}
                    {(task.reminder || task.ringing) && (
                      <span
                        className="task-reminder inline-flex items-center gap-1"
                        title={task.ringing ? "Reminder rang" : "Reminder " + task.reminder}
                      >
                        {task.ringing ? (
                          <BellRing className="h-3 w-3 text-primary" />
                        ) : (
                          <Bell className="h-3 w-3" />
                        )}
                        {task.reminder}
                      </span>
                    )}
                    {task.repeats && (
                      <span className="task-repeats inline-flex items-center gap-1">
                        <Repeat className="h-3 w-3" />
                        {task.repeats}
                      </span>
                    )}
                    {task.list && (
                      <span className="task-list inline-flex items-center gap-1">
                        <List className="h-3 w-3" />
                        {task.list}
                      </span>
                    )}
                    {task.tags.map((t) => (
                      <span key={t} className="task-tag inline-flex items-center gap-0.5">
                        <Tag className="h-3 w-3" />
                        {t}
                      </span>
                    ))}
                  </span>
                </div>
              </div>
            ))}
          </section>
        ))}
      <p className="text-xs text-muted-foreground">Times in {data.timezone}</p>
    </div>
  );
}
