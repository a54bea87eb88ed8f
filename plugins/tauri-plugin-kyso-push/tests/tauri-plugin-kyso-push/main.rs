//! Integration tests of the push plugin: the commands as the web view
//! invokes them (desktop: unsupported), and the contract across Rust,
//! Kotlin, Swift, TypeScript, the Android string resources, the iOS
//! Localizable.strings and the gateway's own payload.

mod commands;
mod contract;
