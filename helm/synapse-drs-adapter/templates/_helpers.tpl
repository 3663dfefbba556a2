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
cacheKeySalt.value).
*/}}
{{- define "synapse-drs-adapter.secretName" -}}
{{- include "synapse-drs-adapter.fullname" . }}
{{- end }}

{{/*
Whether the chart must create its Secret: some secret value is given inline and not
taken from an existing Secret.
*/}}
{{- define "synapse-drs-adapter.createSecret" -}}
{{- if or (and .Values.metadataToken.value (not .Values.metadataToken.existingSecret)) (and .Values.cacheKeySalt.value (not .Values.cacheKeySalt.existingSecret)) -}}
true
{{- end }}
{{- end }}

{{/*
The container image.
*/}}
{{- define "synapse-drs-adapter.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
