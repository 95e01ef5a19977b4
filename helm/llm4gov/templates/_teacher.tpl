{{/* Teacher: non-secret settings (ConfigMap) and secret-backed environment. */}}

{{- define "llm4gov.teacher.config" -}}
{{- $s := .Values.teacher.settings -}}
LLM4GOV_TEACHER__ANONYMIZER_URL: {{ printf "http://%s:8080" (include "llm4gov.resourceName" (list . "anonymizer")) | quote }}
LLM4GOV_TEACHER__ANONYMIZER_TIMEOUT_S: {{ $s.anonymizerTimeoutSeconds | quote }}
LLM4GOV_TEACHER__WORKER_ENABLED: {{ $s.workerEnabled | quote }}
LLM4GOV_TEACHER__LEASE_S: {{ $s.leaseSeconds | quote }}
LLM4GOV_TEACHER__MAX_ITEMS_PER_JOB: {{ $s.maxItemsPerJob | int64 | quote }}
LLM4GOV_TEACHER__ENDPOINTS: {{ toJson $s.endpoints | quote }}
{{- end -}}

{{- define "llm4gov.teacher.env" -}}
{{- $secret := include "llm4gov.resourceName" (list . "teacher-secret") -}}
{{- $key := include "llm4gov.secretRef" (dict "spec" .Values.teacher.secretKey "chartSecret" $secret "chartKey" "secret-key") -}}
{{- if not $key -}}
{{- fail "teacher.secretKey: set value or existingSecret (the key must be identical on every replica)" -}}
{{- end -}}
- name: LLM4GOV_TEACHER__WORKER_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: LLM4GOV_TEACHER__SECRET_KEY
  valueFrom:
    secretKeyRef:
      {{- $key | nindent 6 }}
{{- with include "llm4gov.secretRef" (dict "spec" .Values.teacher.anonymizerApiKey "chartSecret" $secret "chartKey" "anonymizer-api-key") }}
- name: LLM4GOV_TEACHER__ANONYMIZER_API_KEY
  valueFrom:
    secretKeyRef:
      {{- . | nindent 6 }}
{{- end }}
{{- with include "llm4gov.secretRef" (dict "spec" .Values.teacher.llmApiKey "chartSecret" $secret "chartKey" "llm-api-key") }}
- name: {{ $.Values.teacher.llmApiKey.env }}
  valueFrom:
    secretKeyRef:
      {{- . | nindent 6 }}
{{- end }}
{{- end -}}

{{/*
Hosts of the teacher endpoints by port (JSON {"443": ["api.openai.com"], ...}), from each base_url:
the URL's port, else 443 for https and 80 for http. An address instead of a host name cannot go into a
toFQDNs rule: list it in llmEgress.cidrs instead.
*/}}
{{- define "llm4gov.teacher.fqdnTargets" -}}
{{- $byPort := dict -}}
{{- range $name, $endpoint := .Values.teacher.settings.endpoints -}}
{{- $url := urlParse $endpoint.base_url -}}
{{- $hostPort := lower $url.host -}}
{{- if or (hasPrefix "[" $hostPort) (not $hostPort) -}}
{{- fail (printf "teacher.settings.endpoints.%s: base_url %q has no host name for teacher.networkPolicy.llmEgress.fqdn; list its address in llmEgress.cidrs" $name $endpoint.base_url) -}}
{{- end -}}
{{- $parts := splitList ":" $hostPort -}}
{{- $host := trimSuffix "." (first $parts) -}}
{{- $port := ternary "443" "80" (eq $url.scheme "https") -}}
{{- if gt (len $parts) 1 -}}
{{- $port = last $parts -}}
{{- end -}}
{{- if regexMatch "^[0-9.]+$" $host -}}
{{- fail (printf "teacher.settings.endpoints.%s: base_url %q names an IP address, which a toFQDNs rule cannot match; list it in teacher.networkPolicy.llmEgress.cidrs" $name $endpoint.base_url) -}}
{{- end -}}
{{- $hosts := get $byPort $port | default list -}}
{{- $_ := set $byPort $port (append $hosts $host | uniq | sortAlpha) -}}
{{- end -}}
{{- toJson $byPort -}}
{{- end -}}

