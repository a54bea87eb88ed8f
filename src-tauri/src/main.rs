//! The desktop entry point; everything is in the library (`kyso_app::run`).

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    kyso_app::run();
}
