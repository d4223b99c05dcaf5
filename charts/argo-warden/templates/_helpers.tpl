{{/* Names, labels and the TLS material shared by the templates. */}}

{{- define "argo-warden.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "argo-warden.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "argo-warden.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "argo-warden.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "argo-warden.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "argo-warden.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "argo-warden.selectorLabels" -}}
app.kubernetes.io/name: {{ include "argo-warden.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "argo-warden.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "argo-warden.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "argo-warden.tlsSecretName" -}}
{{- if eq .Values.tls.mode "secret" -}}
{{- required "tls.secretName is required when tls.mode is secret" .Values.tls.secretName -}}
{{- else -}}
{{- printf "%s-tls" (include "argo-warden.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The DNS names the API server uses for the Service. */}}
{{- define "argo-warden.serviceNames" -}}
{{- $svc := include "argo-warden.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) | toJson -}}
{{- end -}}

{{/* Usernames the webhooks skip: the Argo controller rewrites its own objects constantly. */}}
{{- define "argo-warden.matchConditions" -}}
{{- $users := list -}}
{{- range .Values.webhook.skipServiceAccounts -}}
{{- $users = append $users (printf "'system:serviceaccount:%s:%s'" .namespace .name) -}}
{{- end -}}
{{- if $users }}
matchConditions:
  - name: skip-argo-controller
    expression: "!(request.userInfo.username in [{{ join ", " $users }}])"
{{- end -}}
{{- end -}}

{{/*
The policy file (.argo-warden.yaml format) from values.policy; an empty unsuppressible list means the default.
*/}}
{{- define "argo-warden.policy" -}}
{{- $p := .Values.policy -}}
{{- with $p.select }}
select: {{ toJson . }}
{{- end }}
{{- with $p.ignore }}
ignore: {{ toJson . }}
{{- end }}
{{- with $p.severity }}
severity: {{ toJson . }}
{{- end }}
{{- with $p.rules }}
policies: {{ toJson . }}
{{- end }}
admission:
  enforcement: {{ $p.enforcement | quote }}
  {{- with $p.unsuppressible }}
  unsuppressible: {{ toJson . }}
  {{- end }}
{{- end }}
