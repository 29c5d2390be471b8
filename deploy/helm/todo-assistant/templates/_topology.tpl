{{/*
GENERATED from launch/topology.py by `make topology` (python -m devtools.topology):
do not edit; tests/deploy/test_topology_render.py fails when this file drifts.
*/}}

{{/* The app ids, in start order. */}}
{{- define "todo.appIds" -}}
task-service reminder-service recurring-worker notification-service audit-service chat-ui
{{- end -}}

{{/* App ids that load the state store. */}}
{{- define "todo.statestoreApps" -}}
reminder-service chat-ui
{{- end -}}

{{/* The Resiliency's scopes (every sidecar). */}}
{{- define "todo.scopes.resiliency" -}}
scopes:
  - task-service
  - reminder-service
  - recurring-worker
  - notification-service
  - audit-service
  - chat-ui
{{- end -}}

{{/* Component pubsub (pubsub.kafka). */}}
{{- define "todo.scopes.pubsub" -}}
scopes:
  - task-service
  - reminder-service
  - recurring-worker
  - notification-service
  - audit-service
  - chat-ui
{{- end -}}

{{/* Component pubsub-broadcast (pubsub.kafka). */}}
{{- define "todo.scopes.pubsub-broadcast" -}}
scopes:
  - chat-ui
  - notification-service
  - audit-service
{{- end -}}

{{/* Component statestore (state.postgresql). */}}
{{- define "todo.scopes.statestore" -}}
scopes:
  - chat-ui
  - reminder-service
{{- end -}}

{{/* Component secretstore (secretstores.kubernetes). */}}
{{- define "todo.scopes.secretstore" -}}
scopes:
  - task-service
  - reminder-service
  - recurring-worker
  - notification-service
  - audit-service
  - chat-ui
{{- end -}}

{{/* Component reminder-sweep (bindings.cron). */}}
{{- define "todo.scopes.reminder-sweep" -}}
scopes:
  - reminder-service
{{- end -}}
