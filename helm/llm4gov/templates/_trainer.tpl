{{/*
Trainer: non-secret settings (ConfigMap) and secret-backed environment, plus what the training Jobs
need. With executor "kubernetes" the service creates one batch/v1 Job per training run
(services/trainer/kubernetes_executor.py); the Job's shape comes from the
LLM4GOV_TRAINER__KUBERNETES__* settings rendered here (JSON where the setting is a list or a dict).
The Job pods take their settings by reference only: envFrom the "<fullname>-trainer-job" ConfigMap
and the Secret(s) of "llm4gov.trainer.jobEnvSecrets", never a secret value in the Job spec.
*/}}

{{- define "llm4gov.trainer.config" -}}
{{- $t := .Values.trainer -}}
{{- $s := $t.settings -}}
LLM4GOV_TRAINER__EXECUTOR: {{ $s.executor | quote }}
LLM4GOV_TRAINER__WORKER_ENABLED: {{ $s.workerEnabled | quote }}
LLM4GOV_TRAINER__LEASE_S: {{ $s.leaseSeconds | quote }}
LLM4GOV_TRAINER__POLL_INTERVAL_S: {{ $s.pollIntervalSeconds | quote }}
LLM4GOV_TRAINER__MAX_CONCURRENT_JOBS: {{ $s.maxConcurrentJobs | int64 | quote }}
LLM4GOV_TRAINER__MAX_RECORDS: {{ $s.maxRecords | int64 | quote }}
LLM4GOV_TRAINER__WORK_DIR: /var/lib/llm4gov/trainer
{{- if eq $s.executor "kubernetes" }}
{{- $j := $t.job }}
{{- $pullSecrets := list }}
{{- range $.Values.imagePullSecrets }}
{{- $pullSecrets = append $pullSecrets .name }}
{{- end }}
LLM4GOV_TRAINER__KUBERNETES__IN_CLUSTER: "true"
LLM4GOV_TRAINER__KUBERNETES__NAMESPACE: {{ .Release.Namespace | quote }}
LLM4GOV_TRAINER__KUBERNETES__IMAGE: {{ include "llm4gov.image" $j.image | quote }}
LLM4GOV_TRAINER__KUBERNETES__IMAGE_PULL_POLICY: {{ $j.image.pullPolicy | quote }}
LLM4GOV_TRAINER__KUBERNETES__IMAGE_PULL_SECRETS: {{ toJson $pullSecrets | quote }}
{{- with include "llm4gov.trainer.jobServiceAccountName" . }}
LLM4GOV_TRAINER__KUBERNETES__SERVICE_ACCOUNT: {{ . | quote }}
{{- end }}
LLM4GOV_TRAINER__KUBERNETES__RESOURCES: {{ include "llm4gov.trainer.jobResources" . | quote }}
LLM4GOV_TRAINER__KUBERNETES__NODE_SELECTOR: {{ toJson $j.nodeSelector | quote }}
LLM4GOV_TRAINER__KUBERNETES__TOLERATIONS: {{ toJson $j.tolerations | quote }}
LLM4GOV_TRAINER__KUBERNETES__RUN_AS_USER: {{ $.Values.podSecurity.runAsUser | int64 | quote }}
LLM4GOV_TRAINER__KUBERNETES__RUN_AS_GROUP: {{ $.Values.podSecurity.runAsGroup | int64 | quote }}
LLM4GOV_TRAINER__KUBERNETES__FS_GROUP: {{ $.Values.podSecurity.fsGroup | int64 | quote }}
LLM4GOV_TRAINER__KUBERNETES__ENV_FROM_SECRETS: {{ include "llm4gov.trainer.jobEnvSecrets" . | quote }}
LLM4GOV_TRAINER__KUBERNETES__ENV_FROM_CONFIG_MAPS: {{ list (include "llm4gov.resourceName" (list . "trainer-job")) | toJson | quote }}
LLM4GOV_TRAINER__KUBERNETES__ENV: {{ toJson $j.env | quote }}
LLM4GOV_TRAINER__KUBERNETES__JOB_NAME_PREFIX: {{ $j.jobNamePrefix | quote }}
{{- if ne (int64 $j.backoffLimit) 0 }}
{{- fail "trainer.job.backoffLimit must be 0: the trainer's worker owns retries of a training run (LLM4GOV_TRAINER__RUN_ATTEMPTS), each resumed from the last checkpoint" }}
{{- end }}
LLM4GOV_TRAINER__KUBERNETES__BACKOFF_LIMIT: "0"
{{- if gt (int64 $j.activeDeadlineSeconds) 0 }}
LLM4GOV_TRAINER__KUBERNETES__ACTIVE_DEADLINE_S: {{ $j.activeDeadlineSeconds | int64 | quote }}
{{- end }}
LLM4GOV_TRAINER__KUBERNETES__TTL_AFTER_FINISHED_S: {{ $j.ttlSecondsAfterFinished | int64 | quote }}
LLM4GOV_TRAINER__KUBERNETES__SCRATCH_SIZE_LIMIT: {{ $j.scratchSizeLimit | quote }}
{{- end }}
{{- end -}}

{{- define "llm4gov.trainer.env" -}}
- name: LLM4GOV_TRAINER__WORKER_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end -}}

{{/* "true" when the training Jobs run in the cluster (trainer enabled, executor "kubernetes"). */}}
{{- define "llm4gov.trainer.jobsEnabled" -}}
{{- if and .Values.trainer.enabled (eq .Values.trainer.settings.executor "kubernetes") }}true{{ end -}}
{{- end -}}

{{/*
Labels the executor puts on every training pod (fixed in services/trainer/kubernetes_executor.py,
not derived from the release): the NetworkPolicies select the training pods by them.
*/}}
{{- define "llm4gov.trainer.jobPodSelectorLabels" -}}
app.kubernetes.io/name: llm4gov
app.kubernetes.io/component: trainer-job
{{- end -}}

{{/* The training pods' ServiceAccount (no API rights); empty: the namespace's default one. */}}
{{- define "llm4gov.trainer.jobServiceAccountName" -}}
{{- $sa := .Values.trainer.job.serviceAccount -}}
{{- if $sa.create -}}
{{- default (include "llm4gov.resourceName" (list . "trainer-job")) $sa.name -}}
{{- else -}}
{{- $sa.name -}}
{{- end -}}
{{- end -}}

{{/* The training container's resources (JSON): trainer.job.resources plus trainer.job.gpu GPUs. */}}
{{- define "llm4gov.trainer.jobResources" -}}
{{- $j := .Values.trainer.job -}}
{{- $resources := deepCopy $j.resources -}}
{{- if gt (int $j.gpu) 0 -}}
{{- $limits := $resources.limits | default dict -}}
{{- $_ := set $limits "nvidia.com/gpu" (printf "%d" (int $j.gpu)) -}}
{{- $_ := set $resources "limits" $limits -}}
{{- end -}}
{{- toJson $resources -}}
{{- end -}}

{{/*
Secret data (JSON object) for the training pods, for the values given inline or by the bundled
stores. envFrom turns every key of a Secret into a variable of that name, so the keys are the
variable names (the chart's other Secrets use keys such as "url" that envFrom cannot use). The
training pods' own inline values (trainer.job.database.url, trainer.job.storage) win over the shared
ones (database.url, storage.s3); the trainer service's own (trainer.database, trainer.storage) never
reach the training pods.
*/}}
{{- define "llm4gov.trainer.jobSecretData" -}}
{{- $data := dict -}}
{{- $j := .Values.trainer.job -}}
{{- if .Values.bundled.postgresql.enabled -}}
{{- $_ := set $data "LLM4GOV_DATABASE_URL" (include "llm4gov.bundledPostgresUrl" .) -}}
{{- else if $j.database.url -}}
{{- $_ := set $data "LLM4GOV_DATABASE_URL" $j.database.url -}}
{{- else if .Values.database.url -}}
{{- $_ := set $data "LLM4GOV_DATABASE_URL" .Values.database.url -}}
{{- end -}}
{{- $s3 := .Values.storage.s3 -}}
{{- if .Values.bundled.s3.enabled -}}
{{- $_ := set $data "LLM4GOV_STORAGE__S3_ACCESS_KEY_ID" .Values.bundled.s3.accessKeyId -}}
{{- $_ := set $data "LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY" .Values.bundled.s3.secretAccessKey -}}
{{- else if and $j.storage.accessKeyId $j.storage.secretAccessKey -}}
{{- $_ := set $data "LLM4GOV_STORAGE__S3_ACCESS_KEY_ID" $j.storage.accessKeyId -}}
{{- $_ := set $data "LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY" $j.storage.secretAccessKey -}}
{{- else if and $s3.accessKeyId $s3.secretAccessKey -}}
{{- $_ := set $data "LLM4GOV_STORAGE__S3_ACCESS_KEY_ID" $s3.accessKeyId -}}
{{- $_ := set $data "LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY" $s3.secretAccessKey -}}
{{- end -}}
{{- toJson $data -}}
{{- end -}}

{{/*
Secrets the training pods take their environment from (JSON list of names): the chart's
"<fullname>-trainer-job-secret" for inline values, and trainer.job.envSecret.existingSecret for what
comes from existing Secrets (the database URL, static S3 keys). Fails when that Secret is needed and
not named.
*/}}
{{- define "llm4gov.trainer.jobEnvSecrets" -}}
{{- $names := list -}}
{{- $data := include "llm4gov.trainer.jobSecretData" . | fromJson -}}
{{- if $data -}}
{{- $names = append $names (include "llm4gov.resourceName" (list . "trainer-job-secret")) -}}
{{- end -}}
{{- $s3 := .Values.storage.s3 -}}
{{- $needDatabase := not (hasKey $data "LLM4GOV_DATABASE_URL") -}}
{{- $needS3 := and (not (hasKey $data "LLM4GOV_STORAGE__S3_ACCESS_KEY_ID")) $s3.existingSecret -}}
{{- if or $needDatabase $needS3 -}}
{{- $existing := .Values.trainer.job.envSecret.existingSecret -}}
{{- if not $existing -}}
{{- fail "trainer.job.envSecret.existingSecret: the training Jobs need a Secret whose keys are LLM4GOV_DATABASE_URL (and LLM4GOV_STORAGE__S3_ACCESS_KEY_ID / LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY for static S3 keys); see helm/README.md" -}}
{{- end -}}
{{- $names = append $names $existing -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{/* ConfigMap data of the training pods: only what a training run reads (no API settings). */}}
{{- define "llm4gov.trainer.jobConfig" -}}
LLM4GOV_DATA_DIR: /scratch
LLM4GOV_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
LLM4GOV_LOG_FORMAT: {{ .Values.config.logFormat | quote }}
{{ include "llm4gov.storageConfig" . }}
{{- end -}}
