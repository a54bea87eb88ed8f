//! The app's IPC against a real gateway, on Tauri's mock runtime with the
//! app's real capabilities (`kyso_app::context()`): the leader's whole day
//! (`flow`), the error codes that cross IPC (`errors`), and the contract
//! with ui/src/ipc.ts, build.rs and the capabilities (`contract`).

mod contract;
mod errors;
mod flow;
mod support;
mod tls;
