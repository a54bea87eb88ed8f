//! `kyso admin hsm …`: keys in a PKCS#11 token (an HSM; SoftHSM2 in
//! development), and the token flags `kyso serve` shares. The PIN comes from
//! `--pin-file` or `KYSO_HSM_PIN`, never from an argument.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use kyso_hsm::{Error, HsmConfig, KeySigner, Pin, Token};

use crate::Failure;

/// Which token, and how to log in.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Mô-đun PKCS#11 / the PKCS#11 module (shared library).
    #[arg(long, default_value = kyso_hsm::DEFAULT_MODULE)]
    pub module: PathBuf,
    /// Nhãn token / the token's label.
    #[arg(long)]
    pub token: String,
    /// Tệp chứa mã PIN (dòng đầu); không có thì đọc KYSO_HSM_PIN /
    /// file whose first line is the user PIN; else KYSO_HSM_PIN.
    #[arg(long)]
    pub pin_file: Option<PathBuf>,
}

impl TokenArgs {
    /// The token configuration, the PIN read.
    pub fn config(&self) -> Result<HsmConfig, Failure> {
        Ok(HsmConfig {
            module: self.module.clone(),
            token: self.token.clone(),
            pin: Pin::from_file_or_env(self.pin_file.as_deref()).map_err(failure)?,
        })
    }
}

/// `kyso admin hsm`.
#[derive(Debug, Subcommand)]
pub enum HsmCmd {
    /// Tạo cặp khóa P-256 trong token (không xuất được) /
    /// generate a P-256 key pair in the token (not extractable); prints its public key.
    Keygen {
        /// Nhãn khóa / the key's label.
        #[arg(long)]
        label: String,
        #[command(flatten)]
        token: TokenArgs,
    },
    /// Liệt kê khóa trong token (JSON) / list the token's keys (JSON).
    List {
        #[command(flatten)]
        token: TokenArgs,
    },
    /// In khóa công khai (PEM) / print a key's public key (PEM).
    Pubkey {
        /// Nhãn khóa / the key's label.
        #[arg(long)]
        label: String,
        #[command(flatten)]
        token: TokenArgs,
    },
}

/// A token error as one Vietnamese and English line (exit 2).
pub fn failure(e: Error) -> Failure {
    let vi = match &e {
        Error::ModuleMissing(p) => format!(
            "không có mô-đun PKCS#11 {} (cài softhsm2, hoặc chỉ đường dẫn mô-đun)",
            p.display()
        ),
        Error::Module { path, reason } => {
            format!("không nạp được mô-đun PKCS#11 {}: {reason}", path.display())
        }
        Error::NoToken(l) => format!("không có token PKCS#11 nào nhãn {l:?}"),
        Error::WrongPin => "token từ chối mã PIN".into(),
        Error::PinLocked => "mã PIN của token đã bị khóa".into(),
        Error::Pin(m) => format!("mã PIN: {m}"),
        Error::NoSuchKey(l) => format!("token không có khóa nhãn {l:?}"),
        Error::KeyExists(l) => format!("token đã có khóa nhãn {l:?}"),
        Error::UnsupportedKey { label, reason } => {
            format!("khóa {label:?} không dùng được: {reason}")
        }
        Error::KeyFile { path, reason } => format!("tệp khóa {}: {reason}", path.display()),
        Error::Pkcs11(m) => format!("lỗi PKCS#11: {m}"),
    };
    Failure::usage(vi, e.to_string())
}

pub fn run(command: HsmCmd) -> Result<(), Failure> {
    let open = |t: &TokenArgs| Token::open(&t.config()?).map_err(failure);
    match command {
        HsmCmd::Keygen { label, token } => {
            let token = open(&token)?;
            let key = token.generate_p256(&label).map_err(failure)?;
            eprintln!(
                "đã tạo khóa {label:?} trong token {:?} / generated key {label:?} in the token",
                token.label()
            );
            print!(
                "{}",
                kyso_hsm::public_key_pem(key.public_key()).map_err(failure)?
            );
        }
        HsmCmd::Pubkey { label, token } => {
            let token = open(&token)?;
            let key = token.key(&label).map_err(failure)?;
            print!(
                "{}",
                kyso_hsm::public_key_pem(key.public_key()).map_err(failure)?
            );
        }
        HsmCmd::List { token } => {
            let token = open(&token)?;
            let mut out = Vec::new();
            for info in token.keys().map_err(failure)? {
                let p = token
                    .key(&info.label)
                    .and_then(|k| k.protection())
                    .map_err(failure)?;
                let public_key = info
                    .public_key
                    .as_ref()
                    .map(kyso_hsm::public_key_pem)
                    .transpose()
                    .map_err(failure)?;
                out.push(serde_json::json!({
                    "label": info.label,
                    "algorithm": "ECDSA P-256",
                    "token_object": p.token,
                    "private": p.private,
                    "sensitive": p.sensitive,
                    "extractable": p.extractable,
                    "never_extractable": p.never_extractable,
                    "public_key_pem": public_key,
                }));
            }
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
    }
    Ok(())
}
