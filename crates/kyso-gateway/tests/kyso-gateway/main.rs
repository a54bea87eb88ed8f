//! The gateway's routes, in process (`oneshot`, no socket) over a fresh data
//! directory each: the signing flow end to end, replays and races,
//! rejections, and who may call what.

mod attestation;
mod authz;
mod copies;
mod crl;
mod fake_push;
mod flow;
mod incoming;
mod issuance;
mod meetings;
mod openapi;
mod push;
mod quiet;
mod retimestamp;
mod support;
mod tsa;
