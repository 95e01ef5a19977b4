{{/* Anonymizer: non-secret settings (ConfigMap) and secret-backed environment. */}}

{{- define "llm4gov.anonymizer.config" -}}
{{- $s := .Values.anonymizer.settings -}}
LLM4GOV_ANONYMIZER__SCORE_THRESHOLD: {{ $s.scoreThreshold | quote }}
LLM4GOV_ANONYMIZER__MAX_TEXT_CHARS: {{ $s.maxTextChars | int64 | quote }}
LLM4GOV_ANONYMIZER__MAX_BATCH_ITEMS: {{ $s.maxBatchItems | int64 | quote }}
LLM4GOV_ANONYMIZER__MAX_DOCUMENT_STRINGS: {{ $s.maxDocumentStrings | int64 | quote }}
LLM4GOV_ANONYMIZER__ANONYMIZE_PUBLIC_BODIES: {{ $s.anonymizePublicBodies | quote }}
{{- end -}}

{{- define "llm4gov.anonymizer.env" -}}
{{- $ref := include "llm4gov.secretRef" (dict "spec" .Values.anonymizer.secretKey "chartSecret" (include "llm4gov.resourceName" (list . "anonymizer-secret")) "chartKey" "secret-key") -}}
{{- if not $ref -}}
{{- fail "anonymizer.secretKey: set value or existingSecret (the key must be identical on every replica)" -}}
{{- end -}}
- name: LLM4GOV_ANONYMIZER__SECRET_KEY
  valueFrom:
    secretKeyRef:
      {{- $ref | nindent 6 }}
{{- end -}}
