//! The schema, compiled in: `edge/migrations/*.sql` in order. wrangler applies these files to D1;
//! a conversation's object applies the same list to its own SQLite (`store::replica`), and native
//! tests to SQLite (`store::sqlite`), so all three run one schema.

/// Every migration, by file name, in the order they apply.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_conversations.sql", include_str!("../../migrations/0001_conversations.sql")),
    ("0002_action_runs.sql", include_str!("../../migrations/0002_action_runs.sql")),
    ("0003_agent_state.sql", include_str!("../../migrations/0003_agent_state.sql")),
    ("0004_forms.sql", include_str!("../../migrations/0004_forms.sql")),
    ("0005_identity.sql", include_str!("../../migrations/0005_identity.sql")),
    ("0006_buttons_attributes.sql", include_str!("../../migrations/0006_buttons_attributes.sql")),
    ("0007_verification_binding.sql", include_str!("../../migrations/0007_verification_binding.sql")),
    ("0008_erasure_indexes.sql", include_str!("../../migrations/0008_erasure_indexes.sql")),
    ("0009_handoff.sql", include_str!("../../migrations/0009_handoff.sql")),
    ("0010_inbox.sql", include_str!("../../migrations/0010_inbox.sql")),
    ("0011_agents.sql", include_str!("../../migrations/0011_agents.sql")),
    ("0012_inbox_ai_view.sql", include_str!("../../migrations/0012_inbox_ai_view.sql")),
    ("0013_replica_marks.sql", include_str!("../../migrations/0013_replica_marks.sql")),
    ("0014_erasure_tombstones.sql", include_str!("../../migrations/0014_erasure_tombstones.sql")),
    ("0015_model_calls.sql", include_str!("../../migrations/0015_model_calls.sql")),
    ("0016_action_switches.sql", include_str!("../../migrations/0016_action_switches.sql")),
    ("0017_console_actions.sql", include_str!("../../migrations/0017_console_actions.sql")),
    ("0018_satisfaction.sql", include_str!("../../migrations/0018_satisfaction.sql")),
    ("0019_reports.sql", include_str!("../../migrations/0019_reports.sql")),
    ("0020_agent_reads.sql", include_str!("../../migrations/0020_agent_reads.sql")),
    ("0021_canned_replies.sql", include_str!("../../migrations/0021_canned_replies.sql")),
    ("0022_conversation_labels.sql", include_str!("../../migrations/0022_conversation_labels.sql")),
    ("0023_message_attachments.sql", include_str!("../../migrations/0023_message_attachments.sql")),
    ("0024_conversation_snooze.sql", include_str!("../../migrations/0024_conversation_snooze.sql")),
];

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn the_list_is_every_migration_file_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("edge/migrations")
            .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|(name, _)| *name).collect();
        assert_eq!(listed, files, "a new migration file must be added to store::schema::MIGRATIONS");
    }
}
