//! The `kyso` command (DESIGN.md §10). Each subcommand is a thin layer over a
//! library crate: argument parsing, file handling and one clear line on error.

mod admin;
mod client;
mod demo;
mod hsm;
mod serve;
mod sign;
mod tsa;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Kyso: ký số văn bản / digital signing of documents.
#[derive(Debug, Parser)]
#[command(name = "kyso", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ký một tệp PDF (PAdES) / sign a PDF (PAdES).
    Sign(Box<sign::SignArgs>),
    /// Kiểm tra chữ ký của tệp PDF / verify a PDF's signatures.
    Verify(verify::VerifyArgs),
    /// Chạy cổng ký số tỉnh / run the provincial gateway.
    Serve(Box<serve::ServeArgs>),
    /// Quản trị cổng ký số / administer the gateway.
    Admin(admin::AdminArgs),
    /// Ứng dụng khách của cổng ký số / client of the gateway.
    Client(client::ClientArgs),
    /// Chạy thử toàn bộ hệ thống trên máy này / the whole system on this machine.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign::run(*args).map(|()| true),
        Command::Verify(args) => verify::run(args),
        Command::Serve(args) => serve::run(*args).map(|()| true),
        Command::Admin(args) => admin::run(args).map(|()| true),
        Command::Client(args) => client::run(args).map(|()| true),
        Command::Demo(args) => demo::run(args).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        // A verdict other than TOTAL_PASSED: the report says why.
        Ok(false) => ExitCode::from(1),
        Err(failure) => {
            eprintln!("kyso: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

/// A failure reported as one line: Vietnamese first, then English.
#[derive(Debug)]
pub struct Failure {
    vi: String,
    en: String,
    exit: u8,
}

impl Failure {
    /// A usage or I/O problem (exit code 2).
    pub fn usage(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
            exit: 2,
        }
    }

    /// A negative answer to a question the user asked (exit code 1).
    pub fn verdict(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
            exit: 1,
        }
    }

    fn exit_code(&self) -> u8 {
        self.exit
    }
}

impl From<kyso_pdf::Error> for Failure {
    fn from(e: kyso_pdf::Error) -> Self {
        let exit = if matches!(e, kyso_pdf::Error::Io(_)) {
            2
        } else {
            1
        };
        Self {
            vi: e.message_vi(),
            en: e.to_string(),
            exit,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // One line, whatever the messages hold.
        let one = |s: &str| s.replace(['\n', '\r'], " ");
        write!(f, "lỗi: {} | error: {}", one(&self.vi), one(&self.en))
    }
}

/// A multi-threaded runtime for the commands that need one.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::usage(
                format!("không khởi tạo được tokio: {e}"),
                format!("cannot start the runtime: {e}"),
            )
        })
}

/// Structured logs to stderr (RUST_LOG overrides the default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}
