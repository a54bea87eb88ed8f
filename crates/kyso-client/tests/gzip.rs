//! The client asks for gzip and reads a gzipped answer (the gateway keeps
//! the inbox gzipped): a one-shot HTTP server on loopback records the
//! request's headers and answers the inbox gzipped.

use std::io::{Read, Write};
use std::net::TcpListener;

use kyso_client::Client;

#[tokio::test]
async fn the_inbox_travels_gzipped() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("a connection");
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = conn.read(&mut buf).expect("read");
            assert!(n > 0, "the request ended early");
            request.extend_from_slice(&buf[..n]);
        }
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"[]").expect("gzip");
        let body = z.finish().expect("gzip");
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        conn.write_all(head.as_bytes()).expect("write");
        conn.write_all(&body).expect("write");
        String::from_utf8_lossy(&request).to_ascii_lowercase()
    });
    let client = Client::new(&url, None)
        .expect("client")
        .with_token(kyso_client::Secret::new("t".to_string()));
    let inbox = client.inbox().await.expect("the gzipped inbox is read");
    assert!(inbox.is_empty());
    let request = server.join().expect("server");
    assert!(
        request
            .lines()
            .any(|l| l.starts_with("accept-encoding:") && l.contains("gzip")),
        "the client asks for gzip: {request}"
    );
}
