{{/* Telemetry settings of every app container (backend_services/platform/settings.py). */}}
{{- define "todo.telemetryEnv" -}}
{{- $o := .Values.observability -}}
- name: TODO_LOG_LEVEL
  value: {{ $o.logLevel | quote }}
- name: TODO_LOG_FORMAT
  value: {{ $o.logFormat | quote }}
{{- with $o.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: TODO_TRACE_SAMPLING
  value: {{ $o.tracing.sampling | quote }}
{{- end }}
{{- end -}}
