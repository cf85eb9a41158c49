//! Fuzzed requests to the HTTP API of a running daemon: no 5xx, and the daemon survives.

use super::*;

// ---------------------------------------------------------------------------------------
// The HTTP API of a running daemon
// ---------------------------------------------------------------------------------------

/// A request before the daemon's address and token are known.
#[derive(Debug, Clone)]
pub(super) enum Request {
    /// Parts of a well-formed HTTP/1.1 request with `Connection: close` and a correct
    /// `Content-Length`: it must get an answer.
    Structured {
        method: &'static str,
        path: &'static str,
        query: Vec<&'static str>,
        auth: &'static str,
        host: &'static str,
        content_type: &'static str,
        body: Input,
    },
    /// Any bytes (a mutated corpus request); the write side is closed after them, so the
    /// daemon sees the end. An answer is not required, but one that comes is checked.
    Raw(Input),
}

pub(super) const METHODS: &[&str] = &[
    "GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "FOO",
    "get",
];
pub(super) const PATHS: &[&str] = &[
    "/healthz",
    "/metrics",
    "/calendar.ics",
    "/api/export",
    "/api/import",
    "/api/search",
    "/api/sync",
    "/",
    "/nope",
    "/api/",
    "/api/import/",
    "//healthz",
    "/calendar.ics/../api/export",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/healthz%00",
    "*",
    "/api/search/",
    "/calendar/x.ics",
];
pub(super) const QUERIES: &[&str] = &[
    "q=%E3%83%87%E3%83%83%E3%83%89",
    "q=%00%07",
    "q=",
    "since=9999-12-31",
    "until=2024-13-01",
    "since=0000-01-01",
    "kind=learning",
    "kind=nope",
    "limit=18446744073709551616",
    "limit=-1",
    "limit=99999999",
    "limit=0",
    "dry_run=true",
    "dry_run=2",
    "meeting=weekly",
    "meeting=%FF",
    "tag=db",
    "team=",
    "a[b]=c",
    "%zz",
    "q",
    "q=a&q=b",
    "tag=%E2%80%AE",
];
pub(super) const AUTHS: &[&str] = &[
    "",
    "Bearer {TOKEN}",
    "Bearer {TOKEN}",
    "Bearer {WRONG}",
    "Bearer ",
    "Basic Zm9vOmJhcg==",
    "bearer {TOKEN}",
    "Bearer {TOKEN} ",
];
pub(super) const HOSTS: &[&str] = &[
    "{HOST}",
    "{HOST}",
    "localhost",
    "evil.example",
    "",
    "127.0.0.1:1",
    "[::1]",
    "{HOST}:99",
];
pub(super) const CONTENT_TYPES: &[&str] = &[
    "",
    "application/json",
    "application/json",
    "text/plain",
    "application/json; charset=shift_jis",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
];

pub(super) fn request() -> impl Strategy<Value = Request> {
    let json = Arc::new(corpus("import-json"));
    let http = seeds("http");
    let body = prop_oneof![
        3 => roughened(json_document(), json.clone()),
        2 => mutated(json),
        1 => vec(any::<u8>(), 0..200).prop_map(Input),
        1 => Just(Input(Vec::new())),
        1 => Just(Input(vec![b'a'; ONE_MB])),
    ];
    let structured = (
        select(METHODS),
        select(PATHS),
        vec(select(QUERIES), 0..3),
        select(AUTHS),
        select(HOSTS),
        select(CONTENT_TYPES),
        body,
    )
        .prop_map(|(method, path, query, auth, host, content_type, body)| {
            Request::Structured {
                method,
                path,
                query,
                auth,
                host,
                content_type,
                body,
            }
        });
    prop_oneof![3 => structured, 2 => mutated(http).prop_map(Request::Raw)]
}

/// The bytes on the wire, with the daemon's address and token filled in.
pub(super) fn render(request: &Request, host: &str, token: &str) -> (Vec<u8>, bool) {
    let fill = |text: &str| {
        text.replace("{HOST}", host)
            .replace("{TOKEN}", token)
            .replace("{WRONG}", &"0".repeat(token.len()))
    };
    match request {
        Request::Structured {
            method,
            path,
            query,
            auth,
            host: host_header,
            content_type,
            body,
        } => {
            let target = if query.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", query.join("&"))
            };
            let mut head = format!("{method} {target} HTTP/1.1\r\n");
            for (name, value) in [
                ("Host", host_header),
                ("Authorization", auth),
                ("Content-Type", content_type),
            ] {
                if !value.is_empty() {
                    head += &format!("{name}: {}\r\n", fill(value));
                }
            }
            head += &format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.0.len()
            );
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&body.0);
            (bytes, true)
        }
        Request::Raw(input) => {
            let text = input.0.clone();
            // Placeholders are replaced bytewise, so invalid UTF-8 around them survives.
            let mut bytes = replace(&text, b"{HOST}", host.as_bytes());
            bytes = replace(&bytes, b"{TOKEN}", token.as_bytes());
            let body_len = find(&bytes, b"\r\n\r\n").map_or(0, |i| bytes.len() - i - 4);
            bytes = replace(&bytes, b"{LENGTH}", body_len.to_string().as_bytes());
            (bytes, false)
        }
    }
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(i) = find(rest, from) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Sends `bytes` and reads until the daemon closes; the final status (after any 1xx), or
/// `None` when it closed without one. Errors are timeouts and refused connections.
pub(super) fn exchange(
    address: &str,
    bytes: &[u8],
    close_write: bool,
) -> Result<Option<u16>, String> {
    let socket = address.parse().map_err(|e| format!("{address}: {e}"))?;
    let mut stream =
        TcpStream::connect_timeout(&socket, HTTP_LIMIT).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(HTTP_LIMIT)).unwrap();
    stream.set_write_timeout(Some(HTTP_LIMIT)).unwrap();
    // The daemon may answer (401, 413) and close before it has read everything we send.
    let _ = stream.write_all(bytes);
    if close_write {
        let _ = stream.shutdown(Shutdown::Write);
    }
    let mut answer = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    let too_slow = || format!("no complete answer within {HTTP_LIMIT:?}");
    // Each look reads once: `Ok` when the daemon closed (or the read failed), `Err` while
    // the answer is still coming.
    poll(HTTP_LIMIT, Duration::ZERO, || {
        match stream.read(&mut buffer) {
            Ok(0) => Ok(Ok(())),
            Ok(n) => {
                answer.extend_from_slice(&buffer[..n]);
                Err(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(Ok(())),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(Err(too_slow()))
            }
            Err(e) => Ok(Err(format!("reading the answer: {e}"))),
        }
    })
    .map_err(|()| too_slow())??;
    let text = String::from_utf8_lossy(&answer);
    let statuses: Vec<u16> = text
        .split("\r\n")
        .filter(|line| line.starts_with("HTTP/"))
        .filter_map(|line| line.split(' ').nth(1)?.parse().ok())
        .collect();
    Ok(statuses.into_iter().find(|s| *s >= 200))
}

/// The request target of the first line, to tell which route answered.
pub(super) fn request_path(bytes: &[u8]) -> String {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(line)
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn fuzz_http_api_answers_without_5xx_and_the_daemon_survives() {
    let app = spawn_app();
    let mut daemon = app.start_daemon();
    let address = app.listen_address();
    let token = std::fs::read_to_string(app.state_dir().join("api-token"))
        .expect("the daemon wrote its API token")
        .trim()
        .to_string();
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<String, u32>::new());
    let daemon_cell = std::cell::RefCell::new(&mut daemon.child);
    fuzz("http", cases(300), 16, request(), |request| {
        let (bytes, well_formed) = render(&request, &address, &token);
        let answer = exchange(&address, &bytes, !well_formed);
        if let Ok(Some(status)) = daemon_cell.borrow_mut().try_wait() {
            return Err(fail(
                "http",
                &bytes,
                format!("the daemon died ({status}): {}", app.daemon_log()),
            ));
        }
        let status = answer.map_err(|why| fail("http", &bytes, why))?;
        let path = request_path(&bytes);
        *statuses
            .borrow_mut()
            .entry(status.map_or("closed".into(), |s| s.to_string()))
            .or_default() += 1;
        match status {
            None if well_formed => Err(fail("http", &bytes, "closed without an answer".into())),
            None => Ok(()),
            // `/healthz` answers 503 while the store cannot write (docs/web.md, "Endpoints").
            Some(503) if path.starts_with("/healthz") => Ok(()),
            Some(status) if (100..500).contains(&status) => Ok(()),
            Some(status) => Err(fail(
                "http",
                &bytes,
                format!("{path} answered {status}: {}", app.daemon_log()),
            )),
        }
    });
    eprintln!("http: answers by status {:?}", statuses.borrow());
    let (status, body) = crate::helpers::get(&format!("http://{address}/healthz"))
        .expect("/healthz still answers after the fuzz run");
    assert!(
        matches!(status, 200 | 503),
        "/healthz answered {status}: {body}"
    );
    assert!(
        daemon.child.try_wait().unwrap().is_none(),
        "the daemon is alive"
    );
    assert_eq!(
        daemon.terminate().code(),
        Some(0),
        "and stops cleanly: {}",
        app.daemon_log()
    );
}
