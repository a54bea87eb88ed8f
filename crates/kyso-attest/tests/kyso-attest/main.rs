//! Tests of kyso-attest: project-generated chains (a test root, an
//! intermediate, and a leaf with a KeyDescription built here) for every
//! Android rule, the status list, the shipped roots, and App Attest.

mod android;
mod apple;
mod revocation;
mod roots;
mod support;
