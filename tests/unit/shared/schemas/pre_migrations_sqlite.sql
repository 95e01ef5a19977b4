-- The schema that builds before migrations (up to commit a779cb9) created with create_all, on SQLite.
-- A database from such a build must upgrade without losing anything (tests/unit/shared/test_migrations.py).

CREATE TABLE adapter_registry_locks (
	task VARCHAR(64) NOT NULL, 
	holder VARCHAR(128) NOT NULL, 
	locked_at DATETIME NOT NULL, 
	PRIMARY KEY (task)
);

CREATE TABLE anonymizer_vault (
	id VARCHAR(36) NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(64) NOT NULL, 
	ciphertext BLOB NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE audit_events (
	id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	service VARCHAR(32) NOT NULL, 
	actor VARCHAR(64) NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	resource VARCHAR(256) NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	request_id VARCHAR(128), 
	details JSON NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_audit_events_action ON audit_events (action);

CREATE INDEX ix_audit_events_created_at ON audit_events (created_at);

CREATE INDEX ix_audit_events_actor ON audit_events (actor);

CREATE TABLE jobs (
	id VARCHAR(36) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	spec JSON NOT NULL, 
	progress JSON NOT NULL, 
	result JSON, 
	reason TEXT, 
	created_by VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	started_at DATETIME, 
	finished_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_jobs_kind ON jobs (kind);

CREATE INDEX ix_jobs_state ON jobs (state);

CREATE INDEX ix_jobs_created_at ON jobs (created_at);

CREATE TABLE job_events (
	id INTEGER NOT NULL, 
	job_id VARCHAR(36) NOT NULL, 
	created_at DATETIME NOT NULL, 
	type VARCHAR(64) NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(job_id) REFERENCES jobs (id) ON DELETE CASCADE
);

CREATE INDEX ix_job_events_job_id ON job_events (job_id);

CREATE TABLE job_items (
	job_id VARCHAR(36) NOT NULL, 
	idx INTEGER NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	claimed_by VARCHAR(128), 
	lease_until DATETIME, 
	payload JSON NOT NULL, 
	result JSON, 
	error TEXT, 
	usage_in INTEGER NOT NULL, 
	usage_out INTEGER NOT NULL, 
	PRIMARY KEY (job_id, idx), 
	FOREIGN KEY(job_id) REFERENCES jobs (id) ON DELETE CASCADE
);

CREATE INDEX ix_job_items_claim ON job_items (job_id, state);
