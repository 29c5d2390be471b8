{{/*
Names, labels and the facts shared by several templates.
*/}}

{{- define "todo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "todo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels common to every object. */}}
{{- define "todo.labels" -}}
helm.sh/chart: {{ include "todo.chart" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: todo-assistant
{{- end -}}

{{/* Selector labels of one service; call with (dict "root" $ "app" "task-service"). */}}
{{- define "todo.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .app }}
{{- end -}}

{{/* Kubernetes object name of one service's Deployment/Service/...; (dict "root" $ "app" ...). */}}
{{- define "todo.appName" -}}
{{- printf "%s-%s" (include "todo.fullname" .root) .app | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "todo.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The app ids, the state store's apps and every component's scopes: _topology.tpl,
rendered from launch/topology.py. */}}

{{/*
Kubernetes Secrets the Kafka component references (names, space separated),
depending on kafka.authType / kafka.tls.
*/}}
{{- define "todo.kafkaSecretNames" -}}
{{- $k := .Values.kafka -}}
{{- $names := list -}}
{{- if and (ne $k.authType "none") $k.tls.enabled $k.tls.caSecret.name -}}
{{- $names = append $names $k.tls.caSecret.name -}}
{{- end -}}
{{- if eq $k.authType "password" -}}
{{- $names = append $names $k.sasl.passwordSecret.name -}}
{{- end -}}
{{- if eq $k.authType "mtls" -}}
{{- $names = concat $names (list $k.mtls.clientCertSecret.name $k.mtls.clientKeySecret.name) -}}
{{- end -}}
{{- $names | uniq | join " " -}}
{{- end -}}

{{/*
Secrets one app's sidecar may read through the kubernetes secret store:
what the app reads itself (database-url, auth-signing-key), the Kafka
credentials (pubsub is scoped to every app), and pg-connection-string for the
state store's apps. Call with (dict "root" $ "app" "chat-ui").
*/}}
{{- define "todo.secretNamesFor" -}}
{{- $names := list "database-url" "auth-signing-key" -}}
{{- if has .app (splitList " " (include "todo.statestoreApps" .root)) -}}
{{- $names = append $names "pg-connection-string" -}}
{{- end -}}
{{- range (splitList " " (include "todo.kafkaSecretNames" .root)) -}}
{{- if . -}}
{{- $names = append $names . -}}
{{- end -}}
{{- end -}}
{{- $names | uniq | join " " -}}
{{- end -}}

{{/* Fail early on values that cannot work. */}}
{{- define "todo.validate" -}}
{{- $auth := .Values.kafka.authType -}}
{{- if not (has $auth (list "none" "certificate" "password" "mtls")) -}}
{{- fail (printf "kafka.authType must be none, certificate, password or mtls (got %q)" $auth) -}}
{{- end -}}
{{- if and (has $auth (list "certificate" "mtls")) (not .Values.kafka.tls.enabled) -}}
{{- fail (printf "kafka.authType=%s needs kafka.tls.enabled=true" $auth) -}}
{{- end -}}
{{- if and (eq $auth "certificate") (not .Values.kafka.tls.caSecret.name) -}}
{{- fail "kafka.authType=certificate needs kafka.tls.caSecret.name" -}}
{{- end -}}
{{- if not .Values.kafka.brokers -}}
{{- fail "kafka.brokers is required" -}}
{{- end -}}
{{- range $app := splitList " " (include "todo.appIds" .) -}}
{{- if not (hasKey $.Values.services $app) -}}
{{- fail (printf "services.%s is missing from the values" $app) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the app API token (key `token`, as dapr.io/app-token-secret expects). */}}
{{- define "todo.appTokenSecret" -}}
{{- .Values.appApiToken.existingSecret | default (printf "%s-app-api-token" (include "todo.fullname" .)) -}}
{{- end }}

{{/*
The product's external address (TODO_PUBLIC_URL): .Values.publicUrl when set, else the
Ingress host (https when the Ingress has TLS).
*/}}
{{- define "todo.publicUrl" -}}
{{- if .Values.publicUrl -}}
{{- .Values.publicUrl -}}
{{- else -}}
{{- printf "%s://%s" (ternary "https" "http" (gt (len .Values.ingress.tls) 0)) .Values.ingress.host -}}
{{- end -}}
{{- end -}}
