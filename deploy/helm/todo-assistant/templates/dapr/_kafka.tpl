{{/*
Auth/TLS metadata of both Kafka components. Same keys as components/pubsub.yaml
plus, depending on kafka.authType, the TLS/SASL keys (secrets by secretKeyRef
through the `secretstore` component).
*/}}
{{- define "todo.kafkaAuthMetadata" -}}
{{- $k := .Values.kafka -}}
- name: authType
  value: {{ $k.authType | quote }}
{{- if ne $k.authType "none" }}
- name: disableTls
  value: {{ not $k.tls.enabled | quote }}
{{- if $k.tls.enabled }}
- name: skipVerify
  value: {{ $k.tls.skipVerify | quote }}
{{- if $k.tls.caSecret.name }}
- name: caCert
  secretKeyRef:
    name: {{ $k.tls.caSecret.name | quote }}
    key: {{ $k.tls.caSecret.key | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if eq $k.authType "password" }}
- name: saslUsername
  value: {{ $k.sasl.username | quote }}
- name: saslPassword
  secretKeyRef:
    name: {{ $k.sasl.passwordSecret.name | quote }}
    key: {{ $k.sasl.passwordSecret.key | quote }}
- name: saslMechanism
  value: {{ $k.sasl.mechanism | quote }}
{{- end }}
{{- if eq $k.authType "mtls" }}
- name: clientCert
  secretKeyRef:
    name: {{ $k.mtls.clientCertSecret.name | quote }}
    key: {{ $k.mtls.clientCertSecret.key | quote }}
- name: clientKey
  secretKeyRef:
    name: {{ $k.mtls.clientKeySecret.name | quote }}
    key: {{ $k.mtls.clientKeySecret.key | quote }}
{{- end }}
{{- end -}}

{{- define "todo.kafkaCommonMetadata" -}}
{{- $k := .Values.kafka -}}
- name: brokers
  value: {{ $k.brokers | quote }}
{{ include "todo.kafkaAuthMetadata" . }}
- name: version
  value: {{ $k.version | quote }}
- name: backOffPolicy
  value: {{ $k.backOff.policy | quote }}
- name: backOffDuration
  value: {{ $k.backOff.duration | quote }}
- name: backOffMaxRetries
  value: {{ $k.backOff.maxRetries | quote }}
{{- end -}}
