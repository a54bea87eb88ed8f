//! RFC 3161 over HTTP for `kyso sign --tsa URL`.

use std::io::Read;
use std::time::Duration;

use kyso_pdf::timestamp::TsaTransport;
use kyso_pdf::{Error, Result};

/// POSTs `application/timestamp-query` and reads `application/timestamp-reply`.
#[derive(Debug)]
pub struct HttpTsa {
    url: String,
    agent: ureq::Agent,
}

/// TSA answers are a few kilobytes; anything far larger is refused.
const MAX_REPLY: u64 = 1024 * 1024;

impl HttpTsa {
    pub fn new(url: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            url: url.to_string(),
            agent,
        }
    }
}

impl TsaTransport for HttpTsa {
    fn round_trip(&self, request: &[u8]) -> Result<Vec<u8>> {
        let resp = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/timestamp-query")
            .send(request)
            .map_err(|e| Error::Timestamp(format!("cannot reach the TSA at {}: {e}", self.url)))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(Error::Timestamp(format!("the TSA answered HTTP {status}")));
        }
        let mut body = Vec::new();
        resp.into_body()
            .into_reader()
            .take(MAX_REPLY + 1)
            .read_to_end(&mut body)
            .map_err(|e| Error::Timestamp(format!("reading the TSA's answer failed: {e}")))?;
        if body.len() as u64 > MAX_REPLY {
            return Err(Error::Timestamp("the TSA's answer is too large".into()));
        }
        Ok(body)
    }
}
