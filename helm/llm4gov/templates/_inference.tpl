{{/*
Inference: non-secret settings (ConfigMap), secret-backed environment, and what the pod needs beyond
the other services: the image variant (GPU or CPU), GPU resources, and the writable volumes of the
vLLM engine it starts as a child process (services/inference/engine.py). The root filesystem stays
read-only: the engine writes only to emptyDirs (work dir, home/caches, /tmp, /dev/shm).
*/}}

{{/* Mount paths of the inference pod's writable volumes (and the tasks file). */}}
{{- define "llm4gov.inference.workDir" -}}/scratch{{- end -}}
{{- define "llm4gov.inference.homeDir" -}}/home/llm4gov{{- end -}}
{{- define "llm4gov.inference.tasksDir" -}}/etc/llm4gov/inference{{- end -}}

{{- define "llm4gov.inference.config" -}}
{{- $i := .Values.inference -}}
{{- $s := $i.settings -}}
{{- $e := $s.engine -}}
LLM4GOV_INFERENCE__BASE_MODEL: {{ $s.baseModel | quote }}
LLM4GOV_INFERENCE__WORK_DIR: {{ include "llm4gov.inference.workDir" . | quote }}
LLM4GOV_INFERENCE__MAX_TOKENS: {{ $s.maxTokens | int64 | quote }}
LLM4GOV_INFERENCE__MAX_STRING_CHARS: {{ $s.maxStringChars | int64 | quote }}
LLM4GOV_INFERENCE__MAX_DOCUMENTS_PER_REQUEST: {{ $s.maxDocumentsPerRequest | int64 | quote }}
LLM4GOV_INFERENCE__MAX_DOCUMENT_CHARS: {{ $s.maxDocumentChars | int64 | quote }}
LLM4GOV_INFERENCE__REGISTRY_POLL_INTERVAL_S: {{ $s.registryPollIntervalSeconds | quote }}
LLM4GOV_INFERENCE__DRAIN_TIMEOUT_S: {{ $s.drainTimeoutSeconds | quote }}
LLM4GOV_INFERENCE__LOAD_RETRY_S: {{ $s.loadRetrySeconds | quote }}
LLM4GOV_INFERENCE__ENGINE_METRICS: {{ $i.engineMetrics | quote }}
{{- $b := $s.batch }}
LLM4GOV_INFERENCE__BATCH__WORKER_ENABLED: {{ $b.workerEnabled | quote }}
LLM4GOV_INFERENCE__BATCH__CONCURRENCY: {{ $b.concurrency | int64 | quote }}
{{- if gt (int64 $b.batchSize) 0 }}
LLM4GOV_INFERENCE__BATCH__BATCH_SIZE: {{ $b.batchSize | int64 | quote }}
{{- end }}
LLM4GOV_INFERENCE__BATCH__LEASE_S: {{ $b.leaseSeconds | quote }}
LLM4GOV_INFERENCE__BATCH__ENGINE_WAIT_S: {{ $b.engineWaitSeconds | quote }}
LLM4GOV_INFERENCE__BATCH__MAX_ITEMS_PER_JOB: {{ $b.maxItemsPerJob | int64 | quote }}
{{- if .Values.anonymizer.enabled }}
LLM4GOV_INFERENCE__ANONYMIZER_URL: {{ printf "http://%s:8080" (include "llm4gov.resourceName" (list . "anonymizer")) | quote }}
{{- end }}
{{- if $i.tasks }}
LLM4GOV_INFERENCE__TASKS_FILE: {{ printf "%s/tasks.yaml" (include "llm4gov.inference.tasksDir" .) | quote }}
{{- end }}
LLM4GOV_INFERENCE__ENGINE__MODE: {{ $e.mode | quote }}
{{- if eq $e.mode "external" }}
LLM4GOV_INFERENCE__ENGINE__URL: {{ required "inference.settings.engine.url is required when engine.mode is \"external\"" $e.url | quote }}
{{- end }}
LLM4GOV_INFERENCE__ENGINE__SERVED_MODEL_NAME: {{ $e.servedModelName | quote }}
LLM4GOV_INFERENCE__ENGINE__MAX_LORAS: {{ $e.maxLoras | int64 | quote }}
LLM4GOV_INFERENCE__ENGINE__MAX_LORA_RANK: {{ $e.maxLoraRank | int64 | quote }}
{{- if gt (int64 $e.maxCpuLoras) 0 }}
LLM4GOV_INFERENCE__ENGINE__MAX_CPU_LORAS: {{ $e.maxCpuLoras | int64 | quote }}
{{- end }}
LLM4GOV_INFERENCE__ENGINE__MAX_MODEL_LEN: {{ $e.maxModelLen | int64 | quote }}
LLM4GOV_INFERENCE__ENGINE__MAX_NUM_SEQS: {{ $e.maxNumSeqs | int64 | quote }}
LLM4GOV_INFERENCE__ENGINE__KV_CACHE_MEMORY_BYTES: {{ $e.kvCacheMemoryBytes | int64 | quote }}
LLM4GOV_INFERENCE__ENGINE__QUANTIZATION: {{ $e.quantization | quote }}
LLM4GOV_INFERENCE__ENGINE__DTYPE: {{ $e.dtype | quote }}
LLM4GOV_INFERENCE__ENGINE__CPU_LORA_KERNELS: {{ $e.cpuLoraKernels | quote }}
LLM4GOV_INFERENCE__ENGINE__STARTUP_TIMEOUT_S: {{ $e.startupTimeoutSeconds | quote }}
LLM4GOV_INFERENCE__ENGINE__REQUEST_TIMEOUT_S: {{ $e.requestTimeoutSeconds | quote }}
{{- if $e.extraArgs }}
LLM4GOV_INFERENCE__ENGINE__EXTRA_ARGS: {{ toJson $e.extraArgs | quote }}
{{- end }}
{{- end -}}

{{/*
Pod environment: the engine's home and caches (vLLM, torch, Triton, xgrammar write there; the root
filesystem is read-only), the batch worker's id (the pod name: a restarted container gives back the
work items it held at once), and the anonymizer API key, from a Secret only.
*/}}
{{- define "llm4gov.inference.env" -}}
{{- $home := include "llm4gov.inference.homeDir" . -}}
- name: LLM4GOV_INFERENCE__BATCH__WORKER_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: HOME
  value: {{ $home | quote }}
- name: XDG_CACHE_HOME
  value: {{ printf "%s/.cache" $home | quote }}
- name: VLLM_CACHE_ROOT
  value: {{ printf "%s/.cache/vllm" $home | quote }}
{{- if .Values.anonymizer.enabled }}
{{- with include "llm4gov.secretRef" (dict "spec" .Values.inference.anonymizerApiKey "chartSecret" (include "llm4gov.resourceName" (list . "inference-secret")) "chartKey" "anonymizer-api-key") }}
- name: LLM4GOV_INFERENCE__ANONYMIZER_API_KEY
  valueFrom:
    secretKeyRef:
      {{- . | nindent 6 }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The image: inference.image.tag plus "-gpu" (gpu.enabled) or "-cpu"; a digest, when set, wins (it must
then be the digest of that variant).
*/}}
{{- define "llm4gov.inference.image" -}}
{{- $i := .Values.inference -}}
{{- $variant := ternary "gpu" "cpu" $i.gpu.enabled -}}
{{- include "llm4gov.image" (dict "repository" $i.image.repository "tag" (printf "%s-%s" $i.image.tag $variant) "digest" $i.image.digest) -}}
{{- end -}}

{{/* The container's resources (JSON): inference.resources plus gpu.count GPUs when gpu.enabled. */}}
{{- define "llm4gov.inference.resources" -}}
{{- $i := .Values.inference -}}
{{- $resources := deepCopy $i.resources -}}
{{- if $i.gpu.enabled -}}
{{- $limits := $resources.limits | default dict -}}
{{- $_ := set $limits "nvidia.com/gpu" (printf "%d" (int $i.gpu.count)) -}}
{{- $_ := set $resources "limits" $limits -}}
{{- end -}}
{{- toJson $resources -}}
{{- end -}}

{{/* The zero-shot tasks file (inference.tasks as YAML), or nothing. */}}
{{- define "llm4gov.inference.tasksFile" -}}
{{- with .Values.inference.tasks -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/* Extra volume mounts of the inference container (the data dir and /tmp are mounted for every service). */}}
{{- define "llm4gov.inference.volumeMounts" -}}
- name: work
  mountPath: {{ include "llm4gov.inference.workDir" . }}
- name: home
  mountPath: {{ include "llm4gov.inference.homeDir" . }}
- name: dshm
  mountPath: /dev/shm
{{- if .Values.inference.tasks }}
- name: tasks
  mountPath: {{ include "llm4gov.inference.tasksDir" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "llm4gov.inference.volumes" -}}
{{- $vol := .Values.inference.volumes -}}
# Downloaded adapters, the base model (from object storage) and the engine's log.
- name: work
  emptyDir:
    sizeLimit: {{ $vol.workSizeLimit }}
# HOME, XDG_CACHE_HOME, VLLM_CACHE_ROOT: compile and kernel caches of vLLM, torch and Triton.
- name: home
  emptyDir:
    sizeLimit: {{ $vol.homeSizeLimit }}
# Shared memory of the engine's worker processes; counts against the container's memory limit.
- name: dshm
  emptyDir:
    medium: Memory
    sizeLimit: {{ $vol.shmSizeLimit }}
{{- if .Values.inference.tasks }}
- name: tasks
  configMap:
    name: {{ include "llm4gov.resourceName" (list . "inference-tasks") }}
    defaultMode: 0440
    items:
      - key: tasks.yaml
        path: tasks.yaml
{{- end }}
{{- end -}}
