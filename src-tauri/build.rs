//! Generates the app's command permissions (`allow-<command>`, referenced by
//! `capabilities/*.json`) and the ACL the binary embeds. Declaring the
//! commands here makes every app command deny-by-default: a window may call
//! only what its capability lists.

/// Every IPC command of the app: the table of ui/README.md, one per row.
/// `tests/kyso-app/contract.rs` checks this list against the invoke handler,
/// the capabilities and ui/src/ipc.ts.
const COMMANDS: &[&str] = &[
    "app_state",
    "configure_server",
    "login",
    "logout",
    "enroll",
    "inbox",
    "request",
    "open_document",
    "render_page",
    "sign",
    "decline",
    "history",
    "queue_status",
    "flush_queue",
    "set_language",
    "quiet_hours",
    "set_quiet_hours",
    "remove_key",
    "meetings",
    "meeting",
    "download_meeting",
    "open_meeting_document",
    "give_opinion",
    "present",
    "delegate_presenter",
    "follow_meeting",
    "save_note",
    "export_notes",
    "issuance",
    "open_issuance_document",
    "issue",
    "save_issued",
    "make_copy",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build: configuration, icons or permissions");
}
