//! The app's IPC against a real gateway, on Tauri's mock runtime with the
//! app's real capabilities (`kyso_app::context()`): the leader's whole day
//! (`flow`), the error codes that cross IPC (`errors`), the contract
//! with ui/src/ipc.ts, build.rs and the capabilities (`contract`),
//! `kyso://request/<id>` links (`links`), quiet hours (`quiet`), a
//! meeting on two tablets (`meetings`) and the clerk's issuance (`issuance`).

mod contract;
mod errors;
mod flow;
mod issuance;
mod links;
mod meetings;
mod quiet;
mod support;
mod tls;
