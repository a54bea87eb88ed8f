//! The gateway's routes, in process (`oneshot`, no socket) over a fresh data
//! directory each: the signing flow end to end, replays and races,
//! rejections, and who may call what.

mod attestation;
mod authz;
mod flow;
mod incoming;
mod openapi;
mod support;
