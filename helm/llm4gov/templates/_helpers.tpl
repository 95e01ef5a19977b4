{{/*
Names, labels and shared building blocks.

Service components are listed once in "llm4gov.apiComponents"; the per-kind templates
(deployment.yaml, service.yaml, ...) range over that list. A service joins by adding its name
there, a values block, and "llm4gov.<name>.config" / "llm4gov.<name>.env" definitions (see
_anonymizer.tpl, _teacher.tpl, _trainer.tpl, _inference.tpl).
*/}}

{{- define "llm4gov.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "llm4gov.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<suffix>", at most 63 characters. Call with (list $root "suffix"). */}}
{{- define "llm4gov.resourceName" -}}
{{- $root := index . 0 -}}
{{- $suffix := index . 1 -}}
{{- printf "%s-%s" (include "llm4gov.fullname" $root | trunc (int (sub 62 (len $suffix))) | trimSuffix "-") $suffix -}}
{{- end -}}

{{- define "llm4gov.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select every pod of the release (the default-deny NetworkPolicy uses them). */}}
{{- define "llm4gov.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "llm4gov.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector labels of one component. Call with (dict "root" $ "component" "anonymizer"). */}}
{{- define "llm4gov.selectorLabels" -}}
{{ include "llm4gov.releaseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Full labels of one component's resources. Call with (dict "root" $ "component" "anonymizer"). */}}
{{- define "llm4gov.labels" -}}
helm.sh/chart: {{ include "llm4gov.chart" .root }}
{{ include "llm4gov.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: llm4gov
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The enabled API services, as a JSON list. */}}
{{- define "llm4gov.apiComponents" -}}
{{- $out := list -}}
{{- range $component := list "anonymizer" "teacher" "trainer" "inference" -}}
{{- if (index $.Values $component).enabled -}}
{{- $out = append $out $component -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Components that call the anonymizer: the teacher, and inference (for `anonymize: true` requests). */}}
{{- define "llm4gov.anonymizerClients" -}}
{{- $out := list -}}
{{- range $component := list "teacher" "inference" -}}
{{- if (index $.Values $component).enabled -}}
{{- $out = append $out $component -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
"true" when the component uses the job-store database. Call with (dict "root" $ "component" c).
The teacher, the trainer and inference always do (inference: the Files API's rows and batch
classification jobs; it still reads the adapter registry from object storage); the anonymizer when
its vault is shared (llm4gov.anonymizer.usesDatabase).
*/}}
{{- define "llm4gov.usesDatabase" -}}
{{- if eq .component "anonymizer" -}}
{{- include "llm4gov.anonymizer.usesDatabase" .root -}}
{{- else -}}
true
{{- end -}}
{{- end -}}

{{/*
"true" when the anonymizer keeps its vault in a shared database (PostgreSQL): anonymizer.database.enabled
true, or "auto" while a database is configured (the bundled one, anonymizer.database.url/existingSecret,
database.url/existingSecret). Otherwise it uses a SQLite file in its own emptyDir.
*/}}
{{- define "llm4gov.anonymizer.usesDatabase" -}}
{{- $d := .Values.anonymizer.database -}}
{{- $mode := toString $d.enabled -}}
{{- if eq $mode "true" -}}
true
{{- else if eq $mode "auto" -}}
{{- if or .Values.bundled.postgresql.enabled $d.url $d.existingSecret .Values.database.url .Values.database.existingSecret }}true{{ end -}}
{{- end -}}
{{- end -}}

{{/* "true" when the component uses object storage. */}}
{{- define "llm4gov.usesStorage" -}}
{{- if ne .component "anonymizer" }}true{{ end -}}
{{- end -}}

{{/*
"true" when the component talks to the Kubernetes API: the trainer with executor "kubernetes" only
(it creates the training Jobs). Only that pod gets a service-account token, and only its Role.
*/}}
{{- define "llm4gov.usesKubernetesApi" -}}
{{- if and (eq .component "trainer") (eq .root.Values.trainer.settings.executor "kubernetes") }}true{{ end -}}
{{- end -}}

{{/* "true" when the component reaches outside the cluster: the teacher only. */}}
{{- define "llm4gov.usesExternalLLM" -}}
{{- if eq .component "teacher" }}true{{ end -}}
{{- end -}}

{{/* Image reference: repository:tag, or repository@digest when a digest is pinned. */}}
{{- define "llm4gov.image" -}}
{{- if .digest -}}
{{- printf "%s@%s" .repository .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}

{{- define "llm4gov.serviceAccountName" -}}
{{- $v := index .root.Values .component -}}
{{- if $v.serviceAccount.create -}}
{{- default (include "llm4gov.resourceName" (list .root .component)) $v.serviceAccount.name -}}
{{- else -}}
{{- default "default" $v.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Pod-level securityContext. Call with (dict "user" N "group" N "fsGroup" N). */}}
{{- define "llm4gov.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .user }}
runAsGroup: {{ .group }}
fsGroup: {{ .fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level securityContext: not configurable on purpose. */}}
{{- define "llm4gov.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
secretKeyRef body (name + key) for a secret value with existingSecret support, or nothing.
A non-empty inline value wins (the chart creates <chartSecret>), otherwise existingSecret.
Call with (dict "spec" $spec "chartSecret" "name" "chartKey" "key").
*/}}
{{- define "llm4gov.secretRef" -}}
{{- if .spec.value -}}
name: {{ .chartSecret }}
key: {{ .chartKey }}
{{- else if .spec.existingSecret -}}
name: {{ .spec.existingSecret }}
key: {{ .spec.existingSecretKey }}
{{- end -}}
{{- end -}}

{{/* The bundled (evaluation) PostgreSQL's URL, with its password: Secret data only. */}}
{{- define "llm4gov.bundledPostgresUrl" -}}
{{- $pg := .Values.bundled.postgresql -}}
{{- printf "postgresql://%s:%s@%s:5432/%s" $pg.username $pg.password (include "llm4gov.resourceName" (list . "postgresql")) $pg.database -}}
{{- end -}}

{{/*
Where a component's database URL comes from (secretKeyRef body); fails when nothing is configured.
Call with (dict "root" $ "component" c). The bundled PostgreSQL (evaluation) wins; then the
component's own <component>.database (url: the chart's <release>-<component>-database-secret, or
existingSecret); then the shared database.url / database.existingSecret.
*/}}
{{- define "llm4gov.databaseUrlRef" -}}
{{- $root := .root -}}
{{- $own := (index $root.Values .component).database | default dict -}}
{{- if $root.Values.bundled.postgresql.enabled -}}
name: {{ include "llm4gov.resourceName" (list $root "postgresql-secret") }}
key: url
{{- else if $own.url -}}
name: {{ include "llm4gov.resourceName" (list $root (printf "%s-database-secret" .component)) }}
key: url
{{- else if $own.existingSecret -}}
name: {{ $own.existingSecret }}
key: {{ $own.existingSecretKey }}
{{- else -}}
{{- $ref := include "llm4gov.secretRef" (dict "spec" (dict "value" $root.Values.database.url "existingSecret" $root.Values.database.existingSecret "existingSecretKey" $root.Values.database.existingSecretKey) "chartSecret" (include "llm4gov.resourceName" (list $root "database-secret")) "chartKey" "url") -}}
{{- if not $ref -}}
{{- fail (printf "database: set database.url, database.existingSecret, %s.database.url / existingSecret, or bundled.postgresql.enabled (evaluation only)" .component) -}}
{{- end -}}
{{- $ref -}}
{{- end -}}
{{- end -}}

{{/* Components that may have object-storage credentials of their own (<component>.storage). */}}
{{- define "llm4gov.storageComponents" -}}
{{- toJson (list "teacher" "trainer" "inference") -}}
{{- end -}}

{{/* "true" when <component>.storage holds both inline keys (the chart creates <release>-<component>-s3-secret). */}}
{{- define "llm4gov.ownS3Inline" -}}
{{- $own := (index .root.Values .component).storage | default dict -}}
{{- if and (not .root.Values.bundled.s3.enabled) $own.accessKeyId $own.secretAccessKey }}true{{ end -}}
{{- end -}}

{{/*
A component's S3 credential references as a JSON object {id: ref, secret: ref}, or {} for ambient
credentials. Call with (dict "root" $ "component" c). The bundled store (evaluation) wins; then the
component's own <component>.storage (inline keys, or existingSecret); then the shared storage.s3.
*/}}
{{- define "llm4gov.s3CredentialRefs" -}}
{{- $root := .root -}}
{{- $s3 := $root.Values.storage.s3 -}}
{{- $own := (index $root.Values .component).storage | default dict -}}
{{- if $root.Values.bundled.s3.enabled -}}
{{- $name := include "llm4gov.resourceName" (list $root "s3-bundled-secret") -}}
{{- toJson (dict "id" (dict "name" $name "key" "access-key-id") "secret" (dict "name" $name "key" "secret-access-key")) -}}
{{- else if include "llm4gov.ownS3Inline" . -}}
{{- $name := include "llm4gov.resourceName" (list $root (printf "%s-s3-secret" .component)) -}}
{{- toJson (dict "id" (dict "name" $name "key" "access-key-id") "secret" (dict "name" $name "key" "secret-access-key")) -}}
{{- else if $own.existingSecret -}}
{{- toJson (dict "id" (dict "name" $own.existingSecret "key" $own.accessKeyIdKey) "secret" (dict "name" $own.existingSecret "key" $own.secretAccessKeyKey)) -}}
{{- else if and $s3.accessKeyId $s3.secretAccessKey -}}
{{- $name := include "llm4gov.resourceName" (list $root "s3-secret") -}}
{{- toJson (dict "id" (dict "name" $name "key" "access-key-id") "secret" (dict "name" $name "key" "secret-access-key")) -}}
{{- else if $s3.existingSecret -}}
{{- toJson (dict "id" (dict "name" $s3.existingSecret "key" $s3.accessKeyIdKey) "secret" (dict "name" $s3.existingSecret "key" $s3.secretAccessKeyKey)) -}}
{{- else -}}
{}
{{- end -}}
{{- end -}}

{{- define "llm4gov.s3EndpointUrl" -}}
{{- if .Values.bundled.s3.enabled -}}
{{- printf "http://%s:8333" (include "llm4gov.resourceName" (list . "s3")) -}}
{{- else -}}
{{- .Values.storage.s3.endpointUrl -}}
{{- end -}}
{{- end -}}

{{/* Where the API keys file comes from (secret name + key), or nothing when no keys are configured. */}}
{{- define "llm4gov.apiKeysSecret" -}}
{{- if .Values.apiKeys.entries -}}
name: {{ include "llm4gov.resourceName" (list . "api-keys-secret") }}
key: api-keys.yaml
{{- else if .Values.apiKeys.existingSecret -}}
name: {{ .Values.apiKeys.existingSecret }}
key: {{ .Values.apiKeys.existingSecretKey }}
{{- end -}}
{{- end -}}

{{/* ConfigMap data every service shares (non-secret settings only). Call with (dict "root" $ "component" c). */}}
{{- define "llm4gov.commonConfig" -}}
{{- $root := .root -}}
LLM4GOV_DATA_DIR: /var/lib/llm4gov
LLM4GOV_AUTH: {{ $root.Values.config.auth | quote }}
LLM4GOV_LOG_LEVEL: {{ $root.Values.config.logLevel | quote }}
LLM4GOV_LOG_FORMAT: {{ $root.Values.config.logFormat | quote }}
LLM4GOV_MAX_REQUEST_BYTES: {{ $root.Values.config.maxRequestBytes | int64 | quote }}
LLM4GOV_FILES_MAX_BYTES: {{ $root.Values.config.filesMaxBytes | int64 | quote }}
LLM4GOV_API_DOCS: {{ $root.Values.config.apiDocs | quote }}
{{- if include "llm4gov.apiKeysSecret" $root }}
LLM4GOV_API_KEYS_FILE: /etc/llm4gov/api-keys/api-keys.yaml
{{- end }}
{{- if include "llm4gov.usesStorage" . }}
{{ include "llm4gov.storageConfig" $root }}
{{- end }}
{{- end -}}

{{/* Non-secret object-storage settings (ConfigMap data). */}}
{{- define "llm4gov.storageConfig" -}}
LLM4GOV_STORAGE__BACKEND: s3
LLM4GOV_STORAGE__S3_BUCKET: {{ .Values.storage.s3.bucket | quote }}
LLM4GOV_STORAGE__S3_REGION: {{ .Values.storage.s3.region | quote }}
{{- with .Values.storage.s3.prefix }}
LLM4GOV_STORAGE__S3_PREFIX: {{ . | quote }}
{{- end }}
{{- with include "llm4gov.s3EndpointUrl" . }}
LLM4GOV_STORAGE__S3_ENDPOINT_URL: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Secret-backed environment every service shares. Call with (dict "root" $ "component" c). */}}
{{- define "llm4gov.commonEnv" -}}
{{- $root := .root -}}
{{- if include "llm4gov.usesDatabase" . }}
- name: LLM4GOV_DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- include "llm4gov.databaseUrlRef" . | nindent 6 }}
{{- end }}
{{- if include "llm4gov.usesStorage" . }}
{{- $refs := include "llm4gov.s3CredentialRefs" . | fromJson }}
{{- if $refs.id }}
- name: LLM4GOV_STORAGE__S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      {{- toYaml $refs.id | nindent 6 }}
- name: LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      {{- toYaml $refs.secret | nindent 6 }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Cluster DNS (networkPolicy.dns) as a Cilium endpoint selector: the pod labels, and the namespace's
labels as Cilium sees them (kubernetes.io/metadata.name is the pod's namespace).
*/}}
{{- define "llm4gov.ciliumDnsSelector" -}}
{{- $dns := .Values.networkPolicy.dns -}}
{{- if or $dns.namespaceSelector.matchExpressions $dns.podSelector.matchExpressions -}}
{{- fail "teacher.networkPolicy.llmEgress.fqdn: networkPolicy.dns must use matchLabels only (translated into a Cilium endpoint selector)" -}}
{{- end -}}
{{- $labels := dict -}}
{{- range $key, $value := $dns.podSelector.matchLabels -}}
{{- $_ := set $labels $key $value -}}
{{- end -}}
{{- range $key, $value := $dns.namespaceSelector.matchLabels -}}
{{- if eq $key "kubernetes.io/metadata.name" -}}
{{- $_ := set $labels "io.kubernetes.pod.namespace" $value -}}
{{- else -}}
{{- $_ := set $labels (printf "io.cilium.k8s.namespace.labels.%s" $key) $value -}}
{{- end -}}
{{- end -}}
matchLabels:
  {{- toYaml $labels | nindent 2 }}
{{- end -}}

{{/* NetworkPolicy peer for cluster DNS. */}}
{{- define "llm4gov.dnsEgressRule" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
{{- end -}}


{{/*
Egress rules (JSON list) to the job-store database and/or object storage: the bundled pods, or the
external addresses of database.networkPolicy / storage.networkPolicy.
Call with (dict "root" $ "database" bool "storage" bool).
*/}}
{{- define "llm4gov.dataEgressRules" -}}
{{- $root := .root -}}
{{- $egress := list -}}
{{- if .database -}}
{{- if $root.Values.bundled.postgresql.enabled -}}
{{- $egress = append $egress (dict "to" (list (dict "podSelector" (dict "matchLabels" (include "llm4gov.selectorLabels" (dict "root" $root "component" "postgresql") | fromYaml)))) "ports" (list (dict "protocol" "TCP" "port" 5432))) -}}
{{- else -}}
{{- $to := list -}}
{{- range $cidr := $root.Values.database.networkPolicy.cidrs -}}
{{- $to = append $to (dict "ipBlock" (dict "cidr" $cidr)) -}}
{{- end -}}
{{- $egress = append $egress (dict "to" $to "ports" (list (dict "protocol" "TCP" "port" (int $root.Values.database.networkPolicy.port)))) -}}
{{- end -}}
{{- end -}}
{{- if .storage -}}
{{- if $root.Values.bundled.s3.enabled -}}
{{- $egress = append $egress (dict "to" (list (dict "podSelector" (dict "matchLabels" (include "llm4gov.selectorLabels" (dict "root" $root "component" "s3") | fromYaml)))) "ports" (list (dict "protocol" "TCP" "port" 8333))) -}}
{{- else -}}
{{- $to := list -}}
{{- range $cidr := $root.Values.storage.networkPolicy.cidrs -}}
{{- $to = append $to (dict "ipBlock" (dict "cidr" $cidr)) -}}
{{- end -}}
{{- $ports := list -}}
{{- range $port := $root.Values.storage.networkPolicy.ports -}}
{{- $ports = append $ports (dict "protocol" "TCP" "port" (int $port)) -}}
{{- end -}}
{{- $egress = append $egress (dict "to" $to "ports" $ports) -}}
{{- end -}}
{{- end -}}
{{- toJson $egress -}}
{{- end -}}
