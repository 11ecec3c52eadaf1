//! The network steps of a check, each with its own failure: resolve, connect, TLS, one HTTP/1.1
//! request carrying the code, and the answer's status and proof header.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::Uri;
use rustls::pki_types::ServerName;
use rustls::{CertificateError, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::proof::{self, CHECK_HEADER, PROOF_HEADER};
use super::Outcome;

/// An answer's head larger than this is not a tunnel's or ScimDesk's.
const MAX_HEAD: usize = 64 * 1024;

pub(super) async fn probe(url: &str, secret: &str, step: Duration) -> Outcome {
    let Some(target) = Target::parse(url) else { return Outcome::NotHttps };
    let resolved = timeout(step, tokio::net::lookup_host((target.host.as_str(), target.port))).await;
    let addrs = match resolved {
        Err(_) => return Outcome::TimedOut { step: "resolving the name".into() },
        Ok(Err(_)) => return Outcome::NameNotResolved { host: target.host.clone() },
        Ok(Ok(addrs)) => addrs.collect::<Vec<_>>(),
    };
    let tcp = match connect(&addrs, step).await {
        Ok(tcp) => tcp,
        Err(outcome) => {
            return match outcome {
                ConnectFailure::Refused => Outcome::ConnectionRefused { address: target.authority.clone() },
                ConnectFailure::TimedOut => Outcome::TimedOut { step: "connecting".into() },
                ConnectFailure::Other(detail) => Outcome::Unreachable { detail },
            }
        }
    };
    let mut tls = match tls(&target.host, tcp, step).await {
        Ok(tls) => tls,
        Err(outcome) => return outcome,
    };
    let code = proof::new_code();
    let request = format!(
        "GET {}/ServiceProviderConfig HTTP/1.1\r\nHost: {}\r\nUser-Agent: ScimDesk-check/{}\r\nAccept: application/scim+json\r\n{CHECK_HEADER}: {code}\r\nConnection: close\r\n\r\n",
        target.path,
        target.authority,
        env!("CARGO_PKG_VERSION"),
    );
    let sent = Instant::now();
    let head = match timeout(step, async {
        tls.write_all(request.as_bytes()).await?;
        read_head(&mut tls).await
    })
    .await
    {
        Err(_) => return Outcome::TimedOut { step: "waiting for the answer".into() },
        Ok(Err(e)) => return Outcome::Unreachable { detail: format!("the connection failed during the request: {e}") },
        Ok(Ok(head)) => head,
    };
    let round_trip_ms = sent.elapsed().as_millis() as u64;
    let Some(answer) = Answer::parse(&head) else {
        return Outcome::DifferentServer { status: 0 };
    };
    match answer.header(PROOF_HEADER) {
        Some(given) if proof::verify(secret, &code, given) => Outcome::Reachable { round_trip_ms },
        // A ScimDesk, but of another data folder (or a forged answer).
        Some(_) => Outcome::DifferentServer { status: answer.status },
        None if answer.is_tunnel_error() => Outcome::TunnelNotReachingScimDesk { status: answer.status },
        None => Outcome::DifferentServer { status: answer.status },
    }
}

/// Where a https URL points.
struct Target {
    host: String,
    port: u16,
    /// `host[:port]` as written, for the Host header and messages.
    authority: String,
    /// The path without a trailing `/`.
    path: String,
}

impl Target {
    fn parse(url: &str) -> Option<Target> {
        let uri: Uri = url.parse().ok()?;
        if uri.scheme_str() != Some("https") {
            return None;
        }
        let authority = uri.authority()?;
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        Some(Target {
            port: authority.port_u16().unwrap_or(443),
            authority: authority.as_str().to_owned(),
            path: uri.path().trim_end_matches('/').to_owned(),
            host,
        })
    }
}

enum ConnectFailure {
    Refused,
    TimedOut,
    Other(String),
}

/// Connect to the first address that accepts.
async fn connect(addrs: &[std::net::SocketAddr], step: Duration) -> Result<TcpStream, ConnectFailure> {
    let mut failure = ConnectFailure::Other("the name has no address".into());
    for addr in addrs {
        failure = match timeout(step, TcpStream::connect(addr)).await {
            Ok(Ok(tcp)) => return Ok(tcp),
            Err(_) => ConnectFailure::TimedOut,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => ConnectFailure::Refused,
            Ok(Err(e)) => ConnectFailure::Other(e.to_string()),
        };
    }
    Err(failure)
}

async fn tls(
    host: &str,
    tcp: TcpStream,
    step: Duration,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Outcome> {
    let config = client_config().map_err(|detail| Outcome::TlsFailed { detail })?;
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| Outcome::TlsFailed { detail: format!("{host} is not a name TLS can check") })?;
    match timeout(step, tokio_rustls::TlsConnector::from(config).connect(name, tcp)).await {
        Err(_) => Err(Outcome::TimedOut { step: "setting up TLS".into() }),
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(tls_failure(host, &e)),
    }
}

/// The system's authorities (`SSL_CERT_FILE` / `SSL_CERT_DIR` when set), as Entra's side would
/// judge a certificate: only a publicly trusted one passes.
fn client_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        return Err("this system has no trusted certificate authorities to check against".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn tls_failure(host: &str, err: &std::io::Error) -> Outcome {
    let rustls_error = err.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(cert)) => match cert {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => Outcome::CertificateUntrusted,
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => Outcome::CertificateExpired,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Outcome::CertificateWrongName { host: host.to_owned() }
            }
            other => Outcome::TlsFailed { detail: format!("{other:?}") },
        },
        Some(other) => Outcome::TlsFailed { detail: other.to_string() },
        None => Outcome::TlsFailed { detail: err.to_string() },
    }
}

async fn read_head<S: AsyncReadExt + Unpin>(stream: &mut S) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(head);
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(end);
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Ok(head);
        }
    }
}

/// The status and headers of an HTTP/1.x answer.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Answer {
    fn parse(head: &[u8]) -> Option<Answer> {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let status = lines.next()?.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()?;
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        Some(Answer { status, headers })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A gateway's own error: 502/503/504 from a reverse proxy or tunnel, Cloudflare's 530 (origin
    /// unreachable), or any answer ngrok marks with its error code.
    fn is_tunnel_error(&self) -> bool {
        matches!(self.status, 502..=504 | 530) || self.header("ngrok-error-code").is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_https_url_gives_host_port_and_path() {
        let t = Target::parse("https://scim.example.com/source/scim/entra/v2/").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("scim.example.com", 443, "/source/scim/entra/v2"));
        let t = Target::parse("https://127.0.0.1:8443/x").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.authority.as_str()), ("127.0.0.1", 8443, "127.0.0.1:8443"));
        assert!(Target::parse("http://scim.example.com").is_none());
    }

    #[test]
    fn an_answer_head_gives_status_headers_and_whether_a_tunnel_made_it() {
        let a = Answer::parse(b"HTTP/1.1 502 Bad Gateway\r\nServer: Caddy\r\nContent-Length: 0").unwrap();
        assert_eq!(a.status, 502);
        assert_eq!(a.header("server"), Some("Caddy"));
        assert!(a.is_tunnel_error());
        let a = Answer::parse(b"HTTP/1.1 404 Not Found\r\nngrok-error-code: ERR_NGROK_3200").unwrap();
        assert!(a.is_tunnel_error());
        let a = Answer::parse(b"HTTP/1.1 200 OK\r\nScimDesk-Check-Proof: ab").unwrap();
        assert_eq!(a.header(PROOF_HEADER), Some("ab"));
        assert!(!a.is_tunnel_error());
        assert!(Answer::parse(b"SSH-2.0-OpenSSH").is_none());
    }
}
