{{/*
Expand the name of the chart.
*/}}
{{- define "synapse-drs-adapter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "synapse-drs-adapter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "synapse-drs-adapter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "synapse-drs-adapter.labels" -}}
helm.sh/chart: {{ include "synapse-drs-adapter.chart" . }}
{{ include "synapse-drs-adapter.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "synapse-drs-adapter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "synapse-drs-adapter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "synapse-drs-adapter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "synapse-drs-adapter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The Secret the chart creates for secret values given inline (metadataToken.value,
cacheUrl.value, cacheKeySalt.value).
*/}}
{{- define "synapse-drs-adapter.secretName" -}}
{{- include "synapse-drs-adapter.fullname" . }}
{{- end }}

{{/*
Whether a secret setting (a dict of value, existingSecret, key) is given inline, so that the
chart's own Secret holds it.
*/}}
{{- define "synapse-drs-adapter.inline" -}}
{{- if and .value (not .existingSecret) -}}
true
{{- end }}
{{- end }}

{{/*
Whether the chart must create its Secret: some secret value is given inline and not
taken from an existing Secret.
*/}}
{{- define "synapse-drs-adapter.createSecret" -}}
{{- $v := .Values -}}
{{- if or (include "synapse-drs-adapter.inline" $v.metadataToken) (include "synapse-drs-adapter.inline" $v.cacheUrl) (include "synapse-drs-adapter.inline" $v.cacheKeySalt) -}}
true
{{- end }}
{{- end }}

{{/*
Whether a shared cache is configured (inline or from an existing Secret).
*/}}
{{- define "synapse-drs-adapter.sharedCache" -}}
{{- if or .Values.cacheUrl.value .Values.cacheUrl.existingSecret -}}
true
{{- end }}
{{- end }}

{{/*
Whether the chart draws the release's cache-key salt itself: a shared cache, and no salt given.
*/}}
{{- define "synapse-drs-adapter.generateSalt" -}}
{{- if and (include "synapse-drs-adapter.sharedCache" .) (not (or .Values.cacheKeySalt.value .Values.cacheKeySalt.existingSecret)) -}}
true
{{- end }}
{{- end }}

{{/*
The Secret that keeps the salt the chart draws: apart from the chart's other Secret, so that
it is made once and never changes with the values.
*/}}
{{- define "synapse-drs-adapter.saltSecretName" -}}
{{- printf "%s-cache-key-salt" (include "synapse-drs-adapter.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The Secret and key the pod reads a secret setting from. Arguments: (list $ <setting> <generated Secret or "">).
*/}}
{{- define "synapse-drs-adapter.secretRef" -}}
{{- $root := index . 0 -}}
{{- $setting := index . 1 -}}
{{- $generated := index . 2 -}}
name: {{ $setting.existingSecret | default (ternary (include "synapse-drs-adapter.secretName" $root) $generated (ne $setting.value "")) }}
key: {{ $setting.key }}
{{- end }}

{{/*
The container image.
*/}}
{{- define "synapse-drs-adapter.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
