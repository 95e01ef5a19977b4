{{/* Anonymizer: non-secret settings (ConfigMap) and secret-backed environment. */}}

{{- define "llm4gov.anonymizer.config" -}}
{{- $s := .Values.anonymizer.settings -}}
LLM4GOV_ANONYMIZER__SCORE_THRESHOLD: {{ $s.scoreThreshold | quote }}
LLM4GOV_ANONYMIZER__MAX_TEXT_CHARS: {{ $s.maxTextChars | int64 | quote }}
LLM4GOV_ANONYMIZER__MAX_BATCH_ITEMS: {{ $s.maxBatchItems | int64 | quote }}
LLM4GOV_ANONYMIZER__MAX_DOCUMENT_STRINGS: {{ $s.maxDocumentStrings | int64 | quote }}
LLM4GOV_ANONYMIZER__ANONYMIZE_PUBLIC_BODIES: {{ $s.anonymizePublicBodies | quote }}
{{- end -}}

{{/*
Fails when more than one anonymizer pod could run without a shared database: each pod would keep its
own SQLite vault, and a mapping_id (for /v1/deanonymize) would work only on the pod that made it.
*/}}
{{- define "llm4gov.anonymizer.checkReplicas" -}}
{{- $a := .Values.anonymizer -}}
{{- if not (include "llm4gov.anonymizer.usesDatabase" .) -}}
{{- $most := int $a.replicas -}}
{{- if $a.autoscaling.enabled -}}
{{- $most = int $a.autoscaling.maxReplicas -}}
{{- end -}}
{{- if gt $most 1 -}}
{{- fail (printf "anonymizer: %d replicas without a shared database: each pod would keep its own SQLite vault and a mapping_id would work only on the pod that made it. Configure PostgreSQL (database.url / database.existingSecret, or anonymizer.database.url / existingSecret) with anonymizer.database.enabled auto or true, or run a single replica (anonymizer.replicas: 1 with autoscaling.enabled: false, or autoscaling.maxReplicas: 1)" $most) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "llm4gov.anonymizer.env" -}}
{{- include "llm4gov.anonymizer.checkReplicas" . -}}
{{- $ref := include "llm4gov.secretRef" (dict "spec" .Values.anonymizer.secretKey "chartSecret" (include "llm4gov.resourceName" (list . "anonymizer-secret")) "chartKey" "secret-key") -}}
{{- if not $ref -}}
{{- fail "anonymizer.secretKey: set value or existingSecret (the key must be identical on every replica)" -}}
{{- end -}}
- name: LLM4GOV_ANONYMIZER__SECRET_KEY
  valueFrom:
    secretKeyRef:
      {{- $ref | nindent 6 }}
{{- end -}}
